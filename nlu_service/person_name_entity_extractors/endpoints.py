"""Routes of `/nlu/v2/person_name_entity_extractors`: the 8 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from nlu_service.deps import TenantDep
from nlu_service.person_name_entity_extractors.schemas import (
    PersonNameEntity,
    PersonNameEntityExtractorCreateDetails,
    PersonNameEntityExtractorInstanceDetail,
)
from nlu_service.person_name_entity_extractors.service import (
    MODEL_TYPE,
    PersonNameEntityExtractorService,
)
from nlu_service.records.endpoints import InstanceName, build_router, service_dependency
from nlu_service.records.family import RecordFamily
from shared.wire import TextInput

FAMILY = RecordFamily(
    model_type=MODEL_TYPE,
    path="/nlu/v2/person_name_entity_extractors",
    noun="person name entity extractor",
    create_schema=PersonNameEntityExtractorCreateDetails,
    detail_schema=PersonNameEntityExtractorInstanceDetail,
    docs={"get_params": "Get long_name, desc and readonly."},
)

router = build_router(FAMILY)
ServiceDep = Annotated[PersonNameEntityExtractorService, Depends(service_dependency(FAMILY))]


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
