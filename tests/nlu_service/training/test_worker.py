"""The training worker, driven by hand: no worker runs in this module's NLU app.

So a queued job stays queued until a test runs the worker, and what retrieve answers in
between is deterministic.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from nlu_service.training.worker import TrainingOutcome, TrainingWorker
from shared import ModelStoreClient
from tests.nlu_service.conftest import NluFactory
from tests.nlu_service.support import (
    BASE,
    INTENTS,
    NluClient,
    add_samples,
    assert_error,
    create_model,
    nlu_client,
    ok,
    retrieve,
    samples_of,
    top,
    wait_until,
)


@pytest.fixture(scope="module")
async def nlu_app(start_nlu: NluFactory) -> AsyncIterator[FastAPI]:
    """This module's app, its worker switched off: tests call `worker.run_once()`."""
    async with start_nlu(worker_enabled=False, immediate_mode_timeout_s=20) as app:
        yield app


def worker_of(app: FastAPI) -> TrainingWorker:
    worker: TrainingWorker = app.state.worker
    return worker


async def test_the_previous_revision_answers_while_a_job_is_queued_or_running(
    api: NluClient, nlu_app: FastAPI
) -> None:
    worker = worker_of(nlu_app)
    await create_model(api, "steady")
    await add_samples(api, "steady", samples_of(INTENTS))
    queued = ok(await api.post(f"{BASE}/steady/train", json={}))
    assert queued["training_stamp"] == ""
    assert_error(
        await api.post(f"{BASE}/steady/retrieve", json={"text": "hi"}), 400, "invalid_input"
    )
    assert await worker.run_once()
    first = ok(await api.get(f"{BASE}/steady"))
    assert first["training_stamp"]
    assert top(await retrieve(api, "steady", "hello there")) == "greeting"

    # Relabel everything and queue a retrain: the job waits, revision 1 keeps answering.
    ok(await api.delete(f"{BASE}/steady/training_samples_all"))
    await add_samples(
        api, "steady", samples_of({"hi": INTENTS["greeting"], "sky": INTENTS["weather"]})
    )
    queued = ok(await api.post(f"{BASE}/steady/train", json={}))
    assert queued["training_stamp"] == "" and queued["id"] == first["id"]
    for _ in range(3):
        assert top(await retrieve(api, "steady", "hello there")) == "greeting"

    # While the worker trains, every answer comes from one revision or the other.
    running = asyncio.create_task(worker.run_once())
    seen = set()
    while not running.done():
        seen.add(top(await retrieve(api, "steady", "hello there")))
        await asyncio.sleep(0.01)
    assert await running
    assert seen <= {"greeting", "hi"}
    assert top(await retrieve(api, "steady", "hello there")) == "hi"
    assert ok(await api.get(f"{BASE}/steady"))["training_stamp"]


async def test_a_job_that_cannot_train_fails_with_its_reason(
    api: NluClient, nlu_app: FastAPI, store: ModelStoreClient
) -> None:
    worker = worker_of(nlu_app)
    await create_model(api, "fails")
    await add_samples(api, "fails", samples_of(INTENTS))
    ok(await api.post(f"{BASE}/fails/train", json={}))
    # The samples go away after the job was queued (the checks before queuing passed).
    await store.delete_all_samples(api.tenant, "text_classifier", "fails", "training")
    failed_before = worker.jobs_failed
    assert await worker.run_once()
    assert worker.jobs_failed == failed_before + 1
    details = ok(await api.get(f"{BASE}/fails"))
    assert "no training samples" in details["training_error"]
    assert details["training_stamp"] == ""


async def test_immediate_mode_answers_400_when_its_job_fails(
    api: NluClient, nlu_app: FastAPI, store: ModelStoreClient
) -> None:
    worker = worker_of(nlu_app)
    await create_model(api, "broken")
    await add_samples(api, "broken", samples_of(INTENTS))
    waiting = asyncio.create_task(api.post(f"{BASE}/broken/train", json={"immediate_mode": True}))

    async def queued() -> bool:
        return (await store.get_model(api.tenant, "text_classifier", "broken"))[
            "active_job"
        ] is not None

    await wait_until(queued)
    await store.delete_all_samples(api.tenant, "text_classifier", "broken", "training")
    assert await worker.run_once()
    body = assert_error(await waiting, 400, "invalid_input")
    assert "failed" in body["detail"] and "no training samples" in body["detail"]


async def test_immediate_mode_gives_up_waiting_with_an_empty_stamp(
    start_nlu: NluFactory, tenant: str
) -> None:
    async with start_nlu(worker_enabled=False, immediate_mode_timeout_s=0.3) as app:
        async with nlu_client(app, tenant) as api:
            await create_model(api, "slow")
            await add_samples(api, "slow", samples_of(INTENTS))
            details = ok(await api.post(f"{BASE}/slow/train", json={"immediate_mode": True}))
            assert details["training_stamp"] == ""
            assert await worker_of(app).run_once()
            assert ok(await api.get(f"{BASE}/slow"))["training_stamp"]


async def test_no_job_means_no_work(nlu_app: FastAPI) -> None:
    assert await worker_of(nlu_app).run_once() is False


@pytest.fixture
def service() -> str:
    return f"workertest_{uuid.uuid4().hex[:10]}"


