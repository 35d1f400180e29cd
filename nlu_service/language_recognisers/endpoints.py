"""Routes of `/nlu/v2/language_recognisers` (9 operations) and the older `lr4` retrieve."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from nlu_service.deps import TenantDep
from nlu_service.language_recognisers.schemas import (
    LanguageRecogniserCreateDetails,
    LanguageRecogniserInstanceDetail,
)
from nlu_service.language_recognisers.service import MODEL_TYPE, LanguageRecogniserService
from nlu_service.records.endpoints import InstanceName, build_router, errors, service_dependency
from nlu_service.records.family import RecordFamily
from shared.wire import ScoredLabel, TextInput

FAMILY = RecordFamily(
    model_type=MODEL_TYPE,
    path="/nlu/v2/language_recognisers",
    noun="language recogniser",
    title="text language detector",
    create_schema=LanguageRecogniserCreateDetails,
    detail_schema=LanguageRecogniserInstanceDetail,
    bad_request="bad request, or an unknown lid_model_file",
    docs={
        "create": "Create a language recogniser on a pre-trained model file ('lid_za', the "
        "default) or reload one from the trash.",
        "get_details_all": "Get the built-in `generic` recogniser, then the tenant's own.",
        "set_params": "Set long_name, desc, readonly or lid_model_file.",
    },
)

router = build_router(FAMILY)
lr4_router = APIRouter(
    prefix="/nlu/v2/lr4_language_recognisers",
    tags=["lr4_language_recognisers"],
    responses=errors(FAMILY),
)
ServiceDep = Annotated[LanguageRecogniserService, Depends(service_dependency(FAMILY))]


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
