"""Routes of `/nlu/v2/emotion_classifiers`: the two operations of the Feersum spec."""

from __future__ import annotations

from nlu_service.instance_routes import add_labels, add_retrieve, generic_router, state_service
from shared.wire import ScoredLabel

router = generic_router("emotion_classifiers")
get_service = state_service("emotion_classifiers")

add_retrieve(
    router,
    get_service,
    operation_id="emotion_classifier_retrieve",
    summary="Classify emotion.",
    description="Classify the emotions in the text (the 28 GoEmotions labels) and return those "
    "detected, most probable first; when none is, the single most probable label.",
    response_model=list[ScoredLabel],
)
add_labels(
    router,
    get_service,
    operation_id="emotion_classifier_get_labels",
    description="Return the classifier's list of possible class labels.",
)