async def test_the_worker_claims_only_the_model_types_it_has_trainers_for(
    nlu_app: FastAPI, store: ModelStoreClient, tenant: str, service: str
) -> None:
    assert "text_classifier" in worker_of(nlu_app).model_types
    assert "mystery_model" not in worker_of(nlu_app).model_types
    await store.create_model(tenant, "mystery_model", "m1")
    job = await store.create_job(tenant, "mystery_model", "m1", service, {})

    async def mystery_trainer(claimed: dict[str, Any]) -> TrainingOutcome:
        return TrainingOutcome(artifact=b"mystery", labels=["a", "b"], metrics={})

    # A worker without its trainer leaves the job queued (it names its types in the claim)...
    others = TrainingWorker(store, {"text_classifier": mystery_trainer}, service=service)
    assert others.model_types == ["text_classifier"]
    assert await others.run_once() is False
    waiting = await store.get_job(tenant, job["id"])
    assert waiting["state"] == "queued" and waiting["attempts"] == 0
    # ...as does one with no trainer at all; the worker that has it trains it.
    assert await TrainingWorker(store, {}, service=service).run_once() is False
    able = TrainingWorker(
        store, {"mystery_model": mystery_trainer, "text_classifier": mystery_trainer},
        service=service,
    )  # fmt: skip
    assert able.model_types == ["mystery_model", "text_classifier"]
    assert await able.run_once()
    done = await store.get_job(tenant, job["id"])
    assert done["state"] == "succeeded" and done["worker_id"] == able.worker_id


async def test_heartbeats_keep_the_lease_of_a_long_job(
    store: ModelStoreClient, tenant: str, service: str
) -> None:
    await store.create_model(tenant, "text_classifier", "long")
    job = await store.create_job(tenant, "text_classifier", "long", service, {})
    trained: list[str] = []

    async def slow_trainer(claimed: dict[str, Any]) -> TrainingOutcome:
        await asyncio.sleep(1.5)  # three leases long
        return TrainingOutcome(
            artifact=b"artifact", labels=["a", "b"], metrics={"m": 1}, message="slow"
        )

    async def on_trained(claimed: dict[str, Any]) -> None:
        trained.append(claimed["id"])

    worker = TrainingWorker(
        store,
        {"text_classifier": slow_trainer},
        service=service,
        lease_s=0.5,
        heartbeat_s=0.1,
        on_trained=on_trained,
    )
    rival = TrainingWorker(store, {}, service=service, lease_s=0.5)
    running = asyncio.create_task(worker.run_once())
    await asyncio.sleep(0.8)  # past the first lease: without heartbeats the rival could claim it
    assert await rival.run_once() is False
    assert await running
    assert trained == [job["id"]]
    done = await store.get_job(tenant, job["id"])
    assert done["state"] == "succeeded" and done["attempts"] == 1
    assert (await store.get_model(tenant, "text_classifier", "long"))["current_revision"][
        "id"
    ] == done["revision_id"]


async def test_a_worker_that_lost_its_lease_does_not_complete(
    store: ModelStoreClient, tenant: str, service: str
) -> None:
    await store.create_model(tenant, "text_classifier", "lost")
    job = await store.create_job(tenant, "text_classifier", "lost", service, {})
    gate = asyncio.Event()

    async def stuck_trainer(claimed: dict[str, Any]) -> TrainingOutcome:
        await gate.wait()
        return TrainingOutcome(artifact=b"late", labels=["a", "b"], metrics={})

    # Heartbeats slower than the lease: the lease runs out while training.
    worker = TrainingWorker(store, {"text_classifier": stuck_trainer}, service=service, lease_s=0.3)
    worker.heartbeat_s = 5.0
    running = asyncio.create_task(worker.run_once())
    await asyncio.sleep(0.5)

    async def fast_trainer(claimed: dict[str, Any]) -> TrainingOutcome:
        return TrainingOutcome(artifact=b"rival", labels=["a", "b"], metrics={})

    rival = TrainingWorker(store, {"text_classifier": fast_trainer}, service=service, lease_s=30)
    assert await rival.run_once()
    gate.set()
    assert await running
    done = await store.get_job(tenant, job["id"])
    assert done["state"] == "succeeded" and done["worker_id"] == rival.worker_id
    revision = (await store.get_model(tenant, "text_classifier", "lost"))["current_revision"]
    assert await store.get_artifact(tenant, revision["id"]) == b"rival"


async def test_a_model_trashed_while_training_gets_no_revision(
    store: ModelStoreClient, tenant: str, service: str
) -> None:
    await store.create_model(tenant, "text_classifier", "binned")
    job = await store.create_job(tenant, "text_classifier", "binned", service, {})
    trained: list[str] = []

    async def trainer_that_outlives_its_model(claimed: dict[str, Any]) -> TrainingOutcome:
        await store.trash_model(tenant, "text_classifier", "binned")
        return TrainingOutcome(artifact=b"artifact", labels=["a", "b"], metrics={}, message="")

    async def on_trained(claimed: dict[str, Any]) -> None:
        trained.append(claimed["id"])

    worker = TrainingWorker(
        store, {"text_classifier": trainer_that_outlives_its_model}, service=service,
        on_trained=on_trained,
    )  # fmt: skip
    succeeded_before = worker.jobs_succeeded
    assert await worker.run_once()
    assert trained == [] and worker.jobs_succeeded == succeeded_before
    done = await store.get_job(tenant, job["id"])
    assert done["state"] == "failed" and "deleted" in done["error"]
    restored = await store.create_model(tenant, "text_classifier", "binned", load_from_store=True)
    assert restored["current_revision"] is None
