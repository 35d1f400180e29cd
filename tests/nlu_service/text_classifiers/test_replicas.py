"""Two NLU replicas over one model store (and one Redis): a change through one is served by the other.

With Redis the other replica sees it on its very next call (the generation moved). Without
Redis each process keeps its own generations, so the other replica catches up after its
pointer TTL; that is the single-process development set-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from tests.nlu_service.conftest import NluFactory
from tests.nlu_service.support import (
    BASE,
    INTENTS,
    add_samples,
    assert_error,
    nlu_client,
    ok,
    retrieve,
    samples_of,
    top,
    train,
    trained_model,
)

POINTER_TTL_S = 0.5


@pytest.fixture(scope="module")
async def replica_b(start_nlu: NluFactory) -> AsyncIterator[FastAPI]:
    async with start_nlu(pointer_ttl_s=POINTER_TTL_S) as app:
        yield app


async def catch_up(redis_url: str | None) -> None:
    """Without Redis, let the other replica's pointer expire."""
    if redis_url is None:
        await asyncio.sleep(POINTER_TTL_S + 0.1)


async def test_a_retrain_through_one_replica_is_served_by_the_other(
    nlu_app: FastAPI, replica_b: FastAPI, tenant: str, redis_url: str | None
) -> None:
    async with nlu_client(nlu_app, tenant) as a, nlu_client(replica_b, tenant) as b:
        first = await trained_model(a, "shared")
        assert (
            top(await retrieve(b, "shared", "hello there")) == "greeting"
        )  # b now holds a pointer
        ok(await a.delete(f"{BASE}/shared/training_samples_all"))
        await add_samples(
            a, "shared", samples_of({"hi": INTENTS["greeting"], "sky": INTENTS["weather"]})
        )
        second = await train(a, "shared")
        assert second["id"] != first["id"]
        await catch_up(redis_url)
        assert top(await retrieve(b, "shared", "hello there")) == "hi"


async def test_params_set_through_one_replica_apply_in_the_other(
    nlu_app: FastAPI, replica_b: FastAPI, tenant: str, redis_url: str | None
) -> None:
    async with nlu_client(nlu_app, tenant) as a, nlu_client(replica_b, tenant) as b:
        await trained_model(a, "tuned")
        assert len(await retrieve(b, "tuned", "hello")) == 3
        ok(await a.post(f"{BASE}/tuned/params", json={"threshold": 0.5}))
        await catch_up(redis_url)
        assert [s["label"] for s in await retrieve(b, "tuned", "hello")] == ["greeting"]


async def test_a_delete_through_one_replica_is_a_404_in_the_other(
    nlu_app: FastAPI, replica_b: FastAPI, tenant: str, redis_url: str | None
) -> None:
    async with nlu_client(nlu_app, tenant) as a, nlu_client(replica_b, tenant) as b:
        await trained_model(a, "doomed")
        assert top(await retrieve(b, "doomed", "is it raining")) == "weather"
        ok(await a.delete(f"{BASE}/doomed"))
        await catch_up(redis_url)
        assert_error(
            await b.post(f"{BASE}/doomed/retrieve", json={"text": "is it raining"}),
            404,
            "not_found",
        )
        # Restored through b, a serves it again at once or after its own TTL.
        ok(await b.post(BASE, json={"name": "doomed", "load_from_store": True}))
        if redis_url:
            assert top(await retrieve(a, "doomed", "is it raining")) == "weather"


async def test_a_vaporised_then_recreated_model_is_new_everywhere(
    nlu_app: FastAPI, replica_b: FastAPI, tenant: str, redis_url: str | None
) -> None:
    async with nlu_client(nlu_app, tenant) as a, nlu_client(replica_b, tenant) as b:
        await trained_model(a, "reborn")
        assert top(await retrieve(b, "reborn", "hello")) == "greeting"
        ok(await a.post(f"{BASE}/reborn/vaporise"))
        await trained_model(a, "reborn", clsfr_algorithm="naive_bayes")
        await catch_up(redis_url)
        assert top(await retrieve(b, "reborn", "my account balance please")) == "banking"
        assert ok(await b.get(f"{BASE}/reborn"))["clsfr_algorithm"] == "naive_bayes"
