"""The dashboard through the NLU app: every model type, revision history, tenancy, bad params."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from nlu_service.dashboard.model_types import KNOWN_MODEL_TYPES, DashboardModelType
from nlu_service.dashboard.schemas import DEFAULT_HISTORY_SIZE
from shared import ModelStoreClient
from tests.nlu_service.support import (
    INTENTS,
    NluClient,
    assert_error,
    ok,
    samples_of,
    train,
    trained_model,
)
from tests.nlu_service.test_app import openapi_of

BASE = "/nlu/v2/dashboard"


def by_name(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in dashboard["model_list"]}


async def make_models(api: NluClient) -> dict[str, Any]:
    """Create one model of several types; train the text classifier twice (two revisions)."""
    first = await trained_model(api, "tc")
    second = await train(api, "tc", clsfr_algorithm="naive_bayes")
    ok(
        await api.post(
            "/nlu/v2/intent_classifiers",
            json={"name": "ic", "long_name": "Intents", "load_from_store": False},
        )
    )
    ok(
        await api.post(
            "/nlu/v2/regex_entity_extractors",
            json={"name": "re", "regex": r"(?P<n>\d+)", "load_from_store": False},
        )
    )
    ok(
        await api.post(
            "/nlu/v2/text_datasets", json={"name": "ds", "desc": "data", "load_from_store": False}
        )
    )
    ok(await api.post("/nlu/v2/data_objects/cfg", json={"k": "v"}))
    return {"first": first, "second": second}


async def test_lists_every_type_with_revision_history(
    api: NluClient, store: ModelStoreClient
) -> None:
    made = await make_models(api)
    dashboard = ok(await api.get(BASE))
    assert dashboard["api_version"] == "2.0.46" and dashboard["service_name"]
    models = by_name(dashboard)
    assert set(models) == {"tc", "ic", "re", "ds"}  # data objects only when asked

    revisions = await store.list_revisions(api.tenant, "text_classifier", "tc")
    assert len(revisions) == 2
    tc = models["tc"]
    assert tc["model_type"] == "text_classifier" and tc["collection_uri"] == "/text_classifiers"
    assert tc["has_labels"] is True and tc["trashed"] is False
    assert tc["uuid"] == made["second"]["id"] == revisions[0]["id"]
    assert tc["history"] == [
        {"version": r["version"], "uuid": r["id"], "message": r["message"]} for r in revisions
    ]
    assert tc["history"][0]["version"] > tc["history"][1]["version"]
    assert tc["history"][1]["uuid"] == made["first"]["id"]

    assert models["ic"]["long_name"] == "Intents" and models["ic"]["history"] == []
    assert models["ic"]["collection_uri"] == "/intent_classifiers"
    assert models["re"]["model_type"] == "regex_entity_extractor"
    assert models["re"]["has_labels"] is False
    assert models["ds"] == {
        "name": "ds",
        "uuid": (await store.get_model(api.tenant, "text_dataset", "ds"))["id"],
        "long_name": "",
        "desc": "data",
        "model_type": "text_dataset",
        "collection_uri": "/text_datasets",
        "has_labels": False,
        "trashed": False,
        "history": [],
    }

    # POST: the same, with data objects and a shorter history.
    posted = by_name(ok(await api.post(BASE, json={"show_data_objects": True, "history_size": 1})))
    assert set(posted) == {"tc", "ic", "re", "ds", "cfg"}
    assert posted["cfg"]["model_type"] == "data_object"
    assert posted["cfg"]["collection_uri"] == "/data_objects"
    assert posted["tc"]["history"] == tc["history"][:1]
    assert by_name(ok(await api.post(BASE, json={"history_size": 0})))["tc"]["history"] == []
    assert set(by_name(ok(await api.post(BASE, json={})))) == set(models)

    # Trashed models leave the dashboard; restored ones come back with their history.
    ok(await api.delete("/nlu/v2/text_classifiers/tc"))
    assert "tc" not in by_name(ok(await api.get(BASE)))
    ok(await api.post("/nlu/v2/text_classifiers", json={"name": "tc", "load_from_store": True}))
    assert by_name(ok(await api.get(BASE)))["tc"]["history"] == tc["history"]


async def test_an_empty_tenant_has_an_empty_dashboard(api: NluClient) -> None:
    assert ok(await api.get(BASE))["model_list"] == []
    assert ok(await api.post(BASE, json={"show_data_objects": True}))["model_list"] == []


async def test_another_tenants_models_never_appear(api: NluClient, other_api: NluClient) -> None:
    ok(await api.post("/nlu/v2/text_datasets", json={"name": "mine", "load_from_store": False}))
    ok(await api.post("/nlu/v2/data_objects/secret", json={"k": 1}))
    assert ok(await other_api.post(BASE, json={"show_data_objects": True}))["model_list"] == []
    ok(await other_api.post("/nlu/v2/data_objects/theirs", json={"k": 2}))
    theirs = ok(await other_api.post(BASE, json={"show_data_objects": True}))
    assert [m["name"] for m in theirs["model_list"]] == ["theirs"]
    mine = ok(await api.post(BASE, json={"show_data_objects": True}))
    assert sorted(m["name"] for m in mine["model_list"]) == ["mine", "secret"]


@pytest.mark.parametrize(
    "body",
    [
        {"history_size": -1},
        {"history_size": 1001},
        {"history_size": "ten"},
        {"history_size": 1.5},
        {"show_data_objects": "perhaps"},
        [1, 2],
        "text",
    ],
)
async def test_bad_params_are_400(api: NluClient, body: Any) -> None:
    assert_error(await api.post(BASE, json=body), 400, "invalid_input")


async def test_a_body_that_is_not_json_is_400(api: NluClient) -> None:
    response = await api.post(BASE, content=b"{nope", headers={"content-type": "application/json"})
    assert_error(response, 400)


def test_every_model_type_of_the_service_is_on_the_dashboard() -> None:
    """A model type a service package stores must be registered in `KNOWN_MODEL_TYPES`."""
    root = Path(__file__).resolve().parents[3] / "nlu_service"
    declared = {
        match
        for path in root.glob("*/service.py")
        for match in re.findall(r'^MODEL_TYPE = "([a-z0-9_]+)"', path.read_text(), re.M)
    }
    assert declared >= {"text_classifier", "text_dataset", "data_object"}
    assert declared <= {t.model_type for t in KNOWN_MODEL_TYPES}
    uris = [t.collection_uri for t in KNOWN_MODEL_TYPES]
    assert len(set(uris)) == len(uris)


# The fields of `dashboard_model_detail` and `model_revision` in the spec 2.0.46.
MODEL_DETAIL_FIELDS = {
    "name",
    "uuid",
    "long_name",
    "desc",
    "model_type",
    "collection_uri",
    "has_labels",
    "trashed",
    "history",
}
MODEL_REVISION_FIELDS = {"version", "uuid", "message"}
V2 = "/nlu/v2"
# One model of each type: the create body (data objects are posted by name) and how many
# times it is trained. A type with a route here and no entry below fails the test.
MODELS: dict[str, tuple[dict[str, Any], int]] = {
    "text_classifier": ({}, 2),
    "intent_classifier": ({}, 1),
    "faq_matcher": ({}, 1),
    "crf_entity_extractor": ({}, 1),
    "synonym_entity_extractor": ({}, 1),
    "regex_entity_extractor": ({"regex": r"(?P<n>\d+)"}, 0),
    "duckling_entity_extractor": ({}, 0),
    "person_name_entity_extractor": ({}, 0),
    "language_recogniser": ({}, 0),
    "sim_word_entity_extractor": ({"similar_words": ["car", "truck"]}, 0),
    "text_dataset": ({}, 0),
    "data_object": ({"k": "v"}, 0),
}
TRAINING_SAMPLES: dict[str, list[dict[str, Any]]] = {
    "crf_entity_extractor": [
        {"text": f"fly to {c}", "entity_list": [{"entity": "city", "index": 7, "len": len(c)}]}
        for c in ("Rome", "Paris", "Durban", "Cairo")
    ],
    "synonym_entity_extractor": [{"entity_list": [{"entity": "colour", "syn_set": ["red"]}]}],
}


async def make_one_of_each(api: NluClient, app: FastAPI) -> dict[str, DashboardModelType]:
    """Create (and train) one model named after its type; return the types made."""
    made: dict[str, DashboardModelType] = {}
    served = (await openapi_of(app))["paths"]
    for kind in KNOWN_MODEL_TYPES:
        path = V2 + kind.collection_uri
        if path not in served and f"{path}/{{instance_name}}" not in served:
            continue
        assert kind.model_type in MODELS, f"{kind.model_type} is served but not tested here"
        body, trainings = MODELS[kind.model_type]
        name = kind.model_type.replace("_", "-")
        if kind.data_object:
            ok(await api.post(f"{path}/{name}", json=body))
        else:
            create = {"name": name, "load_from_store": False, "long_name": name.upper(), **body}
            ok(await api.post(path, json=create))
        samples = TRAINING_SAMPLES.get(kind.model_type, samples_of(INTENTS))
        for _ in range(trainings):
            ok(await api.post(f"{path}/{name}/training_samples", json=samples))
            ok(await api.post(f"{path}/{name}/train", json={"immediate_mode": True}))
        made[name] = kind
    return made


async def test_every_model_type_is_listed_in_the_spec_shape(
    api: NluClient, store: ModelStoreClient, nlu_app: FastAPI
) -> None:
    made = await make_one_of_each(api, nlu_app)
    assert {k.model_type for k in made.values()} >= {t for t, (_, n) in MODELS.items() if n}
    listed = by_name(ok(await api.post(BASE, json={"show_data_objects": True})))
    assert set(listed) == set(made)
    for name, kind in made.items():
        entry = listed[name]
        assert set(entry) == MODEL_DETAIL_FIELDS, name
        assert entry["model_type"] == kind.model_type
        assert entry["collection_uri"] == kind.collection_uri
        assert entry["has_labels"] is kind.has_labels and entry["trashed"] is False
        assert entry["long_name"] == ("" if kind.data_object else name.upper())
        revisions = await store.list_revisions(api.tenant, kind.model_type, name)
        assert len(revisions) == MODELS[kind.model_type][1], name
        for revision in entry["history"]:
            assert set(revision) == MODEL_REVISION_FIELDS
            assert isinstance(revision["version"], int) and revision["message"]
        assert entry["history"] == [
            {"version": r["version"], "uuid": r["id"], "message": r["message"]} for r in revisions
        ]
        if kind.data_object:
            continue
        # The uuid is the one the collection's details show: the current revision's, or
        # the model's own while it has none.
        details = ok(await api.get(f"{V2}{kind.collection_uri}/{name}"))
        assert entry["uuid"] == details["id"], name
        if revisions:
            assert entry["uuid"] == revisions[0]["id"]
    versions = [h["version"] for h in listed["text-classifier"]["history"]]
    assert len(versions) == 2 and versions[0] > versions[1]

    # history_size bounds every history, newest kept; the other fields do not change.
    short = by_name(ok(await api.post(BASE, json={"show_data_objects": True, "history_size": 1})))
    for name, entry in listed.items():
        assert short[name] == entry | {"history": entry["history"][:1]}


async def test_history_size_defaults_to_ten(api: NluClient) -> None:
    path = f"{V2}/synonym_entity_extractors"
    ok(await api.post(path, json={"name": "often", "load_from_store": False}))
    for i in range(DEFAULT_HISTORY_SIZE + 1):
        sample = [{"entity_list": [{"entity": "colour", "syn_set": [f"red{i}"]}]}]
        ok(await api.post(f"{path}/often/training_samples", json=sample))
        ok(await api.post(f"{path}/often/train", json={"immediate_mode": True}))

    def history(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = by_name(dashboard)["often"]["history"]
        return found

    everything = history(ok(await api.post(BASE, json={"history_size": 50})))
    assert len(everything) == DEFAULT_HISTORY_SIZE + 1
    assert [h["version"] for h in everything] == sorted(
        (h["version"] for h in everything), reverse=True
    )
    for default in (
        ok(await api.get(BASE)),
        ok(await api.post(BASE, json={})),
        ok(await api.post(BASE, json={"history_size": None})),
    ):
        assert history(default) == everything[:DEFAULT_HISTORY_SIZE]
