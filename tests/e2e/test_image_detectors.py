"""Image detectors (the pre-built one) through the gateway, real processes.

The `feersum-nlu==2.0.46` client has no image detectors (they arrived in spec 2.0.55), so
these calls use plain httpx with the client's `X-Auth-Token` header and the 2.0.55 shapes.
"""

from __future__ import annotations

import httpx
from PIL import Image

from scripts.stack import Stack
from tests.e2e.conftest import public_operations
from tests.e2e.test_feersum_client import new_tenant_key
from tests.vision_service.support import BEE_PHOTO, encode

BEE = BEE_PHOTO


def client(stack: Stack, key: str) -> httpx.Client:
    return httpx.Client(base_url=stack.url("gateway"), headers={"X-Auth-Token": key}, timeout=60)


def test_the_generic_detector_through_the_gateway(stack: Stack) -> None:
    with client(stack, new_tenant_key(stack, "detector")) as api:
        listed = api.get("/vision/v2/image_detectors")
        assert listed.status_code == 200, listed.text
        assert [d["name"] for d in listed.json()] == ["generic"]
        details = api.get("/vision/v2/image_detectors/generic").json()
        assert details["name"] == "generic" and details["readonly"] is True

        blank = encode(Image.new("RGB", (400, 300), (128, 128, 128)))
        answer = api.post("/vision/v2/image_detectors/generic/retrieve", json={"image": blank})
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"scored_detections": []}
        if BEE.is_file():
            photo = encode(Image.open(BEE), "PNG")
            found = api.post("/vision/v2/image_detectors/generic/retrieve", json={"image": photo})
            assert found.status_code == 200, found.text
            top = found.json()["scored_detections"][0]
            assert top["detection"]["label"] == "bird" and top["probability"] > 0.3

        for body, status in (
            ({"image": "bm90IGFuIGltYWdl"}, 400),
            ({"url": "http://127.0.0.1/x.jpg"}, 400),
        ):
            response = api.post("/vision/v2/image_detectors/generic/retrieve", json=body)
            assert response.status_code == status, response.text
        assert api.get("/vision/v2/image_detectors/mine").status_code == 404
        assert api.post("/vision/v2/image_detectors/mine/retrieve", json={}).status_code == 404
        generic = {"name": "generic", "load_from_store": False}
        assert api.post("/vision/v2/image_detectors", json=generic).status_code == 400


def test_image_detectors_need_a_valid_key(stack: Stack) -> None:
    with client(stack, "not-a-key") as api:
        assert api.get("/vision/v2/image_detectors").status_code == 401
        response = api.post(
            "/vision/v2/image_detectors/generic/retrieve", json={"image": "bm90IGFuIGltYWdl"}
        )
        assert response.status_code == 401


def test_the_public_openapi_document_lists_the_detector_operations(stack: Stack) -> None:
    operations, _ = public_operations(stack, "/vision/v2/image_detectors")
    lifecycle = {
        "image_detector_create",
        "image_detector_get_details_all",
        "image_detector_get_details",
        "image_detector_del",
        "image_detector_vaporise",
        "image_detector_add_training_samples",
        "image_detector_get_training_samples",
        "image_detector_update_training_samples",
        "image_detector_del_training_samples",
        "image_detector_del_training_samples_all",
        "image_detector_add_testing_samples",
        "image_detector_get_testing_samples",
        "image_detector_train",
        "image_detector_set_params",
        "image_detector_get_params",
        "image_detector_get_labels",
        "image_detector_retrieve",
    }
    assert lifecycle <= operations
