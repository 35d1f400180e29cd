"""Text datasets, data objects and the dashboard through the gateway with the `feersum-nlu` client."""

from __future__ import annotations

import feersum_nlu
import pytest
from feersum_nlu.rest import ApiException

from scripts.stack import Stack


def client_for(stack: Stack, key: str) -> feersum_nlu.ApiClient:
    config = feersum_nlu.Configuration()
    config.host = stack.url("gateway")
    config.api_key["X-Auth-Token"] = key
    return feersum_nlu.ApiClient(config)


def new_tenant_key(stack: Stack, desc: str) -> str:
    admin = feersum_nlu.ApiKeysApi(client_for(stack, stack.admin_key))
    return str(admin.api_key_create(feersum_nlu.ApiKeyCreateDetails(desc=desc)).api_key)


def status_of(call: object, *args: object) -> int:
    with pytest.raises(ApiException) as refused:
        call(*args)  # type: ignore[operator]
    return int(refused.value.status)


def test_text_dataset_lifecycle_and_tenancy(stack: Stack) -> None:
    api = feersum_nlu.TextDatasetsApi(client_for(stack, new_tenant_key(stack, "e2e ds")))
    other = feersum_nlu.TextDatasetsApi(client_for(stack, new_tenant_key(stack, "e2e ds2")))

    created = api.text_dataset_create(
        feersum_nlu.TextDatasetCreateDetails(
            name="chats", long_name="Chats", desc="Support chats.", load_from_store=False
        )
    )
    assert isinstance(created, feersum_nlu.TextDatasetInstanceDetail)
    assert created.name == "chats" and created.id and created.readonly is False
    assert [d.name for d in api.text_dataset_get_details_all()] == ["chats"]

    samples = [
        feersum_nlu.LabelledTextSample(text="hello there", label="greeting", lang_code="eng"),
        feersum_nlu.LabelledTextSample(text="goeie môre", label="greeting", lang_code="afr"),
        feersum_nlu.LabelledTextSample(text="my card is lost", label="card", comment="urgent"),
    ]
    added = api.text_dataset_add_samples("chats", samples)
    assert [s.text for s in added] == ["hello there", "goeie môre", "my card is lost"]
    assert all(s.uuid for s in added) and added[2].comment == "urgent"
    assert api.text_dataset_get_labels("chats") == ["card", "greeting"]
    page = api.text_dataset_get_samples("chats", index=1, len=1)
    assert [s.text for s in page] == ["goeie môre"]
    assert len(api.text_dataset_get_samples("chats", sub_sample=2)) == 2

    api.text_dataset_update_samples(
        "chats", [feersum_nlu.LabelledTextSample(uuid=added[2].uuid, label="lost_card")]
    )
    assert api.text_dataset_get_labels("chats") == ["greeting", "lost_card"]
    gone = api.text_dataset_del_samples(
        "chats", [feersum_nlu.LabelledTextSample(text="hello there")]
    )
    assert [s.uuid for s in gone] == [added[0].uuid]

    api.text_dataset_set_params("chats", feersum_nlu.ModelParams(desc="Chats, cleaned."))
    params = api.text_dataset_get_params("chats")
    assert params.desc == "Chats, cleaned." and params.long_name == "Chats"
    assert (
        status_of(api.text_dataset_set_params, "chats", feersum_nlu.ModelParams(threshold=0.5))
        == 400
    )
    assert (
        status_of(api.text_dataset_add_samples, "chats", [feersum_nlu.LabelledTextSample(text="x")])
        == 400
    )

    # Another tenant sees nothing and changes nothing.
    assert status_of(other.text_dataset_get_details, "chats") == 404
    assert status_of(other.text_dataset_get_samples, "chats") == 404
    assert status_of(other.text_dataset_del_samples_all, "chats") == 404
    assert status_of(other.text_dataset_vaporise, "chats") == 404
    assert other.text_dataset_get_details_all() == []
    assert len(api.text_dataset_get_samples("chats")) == 2

    assert api.text_dataset_del("chats").name == "chats"
    assert status_of(api.text_dataset_get_details, "chats") == 404
    restored = api.text_dataset_create(
        feersum_nlu.TextDatasetCreateDetails(name="chats", load_from_store=True)
    )
    assert restored.id == created.id and len(api.text_dataset_get_samples("chats")) == 2
    assert len(api.text_dataset_del_samples_all("chats")) == 2
    assert api.text_dataset_get_samples("chats") == []
    assert api.text_dataset_vaporise("chats").name == "chats"
    assert api.text_dataset_get_details_all() == []


