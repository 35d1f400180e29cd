"""Image regressors and tenant-trained image detectors through the gateway, real processes.

The `feersum-nlu==2.0.46` client has neither (regressors are our extension, detectors
arrived in spec 2.0.55), so these calls use plain httpx with the client's header.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from scripts.stack import Stack
from tests.e2e.test_feersum_client import new_tenant_key
from tests.e2e.test_image_detectors import client
from tests.vision_service.engine.test_box_detector import SIDE, scene
from tests.vision_service.image_regressors.test_endpoints import covered, samples
from tests.vision_service.support import encode


def test_an_image_regressor_through_the_gateway(stack: Stack) -> None:
    base = "/vision/v2/image_regressors"
    with (
        client(stack, new_tenant_key(stack, "regressor")) as api,
        client(stack, new_tenant_key(stack, "regressor intruder")) as intruder,
    ):
        assert api.post(base, json={"name": "cover", "load_from_store": False}).status_code == 200
        values = [i / 10 for i in range(1, 10)]
        added = api.post(f"{base}/cover/training_samples", json=samples(values, 0))
        assert added.status_code == 200, added.text
        trained = api.post(f"{base}/cover/train", json={"immediate_mode": True})
        assert trained.status_code == 200 and trained.json()["training_mae"] is not None
        image = {"image": encode(covered(0.5, 77))}
        answer = api.post(f"{base}/cover/retrieve", json=image)
        assert answer.status_code == 200 and set(answer.json()) == {"value"}
        bad = api.post(f"{base}/cover/training_samples", json=[{"image": "@@", "value": 1}])
        assert bad.status_code == 400
        assert intruder.post(f"{base}/cover/retrieve", json=image).status_code == 404
        assert intruder.get(f"{base}/cover").status_code == 404


def detection_sample(rng: np.random.Generator) -> dict[str, object]:
    pixels, truths = scene(rng)
    boxes = [
        {
            "label": lab,
            "box_x": x / SIDE,
            "box_y": y / SIDE,
            "box_w": w / SIDE,
            "box_h": h / SIDE,
            "id": 0,
        }
        for lab, x, y, w, h in truths
    ]
    return {"image": encode(Image.fromarray(pixels), "PNG"), "detections": boxes}


def test_a_tenant_detector_through_the_gateway(stack: Stack) -> None:
    base = "/vision/v2/image_detectors"
    rng = np.random.default_rng(3)
    with (
        client(stack, new_tenant_key(stack, "detector owner")) as api,
        client(stack, new_tenant_key(stack, "detector intruder")) as intruder,
    ):
        assert api.post(base, json={"name": "shapes", "load_from_store": False}).status_code == 200
        train = [detection_sample(rng) for _ in range(12)]
        assert api.post(f"{base}/shapes/training_samples", json=train).status_code == 200
        trained = api.post(f"{base}/shapes/train", json={"immediate_mode": True, "num_epochs": 20})
        assert trained.status_code == 200, trained.text
        assert trained.json()["training_stamp"] and trained.json()["training_map"] is not None
        assert sorted(api.get(f"{base}/shapes/labels").json()) == ["blue", "red"]
        image = {"image": encode(Image.fromarray(scene(rng)[0]))}
        answer = api.post(f"{base}/shapes/retrieve", json=image)
        assert answer.status_code == 200 and "scored_detections" in answer.json()
        outside = {"label": "red", "box_x": 0.9, "box_y": 0.0, "box_w": 0.5, "box_h": 0.1, "id": 0}
        bad = api.post(
            f"{base}/shapes/training_samples",
            json=[{"image": image["image"], "detections": [outside]}],
        )
        assert bad.status_code == 400
        assert [d["name"] for d in api.get(base).json()] == ["generic", "shapes"]
        assert intruder.post(f"{base}/shapes/retrieve", json=image).status_code == 404
        assert [d["name"] for d in intruder.get(base).json()] == ["generic"]
