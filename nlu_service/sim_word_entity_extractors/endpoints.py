"""Routes of `/nlu/v2/sim_word_entity_extractors`: the 8 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from nlu_service.deps import TenantDep
from nlu_service.records.endpoints import InstanceName, build_router, service_dependency
from nlu_service.records.family import RecordFamily
from nlu_service.sim_word_entity_extractors.schemas import (
    SimWordEntity,
    SimWordEntityExtractorCreateDetails,
    SimWordEntityExtractorInstanceDetail,
)
from nlu_service.sim_word_entity_extractors.service import (
    MODEL_TYPE,
    SimWordEntityExtractorService,
)
from shared.wire import TextInput

FAMILY = RecordFamily(
    model_type=MODEL_TYPE,
    path="/nlu/v2/sim_word_entity_extractors",
    noun="similarity entity extractor",
    title="similarity entity extractor",
    create_summary="Create a word similarity entity extractor.",
    create_schema=SimWordEntityExtractorCreateDetails,
    detail_schema=SimWordEntityExtractorInstanceDetail,
    bad_request="bad request: seed words, threshold (0-1) or word manifold unusable",
    docs={
        "set_params": "Set long_name, desc, readonly, similar_words, threshold or "
        "word_manifold; retrieve uses them at once.",
        "get_params": "Get long_name, desc, readonly, similar_words, threshold and word_manifold.",
    },
)

router = build_router(FAMILY)
ServiceDep = Annotated[SimWordEntityExtractorService, Depends(service_dependency(FAMILY))]


@router.post(
    "/{instance_name}/retrieve",
    operation_id="sim_word_entity_extractor_retrieve",
    summary="Extract information based on word similarity.",
    response_model=list[SimWordEntity],
)
async def retrieve(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName, text_input: TextInput
) -> list[SimWordEntity]:
    """Extract the words and phrases of the text similar to the extractor's seed words."""
    return await service.retrieve(tenant, instance_name, text_input)
