"""Routes of `/nlu/v2/sentiment_detectors`: the one operation of the Feersum spec."""

from __future__ import annotations

from nlu_service.instance_routes import add_retrieve, generic_router, state_service
from nlu_service.sentiment_detectors.schemas import Sentiment

router = generic_router("sentiment_detectors")

add_retrieve(
    router,
    state_service("sentiment_detectors"),
    operation_id="sentiment_detector_retrieve",
    summary="Detect sentiment.",
    description="Detect the general sentiment in the input text: -1 (very unhappy) to 1 "
    "(very happy), per sentence too.",
    response_model=Sentiment,
)
