"""The dashboard through the NLU app: every model type, revision history, tenancy, bad params."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from nlu_service.dashboard.model_types import KNOWN_MODEL_TYPES
from shared import ModelStoreClient
from tests.nlu_service.support import NluClient, assert_error, ok, train, trained_model

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
