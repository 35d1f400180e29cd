"""Every text-dataset operation through the NLU app, against the real model store."""

from __future__ import annotations

from typing import Any

import pytest

from shared import ModelStoreClient
from tests.nlu_service.support import SAMPLES_LIMIT, TEXT_LIMIT, NluClient, assert_error, ok

BASE = "/nlu/v2/text_datasets"
SAMPLES = [
    {"text": "hello there", "label": "greeting", "lang_code": "eng"},
    {"text": "good morning", "label": "greeting"},
    {"text": "will it rain tomorrow", "label": "weather", "comment": "forecast"},
    {"text": "sawubona", "label": "greeting", "lang_code": "zul"},
]


async def create(api: NluClient, name: str = "ds", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await api.post(BASE, json={"name": name, "load_from_store": False, **extra})
    )
    return body


async def snapshot(api: NluClient, name: str) -> dict[str, Any]:
    return {
        "details": ok(await api.get(f"{BASE}/{name}")),
        "samples": ok(await api.get(f"{BASE}/{name}/samples")),
        "params": ok(await api.get(f"{BASE}/{name}/params")),
        "labels": ok(await api.get(f"{BASE}/{name}/labels")),
        "list": ok(await api.get(BASE)),
    }


async def test_full_lifecycle(api: NluClient, store: ModelStoreClient) -> None:
    created = await create(api, long_name="My data", desc="greetings and weather")
    assert created == {
        "name": "ds",
        "id": created["id"],
        "long_name": "My data",
        "desc": "greetings and weather",
        "readonly": False,
        "num_samples": 0,
        "num_labels": 0,
    }
    assert ok(await api.get(BASE)) == [created]

    added = ok(await api.post(f"{BASE}/ds/samples", json=SAMPLES))
    assert [(s["text"], s["label"]) for s in added] == [(s["text"], s["label"]) for s in SAMPLES]
    assert added[0]["lang_code"] == "eng" and added[2]["comment"] == "forecast"
    assert all(s["uuid"] for s in added)
    # The same (text, label) again is skipped.
    assert ok(await api.post(f"{BASE}/ds/samples", json=SAMPLES[:1])) == []
    details = ok(await api.get(f"{BASE}/ds"))
    assert details["num_samples"] == 4 and details["num_labels"] == 2
    assert ok(await api.get(f"{BASE}/ds/labels")) == ["greeting", "weather"]

    assert ok(await api.get(f"{BASE}/ds/samples")) == added
    assert ok(await api.get(f"{BASE}/ds/samples", params={"index": 1, "len": 2})) == added[1:3]
    sub = ok(await api.get(f"{BASE}/ds/samples", params={"sub_sample": 3}))
    assert len(sub) == 3 and all(s in added for s in sub) and len({s["uuid"] for s in sub}) == 3
    assert len(ok(await api.get(f"{BASE}/ds/samples", params={"sub_sample": 99}))) == 4

    updated = ok(
        await api.put(f"{BASE}/ds/samples", json=[{"uuid": added[2]["uuid"], "label": "forecast"}])
    )
    assert updated == [{**added[2], "label": "forecast"}]
    assert ok(await api.get(f"{BASE}/ds/labels")) == ["forecast", "greeting"]

    deleted = ok(
        await api.request(
            "DELETE", f"{BASE}/ds/samples", json=[{"uuid": added[0]["uuid"]}, {"text": "sawubona"}]
        )
    )
    assert {s["text"] for s in deleted} == {"hello there", "sawubona"}
    assert [s["text"] for s in ok(await api.get(f"{BASE}/ds/samples"))] == [
        "good morning",
        "will it rain tomorrow",
    ]

    # The samples live in the store as the dataset model's training samples.
    stored = await store.get_samples(api.tenant, "text_dataset", "ds", "training")
    assert [s["text"] for s in stored] == ["good morning", "will it rain tomorrow"]

    params = ok(await api.get(f"{BASE}/ds/params"))
    assert params == {"long_name": "My data", "desc": "greetings and weather", "readonly": False}
    changed = ok(await api.post(f"{BASE}/ds/params", json={"desc": "two samples"}))
    assert changed["desc"] == "two samples" and changed["long_name"] == "My data"

    # Trash keeps the samples; load_from_store brings it all back.
    trashed = ok(await api.delete(f"{BASE}/ds"))
    assert trashed["name"] == "ds"
    assert_error(await api.get(f"{BASE}/ds"), 404, "not_found")
    assert_error(await api.get(f"{BASE}/ds/samples"), 404)
    assert ok(await api.get(BASE)) == []
    restored = ok(await api.post(BASE, json={"name": "ds", "load_from_store": True}))
    assert restored["id"] == created["id"] and restored["desc"] == "two samples"
    assert len(ok(await api.get(f"{BASE}/ds/samples"))) == 2

    all_deleted = ok(await api.delete(f"{BASE}/ds/samples_all"))
    assert len(all_deleted) == 2
    assert ok(await api.get(f"{BASE}/ds/samples")) == []
    assert ok(await api.get(f"{BASE}/ds/labels")) == []

    gone = ok(await api.post(f"{BASE}/ds/vaporise"))
    assert gone["name"] == "ds"
    assert_error(await api.get(f"{BASE}/ds"), 404)
    assert_error(await api.post(BASE, json={"name": "ds", "load_from_store": True}), 404)


async def test_a_name_in_use_is_a_conflict(api: NluClient) -> None:
    await create(api)
    assert_error(await api.post(BASE, json={"name": "ds", "load_from_store": False}), 409)