def test_data_objects_and_dashboard(stack: Stack) -> None:
    client = client_for(stack, new_tenant_key(stack, "e2e do"))
    other_client = client_for(stack, new_tenant_key(stack, "e2e do2"))
    objects = feersum_nlu.DataObjectsApi(client)
    other = feersum_nlu.DataObjectsApi(other_client)

    menu = {"title": "Menu", "items": [{"name": "tea", "price": 12.5}], "open": True}
    assert objects.data_object_post("menu", menu) == menu
    assert objects.data_object_get_details("menu") == menu
    assert objects.data_object_post("menu", {"title": "New"}) == {"title": "New"}
    assert objects.data_object_post("hours", {"mon": "8-5"}) == {"mon": "8-5"}
    assert objects.data_object_get_names_all() == ["hours", "menu"]
    assert status_of(objects.data_object_post, "menu", [1, 2]) == 400

    assert status_of(other.data_object_get_details, "menu") == 404
    assert status_of(other.data_object_del, "menu") == 404
    assert other.data_object_get_names_all() == []

    assert objects.data_object_del("menu") == {"title": "New"}
    assert status_of(objects.data_object_get_details, "menu") == 404
    assert objects.data_object_untrash("menu") == {"title": "New"}
    assert objects.data_object_del_all() == ["hours", "menu"]
    assert objects.data_object_get_names_all() == []
    assert objects.data_object_untrash("hours") == {"mon": "8-5"}
    assert objects.data_object_vaporise("menu") == {"title": "New"}
    assert status_of(objects.data_object_untrash, "menu") == 404

    # The dashboard: a regex extractor and a dataset; data objects only when asked.
    feersum_nlu.RegexEntityExtractorsApi(client).regex_entity_extractor_create(
        feersum_nlu.RegexEntityExtractorCreateDetails(
            name="nums", regex=r"(?P<n>\d+)", load_from_store=False
        )
    )
    feersum_nlu.TextDatasetsApi(client).text_dataset_create(
        feersum_nlu.TextDatasetCreateDetails(name="data", desc="d", load_from_store=False)
    )
    classifiers = feersum_nlu.TextClassifiersApi(client)
    classifiers.text_classifier_create(
        feersum_nlu.TextClassifierCreateDetails(name="tc", load_from_store=False)
    )
    classifiers.text_classifier_add_training_samples(
        "tc",
        [
            feersum_nlu.LabelledTextSample(text=t, label=label)
            for label, texts in {
                "greeting": ["hello there", "hi, how are you?", "good morning"],
                "weather": ["will it rain tomorrow?", "how cold is it", "is it sunny"],
            }.items()
            for t in texts
        ],
    )
    revision_ids = [
        classifiers.text_classifier_train(
            "tc", feersum_nlu.TrainDetails(immediate_mode=True, clsfr_algorithm=algorithm)
        ).id
        for algorithm in ("logistic_regression", "naive_bayes")
    ]
    dashboard = feersum_nlu.DashboardApi(client)
    detail = dashboard.dashboard_get_details()
    tc = next(m for m in detail.model_list if m.name == "tc")
    assert isinstance(tc, feersum_nlu.DashboardModelDetail) and tc.has_labels is True
    assert tc.uuid == revision_ids[1]
    assert [r.uuid for r in tc.history] == revision_ids[::-1]
    assert tc.history[0].version > tc.history[1].version
    detail.model_list.remove(tc)
    assert isinstance(detail, feersum_nlu.DashboardDetail) and detail.api_version == "2.0.46"
    assert {(m.name, m.model_type, m.collection_uri) for m in detail.model_list} == {
        ("nums", "regex_entity_extractor", "/regex_entity_extractors"),
        ("data", "text_dataset", "/text_datasets"),
    }
    assert all(m.history == [] and m.trashed is False for m in detail.model_list)
    with_objects = dashboard.dashboard_get_details_with_params(
        feersum_nlu.DashboardParams(show_data_objects=True, history_size=3)
    )
    assert {m.name for m in with_objects.model_list} == {"nums", "data", "hours", "tc"}
    short = dashboard.dashboard_get_details_with_params(feersum_nlu.DashboardParams(history_size=1))
    assert [r.uuid for r in next(m for m in short.model_list if m.name == "tc").history] == [
        revision_ids[1]
    ]
    assert (
        status_of(
            dashboard.dashboard_get_details_with_params,
            feersum_nlu.DashboardParams(history_size=-1),
        )
        == 400
    )
    assert feersum_nlu.DashboardApi(other_client).dashboard_get_details().model_list == []
