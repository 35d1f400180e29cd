"""Routes of `/nlu/v2/regex_entity_extractors`: the 8 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from nlu_service.deps import TenantDep
from nlu_service.regex_entity_extractors.schemas import (
    RegexEntityExtractorCreateDetails,
    RegexEntityExtractorInstanceDetail,
)
from nlu_service.regex_entity_extractors.service import RegexEntityExtractorService
from shared.wire import ErrorBody, ModelParams, TextInput

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request, or a regex RE2 cannot use"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no model of that name"},
    409: {"model": ErrorBody, "description": "a model of that name exists"},
}

router = APIRouter(
    prefix="/nlu/v2/regex_entity_extractors", tags=["regex_entity_extractors"], responses=ERRORS
)


async def get_service(request: Request) -> RegexEntityExtractorService:
    service: RegexEntityExtractorService = request.app.state.regex_entity_extractors
    return service


ServiceDep = Annotated[RegexEntityExtractorService, Depends(get_service)]
InstanceName = Annotated[str, Path(description="The name of the model instance.")]

DETAIL: dict[str, Any] = {
    "response_model": RegexEntityExtractorInstanceDetail,
    "response_model_exclude_none": True,
}


@router.post(
    "",
    operation_id="regex_entity_extractor_create",
    summary="Create a regular expression entity extractor.",
    **DETAIL,
)
async def create(
    tenant: TenantDep, service: ServiceDep, create_details: RegexEntityExtractorCreateDetails
) -> RegexEntityExtractorInstanceDetail:
    """Create a new regular expression entity extractor or reload one from the trash."""
    return await service.create(tenant, create_details)


@router.get(
    "",
    operation_id="regex_entity_extractor_get_details_all",
    summary="Get list of loaded regular expression entity extractors.",
    response_model=list[RegexEntityExtractorInstanceDetail],
    response_model_exclude_none=True,
)
async def get_details_all(
    tenant: TenantDep, service: ServiceDep
) -> list[RegexEntityExtractorInstanceDetail]:
    """Get the list of loaded regular expression entity extractors."""
    return await service.list_all(tenant)


@router.get(
    "/{instance_name}",
    operation_id="regex_entity_extractor_get_details",
    summary="Get details of named instance.",
    **DETAIL,
)
async def get_details(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> RegexEntityExtractorInstanceDetail:
    """Get the details of the named regular expression entity extractor instance."""
    return await service.details(tenant, instance_name)


@router.delete(
    "/{instance_name}",
    operation_id="regex_entity_extractor_del",
    summary="Delete named instance.",
    **DETAIL,
)
async def delete(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> RegexEntityExtractorInstanceDetail:
    """Move the named instance to the trash and return its details; `create` with `load_from_store` brings it back."""
    return await service.trash(tenant, instance_name)


@router.post(
    "/{instance_name}/vaporise",
    operation_id="regex_entity_extractor_vaporise",
    summary="Vaporise the named model.",
    **DETAIL,
)
async def vaporise(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> RegexEntityExtractorInstanceDetail:
    """Permanently vaporise a model even if not trashed."""
    return await service.vaporise(tenant, instance_name)


@router.post(
    "/{instance_name}/params",
    operation_id="regex_entity_extractor_set_params",
    summary="Set the model parameters of named regex entity extractor.",
    **DETAIL,
)
async def set_params(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName, model_params: ModelParams
) -> RegexEntityExtractorInstanceDetail:
    """Set long_name, desc, readonly or regex; retrieve uses the new regex at once."""
    return await service.set_params(tenant, instance_name, model_params)


@router.get(
    "/{instance_name}/params",
    operation_id="regex_entity_extractor_get_params",
    summary="Get the editable model parameters of named regex entity extractor.",
    response_model=ModelParams,
    response_model_exclude_none=True,
)
async def get_params(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> ModelParams:
    """Get the editable model parameters of named regex entity extractor."""
    return await service.get_params(tenant, instance_name)


@router.post(
    "/{instance_name}/retrieve",
    operation_id="regex_entity_extractor_retrieve",
    summary="Extract information based on the regular expression.",
    response_model=list[dict[str, str | None]],
)
async def retrieve(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName, text_input: TextInput
) -> list[dict[str, str | None]]:
    """Extract the entities matching the regex: each named group's text and `_all_groups`, the whole match."""
    return await service.retrieve(tenant, instance_name, text_input)
