"""Routes of `/nlu/v2/regex_entity_extractors`: the 8 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from nlu_service.deps import TenantDep
from nlu_service.records.endpoints import InstanceName, build_router, service_dependency
from nlu_service.records.family import RecordFamily
from nlu_service.regex_entity_extractors.schemas import (
    RegexEntityExtractorCreateDetails,
    RegexEntityExtractorInstanceDetail,
)
from nlu_service.regex_entity_extractors.service import MODEL_TYPE, RegexEntityExtractorService
from shared.wire import TextInput

FAMILY = RecordFamily(
    model_type=MODEL_TYPE,
    path="/nlu/v2/regex_entity_extractors",
    noun="regex entity extractor",
    title="regular expression entity extractor",
    create_schema=RegexEntityExtractorCreateDetails,
    detail_schema=RegexEntityExtractorInstanceDetail,
    bad_request="bad request, or a regex RE2 cannot use",
    docs={
        "set_params": "Set long_name, desc, readonly or regex; retrieve uses the new regex at once."
    },
)

router = build_router(FAMILY)
ServiceDep = Annotated[RegexEntityExtractorService, Depends(service_dependency(FAMILY))]


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
