"""Image regressors over HTTP: images with numbers, ridge on backbone features, errors reported."""

from __future__ import annotations

import random
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.vision_service.support import VisionClient, assert_error, encode, ok

BASE = "/vision/v2/image_regressors"


def covered(fraction: float, seed: int) -> Image.Image:
    """A pale image whose left `fraction` of the width is painted dark red (a little jitter)."""
    rng = random.Random(seed)
    w, h = rng.randint(260, 360), rng.randint(220, 300)
    image = Image.new("RGB", (w, h), (235, 235, 220))
    ImageDraw.Draw(image).rectangle((0, 0, round(fraction * w), h), fill=(150, 20, 30))
    return image


def samples(values: list[float], seed: int) -> list[dict[str, Any]]:
    return [{"image": encode(covered(v, seed + i)), "value": v} for i, v in enumerate(values)]


TRAIN = [i / 20 for i in range(1, 20)]
TEST = [0.12, 0.33, 0.5, 0.68, 0.9]


async def trained(api: VisionClient, name: str = "cover") -> dict[str, Any]:
    ok(await api.post(BASE, json={"name": name, "load_from_store": False}))
    ok(await api.post(f"{BASE}/{name}/training_samples", json=samples(TRAIN, 0)))
    ok(await api.post(f"{BASE}/{name}/testing_samples", json=samples(TEST, 500)))
    details: dict[str, Any] = ok(
        await api.post(f"{BASE}/{name}/train", json={"immediate_mode": True})
    )
    return details


async def test_train_reports_errors_and_retrieve_estimates_values(api: VisionClient) -> None:
    details = await trained(api)
    assert details["training_stamp"] and details["clsfr_algorithm"] == "ridge"
    assert details["num_training_samples"] == len(TRAIN)
    assert details["num_testing_samples"] == len(TEST)
    for key in ("training_mae", "training_rmse", "testing_mae", "testing_rmse", "testing_r2"):
        assert isinstance(details[key], float), key
    # Better than always answering the training mean, by a wide margin.
    assert details["testing_mae"] < details["testing_baseline_mae"] / 2
    assert details["testing_r2"] > 0.6
    estimates = []
    for v in (0.1, 0.5, 0.9):
        got = ok(await api.post(f"{BASE}/cover/retrieve", json={"image": encode(covered(v, 900))}))
        assert set(got) == {"value"}
        estimates.append(got["value"])
    assert estimates == sorted(estimates)
    assert abs(estimates[1] - 0.5) < 0.25


async def test_samples_carry_their_values(api: VisionClient) -> None:
    ok(await api.post(BASE, json={"name": "cover", "load_from_store": False}))
    added = ok(await api.post(f"{BASE}/cover/training_samples", json=samples([0.25, 3], 0)))
    assert [s["value"] for s in added] == [0.25, 3.0]
    changed = ok(
        await api.put(
            f"{BASE}/cover/training_samples", json=[{"uuid": added[0]["uuid"], "value": -1.5}]
        )
    )
    assert changed[0]["value"] == -1.5 and changed[0]["image"] == added[0]["image"]
    listed = ok(await api.get(f"{BASE}/cover/training_samples"))
    assert [s["value"] for s in listed] == [-1.5, 3.0]


@pytest.mark.parametrize("value", [None, "0.5", True, [1]])
async def test_a_sample_without_a_number_is_a_400(api: VisionClient, value: Any) -> None:
    ok(await api.post(BASE, json={"name": "cover", "load_from_store": False}))
    sample = {"image": encode(covered(0.5, 1)), "value": value}
    assert_error(await api.post(f"{BASE}/cover/training_samples", json=[sample]), 400)
    assert ok(await api.get(f"{BASE}/cover/training_samples")) == []


async def test_training_needs_two_different_values(api: VisionClient) -> None:
    ok(await api.post(BASE, json={"name": "flat", "load_from_store": False}))
    ok(await api.post(f"{BASE}/flat/training_samples", json=samples([0.5, 0.5], 0)))
    body = assert_error(await api.post(f"{BASE}/flat/train", json={}), 400)
    assert "2 different values" in body["detail"]
    assert_error(await api.post(f"{BASE}/flat/train", json={"clsfr_algorithm": "svm"}), 400)


async def test_classifier_only_routes_and_params_are_absent(api: VisionClient) -> None:
    await trained(api)
    assert (await api.get(f"{BASE}/cover/labels")).status_code in (404, 405)
    curate = {"matrix_name": "train", "true_label": "a", "predicted_label": "a"}
    assert (await api.post(f"{BASE}/cover/curate", json=curate)).status_code in (404, 405)
    assert_error(await api.post(f"{BASE}/cover/params", json={"threshold": 0.5}), 400)
    ok(await api.post(f"{BASE}/cover/params", json={"long_name": "Coverage"}))
    assert ok(await api.get(f"{BASE}/cover"))["long_name"] == "Coverage"


async def test_the_older_path_and_another_tenant(
    api: VisionClient, other_api: VisionClient
) -> None:
    await trained(api)
    image = {"image": encode(covered(0.4, 3))}
    assert "value" in ok(await api.post("/nlu/v2/image_regressors/cover/retrieve", json=image))
    for call in (
        other_api.get(f"{BASE}/cover"),
        other_api.post(f"{BASE}/cover/retrieve", json=image),
        other_api.get(f"{BASE}/cover/training_samples"),
        other_api.post(f"{BASE}/cover/train", json={}),
        other_api.delete(f"{BASE}/cover"),
    ):
        assert_error(await call, 404)
    assert ok(await other_api.get(BASE)) == []
