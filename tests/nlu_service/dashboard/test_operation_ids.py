"""The text-dataset, data-object and dashboard routes carry the spec's paths and operationIds."""

from __future__ import annotations

from fastapi import FastAPI

from tests.nlu_service.test_app import openapi_of

# (method, path) -> operationId of each of these operations in the Feersum spec 2.0.46.
SPEC_OPERATIONS = {
    ("GET", "/nlu/v2/dashboard"): "dashboard_get_details",
    ("POST", "/nlu/v2/dashboard"): "dashboard_get_details_with_params",
    ("GET", "/nlu/v2/data_objects"): "data_object_get_names_all",
    ("DELETE", "/nlu/v2/data_objects"): "data_object_del_all",
    ("POST", "/nlu/v2/data_objects/{instance_name}"): "data_object_post",
    ("GET", "/nlu/v2/data_objects/{instance_name}"): "data_object_get_details",
    ("DELETE", "/nlu/v2/data_objects/{instance_name}"): "data_object_del",
    ("POST", "/nlu/v2/data_objects/{instance_name}/vaporise"): "data_object_vaporise",
    ("POST", "/nlu/v2/data_objects/{instance_name}/untrash"): "data_object_untrash",
    ("POST", "/nlu/v2/text_datasets"): "text_dataset_create",
    ("GET", "/nlu/v2/text_datasets"): "text_dataset_get_details_all",
    ("GET", "/nlu/v2/text_datasets/{instance_name}"): "text_dataset_get_details",
    ("DELETE", "/nlu/v2/text_datasets/{instance_name}"): "text_dataset_del",
    ("POST", "/nlu/v2/text_datasets/{instance_name}/samples"): "text_dataset_add_samples",
    ("PUT", "/nlu/v2/text_datasets/{instance_name}/samples"): "text_dataset_update_samples",
    ("GET", "/nlu/v2/text_datasets/{instance_name}/samples"): "text_dataset_get_samples",
    ("DELETE", "/nlu/v2/text_datasets/{instance_name}/samples"): "text_dataset_del_samples",
    ("DELETE", "/nlu/v2/text_datasets/{instance_name}/samples_all"): "text_dataset_del_samples_all",
    ("POST", "/nlu/v2/text_datasets/{instance_name}/params"): "text_dataset_set_params",
    ("GET", "/nlu/v2/text_datasets/{instance_name}/params"): "text_dataset_get_params",
    ("POST", "/nlu/v2/text_datasets/{instance_name}/vaporise"): "text_dataset_vaporise",
    ("GET", "/nlu/v2/text_datasets/{instance_name}/labels"): "text_dataset_get_labels",
}


async def test_operation_ids_and_schemas_match_the_spec(nlu_app: FastAPI) -> None:
    document = await openapi_of(nlu_app)
    ours = {
        (method.upper(), path): op["operationId"]
        for path, item in document["paths"].items()
        for method, op in item.items()
        if path.startswith(("/nlu/v2/dashboard", "/nlu/v2/data_objects", "/nlu/v2/text_datasets"))
    }
    assert ours == SPEC_OPERATIONS
    schemas = document["components"]["schemas"]
    for name in (
        "DashboardDetail",
        "DashboardModelDetail",
        "DashboardParams",
        "ModelRevision",
        "TextDatasetCreateDetails",
        "TextDatasetInstanceDetail",
    ):
        assert name in schemas, name
    assert set(schemas["DashboardModelDetail"]["required"]) == {
        "name",
        "model_type",
        "collection_uri",
    }
