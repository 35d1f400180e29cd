"""Routes of `/nlu/v2/intent_classifiers`: the 24 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from nlu_service.classifiers.endpoints import build_router
from nlu_service.intent_classifiers.service import INTENT_CLASSIFIERS

router = build_router(INTENT_CLASSIFIERS)
