"""`/vision/v2/image_detectors`: the pre-built `generic` COCO detector through the vision app."""

from __future__ import annotations

import base64
import io
import random

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from tests.vision_service.support import (
    BEE_PHOTO,
    IMAGE_LIMIT,
    VisionClient,
    assert_error,
    discs,
    encode,
    ok,
)

BASE = "/vision/v2/image_detectors"
BEE = BEE_PHOTO


async def test_the_list_and_details_show_the_generic_detector(
    api: VisionClient, other_api: VisionClient
) -> None:
    listed = ok(await api.get(BASE))
    assert [d["name"] for d in listed] == ["generic"]
    details = ok(await api.get(f"{BASE}/generic"))
    assert details == listed[0]
    assert details["readonly"] is True and details["id"]
    # Every tenant sees the same pre-built detector.
    assert ok(await other_api.get(f"{BASE}/generic")) == details


async def test_retrieve_answers_the_spec_shape_in_fractions_of_the_image(api: VisionClient) -> None:
    if not BEE.is_file():
        pytest.skip(f"the sample photo {BEE} is not here")
    image = Image.open(BEE)
    body = ok(await api.post(f"{BASE}/generic/retrieve", json={"image": encode(image, "PNG")}))
    assert set(body) == {"scored_detections"}
    found = body["scored_detections"]
    assert found, "the bee should be found (as a bird: COCO has no bees)"
    probabilities = [d["probability"] for d in found]
    assert probabilities == sorted(probabilities, reverse=True)
    for scored in found:
        det = scored["detection"]
        assert set(det) == {"label", "box_x", "box_y", "box_w", "box_h", "id"}
        assert isinstance(det["id"], int) and 0 <= det["id"] < 80
        assert 0.3 <= scored["probability"] <= 1
        assert det["box_w"] > 0 and det["box_h"] > 0
        assert det["box_x"] >= 0 and det["box_x"] + det["box_w"] <= 1.0001
        assert det["box_y"] >= 0 and det["box_y"] + det["box_h"] <= 1.0001
    top = found[0]["detection"]
    assert top["label"] == "bird" and top["id"] == 14
    # The bee is at about (263, 228) of this 500 x 375 photo.
    assert 180 < (top["box_x"] + top["box_w"] / 2) * image.width < 350
    assert 120 < (top["box_y"] + top["box_h"] / 2) * image.height < 330


async def test_an_image_without_objects_gives_an_empty_list(api: VisionClient) -> None:
    blank = Image.new("RGB", (400, 300), (128, 128, 128))
    body = ok(await api.post(f"{BASE}/generic/retrieve", json={"image": encode(blank)}))
    assert body == {"scored_detections": []}


async def test_bad_images_are_400_and_oversized_ones_413(api: VisionClient) -> None:
    url = f"{BASE}/generic/retrieve"
    not_an_image = base64.b64encode(b"not an image at all").decode()
    assert_error(await api.post(url, json={"image": not_an_image}), 400)
    assert_error(await api.post(url, json={"image": "%%% not base64"}), 400)
    assert_error(await api.post(url, json={}), 400)
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buffer, format="BMP")
    body = assert_error(
        await api.post(url, json={"image": base64.b64encode(buffer.getvalue()).decode()}), 400
    )
    assert body["reason"] == "unsupported_format"
    # Over the byte limit (IMAGE_LIMIT) and over the pixel limit (4 million in the fixture).
    noise = Image.frombytes("RGB", (400, 400), random.Random(7).randbytes(400 * 400 * 3))
    big = encode(noise, "PNG")
    assert len(base64.b64decode(big)) > IMAGE_LIMIT
    assert assert_error(await api.post(url, json={"image": big}), 413)["reason"] == "too_large"
    huge = encode(Image.new("RGB", (2500, 2000), (10, 10, 10)), "PNG")
    body = assert_error(await api.post(url, json={"image": huge}), 413)
    assert body["reason"] == "too_many_pixels"


async def test_url_inputs_are_refused(api: VisionClient) -> None:
    body = assert_error(
        await api.post(f"{BASE}/generic/retrieve", json={"url": "http://127.0.0.1/cat.jpg"}), 400
    )
    assert "url inputs are not enabled" in body["detail"]


async def test_unknown_detectors_are_404_and_generic_cannot_be_changed(api: VisionClient) -> None:
    image = {"image": encode(discs(1))}
    assert_error(await api.get(f"{BASE}/mine"), 404)
    assert_error(await api.post(f"{BASE}/mine/retrieve", json=image), 404)
    body = assert_error(
        await api.post(BASE, json={"name": "generic", "load_from_store": False}), 400
    )
    assert "pre-built" in body["detail"]
    for call in (
        api.post(f"{BASE}/generic/train", json={}),
        api.delete(f"{BASE}/generic"),
        api.post(f"{BASE}/generic/vaporise"),
        api.post(f"{BASE}/generic/params", json={"threshold": 0.5}),
        api.post(f"{BASE}/generic/training_samples", json=[{**image, "detections": []}]),
    ):
        assert_error(await call, 400)
    assert ok(await api.get(f"{BASE}/generic/training_samples")) == []
    assert len(ok(await api.get(f"{BASE}/generic/labels"))) == 80


async def test_unsigned_calls_are_refused(vision_app: FastAPI) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(vision_app), base_url="http://vision.test"
    ) as anonymous:
        assert (await anonymous.get(BASE)).status_code == 401
        assert (await anonymous.get(f"{BASE}/generic")).status_code == 401
