"""Intent classifiers: the `intent_classifier` family of the shared classifier service.

They differ from text classifiers in their wire schemas and in rejecting out-of-scope
text: training without a threshold calibrates one (`nlu_service.engine._scope`), and
retrieve answers an empty list when no intent reaches it.
"""

from __future__ import annotations

from typing import Any

from nlu_service.classifiers.family import ClassifierFamily
from nlu_service.classifiers.schemas import word_manifolds
from nlu_service.intent_classifiers.schemas import (
    IntentClassifierCreateDetails,
    IntentClassifierInstanceDetail,
)

MODEL_TYPE = "intent_classifier"


def _intent_details(metrics: dict[str, Any]) -> dict[str, Any]:
    return {
        "validation_accuracy": metrics.get("validation_accuracy"),
        "validation_f1": metrics.get("validation_f1"),
        "validation_cm": metrics.get("validation_cm") or {},
        "word_manifold_list": word_manifolds(metrics),
    }


INTENT_CLASSIFIERS = ClassifierFamily(
    model_type=MODEL_TYPE,
    path="/nlu/v2/intent_classifiers",
    noun="intent classifier",
    create_schema=IntentClassifierCreateDetails,
    detail_schema=IntentClassifierInstanceDetail,
    extra_details=_intent_details,
    calibrates_threshold=True,
    routes_languages=True,
)
