"""Training jobs on `/metrics`: the jobs in each state (from the database), and run times."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from model_store.app import create_app
from model_store.config import Settings
from shared import SYSTEM_TENANT, create_db_engine
from tests.model_store.conftest import signed_client
from tests.prometheus import sample

STATES = ("queued", "running", "succeeded", "failed")
DURATION = "baobab_training_job_duration_seconds_count"


@pytest.fixture
async def app(store_settings: Settings) -> AsyncIterator[FastAPI]:
    """A store app of its own whose job gauge is recounted every 50 ms."""
    app = create_app(store_settings.model_copy(update={"job_metrics_interval_s": 0.05}))
    async with LifespanManager(app):
        yield app


async def metrics_text(app: FastAPI) -> str:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://model-store"
    ) as raw:
        response = await raw.get("/metrics")
    assert response.status_code == 200
    return response.text


def job_counts(text: str) -> dict[str, float]:
    counts = {state: sample(text, "baobab_training_jobs", state=state) for state in STATES}
    assert None not in counts.values(), counts  # every state is there, zero or not
    return {state: value or 0.0 for state, value in counts.items()}


async def wait_for_counts(
    app: FastAPI, check: Callable[[dict[str, float]], bool], timeout_s: float = 10.0
) -> dict[str, float]:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        counts = job_counts(await metrics_text(app))
        if check(counts):
            return counts
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"job counts on /metrics never matched: {counts}")
        await asyncio.sleep(0.05)


async def test_job_states_and_run_times_reach_metrics(
    app: FastAPI, store_settings: Settings, tenant: str, service: str
) -> None:
    secret = store_settings.internal_secret
    async with (
        signed_client(app, secret, tenant) as api,
        signed_client(app, secret, SYSTEM_TENANT) as system,
    ):
        created = await api.post(
            "/models", json={"model_type": "text_classifier", "name": "m", "load_from_store": False}
        )
        assert created.status_code == 200, created.text
        # Other tests' jobs are in the same database: the counts move by ours. Wait for
        # one recount after the app started, so the baseline is the database's.
        await asyncio.sleep(0.1)
        base = job_counts(await metrics_text(app))
        text = await metrics_text(app)
        succeeded_before = sample(text, DURATION, model_type="text_classifier", outcome="succeeded")
        failed_before = sample(text, DURATION, model_type="text_classifier", outcome="failed")

        async def queue_and_claim() -> str:
            queued = await api.post("/models/text_classifier/m/jobs", json={"service": service})
            assert queued.status_code == 200, queued.text
            await wait_for_counts(app, lambda c: c["queued"] == base["queued"] + 1)
            claimed = await system.post(
                "/jobs/claim", json={"service": service, "worker_id": "w", "lease_s": 30}
            )
            assert claimed.status_code == 200, claimed.text
            job_id: str = claimed.json()["id"]
            return job_id

        first = await queue_and_claim()
        await wait_for_counts(
            app,
            lambda c: c["running"] == base["running"] + 1 and c["queued"] == base["queued"],
        )
        done = await system.post(
            f"/jobs/{first}/complete",
            json={
                "worker_id": "w",
                "artifact_b64": base64.b64encode(b"weights").decode(),
                "labels": ["a"],
                "metrics": {},
            },
        )
        assert done.status_code == 200 and done.json()["state"] == "succeeded", done.text
        # The run time is observed as the finishing call commits, before it answers.
        text = await metrics_text(app)
        assert (
            sample(text, DURATION, model_type="text_classifier", outcome="succeeded")
            == (succeeded_before or 0) + 1
        )
        await wait_for_counts(
            app,
            lambda c: c["succeeded"] == base["succeeded"] + 1 and c["running"] == base["running"],
        )

        second = await queue_and_claim()
        failed = await system.post(f"/jobs/{second}/fail", json={"worker_id": "w", "error": "x"})
        assert failed.status_code == 200 and failed.json()["state"] == "failed", failed.text
        text = await metrics_text(app)
        assert (
            sample(text, DURATION, model_type="text_classifier", outcome="failed")
            == (failed_before or 0) + 1
        )
        # A finish that is refused (the job is no longer this worker's) observes nothing.
        again = await system.post(f"/jobs/{second}/fail", json={"worker_id": "w", "error": "x"})
        assert again.status_code == 409
        text = await metrics_text(app)
        assert (
            sample(text, DURATION, model_type="text_classifier", outcome="failed")
            == (failed_before or 0) + 1
        )
        await wait_for_counts(
            app,
            lambda c: (
                c["failed"] == base["failed"] + 1
                and c["succeeded"] == base["succeeded"] + 1
                and c["running"] == base["running"]
                and c["queued"] == base["queued"]
            ),
        )


async def test_ready_sets_the_ready_gauge(app: FastAPI, tmp_path: Path) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://model-store"
    ) as raw:
        ready = await raw.get("/ready")
        assert ready.status_code == 200 and ready.json() == {"ready": True, "database": "ok"}
        assert sample(await metrics_text(app), "baobab_ready") == 1
        # A directory is not a database file: the store is not ready, and /metrics says so.
        healthy = app.state.engine
        app.state.engine = create_db_engine(f"sqlite+aiosqlite:///{tmp_path}")
        try:
            ready = await raw.get("/ready")
            assert ready.status_code == 503 and ready.json()["database"] == "unreachable"
            assert sample(await metrics_text(app), "baobab_ready") == 0
        finally:
            await app.state.engine.dispose()
            app.state.engine = healthy
        assert (await raw.get("/ready")).status_code == 200
        assert sample(await metrics_text(app), "baobab_ready") == 1
