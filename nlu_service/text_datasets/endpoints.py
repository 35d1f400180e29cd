"""Routes of `/nlu/v2/text_datasets`: the 13 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request

from nlu_service.deps import TenantDep
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


async def get_service(request: Request) -> TextDatasetService:
    service: TextDatasetService = request.app.state.text_datasets
    return service


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


@router.post("", operation_id="text_dataset_create", summary="Create a text dataset.", **DETAIL)
async def create(
    tenant: TenantDep, service: ServiceDep, create_details: TextDatasetCreateDetails
) -> TextDatasetInstanceDetail:
    """Create a new text dataset or reload one from the trash."""
    return await service.create(tenant, create_details)


@router.get(
    "",
    operation_id="text_dataset_get_details_all",
    summary="Get list of loaded text datasets.",
    response_model=list[TextDatasetInstanceDetail],
    response_model_exclude_none=True,
)
async def get_details_all(
    tenant: TenantDep, service: ServiceDep
) -> list[TextDatasetInstanceDetail]:
    """Get the list of loaded text datasets."""
    return await service.list_all(tenant)


@router.get(
    "/{instance_name}",
    operation_id="text_dataset_get_details",
    summary="Get details of named instance.",
    **DETAIL,
)
async def get_details(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> TextDatasetInstanceDetail:
    """Get the details of the named text dataset instance."""
    return await service.details(tenant, instance_name)


@router.delete(
    "/{instance_name}",
    operation_id="text_dataset_del",
    summary="Delete named instance.",
    **DETAIL,
)
async def delete(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> TextDatasetInstanceDetail:
    """Move the dataset to the trash (samples kept); `create` with `load_from_store` brings it back."""
    return await service.trash(tenant, instance_name)


@router.post(
    "/{instance_name}/samples",
    operation_id="text_dataset_add_samples",
    summary="Add samples.",
    **SAMPLES,
)
async def add_samples(
    tenant: TenantDep,
    service: ServiceDep,
    instance_name: InstanceName,
    labelled_text_sample_list: Samples,
) -> list[LabelledTextSample]:
    """Add samples; returns those added (a sample whose text and label are already there is skipped)."""
    return await service.add_samples(tenant, instance_name, labelled_text_sample_list)


@router.put(
    "/{instance_name}/samples",
    operation_id="text_dataset_update_samples",
    summary="Update samples by UUID.",
    **SAMPLES,
)
async def update_samples(
    tenant: TenantDep,
    service: ServiceDep,
    instance_name: InstanceName,
    labelled_text_sample_list: Samples,
) -> list[LabelledTextSample]:
    """Update samples by uuid; an unknown uuid changes nothing and answers 404."""
    return await service.update_samples(tenant, instance_name, labelled_text_sample_list)


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
    index: Annotated[int, Query(description="The sample index to start from.")] = 0,
    length: Annotated[
        int | None, Query(alias="len", description="The number of samples to return.")
    ] = None,
    sub_sample: Annotated[
        int | None,
        Query(description="If provided, the size of the shuffled sub-sample to return."),
    ] = None,
) -> list[LabelledTextSample]:
    """Get the samples in insertion order, or a shuffled sub-sample of them."""
    return await service.get_samples(tenant, instance_name, index, length, sub_sample)


@router.delete(
    "/{instance_name}/samples",
    operation_id="text_dataset_del_samples",
    summary="Delete samples.",
    **SAMPLES,
)
async def delete_samples(
    tenant: TenantDep,
    service: ServiceDep,
    instance_name: InstanceName,
    labelled_text_sample_list: Samples,
) -> list[LabelledTextSample]:
    """Delete the listed samples (by uuid, else every sample with that text); returns them."""
    return await service.delete_samples(tenant, instance_name, labelled_text_sample_list)


@router.delete(
    "/{instance_name}/samples_all",
    operation_id="text_dataset_del_samples_all",
    summary="Delete all samples.",
    **SAMPLES,
)
async def delete_samples_all(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> list[LabelledTextSample]:
    """Delete all samples of the named text dataset; returns them."""
    return await service.delete_all_samples(tenant, instance_name)


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


@router.get(
    "/{instance_name}/params",
    operation_id="text_dataset_get_params",
    summary="Get the editable model parameters of named text dataset.",
    response_model=ModelParams,
    response_model_exclude_none=True,
)
async def get_params(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> ModelParams:
    """Get the editable model parameters of named text dataset."""
    return await service.get_params(tenant, instance_name)


@router.post(
    "/{instance_name}/vaporise",
    operation_id="text_dataset_vaporise",
    summary="Vaporise the named model.",
    **DETAIL,
)
async def vaporise(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> TextDatasetInstanceDetail:
    """Permanently vaporise a dataset and its samples, even if not trashed."""
    return await service.vaporise(tenant, instance_name)


@router.get(
    "/{instance_name}/labels",
    operation_id="text_dataset_get_labels",
    summary="Get list of possible labels.",
    response_model=list[str],
)
async def get_labels(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> list[str]:
    """Return the distinct labels of the dataset's samples, sorted."""
    return await service.labels(tenant, instance_name)
