"""The vision app's probes and metrics."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from tests.vision_service.support import BASE, VisionClient, labelled, ok


async def test_ready_and_the_backbone_queue_on_metrics(
    vision_app: FastAPI, api: VisionClient
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(vision_app), base_url="http://vision.test"
    ) as raw:
        ready = (await raw.get("/ready")).json()
        assert ready["ready"] is True and ready["backbone"] == "warm"
        ok(await api.post(BASE, json={"name": "m", "load_from_store": False}))
        ok(await api.post(f"{BASE}/m/training_samples", json=labelled(3)))
        ok(await api.post(f"{BASE}/m/train", json={"immediate_mode": True}))
        text = (await raw.get("/metrics")).text
    found = re.search(r'baobab_encoder_texts_total\{backbone="efficientnet_lite0"\} (\S+)', text)
    assert found is not None and float(found.group(1)) >= 6  # warm-up and the 6 training images
    assert 'baobab_encoder_mean_batch_size{backbone="efficientnet_lite0"}' in text
