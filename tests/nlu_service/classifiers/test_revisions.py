"""Model revisions of every classifier family: `create` with `load_from_store` and `revision_uuid`.

Text classifiers, intent classifiers and FAQ matchers share one service; each is checked
through its own path. A restore brings back the trashed model as it was, or at the
revision asked for (it then answers, labels and details as at that revision); an unknown
revision, or another tenant's, is 404 and leaves the model in the trash.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared import ModelStoreClient
from tests.nlu_service.classifiers.support import add_samples, retrieve
from tests.nlu_service.support import INTENTS, NluClient, assert_error, ok, samples_of

FAMILIES = {
    "text_classifier": "/nlu/v2/text_classifiers",
    "intent_classifier": "/nlu/v2/intent_classifiers",
    "faq_matcher": "/nlu/v2/faq_matchers",
}
YES_NO = {
    "yes": ["yes", "sure", "ok", "yes please", "absolutely", "of course"],
    "no": ["no", "nope", "never", "no thanks", "not at all", "certainly not"],
}

pytestmark = pytest.mark.parametrize("model_type", list(FAMILIES))


async def train(api: NluClient, base: str, name: str) -> dict[str, Any]:
    """Train in immediate mode with threshold 0 (every family then ranks every label)."""
    body: dict[str, Any] = ok(
        await api.post(f"{base}/{name}/train", json={"immediate_mode": True, "threshold": 0.0})
    )
    return body


async def trained(
    api: NluClient, base: str, name: str, intents: dict[str, list[str]] = INTENTS
) -> dict[str, Any]:
    ok(await api.post(base, json={"name": name, "load_from_store": False}))
    await add_samples(api, base, name, samples_of(intents))
    return await train(api, base, name)


async def two_revisions(api: NluClient, base: str, name: str) -> tuple[dict[str, Any], ...]:
    """Return the details after training on `INTENTS`, then after retraining on `YES_NO`."""
    first = await trained(api, base, name)
    ok(await api.delete(f"{base}/{name}/training_samples_all"))
    await add_samples(api, base, name, samples_of(YES_NO))
    second = await train(api, base, name)
    assert first["id"] != second["id"]
    return first, second


async def top(api: NluClient, base: str, name: str, text: str) -> str:
    ranked = await retrieve(api, base, name, text)
    assert ranked, text
    return str(ranked[0]["label"])


async def restore(api: NluClient, base: str, name: str, revision: str | None = None) -> Any:
    body: dict[str, Any] = {"name": name, "load_from_store": True}
    if revision is not None:
        body["revision_uuid"] = revision
    return await api.post(base, json=body)


async def test_restore_brings_back_the_revision_asked_for(
    api: NluClient, store: ModelStoreClient, model_type: str
) -> None:
    base = FAMILIES[model_type]
    first, second = await two_revisions(api, base, "revs")
    assert sorted(ok(await api.get(f"{base}/revs/labels"))) == ["no", "yes"]
    assert await top(api, base, "revs", "yes please") == "yes"

    ok(await api.delete(f"{base}/revs"))
    assert_error(await api.get(f"{base}/revs"), 404)
    assert_error(await api.post(f"{base}/revs/retrieve", json={"text": "hello"}), 404)

    # The first revision: its labels, its answers, its uuid in the details and on the dashboard.
    restored = ok(await restore(api, base, "revs", first["id"]))
    assert restored["id"] == first["id"]
    assert restored["training_accuracy"] == first["training_accuracy"]
    assert ok(await api.get(f"{base}/revs"))["id"] == first["id"]
    assert sorted(ok(await api.get(f"{base}/revs/labels"))) == sorted(INTENTS)
    assert await top(api, base, "revs", "hello there") == "greeting"
    assert await top(api, base, "revs", "what is my account balance") == "banking"
    # The samples are the model's own (not a revision's): the YES_NO ones stay.
    assert ok(await api.get(f"{base}/revs"))["num_training_samples"] == len(samples_of(YES_NO))
    entry = next(
        m for m in ok(await api.get("/nlu/v2/dashboard"))["model_list"] if m["name"] == "revs"
    )
    assert entry["uuid"] == first["id"] and entry["model_type"] == model_type
    assert [h["uuid"] for h in entry["history"]] == [second["id"], first["id"]]
    revisions = await store.list_revisions(api.tenant, model_type, "revs")
    assert [r["id"] for r in revisions] == [second["id"], first["id"]]

    # A plain restore keeps the revision the model had when it was trashed.
    ok(await api.delete(f"{base}/revs"))
    assert ok(await restore(api, base, "revs"))["id"] == first["id"]
    assert await top(api, base, "revs", "hello there") == "greeting"

    # And the newer revision can be brought back the same way.
    ok(await api.delete(f"{base}/revs"))
    assert ok(await restore(api, base, "revs", second["id"]))["id"] == second["id"]
    assert sorted(ok(await api.get(f"{base}/revs/labels"))) == ["no", "yes"]
    assert await top(api, base, "revs", "yes please") == "yes"


async def test_an_unknown_revision_is_404_and_the_model_stays_in_the_trash(
    api: NluClient, model_type: str
) -> None:
    base = FAMILIES[model_type]
    made = await trained(api, base, "kept")
    other = await trained(api, base, "other", YES_NO)
    ok(await api.delete(f"{base}/kept"))
    for revision in ("no-such-revision", str(uuid.uuid4()), other["id"]):
        body = assert_error(await restore(api, base, "kept", revision), 404, "not_found")
        assert "revision" in body["detail"]
        assert_error(await api.get(f"{base}/kept"), 404)
    # An id no store could hold is a 400, not a lookup.
    assert_error(await restore(api, base, "kept", "not a uuid!"), 400, "invalid_input")
    assert_error(await restore(api, base, "kept", "x" * 65), 400, "invalid_input")
    assert [m["name"] for m in ok(await api.get(base))] == ["other"]

    # The model was left as it was: a plain restore brings it back trained.
    restored = ok(await restore(api, base, "kept"))
    assert restored["id"] == made["id"] and restored["training_stamp"]
    assert await top(api, base, "kept", "hello there") == "greeting"
    # Restoring over a live model is a conflict; with nothing in the trash, 404.
    assert_error(await restore(api, base, "kept", made["id"]), 409)
    assert_error(await restore(api, base, "never-made"), 404)


async def test_revision_uuid_is_only_read_with_load_from_store(
    api: NluClient, model_type: str
) -> None:
    base = FAMILIES[model_type]
    made = await trained(api, base, "old")
    ok(await api.delete(f"{base}/old"))
    fresh = ok(
        await api.post(
            base, json={"name": "old", "load_from_store": False, "revision_uuid": made["id"]}
        )
    )
    # A new model over the trashed one: untrained, and the trashed one is gone for good.
    assert fresh["id"] != made["id"] and fresh["training_stamp"] == ""
    assert ok(await api.get(f"{base}/old/labels")) == []
    ok(await api.delete(f"{base}/old"))
    assert_error(await restore(api, base, "old", made["id"]), 404)


async def test_another_tenants_revision_cannot_be_loaded(
    api: NluClient, other_api: NluClient, store: ModelStoreClient, model_type: str
) -> None:
    base = FAMILIES[model_type]
    mine = await trained(api, base, "shared")
    ok(await api.delete(f"{base}/shared"))
    # The other tenant sees nothing of mine in its trash.
    assert_error(await restore(other_api, base, "shared"), 404)
    assert_error(await restore(other_api, base, "shared", mine["id"]), 404)

    # Its own model of that name cannot be pointed at my revision.
    theirs = await trained(other_api, base, "shared", YES_NO)
    ok(await other_api.delete(f"{base}/shared"))
    assert_error(await restore(other_api, base, "shared", mine["id"]), 404)
    assert_error(await other_api.get(f"{base}/shared"), 404)
    restored = ok(await restore(other_api, base, "shared"))
    assert restored["id"] == theirs["id"]
    assert sorted(ok(await other_api.get(f"{base}/shared/labels"))) == ["no", "yes"]

    # Nor can I load theirs; mine is still mine.
    assert_error(await restore(api, base, "shared", theirs["id"]), 404)
    assert ok(await restore(api, base, "shared", mine["id"]))["id"] == mine["id"]
    assert sorted(ok(await api.get(f"{base}/shared/labels"))) == sorted(INTENTS)
    assert [r["id"] for r in await store.list_revisions(api.tenant, model_type, "shared")] == [
        mine["id"]
    ]
