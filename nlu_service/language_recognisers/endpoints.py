"""Routes of `/nlu/v2/language_recognisers` (9 operations) and the older `lr4` retrieve."""

from __future__ import annotations

from fastapi import APIRouter

from nlu_service.instance_routes import add_labels, add_retrieve
from nlu_service.language_recognisers.schemas import (
    LanguageRecogniserCreateDetails,
    LanguageRecogniserInstanceDetail,
)
from nlu_service.language_recognisers.service import MODEL_TYPE
from nlu_service.records.endpoints import InstanceName, build_router, errors, service_dependency
from nlu_service.records.family import RecordFamily
from shared.wire import ScoredLabel

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
get_service = service_dependency(FAMILY)
RETRIEVE_SUMMARY = "Recognise the language the text is written in."

add_retrieve(
    router,
    get_service,
    operation_id="language_recogniser_retrieve",
    summary=RETRIEVE_SUMMARY,
    description=f"{RETRIEVE_SUMMARY} Returns the list of scored language codes (ISO 639-3).",
    response_model=list[ScoredLabel],
    instance_name=InstanceName,
)
add_labels(
    router,
    get_service,
    operation_id="language_recogniser_get_labels",
    description="Return the recogniser's language codes (ISO 639-3).",
    instance_name=InstanceName,
)
add_retrieve(
    lr4_router,
    get_service,
    operation_id="lr4_language_recogniser_retrieve",
    summary=RETRIEVE_SUMMARY,
    description="The older path (deprecated): the same answer as `language_recogniser_retrieve`.",
    response_model=list[ScoredLabel],
    instance_name=InstanceName,
)
