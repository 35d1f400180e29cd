"""Which replicas train what: image detectors need torch, so only a replica with it trains them.

The runtime image has no torch: its replicas train image classifiers and regressors, and a
detector job waits, queued, for a replica of the trainer image. `BAOBAB_TRAIN_DETECTORS=false`
stands in for a replica without torch (this test venv has it); retrieve is run with torch
made unimportable.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from PIL import Image

from shared import ModelStoreClient
from tests.nlu_service.support import wait_until
from tests.vision_service.conftest import signed_client, started
from tests.vision_service.engine.test_box_detector import SIDE, scene
from tests.vision_service.support import encode, ok
from vision_service.app import create_app
from vision_service.config import Settings

BASE = "/vision/v2/image_detectors"
WITHOUT_DETECTORS = ["image_classifier", "image_regressor"]


def samples(seed: int, n: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        pixels, truths = scene(rng)
        detections = [
            {"label": label, "box_x": x / SIDE, "box_y": y / SIDE, "box_w": w / SIDE,
             "box_h": h / SIDE, "id": 0}
            for label, x, y, w, h in truths
        ]  # fmt: skip
        out.append({"image": encode(Image.fromarray(pixels), "PNG"), "detections": detections})
    return out


async def ready_of(app: FastAPI) -> dict[str, Any]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://vision.test"
    ) as raw:
        response = await raw.get("/ready")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
async def cpu_app(
    vision_store_app: FastAPI, vision_settings: Callable[..., Settings]
) -> AsyncIterator[FastAPI]:
    """A replica as the runtime image runs it: no detector training."""
    async with started(vision_store_app, vision_settings(train_detectors=False)) as app:
        yield app


async def test_ready_says_what_the_replica_trains(cpu_app: FastAPI) -> None:
    ready = await ready_of(cpu_app)
    assert ready["ready"] is True and ready["backbone"] == "warm"
    assert ready["trains"] == WITHOUT_DETECTORS
    assert cpu_app.state.worker.model_types == WITHOUT_DETECTORS


async def test_a_detector_job_waits_for_a_replica_that_can_train_it(
    cpu_app: FastAPI,
    vision_store_app: FastAPI,
    vision_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    store: ModelStoreClient = cpu_app.state.store
    async with signed_client(cpu_app, tenant) as api:
        ok(await api.post(BASE, json={"name": "boxes", "load_from_store": False}))
        ok(await api.post(f"{BASE}/boxes/training_samples", json=samples(0, 6)))
        ok(await api.post(f"{BASE}/boxes/train", json={"num_epochs": 10}))
        # The replica's worker polls every 0.2 s: it has had many chances to claim the job.
        worker = cpu_app.state.worker
        assert await worker.run_once() is False
        record = await store.get_model(tenant, "image_detector", "boxes")
        job = record["active_job"]
        assert job["state"] == "queued" and job["attempts"] == 0 and job["worker_id"] is None
        assert ok(await api.get(f"{BASE}/boxes"))["training_stamp"] == ""

        # A replica with torch (the trainer image) comes up and trains it.
        async with started(vision_store_app, vision_settings(train_detectors=True)) as trainer:
            assert (await ready_of(trainer))["trains"] == sorted(
                [*WITHOUT_DETECTORS, "image_detector"]
            )

            async def trained() -> bool:
                state = (await store.get_job(tenant, job["id"]))["state"]
                assert state != "failed"
                return bool(state == "succeeded")

            await wait_until(trained, timeout_s=180)
        done = await store.get_job(tenant, job["id"])
        assert done["worker_id"] != worker.worker_id

        # Retrieve on the replica without torch: it never imports it.
        monkeypatch.setitem(sys.modules, "torch", None)
        found = ok(
            await api.post(
                f"{BASE}/boxes/retrieve",
                json={"image": encode(Image.fromarray(scene(np.random.default_rng(5))[0]))},
            )
        )
        assert isinstance(found["scored_detections"], list)
        assert ok(await api.get(f"{BASE}/boxes"))["training_stamp"]


def test_auto_trains_detectors_only_where_torch_imports(
    vision_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert vision_settings().train_detectors == "auto"
    assert vision_settings().trains_detectors is True  # the test venv has torch
    assert vision_settings(train_detectors=False).trains_detectors is False
    monkeypatch.setitem(sys.modules, "torch", None)  # as in the runtime image
    assert vision_settings().trains_detectors is False
    with pytest.raises(ValueError, match="torch cannot be imported"):
        _ = vision_settings(train_detectors=True).trains_detectors
    # Asked to train detectors without torch, the app refuses to start.
    with pytest.raises(ValueError, match="BAOBAB_TRAIN_DETECTORS"):
        create_app(vision_settings(train_detectors=True))


@pytest.mark.parametrize(("raw", "expected"), [("auto", "auto"), ("false", False), ("1", True)])
def test_train_detectors_reads_the_environment(
    raw: str, expected: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BAOBAB_TRAIN_DETECTORS", raw)
    assert Settings(environment="test").train_detectors == expected


def test_a_bad_train_detectors_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BAOBAB_TRAIN_DETECTORS", "sometimes")
    with pytest.raises(ValueError, match="train_detectors"):
        Settings(environment="test")
