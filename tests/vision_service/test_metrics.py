"""The vision service's readiness (and its gauge) and the backbone's batch histograms."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from shared import ModelStoreClient
from tests.prometheus import sample
from tests.vision_service.support import BASE, SECRET, VisionClient, labelled, ok

BACKBONE = "efficientnet_lite0"


async def metrics_text(app: FastAPI) -> str:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://vision.test"
    ) as raw:
        response = await raw.get("/metrics")
    assert response.status_code == 200
    return response.text


async def test_backbone_batches_are_timed_and_sized(vision_app: FastAPI, api: VisionClient) -> None:
    before = await metrics_text(vision_app)
    ok(await api.post(BASE, json={"name": "m", "load_from_store": False}))
    ok(await api.post(f"{BASE}/m/training_samples", json=labelled(3)))
    ok(await api.post(f"{BASE}/m/train", json={"immediate_mode": True}))
    after = await metrics_text(vision_app)
    for name in ("baobab_inference_seconds_count", "baobab_encoder_batch_size_count"):
        assert (sample(after, name, backbone=BACKBONE) or 0) > (
            sample(before, name, backbone=BACKBONE) or 0
        ), name
    # The six training images went through the backbone.
    sizes = (sample(after, "baobab_encoder_batch_size_sum", backbone=BACKBONE) or 0) - (
        sample(before, "baobab_encoder_batch_size_sum", backbone=BACKBONE) or 0
    )
    assert sizes >= 6


async def test_ready_reports_models_database_and_redis_and_sets_the_gauge(
    vision_app: FastAPI, redis_url: str | None
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(vision_app), base_url="http://vision.test"
    ) as raw:
        ready = await raw.get("/ready")
        assert ready.status_code == 200
        assert ready.json() == {
            "ready": True,
            "backbone": "warm",
            "models": "warm",
            "model_store": "ok",
            "database": "ok",
            "redis": "ok" if redis_url else "disabled",
            # Detectors too where torch imports (BAOBAB_TRAIN_DETECTORS=auto): test_trainers.py.
            "trains": vision_app.state.worker.model_types,
        }
        assert {"image_classifier", "image_regressor"} <= set(ready.json()["trains"])
        assert sample(await metrics_text(vision_app), "baobab_ready") == 1
        # A model store nobody answers at: not ready (503), and the gauge says 0.
        healthy = vision_app.state.store
        vision_app.state.store = ModelStoreClient("http://127.0.0.1:1", SECRET, timeout=2)
        try:
            ready = await raw.get("/ready")
            assert ready.status_code == 503, ready.text
            body = ready.json()
            assert body["model_store"] == "unreachable" and body["database"] == "unreachable"
            assert sample(await metrics_text(vision_app), "baobab_ready") == 0
        finally:
            await vision_app.state.store.aclose()
            vision_app.state.store = healthy
        assert (await raw.get("/ready")).status_code == 200
