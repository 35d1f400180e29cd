"""Model revisions of CRF and synonym extractors: `create` with `load_from_store` and `revision_uuid`.

A restore at an older revision extracts, labels and details as that revision did; an
unknown revision, or another tenant's, is 404 and leaves the extractor in the trash.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared import ModelStoreClient
from tests.nlu_service.support import NluClient, assert_error, ok

CRF = "/nlu/v2/crf_entity_extractors"
SYN = "/nlu/v2/synonym_entity_extractors"
CITIES = ["Rome", "Paris", "Durban", "Cairo", "Lisbon", "Nairobi", "Madrid", "Berlin"]
TEMPLATES = ("book a flight to {}", "what is the weather in {} today", "I live in {}")


def crf_samples(entity: str) -> list[dict[str, Any]]:
    """Every city in every template, its span tagged `entity`."""
    out = []
    for city in CITIES:
        for template in TEMPLATES:
            text = template.format(city)
            span = {"entity": entity, "index": text.index(city), "len": len(city)}
            out.append({"text": text, "entity_list": [span]})
    return out


def synonym_samples(entity: str) -> list[dict[str, Any]]:
    words = {"colour": ["red", "blue"], "make": ["toyota", "ford"]}[entity]
    return [{"entity_list": [{"entity": entity, "syn_set": words}]}]


# Per kind: path, the two revisions' samples (by entity name), a text and what each finds.
KINDS: dict[str, dict[str, Any]] = {
    "crf_entity_extractor": {
        "base": CRF,
        "samples": crf_samples,
        "entities": ("city", "place"),
        "text": "book a flight to Windhoek",
    },
    "synonym_entity_extractor": {
        "base": SYN,
        "samples": synonym_samples,
        "entities": ("colour", "make"),
        "text": "a red toyota",
    },
}

pytestmark = pytest.mark.parametrize("model_type", list(KINDS))


async def train_on(api: NluClient, base: str, name: str, samples: list[dict[str, Any]]) -> Any:
    ok(await api.delete(f"{base}/{name}/training_samples_all"))
    ok(await api.post(f"{base}/{name}/training_samples", json=samples))
    return ok(await api.post(f"{base}/{name}/train", json={"immediate_mode": True}))


async def trained(api: NluClient, kind: dict[str, Any], name: str, entity: str) -> Any:
    ok(await api.post(kind["base"], json={"name": name, "load_from_store": False}))
    return await train_on(api, kind["base"], name, kind["samples"](entity))


async def found(api: NluClient, base: str, name: str, text: str) -> set[str]:
    entities = ok(await api.post(f"{base}/{name}/retrieve", json={"text": text}))
    return {e["entity"] for e in entities}


async def restore(api: NluClient, base: str, name: str, revision: str | None = None) -> Any:
    body: dict[str, Any] = {"name": name, "load_from_store": True}
    if revision is not None:
        body["revision_uuid"] = revision
    return await api.post(base, json=body)


async def test_restore_brings_back_the_revision_asked_for(
    api: NluClient, store: ModelStoreClient, model_type: str
) -> None:
    kind = KINDS[model_type]
    base: str = kind["base"]
    text: str = kind["text"]
    old, new = kind["entities"]
    first = await trained(api, kind, "ents", old)
    second = await train_on(api, base, "ents", kind["samples"](new))
    assert first["id"] != second["id"]
    assert ok(await api.get(f"{base}/ents/labels")) == [new]
    assert await found(api, base, "ents", text) == {new}

    ok(await api.delete(f"{base}/ents"))
    assert_error(await api.post(f"{base}/ents/retrieve", json={"text": text}), 404)
    restored = ok(await restore(api, base, "ents", first["id"]))
    assert restored["id"] == first["id"] and restored["training_stamp"]
    assert ok(await api.get(f"{base}/ents"))["id"] == first["id"]
    assert ok(await api.get(f"{base}/ents/labels")) == [old]
    assert await found(api, base, "ents", text) == {old}
    entry = next(
        m for m in ok(await api.get("/nlu/v2/dashboard"))["model_list"] if m["name"] == "ents"
    )
    assert entry["uuid"] == first["id"] and entry["collection_uri"] == base.removeprefix("/nlu/v2")
    assert [h["uuid"] for h in entry["history"]] == [second["id"], first["id"]]

    # A plain restore keeps the revision it had; the newer one can be asked for again.
    ok(await api.delete(f"{base}/ents"))
    assert ok(await restore(api, base, "ents"))["id"] == first["id"]
    ok(await api.delete(f"{base}/ents"))
    assert ok(await restore(api, base, "ents", second["id"]))["id"] == second["id"]
    assert await found(api, base, "ents", text) == {new}
    assert len(await store.list_revisions(api.tenant, model_type, "ents")) == 2


async def test_unknown_and_other_tenants_revisions_are_404(
    api: NluClient, other_api: NluClient, model_type: str
) -> None:
    kind = KINDS[model_type]
    base: str = kind["base"]
    text: str = kind["text"]
    old, new = kind["entities"]
    mine = await trained(api, kind, "ents", old)
    ok(await api.delete(f"{base}/ents"))
    theirs = await trained(other_api, kind, "ents", new)
    ok(await other_api.delete(f"{base}/ents"))

    for revision in ("no-such-revision", str(uuid.uuid4()), theirs["id"]):
        assert_error(await restore(api, base, "ents", revision), 404, "not_found")
        assert_error(await api.get(f"{base}/ents"), 404)
    assert_error(await restore(api, base, "ents", "not a uuid!"), 400, "invalid_input")
    assert_error(await restore(other_api, base, "ents", mine["id"]), 404, "not_found")
    assert_error(await other_api.get(f"{base}/ents"), 404)

    # Both extractors were left as they were.
    assert ok(await restore(api, base, "ents"))["id"] == mine["id"]
    assert await found(api, base, "ents", text) == {old}
    assert ok(await restore(other_api, base, "ents"))["id"] == theirs["id"]
    assert await found(other_api, base, "ents", text) == {new}
    assert_error(await restore(api, base, "ents", mine["id"]), 409)
