"""Routes of `/nlu/v2/text_datasets`: the 13 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path

from nlu_service.deps import TenantDep
from nlu_service.instance_routes import add_labels, state_service
from nlu_service.records.endpoints import Index, Length, SubSample
from nlu_service.records.routes import add_service_route
from nlu_service.text_datasets.schemas import TextDatasetCreateDetails, TextDatasetInstanceDetail
from nlu_service.text_datasets.service import TextDatasetService
from shared.wire import ErrorBody, LabelledTextSample, ModelParams

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request, or the dataset is read-only"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no dataset of that name"},
    409: {"model": ErrorBody, "description": "a dataset of that name exists"},
    413: {"model": ErrorBody, "description": "too many samples, or a body over the size limit"},
}

router = APIRouter(prefix="/nlu/v2/text_datasets", tags=["text_datasets"], responses=ERRORS)
get_service = state_service("text_datasets")

ServiceDep = Annotated[TextDatasetService, Depends(get_service)]
InstanceName = Annotated[str, Path(description="The name of the model instance.")]
Samples = Annotated[list[LabelledTextSample], Body(description="List of labelled text samples.")]

DETAIL: dict[str, Any] = {
    "response_model": TextDatasetInstanceDetail,
    "response_model_exclude_none": True,
}
SAMPLES: dict[str, Any] = {
    "response_model": list[LabelledTextSample],
    "response_model_exclude_none": True,
}


def add_samples_route(method: str, call: str, **route: Any) -> None:
    """Add `{method} /{instance_name}/samples`, answering `service.<call>(tenant, name, samples)`."""

    async def endpoint(
        tenant: TenantDep,
        service: ServiceDep,
        instance_name: InstanceName,
        labelled_text_sample_list: Samples,
    ) -> list[LabelledTextSample]:
        samples: list[LabelledTextSample] = await getattr(service, call)(
            tenant, instance_name, labelled_text_sample_list
        )
        return samples

    endpoint.__name__ = endpoint.__qualname__ = call
    router.add_api_route("/{instance_name}/samples", endpoint, methods=[method], **route, **SAMPLES)


@router.post("", operation_id="text_dataset_create", summary="Create a text dataset.", **DETAIL)
async def create(
    tenant: TenantDep, service: ServiceDep, create_details: TextDatasetCreateDetails
) -> TextDatasetInstanceDetail:
    """Create a new text dataset or reload one from the trash."""
    return await service.create(tenant, create_details)


add_service_route(
    router,
    get_service,
    "",
    "GET",
    "list_all",
    operation_id="text_dataset_get_details_all",
    summary="Get list of loaded text datasets.",
    description="Get the list of loaded text datasets.",
    response_model=list[TextDatasetInstanceDetail],
    response_model_exclude_none=True,
)


add_service_route(
    router,
    get_service,
    "/{instance_name}",
    "GET",
    "details",
    operation_id="text_dataset_get_details",
    summary="Get details of named instance.",
    description="Get the details of the named text dataset instance.",
    **DETAIL,
)


add_service_route(
    router,
    get_service,
    "/{instance_name}",
    "DELETE",
    "trash",
    operation_id="text_dataset_del",
    summary="Delete named instance.",
    description="Move the dataset to the trash (samples kept); "
    "`create` with `load_from_store` brings it back.",
    **DETAIL,
)


add_samples_route(
    "POST",
    "add_samples",
    operation_id="text_dataset_add_samples",
    summary="Add samples.",
    description="Add samples; returns those added "
    "(a sample whose text and label are already there is skipped).",
)


add_samples_route(
    "PUT",
    "update_samples",
    operation_id="text_dataset_update_samples",
    summary="Update samples by UUID.",
    description="Update samples by uuid; an unknown uuid changes nothing and answers 404.",
)


@router.get(
    "/{instance_name}/samples",
    operation_id="text_dataset_get_samples",
    summary="Get samples.",
    **SAMPLES,
)
async def get_samples(
    tenant: TenantDep,
    service: ServiceDep,
    instance_name: InstanceName,
    index: Index = 0,
    length: Length = None,
    sub_sample: SubSample = None,
) -> list[LabelledTextSample]:
    """Get the samples in insertion order, or a shuffled sub-sample of them."""
    return await service.get_samples(tenant, instance_name, index, length, sub_sample)


add_samples_route(
    "DELETE",
    "delete_samples",
    operation_id="text_dataset_del_samples",
    summary="Delete samples.",
    description="Delete the listed samples (by uuid, else every sample with that text); "
    "returns them.",
)


add_service_route(
    router,
    get_service,
    "/{instance_name}/samples_all",
    "DELETE",
    "delete_all_samples",
    operation_id="text_dataset_del_samples_all",
    summary="Delete all samples.",
    description="Delete all samples of the named text dataset; returns them.",
    **SAMPLES,
)


@router.post(
    "/{instance_name}/params",
    operation_id="text_dataset_set_params",
    summary="Set the model parameters of named text dataset.",
    **DETAIL,
)
async def set_params(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName, model_params: ModelParams
) -> TextDatasetInstanceDetail:
    """Set long_name, desc or readonly; any other parameter is refused (400)."""
    return await service.set_params(tenant, instance_name, model_params)


add_service_route(
    router,
    get_service,
    "/{instance_name}/params",
    "GET",
    "get_params",
    operation_id="text_dataset_get_params",
    summary="Get the editable model parameters of named text dataset.",
    description="Get the editable model parameters of named text dataset.",
    response_model=ModelParams,
    response_model_exclude_none=True,
)


add_service_route(
    router,
    get_service,
    "/{instance_name}/vaporise",
    "POST",
    "vaporise",
    operation_id="text_dataset_vaporise",
    summary="Vaporise the named model.",
    description="Permanently vaporise a dataset and its samples, even if not trashed.",
    **DETAIL,
)


add_labels(
    router,
    get_service,
    operation_id="text_dataset_get_labels",
    description="Return the distinct labels of the dataset's samples, sorted.",
    instance_name=InstanceName,
)
