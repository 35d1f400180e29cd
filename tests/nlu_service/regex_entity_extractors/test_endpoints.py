"""Every regex-entity-extractor operation through the NLU app, against the real model store."""

from __future__ import annotations

import time
from typing import Any

import pytest

from shared import ModelStoreClient
from tests.nlu_service.support import TEXT_LIMIT, NluClient, assert_error, ok

BASE = "/nlu/v2/regex_entity_extractors"
LICENSE = r"(?P<license>([A-Z]{3}[ ]?[0-9]{3}[ ]?(GP|NW|MP|EC|L|NC|NW)))"
CAR = r"(?P<year>[0-9]{4})[.,\s]+(?P<make>Jeep|Ford|Toyota)[.,\s]+(?P<model>\w+)"


async def create(api: NluClient, name: str, regex: str | None = LICENSE, **extra: Any) -> Any:
    body: dict[str, Any] = {"name": name, "load_from_store": False, **extra}
    if regex is not None:
        body["regex"] = regex
    return await api.post(BASE, json=body)


async def retrieve(api: NluClient, name: str, text: str) -> Any:
    return ok(await api.post(f"{BASE}/{name}/retrieve", json={"text": text}))


async def snapshot(api: NluClient, name: str) -> dict[str, Any]:
    return {
        "details": ok(await api.get(f"{BASE}/{name}")),
        "params": ok(await api.get(f"{BASE}/{name}/params")),
        "list": ok(await api.get(BASE)),
    }


async def test_full_lifecycle(api: NluClient, store: ModelStoreClient) -> None:
    created = ok(await create(api, "plates", long_name="Plates", desc="number plates"))
    assert created["name"] == "plates" and created["regex"] == LICENSE
    assert created["long_name"] == "Plates" and created["desc"] == "number plates"
    assert created["readonly"] is False and created["id"]
    assert ok(await api.get(BASE)) == [created]
    assert ok(await api.get(f"{BASE}/plates")) == created

    found = await retrieve(api, "plates", "My car is a 2007 Jeep Wrangler with plate ZNX 450 GP")
    assert found == [{"license": "ZNX 450 GP", "_all_groups": "ZNX 450 GP"}]

    params = ok(await api.get(f"{BASE}/plates/params"))
    assert params == {
        "long_name": "Plates",
        "desc": "number plates",
        "readonly": False,
        "regex": LICENSE,
    }
    updated = ok(await api.post(f"{BASE}/plates/params", json={"regex": CAR, "desc": "cars"}))
    assert (
        updated["regex"] == CAR and updated["desc"] == "cars" and updated["long_name"] == "Plates"
    )
    # Retrieve uses the new pattern at once.
    assert await retrieve(api, "plates", "My car is a 2007 Jeep Wrangler") == [
        {"year": "2007", "make": "Jeep", "model": "Wrangler", "_all_groups": "2007 Jeep Wrangler"}
    ]
    stored = await store.get_model(api.tenant, "regex_entity_extractor", "plates")
    assert stored["params"] == {"regex": CAR}

    trashed = ok(await api.delete(f"{BASE}/plates"))
    assert trashed["regex"] == CAR
    assert_error(await api.get(f"{BASE}/plates"), 404)
    assert_error(await api.post(f"{BASE}/plates/retrieve", json={"text": "2007 Jeep X"}), 404)
    assert ok(await api.get(BASE)) == []

    restored = ok(await api.post(BASE, json={"name": "plates", "load_from_store": True}))
    assert restored["regex"] == CAR and restored["id"] == created["id"]
    assert await retrieve(api, "plates", "1999 Ford Focus")  # answers again

    gone = ok(await api.post(f"{BASE}/plates/vaporise"))
    assert gone["name"] == "plates"
    assert_error(await api.get(f"{BASE}/plates"), 404)
    assert_error(await api.post(BASE, json={"name": "plates", "load_from_store": True}), 404)


