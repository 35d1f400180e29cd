"""Routes of `/nlu/v2/emotion_classifiers`: the two operations of the Feersum spec."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from nlu_service.deps import TenantDep
from nlu_service.emotion_classifiers.service import EmotionClassifierService
from shared.wire import ErrorBody, ScoredLabel, TextInput

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no model of that name"},
}

router = APIRouter(
    prefix="/nlu/v2/emotion_classifiers", tags=["emotion_classifiers"], responses=ERRORS
)


async def get_service(request: Request) -> EmotionClassifierService:
    service: EmotionClassifierService = request.app.state.emotion_classifiers
    return service


ServiceDep = Annotated[EmotionClassifierService, Depends(get_service)]
InstanceName = Annotated[str, Path(description="The name of the model instance: `generic`.")]


@router.post(
    "/{instance_name}/retrieve",
    operation_id="emotion_classifier_retrieve",
    summary="Classify emotion.",
    response_model=list[ScoredLabel],
)
async def retrieve(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName, text_input: TextInput
) -> list[ScoredLabel]:
    """Classify the emotions in the text (the 28 GoEmotions labels) and return those detected, most probable first; when none is, the single most probable label."""
    return await service.retrieve(tenant, instance_name, text_input)


@router.get(
    "/{instance_name}/labels",
    operation_id="emotion_classifier_get_labels",
    summary="Get list of possible labels.",
    response_model=list[str],
)
async def get_labels(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> list[str]:
    """Return the classifier's list of possible class labels."""
    return await service.labels(tenant, instance_name)
