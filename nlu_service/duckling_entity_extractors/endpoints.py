"""Routes of `/nlu/v2/duckling_entity_extractors`: the 8 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from nlu_service.deps import TenantDep
from nlu_service.duckling_entity_extractors.schemas import (
    DucklingEntity,
    DucklingEntityExtractorCreateDetails,
    DucklingEntityExtractorInstanceDetail,
    DucklingModelParams,
)
from nlu_service.duckling_entity_extractors.service import (
    MODEL_TYPE,
    DucklingEntityExtractorService,
)
from nlu_service.records.endpoints import InstanceName, build_router, service_dependency
from nlu_service.records.family import RecordFamily
from shared.wire import TextInput

FAMILY = RecordFamily(
    model_type=MODEL_TYPE,
    path="/nlu/v2/duckling_entity_extractors",
    noun="duckling entity extractor",
    create_schema=DucklingEntityExtractorCreateDetails,
    detail_schema=DucklingEntityExtractorInstanceDetail,
    params_schema=DucklingModelParams,
    bad_request="bad request: text, reference_time or dims",
    docs={
        "set_params": "Set long_name, desc, readonly, reference_time or dims; "
        "retrieve uses them at once.",
        "get_params": "Get long_name, desc, readonly, reference_time and dims.",
    },
)

router = build_router(FAMILY)
ServiceDep = Annotated[DucklingEntityExtractorService, Depends(service_dependency(FAMILY))]


@router.post(
    "/{instance_name}/retrieve",
    operation_id="duckling_entity_extractor_retrieve",
    summary="Extract the entities parsed by duckling.",
    response_model=list[DucklingEntity],
    response_model_exclude_none=True,
)
async def retrieve(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName, text_input: TextInput
) -> list[DucklingEntity]:
    """Extract times, numbers, ordinals, money, distances, durations, emails, phone numbers, URLs, temperatures and volumes."""
    return await service.retrieve(tenant, instance_name, text_input)
