"""Every language-recogniser operation (and the lr4 retrieve) through the NLU app and store."""

from __future__ import annotations

from typing import Any

import pytest

from shared import ModelStoreClient
from tests.nlu_service.support import TEXT_LIMIT, NluClient, assert_error, ok

BASE = "/nlu/v2/language_recognisers"
LR4 = "/nlu/v2/lr4_language_recognisers"
LANGUAGES = ["afr", "eng", "nbl", "xho", "zul", "nso", "sot", "tsn", "ssw", "ven", "tso"]
ZULU = "Ngiyabonga kakhulu ngosizo lwakho, sizobonana kusasa ekuseni."
AFRIKAANS = "Ek het gister na die winkel gegaan om brood en melk te koop."
SOTHO = "Ke a leboha haholo ka thuso ya hao, re tla bonana hosane."


async def create(api: NluClient, name: str, **extra: Any) -> Any:
    return await api.post(BASE, json={"name": name, "load_from_store": False, **extra})


async def retrieve(api: NluClient, name: str, text: str, base: str = BASE) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = ok(await api.post(f"{base}/{name}/retrieve", json={"text": text}))
    return body


async def snapshot(api: NluClient, name: str) -> dict[str, Any]:
    return {
        "details": ok(await api.get(f"{BASE}/{name}")),
        "params": ok(await api.get(f"{BASE}/{name}/params")),
        "labels": ok(await api.get(f"{BASE}/{name}/labels")),
        "list": ok(await api.get(BASE)),
    }


def check_scored(scored: list[dict[str, Any]], top: str) -> None:
    assert scored[0]["label"] == top, scored[:3]
    assert sorted(s["label"] for s in scored) == sorted(LANGUAGES)
    probabilities = [s["probability"] for s in scored]
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0)


async def test_full_lifecycle(api: NluClient, store: ModelStoreClient) -> None:
    created = ok(await create(api, "lid", long_name="LID", desc="languages"))
    assert created["name"] == "lid" and created["lid_model_file"] == "lid_za"
    assert created["long_name"] == "LID" and created["desc"] == "languages"
    assert created["readonly"] is False and created["id"]
    listed = ok(await api.get(BASE))
    assert [d["name"] for d in listed] == ["generic", "lid"] and listed[1] == created
    assert ok(await api.get(f"{BASE}/lid")) == created
    record = await store.get_model(api.tenant, "language_recogniser", "lid")
    assert record["params"] == {"lid_model_file": "lid_za"}

    assert sorted(ok(await api.get(f"{BASE}/lid/labels"))) == sorted(LANGUAGES)
    check_scored(await retrieve(api, "lid", ZULU), "zul")
    check_scored(await retrieve(api, "lid", AFRIKAANS), "afr")
    # The language hint is accepted and does not change the answer.
    hinted = ok(await api.post(f"{BASE}/lid/retrieve", json={"text": SOTHO, "lang_code": "eng"}))
    check_scored(hinted, "sot")
    # The older lr4 path gives the same answer.
    assert await retrieve(api, "lid", ZULU, LR4) == await retrieve(api, "lid", ZULU)

    params = ok(await api.get(f"{BASE}/lid/params"))
    assert params == {
        "long_name": "LID",
        "desc": "languages",
        "readonly": False,
        "lid_model_file": "lid_za",
    }
    updated = ok(
        await api.post(f"{BASE}/lid/params", json={"desc": "new", "lid_model_file": "lid_za"})
    )
    assert updated["desc"] == "new" and updated["long_name"] == "LID"

    trashed = ok(await api.delete(f"{BASE}/lid"))
    assert trashed["name"] == "lid"
    assert_error(await api.get(f"{BASE}/lid"), 404, "not_found")
    assert_error(await api.post(f"{BASE}/lid/retrieve", json={"text": ZULU}), 404)
    assert_error(await api.post(f"{LR4}/lid/retrieve", json={"text": ZULU}), 404)
    restored = ok(await api.post(BASE, json={"name": "lid", "load_from_store": True}))
    assert restored["desc"] == "new" and restored["lid_model_file"] == "lid_za"
    check_scored(await retrieve(api, "lid", ZULU), "zul")

    vaporised = ok(await api.post(f"{BASE}/lid/vaporise"))
    assert vaporised["name"] == "lid"
    assert_error(await api.get(f"{BASE}/lid"), 404)
    assert_error(await api.post(BASE, json={"name": "lid", "load_from_store": True}), 404)
    assert [d["name"] for d in ok(await api.get(BASE))] == ["generic"]


