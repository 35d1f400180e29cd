"""Routes of `/nlu/v2/faq_matchers`: the 24 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from nlu_service.classifiers.endpoints import build_router
from nlu_service.faq_matchers.service import FAQ_MATCHERS

router = build_router(FAQ_MATCHERS)
