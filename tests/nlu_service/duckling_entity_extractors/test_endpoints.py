"""Every duckling-entity-extractor operation through the NLU app, against the real model store."""

from __future__ import annotations

from typing import Any

import pytest

from shared import ModelStoreClient
from tests.nlu_service.support import TEXT_LIMIT, NluClient, assert_error, ok

BASE = "/nlu/v2/duckling_entity_extractors"
TEXT = "I paid R250 for 5 km, call 082 555 1234 tomorrow at 3pm"


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
    created = ok(
        await create(
            api, "ents", long_name="Entities", desc="all dims", reference_time="2024-03-15 10:00"
        )
    )
    assert created["name"] == "ents" and created["id"] and created["readonly"] is False
    assert created["reference_time"] == "2024-03-15 10:00" and created["dims"] == []
    assert created["long_name"] == "Entities" and created["desc"] == "all dims"
    assert ok(await api.get(BASE)) == [created]
    assert ok(await api.get(f"{BASE}/ents")) == created

    found = await retrieve(api, "ents", TEXT)
    assert found == [
        {"body": "R250", "start": 7, "end": 11, "dim": "amount-of-money", "type": "value",
         "value": "250", "unit": "ZAR"},
        {"body": "5 km", "start": 16, "end": 20, "dim": "distance", "type": "value",
         "value": "5", "unit": "kilometre"},
        {"body": "082 555 1234", "start": 27, "end": 39, "dim": "phone-number", "type": "value",
         "value": "+27825551234"},
        {"body": "tomorrow at 3pm", "start": 40, "end": 55, "dim": "time", "type": "value",
         "value": "2024-03-16T15:00:00.000+02:00", "grain": "hour"},
    ]  # fmt: skip

    params = ok(await api.get(f"{BASE}/ents/params"))
    assert params == {
        "long_name": "Entities",
        "desc": "all dims",
        "readonly": False,
        "reference_time": "2024-03-15 10:00",
        "dims": [],
    }
    updated = ok(
        await api.post(
            f"{BASE}/ents/params",
            json={"reference_time": "2025-01-01 08:00+00:00", "dims": ["time", "distance"]},
        )
    )
    assert updated["reference_time"] == "2025-01-01 08:00+00:00"
    assert updated["dims"] == ["time", "distance"] and updated["long_name"] == "Entities"
    # Retrieve uses the new reference time and dims at once.
    assert [(e["dim"], e["value"]) for e in await retrieve(api, "ents", TEXT)] == [
        ("distance", "5"),
        ("time", "2025-01-02T15:00:00.000+00:00"),
    ]
    stored = await store.get_model(api.tenant, "duckling_entity_extractor", "ents")
    assert stored["params"] == {
        "reference_time": "2025-01-01 08:00+00:00",
        "dims": ["time", "distance"],
    }
    # An empty reference time means "now"; empty dims mean all.
    ok(await api.post(f"{BASE}/ents/params", json={"reference_time": "", "dims": []}))
    assert len(await retrieve(api, "ents", TEXT)) == 4

    trashed = ok(await api.delete(f"{BASE}/ents"))
    assert trashed["name"] == "ents"
    assert_error(await api.get(f"{BASE}/ents"), 404)
    assert_error(await api.post(f"{BASE}/ents/retrieve", json={"text": TEXT}), 404)
    assert ok(await api.get(BASE)) == []

    restored = ok(await api.post(BASE, json={"name": "ents", "load_from_store": True}))
    assert restored["id"] == created["id"] and restored["long_name"] == "Entities"
    assert len(await retrieve(api, "ents", TEXT)) == 4

    gone = ok(await api.post(f"{BASE}/ents/vaporise"))
    assert gone["name"] == "ents"
    assert_error(await api.get(f"{BASE}/ents"), 404)
    assert_error(await api.post(BASE, json={"name": "ents", "load_from_store": True}), 404)


