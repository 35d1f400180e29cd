"""Every sim-word-entity-extractor operation through the NLU app, with the real encoder and store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from nlu_service.engine.sim_words import MAX_ENTITIES, MAX_WORDS, WORD_MANIFOLDS
from shared import ModelStoreClient
from tests.nlu_service.conftest import NluFactory
from tests.nlu_service.support import NluClient, assert_error, ok
from tests.nlu_service.test_app import openapi_of

BASE = "/nlu/v2/sim_word_entity_extractors"
# This module's app takes longer texts than the other modules', so the word limit can be crossed.
TEXT_LIMIT = 4_000
CARS = "I parked my automobile next to the banana stand, then washed the vehicle."


@pytest.fixture(scope="module")
async def nlu_app(start_nlu: NluFactory) -> AsyncIterator[FastAPI]:
    async with start_nlu(max_text_chars=TEXT_LIMIT) as app:
        yield app


async def create(api: NluClient, name: str, words: list[str] | None = None, **extra: Any) -> Any:
    body: dict[str, Any] = {"name": name, "load_from_store": False, **extra}
    body["similar_words"] = ["car"] if words is None else words
    return await api.post(BASE, json=body)


async def retrieve(api: NluClient, name: str, text: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(await api.post(f"{BASE}/{name}/retrieve", json={"text": text}))
    return found


def entities(found: list[dict[str, Any]]) -> list[str]:
    return [e["entity"] for e in found]


async def snapshot(api: NluClient, name: str) -> dict[str, Any]:
    return {
        "details": ok(await api.get(f"{BASE}/{name}")),
        "params": ok(await api.get(f"{BASE}/{name}/params")),
        "list": ok(await api.get(BASE)),
    }


async def test_full_lifecycle(api: NluClient, store: ModelStoreClient) -> None:
    created = ok(
        await create(
            api,
            "cars",
            ["car"],
            long_name="Cars",
            desc="things with wheels",
            threshold=0.7,
            word_manifold="feers_wm_eng",
        )
    )
    assert created == {
        "name": "cars",
        "id": created["id"],
        "long_name": "Cars",
        "desc": "things with wheels",
        "readonly": False,
        "similar_words": ["car"],
        "threshold": 0.7,
        "word_manifold": "feers_wm_eng",
    }
    assert created["id"]
    assert ok(await api.get(BASE)) == [created]
    assert ok(await api.get(f"{BASE}/cars")) == created

    found = await retrieve(api, "cars", CARS)
    assert entities(found) == ["automobile", "vehicle"]
    for entity in found:
        assert set(entity) == {"entity", "similarity", "index", "len"}
        assert CARS[entity["index"] : entity["index"] + entity["len"]] == entity["entity"]
        assert 0.7 <= entity["similarity"] <= 1.0
    assert await retrieve(api, "cars", "a banana and an apple") == []

    params = ok(await api.get(f"{BASE}/cars/params"))
    assert params == {
        "long_name": "Cars",
        "desc": "things with wheels",
        "readonly": False,
        "similar_words": ["car"],
        "threshold": 0.7,
        "word_manifold": "feers_wm_eng",
    }
    updated = ok(
        await api.post(
            f"{BASE}/cars/params",
            json={"similar_words": ["orange", "fruit"], "threshold": 0.6, "desc": "fruit"},
        )
    )
    assert updated["similar_words"] == ["orange", "fruit"] and updated["threshold"] == 0.6
    assert updated["desc"] == "fruit" and updated["long_name"] == "Cars"
    # Retrieve uses the new seeds at once.
    assert "banana" in entities(await retrieve(api, "cars", CARS))
    stored = await store.get_model(api.tenant, "sim_word_entity_extractor", "cars")
    assert stored["params"] == {
        "similar_words": ["orange", "fruit"],
        "threshold": 0.6,
        "word_manifold": "feers_wm_eng",
    }

    trashed = ok(await api.delete(f"{BASE}/cars"))
    assert trashed["similar_words"] == ["orange", "fruit"]
    assert_error(await api.get(f"{BASE}/cars"), 404)
    assert_error(await api.post(f"{BASE}/cars/retrieve", json={"text": CARS}), 404)
    assert ok(await api.get(BASE)) == []

    restored = ok(await api.post(BASE, json={"name": "cars", "load_from_store": True}))
    assert restored["id"] == created["id"]
    assert restored["similar_words"] == ["orange", "fruit"] and restored["threshold"] == 0.6
    assert "banana" in entities(await retrieve(api, "cars", CARS))

    gone = ok(await api.post(f"{BASE}/cars/vaporise"))
    assert gone["name"] == "cars"
    assert_error(await api.get(f"{BASE}/cars"), 404)
    assert_error(await api.post(BASE, json={"name": "cars", "load_from_store": True}), 404)


async def test_defaults_every_feersum_manifold_and_overlaps(api: NluClient) -> None:
    made = ok(await create(api, "plain", [" car ", "cat"]))
    assert made["similar_words"] == ["car", "cat"]
    assert made["threshold"] == 0.65 and made["word_manifold"] == "feers_wm_eng"
    found = await retrieve(api, "plain", "My cat sleeps in the red sports car; no banana.")
    # "car" beats the overlapping "sports car" and "red sports car".
    assert entities(found) == ["cat", "car"]
    assert all(e["similarity"] > 0.99 for e in found)
    assert await retrieve(api, "plain", "the and of, !!!") == []
    for manifold in WORD_MANIFOLDS:
        changed = ok(await api.post(f"{BASE}/plain/params", json={"word_manifold": manifold}))
        assert changed["word_manifold"] == manifold
        assert entities(await retrieve(api, "plain", "a kitten")) == ["kitten"]
    # A threshold of 1 keeps only phrases the encoder puts exactly on a seed (if any).
    ok(await api.post(f"{BASE}/plain/params", json={"threshold": 1}))
    assert await retrieve(api, "plain", "a kitten and an automobile") == []


async def test_a_name_in_use_is_a_conflict(api: NluClient) -> None:
    ok(await create(api, "dup"))
    assert_error(await create(api, "dup"), 409)


async def test_readonly_extractors_refuse_changes(api: NluClient) -> None:
    ok(await create(api, "locked"))
    ok(await api.post(f"{BASE}/locked/params", json={"readonly": True}))
    before = await snapshot(api, "locked")
    assert_error(await api.post(f"{BASE}/locked/params", json={"threshold": 0.5}), 400)
    assert_error(await api.post(f"{BASE}/locked/params", json={"similar_words": ["x"]}), 400)
    assert await snapshot(api, "locked") == before
    unlocked = ok(
        await api.post(f"{BASE}/locked/params", json={"readonly": False, "threshold": 0.5})
    )
    assert unlocked["threshold"] == 0.5 and unlocked["readonly"] is False


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
        ("POST", "/params", {"similar_words": ["banana"], "long_name": "stolen"}),
        ("POST", "/retrieve", {"text": CARS}),
    ]
    for method, path, body in calls:
        response = await other_api.request(method, f"{BASE}/mine{path}", json=body)
        assert_error(response, 404, "not_found")
    assert ok(await other_api.get(BASE)) == []
    assert_error(await other_api.post(BASE, json={"name": "mine", "load_from_store": True}), 404)
    # The other tenant may use the same name for its own extractor.
    theirs = ok(await create(other_api, "mine", ["banana"]))
    assert theirs["similar_words"] == ["banana"]
    assert await snapshot(api, "mine") == before
    assert entities(await retrieve(api, "mine", CARS)) == ["automobile", "vehicle"]


BAD_CREATES: list[tuple[dict[str, Any], str]] = [
    ({"name": "x", "load_from_store": False}, "similar_words is required"),
    ({"name": "x", "load_from_store": False, "similar_words": []}, "non-empty"),
    ({"name": "x", "load_from_store": False, "similar_words": ["car", " "]}, "similar_words[1]"),
    ({"name": "x", "load_from_store": False, "similar_words": ["car", 5]}, "similar_words"),
    ({"name": "x", "load_from_store": False, "similar_words": "car"}, "similar_words"),
    ({"name": "x", "load_from_store": False, "similar_words": ["w"] * 101}, "limit is 100"),
    ({"name": "x", "load_from_store": False, "similar_words": ["x" * 101]}, "limit is 100"),
    ({"name": "x", "load_from_store": False, "similar_words": ["car"], "threshold": 1.5}, "0 to 1"),
    (
        {"name": "x", "load_from_store": False, "similar_words": ["car"], "threshold": -0.1},
        "0 to 1",
    ),
    (
        {"name": "x", "load_from_store": False, "similar_words": ["car"], "threshold": "0.6"},
        "threshold",
    ),
    (
        {"name": "x", "load_from_store": False, "similar_words": ["car"], "word_manifold": "w2v"},
        "accepted: feers_wm_afr",
    ),
    (
        {"name": "x", "load_from_store": False, "similar_words": ["car"], "word_manifold": 3},
        "word_manifold",
    ),
    ({"name": "bad name!", "load_from_store": False, "similar_words": ["car"]}, ""),
    ({"name": "x", "similar_words": ["car"]}, "load_from_store"),
    ({"name": "x", "load_from_store": True, "threshold": 2}, "0 to 1"),
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
        ("POST", "/params", {"similar_words": []}, "non-empty"),
        ("POST", "/params", {"similar_words": [""]}, "similar_words[0]"),
        ("POST", "/params", {"threshold": 1.01}, "0 to 1"),
        ("POST", "/params", {"threshold": True}, "threshold"),
        ("POST", "/params", {"word_manifold": "glove"}, "accepted"),
        ("POST", "/params", {"word_manifold": "glove", "desc": "changed"}, "accepted"),
        ("POST", "/params", {"readonly": "maybe"}, "readonly"),
        ("POST", "/params", [], ""),
        ("POST", "/retrieve", {}, "text"),
        ("POST", "/retrieve", {"text": ""}, "non-empty"),
        ("POST", "/retrieve", {"text": "x" * (TEXT_LIMIT + 1)}, "limit"),
        ("POST", "/retrieve", {"text": "go " * (MAX_WORDS + 1)}, f"at most {MAX_WORDS}"),
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


async def test_the_longest_text_within_the_word_limit_is_answered(api: NluClient) -> None:
    ok(await create(api, "long"))
    text = " ".join(["automobile", "banana", "vehicle", "river"] * (MAX_WORDS // 4))
    found = await retrieve(api, "long", text)
    assert len(found) == min(MAX_WORDS // 2, MAX_ENTITIES)
    assert set(entities(found)) == {"automobile", "vehicle"}


# (method, path) -> operationId of every sim-word operation in the Feersum spec 2.0.46.
SPEC_OPERATIONS = {
    ("POST", BASE): "sim_word_entity_extractor_create",
    ("GET", BASE): "sim_word_entity_extractor_get_details_all",
    ("GET", f"{BASE}/{{instance_name}}"): "sim_word_entity_extractor_get_details",
    ("DELETE", f"{BASE}/{{instance_name}}"): "sim_word_entity_extractor_del",
    ("POST", f"{BASE}/{{instance_name}}/params"): "sim_word_entity_extractor_set_params",
    ("GET", f"{BASE}/{{instance_name}}/params"): "sim_word_entity_extractor_get_params",
    ("POST", f"{BASE}/{{instance_name}}/retrieve"): "sim_word_entity_extractor_retrieve",
    ("POST", f"{BASE}/{{instance_name}}/vaporise"): "sim_word_entity_extractor_vaporise",
}


async def test_operation_ids_and_schemas_match_the_spec(nlu_app: FastAPI) -> None:
    document = await openapi_of(nlu_app)
    ours = {
        (method.upper(), path): op["operationId"]
        for path, item in document["paths"].items()
        for method, op in item.items()
        if path.startswith(BASE)
    }
    assert ours == SPEC_OPERATIONS
    schemas = document["components"]["schemas"]
    detail = schemas["SimWordEntityExtractorInstanceDetail"]
    assert {"name", "id", "similar_words", "threshold", "word_manifold"} <= set(detail["required"])
    create = schemas["SimWordEntityExtractorCreateDetails"]
    assert {"name", "load_from_store"} == set(create["required"])
    assert {"similar_words", "threshold", "word_manifold"} <= set(create["properties"])
    assert {"entity", "similarity"} <= set(schemas["SimWordEntity"]["required"])