async def test_generic_is_built_in_for_every_tenant(api: NluClient, other_api: NluClient) -> None:
    for client in (api, other_api):
        check_scored(await retrieve(client, "generic", ZULU), "zul")
        check_scored(await retrieve(client, "generic", AFRIKAANS, LR4), "afr")
        details = ok(await client.get(f"{BASE}/generic"))
        assert details["readonly"] is True and details["lid_model_file"] == "lid_za"
        assert ok(await client.get(BASE)) == [details]
        assert sorted(ok(await client.get(f"{BASE}/generic/labels"))) == sorted(LANGUAGES)
    before = await snapshot(api, "generic")
    assert_error(await create(api, "generic"), 409, "conflict")
    for method, path, body in [
        ("DELETE", "", None),
        ("POST", "/vaporise", None),
        ("POST", "/params", {"desc": "mine now", "readonly": False}),
    ]:
        error = assert_error(await api.request(method, f"{BASE}/generic{path}", json=body), 400)
        assert "built-in" in error["detail"]
    assert await snapshot(api, "generic") == before


async def test_a_name_in_use_is_a_conflict(api: NluClient) -> None:
    ok(await create(api, "twice"))
    assert_error(await create(api, "twice"), 409, "conflict")


async def test_readonly_recognisers_refuse_changes(api: NluClient) -> None:
    ok(await create(api, "locked"))
    ok(await api.post(f"{BASE}/locked/params", json={"readonly": True}))
    before = await snapshot(api, "locked")
    error = assert_error(await api.post(f"{BASE}/locked/params", json={"desc": "x"}), 400)
    assert "read-only" in error["detail"]
    assert await snapshot(api, "locked") == before
    check_scored(await retrieve(api, "locked", ZULU), "zul")
    unlocked = ok(await api.post(f"{BASE}/locked/params", json={"readonly": False, "desc": "x"}))
    assert unlocked["readonly"] is False and unlocked["desc"] == "x"


async def test_another_tenants_recogniser_is_not_found_and_stays_untouched(
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
        ("GET", "/labels", None),
        ("POST", "/retrieve", {"text": ZULU}),
    ]
    for method, path, body in calls:
        response = await other_api.request(method, f"{BASE}/mine{path}", json=body)
        assert_error(response, 404, "not_found")
    assert_error(await other_api.post(f"{LR4}/mine/retrieve", json={"text": ZULU}), 404)
    assert [d["name"] for d in ok(await other_api.get(BASE))] == ["generic"]
    assert_error(await other_api.post(BASE, json={"name": "mine", "load_from_store": True}), 404)
    theirs = ok(await create(other_api, "mine", desc="theirs"))
    assert theirs["desc"] == "theirs"
    assert await snapshot(api, "mine") == before
    check_scored(await retrieve(api, "mine", ZULU), "zul")


BAD_CREATES: list[tuple[dict[str, Any], str]] = [
    (
        {"name": "x", "load_from_store": False, "lid_model_file": "lid_xx"},
        "known model files: lid_za",
    ),
    ({"name": "x", "load_from_store": True, "lid_model_file": "nope"}, "known model files"),
    ({"name": "x", "load_from_store": False, "lid_model_file": 5}, "lid_model_file"),
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
    assert [d["name"] for d in ok(await api.get(BASE))] == ["generic"]


@pytest.mark.parametrize("base", [BASE, LR4])
@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "text"),
        ({"text": ""}, "non-empty"),
        ({"text": "   "}, "non-empty"),
        ({"text": 5}, "text"),
        ({"text": "x" * (TEXT_LIMIT + 1)}, "limit"),
        ([], ""),
    ],
)
async def test_bad_retrieves_are_refused(api: NluClient, base: str, body: Any, words: str) -> None:
    ok(await create(api, "kept"))
    before = await snapshot(api, "kept")
    for name in ("kept", "generic"):
        error = assert_error(await api.post(f"{base}/{name}/retrieve", json=body), 400)
        assert words in str(error)
    assert await snapshot(api, "kept") == before


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"lid_model_file": "lid_xx"}, "known model files"),
        ({"readonly": "maybe"}, "readonly"),
        ([], ""),
    ],
)
async def test_bad_params_change_nothing(api: NluClient, body: Any, words: str) -> None:
    ok(await create(api, "kept"))
    before = await snapshot(api, "kept")
    error = assert_error(await api.post(f"{BASE}/kept/params", json=body), 400)
    assert words in str(error)
    assert await snapshot(api, "kept") == before


async def test_retrieve_at_the_text_limit_is_answered(api: NluClient) -> None:
    text = ((ZULU + " ") * 20)[:TEXT_LIMIT]
    assert len(text) == TEXT_LIMIT
    check_scored(await retrieve(api, "generic", text), "zul")