async def test_without_reference_time_relative_dates_count_from_now(api: NluClient) -> None:
    ok(await create(api, "now", dims=["time"]))
    [found] = await retrieve(api, "now", "see you in 2030")
    assert found["value"].startswith("2030-01-01T00:00:00.000") and found["grain"] == "year"
    assert await retrieve(api, "now", "nothing to see") == []


async def test_a_name_in_use_is_a_conflict(api: NluClient) -> None:
    ok(await create(api, "dup"))
    assert_error(await create(api, "dup"), 409)


async def test_readonly_extractors_refuse_changes(api: NluClient) -> None:
    ok(await create(api, "locked"))
    ok(await api.post(f"{BASE}/locked/params", json={"readonly": True}))
    before = await snapshot(api, "locked")
    assert_error(await api.post(f"{BASE}/locked/params", json={"dims": ["url"]}), 400)
    assert await snapshot(api, "locked") == before
    unlocked = ok(
        await api.post(f"{BASE}/locked/params", json={"readonly": False, "dims": ["url"]})
    )
    assert unlocked["dims"] == ["url"] and unlocked["readonly"] is False


async def test_another_tenants_extractor_is_not_found_and_stays_untouched(
    api: NluClient, other_api: NluClient
) -> None:
    ok(await create(api, "mine", long_name="Mine", reference_time="2024-03-15"))
    before = await snapshot(api, "mine")
    calls: list[tuple[str, str, Any]] = [
        ("GET", "", None),
        ("DELETE", "", None),
        ("POST", "/vaporise", None),
        ("GET", "/params", None),
        ("POST", "/params", {"dims": ["url"], "long_name": "stolen"}),
        ("POST", "/retrieve", {"text": TEXT}),
    ]
    for method, path, body in calls:
        response = await other_api.request(method, f"{BASE}/mine{path}", json=body)
        assert_error(response, 404, "not_found")
    assert ok(await other_api.get(BASE)) == []
    assert_error(await other_api.post(BASE, json={"name": "mine", "load_from_store": True}), 404)
    theirs = ok(await create(other_api, "mine", dims=["email"]))
    assert theirs["dims"] == ["email"]
    assert await snapshot(api, "mine") == before
    assert len(await retrieve(api, "mine", TEXT)) == 4


BAD_CREATES: list[tuple[dict[str, Any], str]] = [
    ({"name": "x", "load_from_store": False, "reference_time": "next tuesday"}, "reference_time"),
    ({"name": "x", "load_from_store": False, "reference_time": 5}, "reference_time"),
    ({"name": "x", "load_from_store": False, "dims": ["colour"]}, "unknown dims"),
    ({"name": "x", "load_from_store": False, "dims": "time"}, "dims"),
    ({"name": "bad name!", "load_from_store": False}, ""),
    ({"name": "x"}, "load_from_store"),
    ({"load_from_store": False}, "name"),
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
        ("POST", "/params", {"reference_time": "2024-13-45"}, "reference_time"),
        ("POST", "/params", {"dims": ["time", "money"]}, "unknown dims"),
        ("POST", "/params", {"dims": [1]}, "dims"),
        ("POST", "/params", {"readonly": "maybe"}, "readonly"),
        ("POST", "/params", [], ""),
        ("POST", "/retrieve", {}, "text"),
        ("POST", "/retrieve", {"text": ""}, "non-empty"),
        ("POST", "/retrieve", {"text": "   "}, "non-empty"),
        ("POST", "/retrieve", {"text": "x" * (TEXT_LIMIT + 1)}, "limit"),
    ],
)
async def test_bad_params_and_retrieves_change_nothing(
    api: NluClient, method: str, path: str, body: Any, words: str
) -> None:
    ok(await create(api, "kept", reference_time="2024-03-15"))
    before = await snapshot(api, "kept")
    error = assert_error(await api.request(method, f"{BASE}/kept{path}", json=body), 400)
    assert words in str(error)
    assert await snapshot(api, "kept") == before


async def test_unknown_extractor_is_not_found(api: NluClient) -> None:
    assert_error(await api.post(f"{BASE}/nope/retrieve", json={"text": "5 km"}), 404)
    assert_error(await api.get(f"{BASE}/nope/params"), 404)
