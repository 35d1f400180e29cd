"""Routes of `/nlu/v2/sentiment_detectors`: the one operation of the Feersum spec."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from nlu_service.deps import TenantDep
from nlu_service.sentiment_detectors.schemas import Sentiment
from nlu_service.sentiment_detectors.service import SentimentDetectorService
from shared.wire import ErrorBody, TextInput

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no model of that name"},
}

router = APIRouter(
    prefix="/nlu/v2/sentiment_detectors", tags=["sentiment_detectors"], responses=ERRORS
)


async def get_service(request: Request) -> SentimentDetectorService:
    service: SentimentDetectorService = request.app.state.sentiment_detectors
    return service


ServiceDep = Annotated[SentimentDetectorService, Depends(get_service)]
InstanceName = Annotated[str, Path(description="The name of the model instance: `generic`.")]


@router.post(
    "/{instance_name}/retrieve",
    operation_id="sentiment_detector_retrieve",
    summary="Detect sentiment.",
    response_model=Sentiment,
)
async def retrieve(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName, text_input: TextInput
) -> Sentiment:
    """Detect the general sentiment in the input text: -1 (very unhappy) to 1 (very happy), per sentence too."""
    return await service.retrieve(tenant, instance_name, text_input)
