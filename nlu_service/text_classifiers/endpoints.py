"""Routes of `/nlu/v2/text_classifiers`: the 24 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from nlu_service.classifiers.endpoints import build_router
from nlu_service.text_classifiers.service import TEXT_CLASSIFIERS

router = build_router(TEXT_CLASSIFIERS)
