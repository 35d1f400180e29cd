"""Every person-name-entity-extractor operation through the NLU app, against the real model store."""

from __future__ import annotations

from typing import Any

import pytest

from shared import ModelStoreClient
from tests.nlu_service.support import TEXT_LIMIT, NluClient, assert_error, ok

BASE = "/nlu/v2/person_name_entity_extractors"
TEXT = "Please ask Mr Dlamini to call Sarah van der Merwe"
FOUND = [
    {"name": "Dlamini", "title": "Mr", "start": 14, "end": 21},
    {"name": "Sarah van der Merwe", "title": None, "start": 30, "end": 49},
]


async def create(api: NluClient, name: str, **extra: Any) -> Any:
    return await api.post(BASE, json={"name": name, "load_from_store": False, **extra})


async def retrieve(api: NluClient, name: str, text: str) -> Any:
    return ok(await api.post(f"{BASE}/{name}/retrieve", json={"text": text}))


async def snapshot(api: NluClient, name: str) -> dict[str, Any]:
    return {
        "details": ok(await api.get(f"{BASE}/{name}")),
        "params": ok(await api.get(f"{BASE}/{name}/params")),
        "list": ok(await api.get(BASE)),
    }


async def test_full_lifecycle(api: NluClient, store: ModelStoreClient) -> None:
    created = ok(await create(api, "people", long_name="People", desc="names"))
    assert created == {
        "name": "people",
        "id": created["id"],
        "long_name": "People",
        "desc": "names",
        "readonly": False,
    }
    assert created["id"]
    assert ok(await api.get(BASE)) == [created]
    assert ok(await api.get(f"{BASE}/people")) == created

    assert await retrieve(api, "people", TEXT) == FOUND
    assert await retrieve(api, "people", "Hi, you may call me Tom.") == [
        {"name": "Tom", "title": None, "start": 20, "end": 23}
    ]
    assert await retrieve(api, "people", "I want a refund") == []

    assert ok(await api.get(f"{BASE}/people/params")) == {
        "long_name": "People",
        "desc": "names",
        "readonly": False,
    }
    updated = ok(await api.post(f"{BASE}/people/params", json={"desc": "who", "regex": "x"}))
    assert updated["desc"] == "who" and updated["long_name"] == "People"
    stored = await store.get_model(api.tenant, "person_name_entity_extractor", "people")
    assert stored["params"] == {} and stored["desc"] == "who"

    trashed = ok(await api.delete(f"{BASE}/people"))
    assert trashed["name"] == "people"
    assert_error(await api.get(f"{BASE}/people"), 404)
    assert_error(await api.post(f"{BASE}/people/retrieve", json={"text": TEXT}), 404)
    assert ok(await api.get(BASE)) == []

    restored = ok(await api.post(BASE, json={"name": "people", "load_from_store": True}))
    assert restored["id"] == created["id"] and restored["desc"] == "who"
    assert await retrieve(api, "people", TEXT) == FOUND

    gone = ok(await api.post(f"{BASE}/people/vaporise"))
    assert gone["name"] == "people"
    assert_error(await api.get(f"{BASE}/people"), 404)
    assert_error(await api.post(BASE, json={"name": "people", "load_from_store": True}), 404)


async def test_a_name_in_use_is_a_conflict(api: NluClient) -> None:
    ok(await create(api, "dup"))
    assert_error(await create(api, "dup"), 409)


async def test_readonly_extractors_refuse_changes(api: NluClient) -> None:
    ok(await create(api, "locked"))
    ok(await api.post(f"{BASE}/locked/params", json={"readonly": True}))
    before = await snapshot(api, "locked")
    assert_error(await api.post(f"{BASE}/locked/params", json={"long_name": "new"}), 400)
    assert await snapshot(api, "locked") == before
    unlocked = ok(
        await api.post(f"{BASE}/locked/params", json={"readonly": False, "long_name": "new"})
    )
    assert unlocked["long_name"] == "new" and unlocked["readonly"] is False


async def test_another_tenants_extractor_is_not_found_and_stays_untouched(
    api: NluClient, other_api: NluClient
) -> None:
    ok(await create(api, "mine", long_name="Mine"))
    before = await snapshot(api, "mine")
    calls: list[tuple[str, str, Any]] = [
        ("GET", "", None),
        ("DELETE", "", None),
        ("POST", "/vaporise", None),
        ("GET", "/params", None),
        ("POST", "/params", {"long_name": "stolen"}),
        ("POST", "/retrieve", {"text": TEXT}),
    ]
    for method, path, body in calls:
        response = await other_api.request(method, f"{BASE}/mine{path}", json=body)
        assert_error(response, 404, "not_found")
    assert ok(await other_api.get(BASE)) == []
    assert_error(await other_api.post(BASE, json={"name": "mine", "load_from_store": True}), 404)
    theirs = ok(await create(other_api, "mine", long_name="Theirs"))
    assert theirs["long_name"] == "Theirs"
    assert await snapshot(api, "mine") == before
    assert await retrieve(api, "mine", TEXT) == FOUND


BAD_CREATES: list[tuple[dict[str, Any], str]] = [
    ({"name": "bad name!", "load_from_store": False}, ""),
    ({"name": "x"}, "load_from_store"),
    ({"name": "x", "load_from_store": "sometimes"}, "load_from_store"),
    ({"load_from_store": False}, "name"),
    ({"name": "x", "load_from_store": False, "long_name": ["a"]}, "long_name"),
]


@pytest.mark.parametrize(("body", "words"), BAD_CREATES)
async def test_bad_creates_are_refused_and_store_nothing(
    api: NluClient, body: dict[str, Any], words: str
) -> None:
    error = assert_error(await api.post(BASE, json=body), 400)
    assert words in str(error)
    assert ok(await api.get(BASE)) == []


@pytest.mark.parametrize(
    ("method", "path", "body", "words"),
    [
        ("POST", "/params", {"readonly": "maybe"}, "readonly"),
        ("POST", "/params", [], ""),
        ("POST", "/retrieve", {}, "text"),
        ("POST", "/retrieve", {"text": ""}, "non-empty"),
        ("POST", "/retrieve", {"text": 42}, "text"),
        ("POST", "/retrieve", {"text": "x" * (TEXT_LIMIT + 1)}, "limit"),
    ],
)
async def test_bad_params_and_retrieves_change_nothing(
    api: NluClient, method: str, path: str, body: Any, words: str
) -> None:
    ok(await create(api, "kept"))
    before = await snapshot(api, "kept")
    error = assert_error(await api.request(method, f"{BASE}/kept{path}", json=body), 400)
    assert words in str(error)
    assert await snapshot(api, "kept") == before
