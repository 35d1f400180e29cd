"""Routes of `/nlu/v2/person_name_entity_extractors`: the 8 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from nlu_service.deps import TenantDep
from nlu_service.person_name_entity_extractors.schemas import (
    PersonNameEntity,
    PersonNameEntityExtractorCreateDetails,
    PersonNameEntityExtractorInstanceDetail,
)
from nlu_service.person_name_entity_extractors.service import PersonNameEntityExtractorService
from shared.wire import ErrorBody, ModelParams, TextInput

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no model of that name"},
    409: {"model": ErrorBody, "description": "a model of that name exists"},
}

router = APIRouter(
    prefix="/nlu/v2/person_name_entity_extractors",
    tags=["person_name_entity_extractors"],
    responses=ERRORS,
)


async def get_service(request: Request) -> PersonNameEntityExtractorService:
    service: PersonNameEntityExtractorService = request.app.state.person_name_entity_extractors
    return service


ServiceDep = Annotated[PersonNameEntityExtractorService, Depends(get_service)]
InstanceName = Annotated[str, Path(description="The name of the model instance.")]

DETAIL: dict[str, Any] = {
    "response_model": PersonNameEntityExtractorInstanceDetail,
    "response_model_exclude_none": True,
}


@router.post(
    "",
    operation_id="person_name_entity_extractor_create",
    summary="Create a person name entity extractor.",
    **DETAIL,
)
async def create(
    tenant: TenantDep, service: ServiceDep, create_details: PersonNameEntityExtractorCreateDetails
) -> PersonNameEntityExtractorInstanceDetail:
    """Create a new person name entity extractor or reload one from the trash."""
    return await service.create(tenant, create_details)


@router.get(
    "",
    operation_id="person_name_entity_extractor_get_details_all",
    summary="Get list of loaded person name entity extractors.",
    response_model=list[PersonNameEntityExtractorInstanceDetail],
    response_model_exclude_none=True,
)
async def get_details_all(
    tenant: TenantDep, service: ServiceDep
) -> list[PersonNameEntityExtractorInstanceDetail]:
    """Get the list of loaded person name entity extractors."""
    return await service.list_all(tenant)


@router.get(
    "/{instance_name}",
    operation_id="person_name_entity_extractor_get_details",
    summary="Get details of named instance.",
    **DETAIL,
)
async def get_details(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> PersonNameEntityExtractorInstanceDetail:
    """Get the details of the named person name entity extractor instance."""
    return await service.details(tenant, instance_name)


@router.delete(
    "/{instance_name}",
    operation_id="person_name_entity_extractor_del",
    summary="Delete named instance.",
    **DETAIL,
)
async def delete(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> PersonNameEntityExtractorInstanceDetail:
    """Move the named instance to the trash and return its details; `create` with `load_from_store` brings it back."""
    return await service.trash(tenant, instance_name)


@router.post(
    "/{instance_name}/vaporise",
    operation_id="person_name_entity_extractor_vaporise",
    summary="Vaporise the named model.",
    **DETAIL,
)
async def vaporise(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> PersonNameEntityExtractorInstanceDetail:
    """Permanently vaporise a model even if not trashed."""
    return await service.vaporise(tenant, instance_name)


@router.post(
    "/{instance_name}/params",
    operation_id="person_name_entity_extractor_set_params",
    summary="Set the model parameters of named person name entity extractor.",
    **DETAIL,
)
async def set_params(
    tenant: TenantDep,
    service: ServiceDep,
    instance_name: InstanceName,
    model_params: ModelParams,
) -> PersonNameEntityExtractorInstanceDetail:
    """Set long_name, desc or readonly."""
    return await service.set_params(tenant, instance_name, model_params)


@router.get(
    "/{instance_name}/params",
    operation_id="person_name_entity_extractor_get_params",
    summary="Get the editable model parameters of named person name entity extractor.",
    response_model=ModelParams,
    response_model_exclude_none=True,
)
async def get_params(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> ModelParams:
    """Get long_name, desc and readonly."""
    return await service.get_params(tenant, instance_name)


@router.post(
    "/{instance_name}/retrieve",
    operation_id="person_name_entity_extractor_retrieve",
    summary="Extract the person names in the text.",
    response_model=list[PersonNameEntity],
)
async def retrieve(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName, text_input: TextInput
) -> list[PersonNameEntity]:
    """Extract person names: titled, cued or known first names with their surnames."""
    return await service.retrieve(tenant, instance_name, text_input)
