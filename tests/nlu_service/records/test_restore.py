"""`load_from_store` and `revision_uuid` on every family that is never trained.

Regex, Duckling and person-name extractors, language recognisers and text datasets keep
one model record each and no revisions (their dashboard history is empty). A restore
brings the trashed model back as it was; any `revision_uuid` names no revision of theirs,
so it is 404 and the model stays in the trash; another tenant restores nothing of theirs.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared import ModelStoreClient
from tests.nlu_service.support import NluClient, assert_error, ok

# Per family: path, model type, the create body's own fields, a read that uses the model.
FAMILIES: dict[str, dict[str, Any]] = {
    "regex": {
        "base": "/nlu/v2/regex_entity_extractors",
        "model_type": "regex_entity_extractor",
        "create": {"regex": r"(?P<year>[0-9]{4})"},
        "read": ("POST", "/retrieve", {"text": "born in 1984"}),
    },
    "duckling": {
        "base": "/nlu/v2/duckling_entity_extractors",
        "model_type": "duckling_entity_extractor",
        "create": {"reference_time": "2024-03-15 10:00", "dims": ["distance"]},
        "read": ("POST", "/retrieve", {"text": "it is 5 km away"}),
    },
    "person_name": {
        "base": "/nlu/v2/person_name_entity_extractors",
        "model_type": "person_name_entity_extractor",
        "create": {},
        "read": ("POST", "/retrieve", {"text": "Please call Mr Dlamini."}),
    },
    "language_recogniser": {
        "base": "/nlu/v2/language_recognisers",
        "model_type": "language_recogniser",
        "create": {"lid_model_file": "lid_za"},
        "read": ("POST", "/retrieve", {"text": "Good morning, how are you today?"}),
    },
    "text_dataset": {
        "base": "/nlu/v2/text_datasets",
        "model_type": "text_dataset",
        "create": {},
        "read": ("GET", "/labels", None),
    },
}

pytestmark = pytest.mark.parametrize("family", list(FAMILIES))


async def made(api: NluClient, family: dict[str, Any], name: str) -> dict[str, Any]:
    body = {"name": name, "load_from_store": False, "desc": "mine", **family["create"]}
    created: dict[str, Any] = ok(await api.post(family["base"], json=body))
    if family["model_type"] == "text_dataset":
        sample = [{"text": "hello there", "label": "greeting"}]
        ok(await api.post(f"{family['base']}/{name}/samples", json=sample))
    return created


async def read(api: NluClient, family: dict[str, Any], name: str) -> Any:
    method, path, body = family["read"]
    return await api.request(method, f"{family['base']}/{name}{path}", json=body)


async def restore(api: NluClient, base: str, name: str, revision: str | None = None) -> Any:
    body: dict[str, Any] = {"name": name, "load_from_store": True}
    if revision is not None:
        body["revision_uuid"] = revision
    return await api.post(base, json=body)


async def test_restore_and_revision_uuid(
    api: NluClient, store: ModelStoreClient, family: str
) -> None:
    spec = FAMILIES[family]
    base = spec["base"]
    created = await made(api, spec, "kept")
    answer = ok(await read(api, spec, "kept"))
    assert answer  # each read finds something, so "answers as before" below means something
    assert await store.list_revisions(api.tenant, spec["model_type"], "kept") == []
    ok(await api.delete(f"{base}/kept"))
    assert_error(await api.get(f"{base}/kept"), 404)
    assert_error(await read(api, spec, "kept"), 404)

    # No revision_uuid names a revision of a model that has none, not even the model's own id.
    for revision in ("no-such-revision", created["id"]):
        body = assert_error(await restore(api, base, "kept", revision), 404, "not_found")
        assert "revision" in body["detail"]
    assert_error(await restore(api, base, "kept", "not a uuid!"), 400, "invalid_input")
    assert_error(await api.get(f"{base}/kept"), 404)

    restored = ok(await restore(api, base, "kept"))
    assert restored == created | (
        {"num_samples": 1, "num_labels": 1} if "num_samples" in created else {}
    )
    assert ok(await read(api, spec, "kept")) == answer
    # Over a live model a restore is a conflict; a name never trashed is not found.
    assert_error(await restore(api, base, "kept"), 409)
    assert_error(await restore(api, base, "never-made"), 404)


async def test_another_tenant_restores_nothing_of_mine(
    api: NluClient, other_api: NluClient, family: str
) -> None:
    spec = FAMILIES[family]
    base = spec["base"]
    created = await made(api, spec, "mine")
    ok(await api.delete(f"{base}/mine"))
    assert_error(await restore(other_api, base, "mine"), 404)
    assert_error(await restore(other_api, base, "mine", created["id"]), 404)
    assert_error(await other_api.get(f"{base}/mine"), 404)
    # Their own model of that name restores as theirs, with its own id.
    theirs = await made(other_api, spec, "mine")
    ok(await other_api.delete(f"{base}/mine"))
    assert ok(await restore(other_api, base, "mine"))["id"] == theirs["id"] != created["id"]
    assert ok(await restore(api, base, "mine"))["id"] == created["id"]
    assert ok(await api.get(f"{base}/mine"))["desc"] == "mine"
