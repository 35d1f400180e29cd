"""Image datasets over HTTP: samples, labels, params, trash, bad input and tenants."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.vision_service.support import (
    IMAGE_LIMIT,
    SAMPLES_LIMIT,
    VisionClient,
    assert_error,
    discs,
    encode,
    labelled,
    ok,
)

BASE = "/vision/v2/image_datasets"


async def create(api: VisionClient, name: str = "photos", path: str = BASE) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await api.post(
            path,
            json={"name": name, "long_name": "Photos", "desc": "d", "load_from_store": False},
        )
    )
    return body


async def with_samples(api: VisionClient, name: str = "photos") -> list[dict[str, Any]]:
    await create(api, name)
    added: list[dict[str, Any]] = ok(await api.post(f"{BASE}/{name}/samples", json=labelled(2)))
    return added


async def test_lifecycle_details_and_list(api: VisionClient) -> None:
    created = await create(api)
    assert created["name"] == "photos" and created["id"]
    assert created["long_name"] == "Photos" and created["desc"] == "d"
    assert created["readonly"] is False and created["num_samples"] == 0
    assert_error(
        await api.post(BASE, json={"name": "photos", "load_from_store": False}), 409, "conflict"
    )
    ok(await api.post(f"{BASE}/photos/samples", json=labelled(2)))
    details = ok(await api.get(f"{BASE}/photos"))
    assert details["num_samples"] == 4 and details["num_labels"] == 2
    assert details["id"] == created["id"]
    assert [d["name"] for d in ok(await api.get(BASE))] == ["photos"]
    assert_error(await api.get(f"{BASE}/missing"), 404)


async def test_samples_round_trip_page_and_deduplicate(api: VisionClient) -> None:
    await create(api)
    samples = labelled(2)
    samples[0]["comment"] = "first"
    added = ok(await api.post(f"{BASE}/photos/samples", json=samples))
    assert [s["label"] for s in added] == ["discs", "stripes", "discs", "stripes"]
    assert all(s["uuid"] for s in added) and added[0]["comment"] == "first"
    assert [s["image"] for s in added] == [s["image"] for s in samples]
    assert ok(await api.post(f"{BASE}/photos/samples", json=samples[:1])) == []
    assert ok(await api.get(f"{BASE}/photos/samples")) == added
    page = ok(await api.get(f"{BASE}/photos/samples", params={"index": 1, "len": 2}))
    assert page == added[1:3]
    sub = ok(await api.get(f"{BASE}/photos/samples", params={"sub_sample": 3}))
    assert len(sub) == 3 and {s["uuid"] for s in sub} <= {s["uuid"] for s in added}
    assert_error(await api.get(f"{BASE}/photos/samples", params={"index": -1}), 400)
    assert_error(await api.get(f"{BASE}/photos/samples", params={"sub_sample": -1}), 400)


async def test_samples_update_and_delete_by_uuid_or_image(api: VisionClient) -> None:
    added = await with_samples(api)
    new_image = encode(discs(77))
    changed = ok(
        await api.put(
            f"{BASE}/photos/samples",
            json=[
                {"uuid": added[0]["uuid"], "label": "circles", "comment": "renamed"},
                {"uuid": added[1]["uuid"], "image": new_image},
            ],
        )
    )
    assert changed[0]["label"] == "circles" and changed[0]["comment"] == "renamed"
    assert changed[0]["image"] == added[0]["image"]
    assert changed[1]["image"] == new_image and changed[1]["label"] == "stripes"
    assert_error(await api.put(f"{BASE}/photos/samples", json=[{"label": "x"}]), 400)
    gone = ok(
        await api.request(
            "DELETE",
            f"{BASE}/photos/samples",
            json=[{"uuid": added[1]["uuid"]}, {"image": added[2]["image"]}],
        )
    )
    assert {s["uuid"] for s in gone} == {added[1]["uuid"], added[2]["uuid"]}
    left = ok(await api.get(f"{BASE}/photos/samples"))
    assert [s["uuid"] for s in left] == [added[0]["uuid"], added[3]["uuid"]]
    assert_error(
        await api.request("DELETE", f"{BASE}/photos/samples", json=[{"label": "x"}]),
        400,
        "invalid_input",
    )
    all_gone = ok(await api.delete(f"{BASE}/photos/samples_all"))
    assert {s["uuid"] for s in all_gone} == {added[0]["uuid"], added[3]["uuid"]}
    assert ok(await api.get(f"{BASE}/photos/samples")) == []
    assert ok(await api.get(f"{BASE}/photos"))["num_samples"] == 0


async def test_labels_are_the_distinct_sample_labels(api: VisionClient) -> None:
    await create(api)
    assert ok(await api.get(f"{BASE}/photos/labels")) == []
    added = ok(await api.post(f"{BASE}/photos/samples", json=labelled(2)))
    assert ok(await api.get(f"{BASE}/photos/labels")) == ["discs", "stripes"]
    ok(await api.put(f"{BASE}/photos/samples", json=[{"uuid": added[0]["uuid"], "label": "a"}]))
    assert ok(await api.get(f"{BASE}/photos/labels")) == ["a", "discs", "stripes"]
    assert_error(await api.get(f"{BASE}/missing/labels"), 404)


async def test_params_and_readonly(api: VisionClient) -> None:
    added = await with_samples(api)
    assert ok(await api.get(f"{BASE}/photos/params")) == {
        "long_name": "Photos",
        "desc": "d",
        "readonly": False,
    }
    details = ok(await api.post(f"{BASE}/photos/params", json={"desc": "new", "readonly": True}))
    assert details["desc"] == "new" and details["readonly"] is True
    sample = labelled(1, start=40)[:1]
    blocked = [
        api.post(f"{BASE}/photos/samples", json=sample),
        api.put(f"{BASE}/photos/samples", json=[{"uuid": added[0]["uuid"], "label": "x"}]),
        api.request("DELETE", f"{BASE}/photos/samples", json=[{"uuid": added[0]["uuid"]}]),
        api.delete(f"{BASE}/photos/samples_all"),
        api.post(f"{BASE}/photos/params", json={"long_name": "changed"}),
    ]
    for call in blocked:
        body = assert_error(await call, 400, "invalid_input")
        assert "read-only" in body["detail"]
    assert len(ok(await api.get(f"{BASE}/photos/samples"))) == 4
    ok(await api.post(f"{BASE}/photos/params", json={"readonly": False}))
    assert len(ok(await api.post(f"{BASE}/photos/samples", json=sample))) == 1
    body = assert_error(await api.post(f"{BASE}/photos/params", json={"threshold": 0.5}), 400)
    assert "threshold" in body["detail"]
    assert ok(await api.get(f"{BASE}/photos/params"))["desc"] == "new"


async def test_trash_restore_and_vaporise(api: VisionClient) -> None:
    added = await with_samples(api)
    trashed = ok(await api.delete(f"{BASE}/photos"))
    assert trashed["name"] == "photos"
    assert_error(await api.get(f"{BASE}/photos"), 404)
    assert_error(await api.get(f"{BASE}/photos/samples"), 404)
    assert ok(await api.get(BASE)) == []
    restored = ok(await api.post(BASE, json={"name": "photos", "load_from_store": True}))
    assert restored["num_samples"] == 4 and restored["long_name"] == "Photos"
    assert ok(await api.get(f"{BASE}/photos/samples")) == added
    ok(await api.post(f"{BASE}/photos/vaporise"))
    assert_error(await api.get(f"{BASE}/photos"), 404)
    assert_error(await api.post(BASE, json={"name": "photos", "load_from_store": True}), 404)
    # The name is free again, and a new dataset starts empty.
    assert (await create(api))["num_samples"] == 0


async def test_the_older_nlu_path_serves_the_same_datasets(api: VisionClient) -> None:
    await with_samples(api)
    legacy = "/nlu/v2/image_datasets"
    assert [d["name"] for d in ok(await api.get(legacy))] == ["photos"]
    assert len(ok(await api.get(f"{legacy}/photos/samples"))) == 4


BAD_IMAGES: list[tuple[str, Any, int]] = [
    ("not base64", "this is not base64!", 400),
    ("random bytes", base64.b64encode(b"\x00\x01nothing like an image" * 10).decode(), 400),
    ("truncated jpeg", encode(discs(1))[:2000], 400),
    ("too many bytes", base64.b64encode(b"\xff\xd8" + b"\x00" * IMAGE_LIMIT).decode(), 413),
    ("missing", None, 400),
]


@pytest.mark.parametrize(("what", "image", "status"), BAD_IMAGES, ids=[b[0] for b in BAD_IMAGES])
async def test_bad_images_are_4xx_and_store_nothing(
    api: VisionClient, what: str, image: Any, status: int
) -> None:
    await create(api)
    samples = [labelled(1, start=50)[0], {"image": image, "label": "discs"}]
    body = assert_error(await api.post(f"{BASE}/photos/samples", json=samples), status)
    assert "samples[1]" in body["detail"]
    assert ok(await api.get(f"{BASE}/photos/samples")) == []


async def test_missing_label_empty_list_and_too_many_samples(api: VisionClient) -> None:
    await create(api)
    body = assert_error(
        await api.post(f"{BASE}/photos/samples", json=[{"image": encode(discs(1))}]), 400
    )
    assert "samples[0].label" in body["detail"]
    assert_error(await api.post(f"{BASE}/photos/samples", json=[]), 400)
    too_many = labelled(SAMPLES_LIMIT // 2 + 1)
    assert_error(await api.post(f"{BASE}/photos/samples", json=too_many), 413)
    assert_error(await api.put(f"{BASE}/photos/samples", json=too_many), 413)
    assert ok(await api.get(f"{BASE}/photos/samples")) == []
    assert_error(await api.post(f"{BASE}/missing/samples", json=labelled(1)), 404)


async def test_another_tenant_gets_404_on_every_route(
    api: VisionClient, other_api: VisionClient
) -> None:
    added = await with_samples(api)
    sample = labelled(1, start=60)[:1]
    calls = [
        other_api.get(f"{BASE}/photos"),
        other_api.delete(f"{BASE}/photos"),
        other_api.post(f"{BASE}/photos/vaporise"),
        other_api.get(f"{BASE}/photos/samples"),
        other_api.post(f"{BASE}/photos/samples", json=sample),
        other_api.put(f"{BASE}/photos/samples", json=[{"uuid": added[0]["uuid"], "label": "x"}]),
        other_api.request("DELETE", f"{BASE}/photos/samples", json=[{"uuid": added[0]["uuid"]}]),
        other_api.delete(f"{BASE}/photos/samples_all"),
        other_api.get(f"{BASE}/photos/labels"),
        other_api.get(f"{BASE}/photos/params"),
        other_api.post(f"{BASE}/photos/params", json={"desc": "mine"}),
        other_api.post(BASE, json={"name": "photos", "load_from_store": True}),
    ]
    for call in calls:
        assert_error(await call, 404)
    assert ok(await other_api.get(BASE)) == []
    assert len(ok(await api.get(f"{BASE}/photos/samples"))) == 4
    assert ok(await api.get(f"{BASE}/photos"))["desc"] == "d"
