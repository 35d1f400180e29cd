"""The NLU service's series on `/metrics`: model cache hits and misses, batches, readiness."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from shared import ModelStoreClient
from tests.nlu_service.support import SECRET, NluClient, retrieve, trained_model
from tests.prometheus import sample

CACHE = "baobab_model_cache_requests_total"
Counts = dict[tuple[str, str], float]


async def metrics_text(app: FastAPI) -> str:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://nlu.test"
    ) as raw:
        response = await raw.get("/metrics")
    assert response.status_code == 200
    return response.text


def cache_counts(text: str) -> Counts:
    counts = {
        (tier, result): sample(text, CACHE, tier=tier, result=result)
        for tier in ("pointer", "head", "redis")
        for result in ("hit", "miss")
    }
    assert None not in counts.values(), counts  # every series is there from the start
    return {key: value or 0.0 for key, value in counts.items()}


def moved(before: Counts, after: Counts) -> Counts:
    return {key: after[key] - before[key] for key in after if after[key] != before[key]}


async def test_a_second_retrieve_hits_the_cache_where_the_first_missed(
    nlu_app: FastAPI, api: NluClient, redis_url: str | None
) -> None:
    await trained_model(api, "cached")
    start = cache_counts(await metrics_text(nlu_app))
    await retrieve(api, "cached", "hello there")
    first = cache_counts(await metrics_text(nlu_app))
    # Training changed the model: its record and its new head come from the store.
    first_moves = moved(start, first)
    assert first_moves.get(("pointer", "miss"), 0) >= 1
    assert first_moves.get(("head", "miss"), 0) == 1
    assert ("head", "hit") not in first_moves
    if redis_url:
        # No replica has loaded the new revision yet: Redis misses, then holds it.
        assert first_moves.get(("redis", "miss")) == 1 and ("redis", "hit") not in first_moves
    else:
        assert ("redis", "miss") not in first_moves and ("redis", "hit") not in first_moves

    await retrieve(api, "cached", "what is the weather like")
    second_moves = moved(first, cache_counts(await metrics_text(nlu_app)))
    assert second_moves.get(("pointer", "hit"), 0) >= 1
    assert second_moves.get(("head", "hit"), 0) >= 1
    assert set(second_moves) <= {("pointer", "hit"), ("head", "hit")}, second_moves


async def test_encoder_batches_are_timed_and_sized_per_backbone(
    nlu_app: FastAPI, api: NluClient
) -> None:
    before = await metrics_text(nlu_app)
    response = await api.post(
        "/nlu/v2/emotion_classifiers/generic/retrieve", json={"text": "I am so happy today"}
    )
    assert response.status_code == 200, response.text
    after = await metrics_text(nlu_app)
    for name in ("baobab_inference_seconds_count", "baobab_encoder_batch_size_count"):
        assert (sample(after, name, backbone="minilm") or 0) > (
            sample(before, name, backbone="minilm") or 0
        ), name
    assert (sample(after, "baobab_inference_seconds_sum", backbone="minilm") or 0) > 0


async def test_ready_reports_models_database_and_redis_and_sets_the_gauge(
    nlu_app: FastAPI, redis_url: str | None
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(nlu_app), base_url="http://nlu.test"
    ) as raw:
        ready = await raw.get("/ready")
        assert ready.status_code == 200
        assert ready.json() == {
            "ready": True,
            "encoder": "warm",
            "models": "warm",
            "model_store": "ok",
            "database": "ok",
            "redis": "ok" if redis_url else "disabled",
        }
        assert sample(await metrics_text(nlu_app), "baobab_ready") == 1
        # A model store nobody answers at: not ready (503), and the gauge says 0.
        healthy = nlu_app.state.store
        nlu_app.state.store = ModelStoreClient("http://127.0.0.1:1", SECRET, timeout=2)
        try:
            ready = await raw.get("/ready")
            assert ready.status_code == 503, ready.text
            body = ready.json()
            assert body["model_store"] == "unreachable" and body["database"] == "unreachable"
            assert sample(await metrics_text(nlu_app), "baobab_ready") == 0
        finally:
            await nlu_app.state.store.aclose()
            nlu_app.state.store = healthy
        assert (await raw.get("/ready")).status_code == 200