async def test_many_matches_unnamed_groups_and_no_matches(api: NluClient) -> None:
    ok(await create(api, "numbers", r"\d+"))
    assert await retrieve(api, "numbers", "call 082 555 1234") == [
        {"_all_groups": "082"},
        {"_all_groups": "555"},
        {"_all_groups": "1234"},
    ]
    assert await retrieve(api, "numbers", "no digits") == []
    # At most 100 entities per call.
    assert len(await retrieve(api, "numbers", "1 " * (TEXT_LIMIT // 2))) == 100


async def test_a_name_in_use_is_a_conflict(api: NluClient) -> None:
    ok(await create(api, "dup"))
    assert_error(await create(api, "dup"), 409)


async def test_readonly_extractors_refuse_changes(api: NluClient) -> None:
    ok(await create(api, "locked"))
    ok(await api.post(f"{BASE}/locked/params", json={"readonly": True}))
    before = await snapshot(api, "locked")
    assert_error(await api.post(f"{BASE}/locked/params", json={"regex": r"\d+"}), 400)
    assert await snapshot(api, "locked") == before
    unlocked = ok(
        await api.post(f"{BASE}/locked/params", json={"readonly": False, "regex": r"\d+"})
    )
    assert unlocked["regex"] == r"\d+" and unlocked["readonly"] is False


async def test_catastrophic_backtracking_answers_quickly_and_correctly(api: NluClient) -> None:
    ok(await create(api, "evil", r"(?P<run>(a+)+)$"))
    started = time.perf_counter()
    assert await retrieve(api, "evil", "a" * (TEXT_LIMIT - 1) + "!") == []
    assert await retrieve(api, "evil", "b" + "a" * (TEXT_LIMIT - 1)) == [
        {"run": "a" * (TEXT_LIMIT - 1), "_all_groups": "a" * (TEXT_LIMIT - 1)}
    ]
    assert time.perf_counter() - started < 2.0


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
        ("POST", "/params", {"regex": r"\d+", "long_name": "stolen"}),
        ("POST", "/retrieve", {"text": "ZNX 450 GP"}),
    ]
    for method, path, body in calls:
        response = await other_api.request(method, f"{BASE}/mine{path}", json=body)
        assert_error(response, 404, "not_found")
    assert ok(await other_api.get(BASE)) == []
    assert_error(await other_api.post(BASE, json={"name": "mine", "load_from_store": True}), 404)
    # The other tenant may use the same name for its own extractor.
    theirs = ok(await create(other_api, "mine", r"\d+"))
    assert theirs["regex"] == r"\d+"
    assert await snapshot(api, "mine") == before
    assert await retrieve(api, "mine", "ZNX 450 GP") == [
        {"license": "ZNX 450 GP", "_all_groups": "ZNX 450 GP"}
    ]


BAD_CREATES: list[tuple[dict[str, Any], str]] = [
    ({"name": "x", "load_from_store": False}, "regex is required"),
    ({"name": "x", "load_from_store": False, "regex": r"(\w+) \1"}, "invalid escape"),
    ({"name": "x", "load_from_store": False, "regex": r"(?<=a)b"}, "lookaround"),
    ({"name": "x", "load_from_store": False, "regex": "(unclosed"}, "missing )"),
    ({"name": "x", "load_from_store": False, "regex": "a" * 1001}, "limit"),
    ({"name": "x", "load_from_store": False, "regex": "(?P<a>x)(?P<a>y)"}, "more than once"),
    ({"name": "x", "load_from_store": False, "regex": ""}, "empty"),
    ({"name": "x", "load_from_store": False, "regex": 5}, "regex"),
    ({"name": "bad name!", "load_from_store": False, "regex": "a"}, ""),
    ({"name": "x", "regex": "a"}, "load_from_store"),
    ({"name": "x", "load_from_store": True, "regex": "(a)\\1"}, "invalid escape"),
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
        ("POST", "/params", {"regex": r"(a)\1"}, "invalid escape"),
        ("POST", "/params", {"regex": ""}, "empty"),
        ("POST", "/params", {"readonly": "maybe"}, "readonly"),
        ("POST", "/params", [], ""),
        ("POST", "/retrieve", {}, "text"),
        ("POST", "/retrieve", {"text": ""}, "non-empty"),
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
