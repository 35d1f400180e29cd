"""Image classifiers over HTTP: the Feersum lifecycle with images, bad input, tenants."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image

from tests.vision_service.support import (
    BASE,
    IMAGE_LIMIT,
    SAMPLES_LIMIT,
    VisionClient,
    assert_error,
    discs,
    encode,
    labelled,
    ok,
    stripes,
)


async def create(api: VisionClient, name: str = "shapes", path: str = BASE) -> dict[str, Any]:
    body: dict[str, Any] = ok(await api.post(path, json={"name": name, "load_from_store": False}))
    return body


async def trained(api: VisionClient, name: str = "shapes", **train: Any) -> dict[str, Any]:
    await create(api, name)
    ok(await api.post(f"{BASE}/{name}/training_samples", json=labelled(6)))
    ok(await api.post(f"{BASE}/{name}/testing_samples", json=labelled(3, start=100)))
    details: dict[str, Any] = ok(
        await api.post(f"{BASE}/{name}/train", json={"immediate_mode": True, **train})
    )
    return details


async def test_train_then_retrieve_classifies_new_images(api: VisionClient) -> None:
    details = await trained(api)
    assert details["training_stamp"] and details.get("training_error") is None
    assert details["clsfr_algorithm"] == "logistic_regression"
    assert details["num_training_samples"] == 12 and details["num_testing_samples"] == 6
    assert details["training_accuracy"] == 1.0 and details["testing_accuracy"] == 1.0
    assert details["testing_cm"] == {"discs": {"discs": 3}, "stripes": {"stripes": 3}}
    for seed in (200, 201):
        for image, label in (
            (discs(seed, (500, 375)), "discs"),
            (stripes(seed, (240, 400)), "stripes"),
        ):
            ranked = ok(await api.post(f"{BASE}/shapes/retrieve", json={"image": encode(image)}))
            assert [r["label"] for r in ranked] == [
                label,
                "discs" if label == "stripes" else "stripes",
            ]
            assert ranked[0]["probability"] > 0.5
            assert abs(sum(r["probability"] for r in ranked) - 1.0) < 1e-4
    assert ok(await api.get(f"{BASE}/shapes/labels")) == ["discs", "stripes"]


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
async def test_retrieve_takes_every_accepted_format(api: VisionClient, fmt: str) -> None:
    await trained(api)
    ranked = ok(
        await api.post(f"{BASE}/shapes/retrieve", json={"image": encode(stripes(300), fmt)})
    )
    assert ranked[0]["label"] == "stripes"


async def test_other_algorithms_train_and_text_only_ones_are_refused(api: VisionClient) -> None:
    details = await trained(api, clsfr_algorithm="nearest_neighbour_cosine")
    assert details["clsfr_algorithm"] == "nearest_neighbour_cosine"
    for algorithm in ("hybrid", "nearest_neighbour_fuzzy", "no_such_thing"):
        body = assert_error(
            await api.post(f"{BASE}/shapes/train", json={"clsfr_algorithm": algorithm}),
            400,
            "invalid_input",
        )
        assert "logistic_regression" in body["detail"]


async def test_samples_round_trip_and_deduplicate(api: VisionClient) -> None:
    await create(api)
    samples = labelled(2)
    added = ok(await api.post(f"{BASE}/shapes/training_samples", json=samples))
    assert [s["label"] for s in added] == ["discs", "stripes", "discs", "stripes"]
    assert all(s["uuid"] for s in added)
    assert [s["image"] for s in added] == [s["image"] for s in samples]
    again = ok(await api.post(f"{BASE}/shapes/training_samples", json=samples[:1]))
    assert again == []
    listed = ok(await api.get(f"{BASE}/shapes/training_samples"))
    assert listed == added
    page = ok(await api.get(f"{BASE}/shapes/training_samples", params={"index": 1, "len": 2}))
    assert page == added[1:3]
    # A data URL is the same image.
    data_url = {"image": "data:image/jpeg;base64," + samples[0]["image"], "label": "discs"}
    assert ok(await api.post(f"{BASE}/shapes/training_samples", json=[data_url])) == []


async def test_samples_update_and_delete_by_uuid_or_image(api: VisionClient) -> None:
    await create(api)
    added = ok(await api.post(f"{BASE}/shapes/training_samples", json=labelled(2)))
    changed = ok(
        await api.put(
            f"{BASE}/shapes/training_samples",
            json=[{"uuid": added[0]["uuid"], "label": "circles", "comment": "renamed"}],
        )
    )
    assert changed[0]["label"] == "circles" and changed[0]["comment"] == "renamed"
    assert changed[0]["image"] == added[0]["image"]
    gone = ok(
        await api.request(
            "DELETE",
            f"{BASE}/shapes/training_samples",
            json=[{"uuid": added[1]["uuid"]}, {"image": added[2]["image"]}],
        )
    )
    assert {s["uuid"] for s in gone} == {added[1]["uuid"], added[2]["uuid"]}
    left = ok(await api.get(f"{BASE}/shapes/training_samples"))
    assert [s["uuid"] for s in left] == [added[0]["uuid"], added[3]["uuid"]]
    assert_error(
        await api.request("DELETE", f"{BASE}/shapes/training_samples", json=[{"label": "x"}]),
        400,
        "invalid_input",
    )
    all_gone = ok(await api.delete(f"{BASE}/shapes/training_samples_all"))
    assert len(all_gone) == 2
    assert ok(await api.get(f"{BASE}/shapes/training_samples")) == []


def png_claiming(width: int, height: int) -> str:
    """A real 1x1 PNG whose header is rewritten to claim width x height (CRC fixed)."""
    import struct
    import zlib

    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    ihdr = 8 + 8  # signature, then length and type of the IHDR chunk
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12 : ihdr + 13])) & 0xFFFFFFFF
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    return base64.b64encode(bytes(data)).decode("ascii")


def bmp() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="BMP")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


BAD_IMAGES: list[tuple[str, Any, int]] = [
    ("not base64", "this is not base64!", 400),
    ("random bytes", base64.b64encode(b"\x00\x01nothing like an image" * 10).decode(), 400),
    ("truncated jpeg", encode(discs(1))[:2000], 400),
    ("bmp", bmp(), 400),
    ("bomb", png_claiming(30_000, 30_000), 413),
    ("too many bytes", base64.b64encode(b"\xff\xd8" + b"\x00" * IMAGE_LIMIT).decode(), 413),
    ("missing", None, 400),
    ("a number", 12, 400),
]


@pytest.mark.parametrize(("what", "image", "status"), BAD_IMAGES, ids=[b[0] for b in BAD_IMAGES])
async def test_bad_images_are_4xx_and_store_nothing(
    api: VisionClient, what: str, image: Any, status: int
) -> None:
    await trained(api)
    before = ok(await api.get(f"{BASE}/shapes/training_samples"))
    samples = [labelled(1, start=50)[0], {"image": image, "label": "discs"}]
    body = assert_error(await api.post(f"{BASE}/shapes/training_samples", json=samples), status)
    assert "samples[1]" in body["detail"] or status == 400
    assert ok(await api.get(f"{BASE}/shapes/training_samples")) == before
    if image is not None and not isinstance(image, int):
        assert_error(await api.post(f"{BASE}/shapes/retrieve", json={"image": image}), status)


async def test_retrieve_refuses_urls_missing_images_and_untrained_models(api: VisionClient) -> None:
    await create(api)
    image = encode(discs(1))
    assert_error(
        await api.post(f"{BASE}/shapes/retrieve", json={"image": image}), 400, "invalid_input"
    )
    await trained(api, "ready")
    body = assert_error(
        await api.post(f"{BASE}/ready/retrieve", json={"url": "http://example.com/a.jpg"}), 400
    )
    assert "url" in body["detail"]
    assert_error(await api.post(f"{BASE}/ready/retrieve", json={}), 400, "invalid_input")
    assert_error(await api.post(f"{BASE}/missing/retrieve", json={"image": image}), 404)


async def test_too_many_samples_in_one_call_is_a_413(api: VisionClient) -> None:
    await create(api)
    samples = labelled(SAMPLES_LIMIT // 2 + 1)
    assert_error(await api.post(f"{BASE}/shapes/training_samples", json=samples), 413)


async def test_params_threshold_applies_and_lid_model_file_is_refused(api: VisionClient) -> None:
    await trained(api)
    ok(await api.post(f"{BASE}/shapes/params", json={"threshold": 0.999999}))
    assert ok(await api.get(f"{BASE}/shapes/params"))["threshold"] == 0.999999
    ranked = ok(await api.post(f"{BASE}/shapes/retrieve", json={"image": encode(discs(400))}))
    assert all(r["probability"] >= 0.999999 for r in ranked)
    assert_error(await api.post(f"{BASE}/shapes/params", json={"lid_model_file": "lid_za"}), 400)


async def test_curate_returns_the_images_of_a_confusion_cell(api: VisionClient) -> None:
    await trained(api)
    cell = ok(
        await api.post(
            f"{BASE}/shapes/curate",
            json={"matrix_name": "train", "true_label": "discs", "predicted_label": "discs"},
        )
    )
    assert len(cell) == 6 and {s["label"] for s in cell} == {"discs"}
    assert all(s["image"] for s in cell)


async def test_online_training_retrains_with_the_new_samples(api: VisionClient) -> None:
    first = await trained(api)
    added = ok(await api.post(f"{BASE}/shapes/online_training_samples", json=labelled(1, start=60)))
    assert len(added) == 2
    for _ in range(200):
        details = ok(await api.get(f"{BASE}/shapes"))
        if details["training_stamp"] and details["id"] != first["id"]:
            break
        import asyncio

        await asyncio.sleep(0.1)
    assert details["num_training_samples"] == 14 and details["id"] != first["id"]


async def test_trash_restore_and_vaporise(api: VisionClient) -> None:
    await trained(api)
    ok(await api.delete(f"{BASE}/shapes"))
    assert_error(await api.get(f"{BASE}/shapes"), 404)
    restored = ok(await api.post(BASE, json={"name": "shapes", "load_from_store": True}))
    assert restored["training_stamp"]
    ranked = ok(await api.post(f"{BASE}/shapes/retrieve", json={"image": encode(stripes(9))}))
    assert ranked[0]["label"] == "stripes"
    ok(await api.post(f"{BASE}/shapes/vaporise"))
    assert_error(await api.get(f"{BASE}/shapes"), 404)
    assert [m["name"] for m in ok(await api.get(BASE))] == []


async def test_the_older_nlu_path_serves_the_same_models(api: VisionClient) -> None:
    await trained(api)
    legacy = "/nlu/v2/image_classifiers"
    assert [m["name"] for m in ok(await api.get(legacy))] == ["shapes"]
    ranked = ok(await api.post(f"{legacy}/shapes/retrieve", json={"image": encode(discs(7))}))
    assert ranked[0]["label"] == "discs"


async def test_another_tenant_cannot_see_or_touch_image_classifiers(
    api: VisionClient, other_api: VisionClient
) -> None:
    await trained(api)
    image = encode(discs(3))
    sample = {"image": image, "label": "discs"}
    calls = [
        other_api.get(f"{BASE}/shapes"),
        other_api.delete(f"{BASE}/shapes"),
        other_api.post(f"{BASE}/shapes/vaporise"),
        other_api.get(f"{BASE}/shapes/training_samples"),
        other_api.post(f"{BASE}/shapes/training_samples", json=[sample]),
        other_api.delete(f"{BASE}/shapes/training_samples_all"),
        other_api.post(f"{BASE}/shapes/train", json={}),
        other_api.post(f"{BASE}/shapes/retrieve", json={"image": image}),
        other_api.get(f"{BASE}/shapes/labels"),
        other_api.get(f"{BASE}/shapes/params"),
        other_api.post(f"{BASE}/shapes/params", json={"threshold": 0.5}),
        other_api.post(
            f"{BASE}/shapes/curate",
            json={"matrix_name": "train", "true_label": "discs", "predicted_label": "discs"},
        ),
    ]
    for call in calls:
        assert_error(await call, 404)
    assert ok(await other_api.get(BASE)) == []
    assert len(ok(await api.get(f"{BASE}/shapes/training_samples"))) == 12
