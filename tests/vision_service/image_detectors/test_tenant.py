"""Tenants' own image detectors over HTTP: boxes in samples, training, mAP, retrieve."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from PIL import Image

from tests.vision_service.conftest import signed_client
from tests.vision_service.engine.test_box_detector import SIDE, scene
from tests.vision_service.support import VisionClient, assert_error, encode, ok

BASE = "/vision/v2/image_detectors"


def sample(
    rng: np.random.Generator,
) -> tuple[dict[str, Any], list[tuple[str, float, float, float, float]]]:
    """Return a sample of a synthetic scene (boxes in fractions) and its truth in pixels."""
    pixels, truths = scene(rng)
    detections = [
        {
            "label": label,
            "box_x": x / SIDE,
            "box_y": y / SIDE,
            "box_w": w / SIDE,
            "box_h": h / SIDE,
            "id": 0,
        }
        for label, x, y, w, h in truths
    ]
    return {"image": encode(Image.fromarray(pixels), "PNG"), "detections": detections}, truths


def iou(a: dict[str, float], truth: tuple[str, float, float, float, float]) -> float:
    ax, ay, aw, ah = (a[k] * SIDE for k in ("box_x", "box_y", "box_w", "box_h"))
    _, bx, by, bw, bh = truth
    w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


@pytest.fixture(scope="module")
async def shapes(vision_app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    """A tenant with a detector trained on 24 synthetic scenes (module-wide: training takes a while)."""
    api = signed_client(vision_app, f"t-{uuid.uuid4().hex[:12]}")
    rng = np.random.default_rng(0)
    train = [sample(rng)[0] for _ in range(24)]
    test = [sample(rng)[0] for _ in range(6)]
    ok(await api.post(BASE, json={"name": "shapes", "load_from_store": False}))
    ok(await api.post(f"{BASE}/shapes/training_samples", json=train))
    ok(await api.post(f"{BASE}/shapes/testing_samples", json=test))
    # A short schedule keeps the suite quick; the default trains longer.
    train_details = {"immediate_mode": True, "num_epochs": 130}
    details = ok(await api.post(f"{BASE}/shapes/train", json=train_details))
    yield {"api": api, "details": details}
    await api.aclose()


async def test_a_trained_detector_reports_map_and_finds_new_boxes(shapes: dict[str, Any]) -> None:
    api: VisionClient = shapes["api"]
    details = shapes["details"]
    assert details["training_stamp"] and details["clsfr_algorithm"] == "box_detector"
    assert details["num_training_samples"] == 24 and details["num_testing_samples"] == 6
    assert details["testing_map"] > 0.5
    assert set(details["testing_ap"]) <= {"red", "blue"}
    assert sorted(ok(await api.get(f"{BASE}/shapes/labels"))) == ["blue", "red"]
    rng = np.random.default_rng(7)
    hits = 0
    for _ in range(4):
        pixels, truths = scene(rng)
        found = ok(
            await api.post(
                f"{BASE}/shapes/retrieve", json={"image": encode(Image.fromarray(pixels))}
            )
        )
        boxes = [d["detection"] for d in found["scored_detections"]]
        for truth in truths:
            if any(b["label"] == truth[0] and iou(b, truth) >= 0.5 for b in boxes):
                hits += 1
    assert hits >= 3
    listed = [d["name"] for d in ok(await api.get(BASE))]
    assert listed == ["generic", "shapes"]


async def test_samples_keep_their_boxes(shapes: dict[str, Any]) -> None:
    api: VisionClient = shapes["api"]
    stored = ok(await api.get(f"{BASE}/shapes/training_samples", params={"index": 0, "len": 1}))
    assert stored[0]["image"] and stored[0]["detections"]
    box = stored[0]["detections"][0]
    assert set(box) == {"label", "box_x", "box_y", "box_w", "box_h", "id"}
    assert 0 <= box["box_x"] < 1 and 0 < box["box_w"] <= 1


BAD = [
    ("outside", {"label": "red", "box_x": 0.8, "box_y": 0.1, "box_w": 0.5, "box_h": 0.2, "id": 0}),
    ("empty", {"label": "red", "box_x": 0.1, "box_y": 0.1, "box_w": 0.0, "box_h": 0.2, "id": 0}),
    (
        "negative",
        {"label": "red", "box_x": -0.1, "box_y": 0.1, "box_w": 0.2, "box_h": 0.2, "id": 0},
    ),
    ("no label", {"label": " ", "box_x": 0.1, "box_y": 0.1, "box_w": 0.2, "box_h": 0.2, "id": 0}),
]


@pytest.mark.parametrize(("what", "box"), BAD, ids=[b[0] for b in BAD])
async def test_bad_boxes_are_a_400(shapes: dict[str, Any], what: str, box: dict[str, Any]) -> None:
    api: VisionClient = shapes["api"]
    image = encode(Image.new("RGB", (100, 100)))
    assert_error(
        await api.post(
            f"{BASE}/shapes/testing_samples", json=[{"image": image, "detections": [box]}]
        ),
        400,
    )
    missing = await api.post(f"{BASE}/shapes/testing_samples", json=[{"image": image}])
    assert_error(missing, 400)
    assert len(ok(await api.get(f"{BASE}/shapes/testing_samples"))) == 6


async def test_another_tenant_cannot_see_or_touch_a_detector(
    shapes: dict[str, Any], other_api: VisionClient
) -> None:
    image = {"image": encode(Image.new("RGB", (64, 64)))}
    for call in (
        other_api.get(f"{BASE}/shapes"),
        other_api.post(f"{BASE}/shapes/retrieve", json=image),
        other_api.get(f"{BASE}/shapes/training_samples"),
        other_api.get(f"{BASE}/shapes/labels"),
        other_api.post(f"{BASE}/shapes/train", json={}),
        other_api.delete(f"{BASE}/shapes"),
    ):
        assert_error(await call, 404)
    assert [d["name"] for d in ok(await other_api.get(BASE))] == ["generic"]
