"""Routes of `/nlu/v2/language_recognisers` (9 operations) and the older `lr4` retrieve."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from nlu_service.deps import TenantDep
from nlu_service.language_recognisers.schemas import (
    LanguageRecogniserCreateDetails,
    LanguageRecogniserInstanceDetail,
)
from nlu_service.language_recognisers.service import LanguageRecogniserService
from shared.wire import ErrorBody, ModelParams, ScoredLabel, TextInput

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request, or an unknown lid_model_file"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no model of that name"},
    409: {"model": ErrorBody, "description": "a model of that name exists"},
}

router = APIRouter(
    prefix="/nlu/v2/language_recognisers", tags=["language_recognisers"], responses=ERRORS
)
lr4_router = APIRouter(
    prefix="/nlu/v2/lr4_language_recognisers",
    tags=["lr4_language_recognisers"],
    responses=ERRORS,
)


async def get_service(request: Request) -> LanguageRecogniserService:
    service: LanguageRecogniserService = request.app.state.language_recognisers
    return service


ServiceDep = Annotated[LanguageRecogniserService, Depends(get_service)]
InstanceName = Annotated[str, Path(description="The name of the model instance.")]

DETAIL: dict[str, Any] = {
    "response_model": LanguageRecogniserInstanceDetail,
    "response_model_exclude_none": True,
}


@router.post(
    "",
    operation_id="language_recogniser_create",
    summary="Create a text language detector.",
    **DETAIL,
)
async def create(
    tenant: TenantDep, service: ServiceDep, create_details: LanguageRecogniserCreateDetails
) -> LanguageRecogniserInstanceDetail:
    """Create a language recogniser on a pre-trained model file ('lid_za', the default) or reload one from the trash."""
    return await service.create(tenant, create_details)


@router.get(
    "",
    operation_id="language_recogniser_get_details_all",
    summary="Get list of loaded text language detectors.",
    response_model=list[LanguageRecogniserInstanceDetail],
    response_model_exclude_none=True,
)
async def get_details_all(
    tenant: TenantDep, service: ServiceDep
) -> list[LanguageRecogniserInstanceDetail]:
    """Get the built-in `generic` recogniser, then the tenant's own."""
    return await service.list_all(tenant)


@router.get(
    "/{instance_name}",
    operation_id="language_recogniser_get_details",
    summary="Get details of named instance.",
    **DETAIL,
)
async def get_details(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> LanguageRecogniserInstanceDetail:
    """Get the details of the named text language detector instance."""
    return await service.details(tenant, instance_name)


@router.delete(
    "/{instance_name}",
    operation_id="language_recogniser_del",
    summary="Delete named instance.",
    **DETAIL,
)
async def delete(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> LanguageRecogniserInstanceDetail:
    """Move the named instance to the trash and return its details; `create` with `load_from_store` brings it back."""
    return await service.trash(tenant, instance_name)


@router.post(
    "/{instance_name}/vaporise",
    operation_id="language_recogniser_vaporise",
    summary="Vaporise the named model.",
    **DETAIL,
)
async def vaporise(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> LanguageRecogniserInstanceDetail:
    """Permanently vaporise a model even if not trashed."""
    return await service.vaporise(tenant, instance_name)


@router.post(
    "/{instance_name}/params",
    operation_id="language_recogniser_set_params",
    summary="Set the model parameters of named language recogniser.",
    **DETAIL,
)
async def set_params(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName, model_params: ModelParams
) -> LanguageRecogniserInstanceDetail:
    """Set long_name, desc, readonly or lid_model_file."""
    return await service.set_params(tenant, instance_name, model_params)


@router.get(
    "/{instance_name}/params",
    operation_id="language_recogniser_get_params",
    summary="Get the editable model parameters of named language recogniser.",
    response_model=ModelParams,
    response_model_exclude_none=True,
)
async def get_params(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> ModelParams:
    """Get the editable model parameters of named language recogniser."""
    return await service.get_params(tenant, instance_name)


@router.post(
    "/{instance_name}/retrieve",
    operation_id="language_recogniser_retrieve",
    summary="Recognise the language the text is written in.",
    response_model=list[ScoredLabel],
)
async def retrieve(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName, text_input: TextInput
) -> list[ScoredLabel]:
    """Recognise the language the text is written in. Returns the list of scored language codes (ISO 639-3)."""
    return await service.retrieve(tenant, instance_name, text_input)


@router.get(
    "/{instance_name}/labels",
    operation_id="language_recogniser_get_labels",
    summary="Get list of possible labels.",
    response_model=list[str],
)
async def get_labels(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> list[str]:
    """Return the recogniser's language codes (ISO 639-3)."""
    return await service.labels(tenant, instance_name)


@lr4_router.post(
    "/{instance_name}/retrieve",
    operation_id="lr4_language_recogniser_retrieve",
    summary="Recognise the language the text is written in.",
    response_model=list[ScoredLabel],
)
async def lr4_retrieve(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName, text_input: TextInput
) -> list[ScoredLabel]:
    """The older path (deprecated): the same answer as `language_recogniser_retrieve`."""
    return await service.retrieve(tenant, instance_name, text_input)