async def test_readonly_datasets_refuse_sample_changes(api: NluClient) -> None:
    await create(api)
    ok(await api.post(f"{BASE}/ds/samples", json=SAMPLES))
    ok(await api.post(f"{BASE}/ds/params", json={"readonly": True}))
    before = await snapshot(api, "ds")
    uuid = before["samples"][0]["uuid"]
    for method, path, body in [
        ("POST", "/samples", [{"text": "new one", "label": "x"}]),
        ("PUT", "/samples", [{"uuid": uuid, "label": "x"}]),
        ("DELETE", "/samples", [{"uuid": uuid}]),
        ("DELETE", "/samples_all", None),
        ("POST", "/params", {"desc": "changed"}),
    ]:
        assert_error(await api.request(method, f"{BASE}/ds{path}", json=body), 400)
    assert await snapshot(api, "ds") == before
    ok(await api.post(f"{BASE}/ds/params", json={"readonly": False, "desc": "open"}))
    assert len(ok(await api.post(f"{BASE}/ds/samples", json=[{"text": "t", "label": "x"}]))) == 1


async def test_another_tenants_dataset_is_not_found_and_stays_untouched(
    api: NluClient, other_api: NluClient
) -> None:
    await create(api, "mine")
    ok(await api.post(f"{BASE}/mine/samples", json=SAMPLES))
    before = await snapshot(api, "mine")
    uuid = before["samples"][0]["uuid"]
    for method, path, body in [
        ("GET", "", None),
        ("DELETE", "", None),
        ("POST", "/vaporise", None),
        ("GET", "/samples", None),
        ("POST", "/samples", [{"text": "theirs", "label": "x"}]),
        ("PUT", "/samples", [{"uuid": uuid, "label": "x"}]),
        ("DELETE", "/samples", [{"uuid": uuid}]),
        ("DELETE", "/samples_all", None),
        ("GET", "/params", None),
        ("POST", "/params", {"desc": "theirs"}),
        ("GET", "/labels", None),
    ]:
        response = await other_api.request(method, f"{BASE}/mine{path}", json=body)
        assert_error(response, 404, "not_found")
    assert ok(await other_api.get(BASE)) == []
    assert_error(await other_api.post(BASE, json={"name": "mine", "load_from_store": True}), 404)
    # The other tenant may use the same name for its own dataset.
    theirs = await create(other_api, "mine")
    assert theirs["id"] != before["details"]["id"] and theirs["num_samples"] == 0
    assert await snapshot(api, "mine") == before


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/samples", [], 400),
        ("POST", "/samples", {"text": "not a list"}, 400),
        ("POST", "/samples", [{"text": "no label"}], 400),
        ("POST", "/samples", [{"label": "no text"}], 400),
        ("POST", "/samples", [{"text": "   ", "label": "x"}], 400),
        ("POST", "/samples", [{"text": 5, "label": "x"}], 400),
        ("POST", "/samples", [{"text": "x" * (TEXT_LIMIT + 1), "label": "x"}], 400),
        (
            "POST",
            "/samples",
            [{"text": f"s{i}", "label": "x"} for i in range(SAMPLES_LIMIT + 1)],
            413,
        ),
        ("POST", "/samples", [{"text": "nul \u0000 char", "label": "x"}], 400),
        ("PUT", "/samples", [{"text": "no uuid"}], 400),
        ("PUT", "/samples", [{"uuid": "00000000-0000-0000-0000-000000000000", "label": "x"}], 404),
        ("PUT", "/samples", [{"uuid": "bad uuid!", "label": "x"}], 400),
        ("DELETE", "/samples", [{"label": "neither uuid nor text"}], 400),
        ("DELETE", "/samples", [], 400),
        ("POST", "/params", {"threshold": 0.5}, 400),
        ("POST", "/params", {"readonly": {"a": 1}}, 400),
        ("POST", "/params", [1, 2], 400),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    api: NluClient, method: str, path: str, body: Any, status: int
) -> None:
    await create(api)
    ok(await api.post(f"{BASE}/ds/samples", json=SAMPLES))
    before = await snapshot(api, "ds")
    assert_error(await api.request(method, f"{BASE}/ds{path}", json=body), status)
    assert await snapshot(api, "ds") == before


@pytest.mark.parametrize(
    "query",
    [{"index": -1}, {"len": -2}, {"sub_sample": -1}, {"index": "x"}, {"len": 2**40}],
)
async def test_bad_sample_queries_are_400(api: NluClient, query: dict[str, Any]) -> None:
    await create(api)
    assert_error(await api.get(f"{BASE}/ds/samples", params=query), 400)


@pytest.mark.parametrize(
    "body",
    [
        {"load_from_store": False},
        {"name": "ds"},
        {"name": "bad name!", "load_from_store": False},
        {"name": "ds", "load_from_store": "maybe"},
        {"name": "ds", "load_from_store": False, "long_name": "x" * 300},
        {"name": "ds", "load_from_store": False, "revision_uuid": "abc"},
    ],
)
async def test_bad_creates_are_refused_and_store_nothing(
    api: NluClient, body: dict[str, Any]
) -> None:
    response = await api.post(BASE, json=body)
    if "revision_uuid" in body:
        # revision_uuid is only read with load_from_store: a plain create succeeds.
        ok(response)
        return
    assert_error(response, 400)
    assert ok(await api.get(BASE)) == []


async def test_restoring_an_unknown_revision_is_404(api: NluClient) -> None:
    await create(api)
    ok(await api.delete(f"{BASE}/ds"))
    body = {"name": "ds", "load_from_store": True, "revision_uuid": "no-such-revision"}
    assert_error(await api.post(BASE, json=body), 404)
    assert ok(await api.get(BASE)) == []
