"""Sentiment detection: the pre-built `generic` instance, VADER on a worker thread."""

from __future__ import annotations

import asyncio

from nlu_service.config import Settings
from nlu_service.engine.sentiment import SentimentDetector
from nlu_service.sentiment_detectors.schemas import Sentiment, SentimentDetail
from shared import InvalidInput, NotFound
from shared.wire import TextInput

GENERIC = "generic"


def check_text(text: object, limit: int) -> str:
    """Return `text`; 400 when it is blank or longer than `limit` characters."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("text must be a non-empty string")
    if len(text) > limit:
        raise InvalidInput(f"text is {len(text)} characters long; the limit is {limit}")
    return text


class SentimentDetectorService:
    """The sentiment operations; every tenant shares the one pre-built detector."""

    def __init__(self, detector: SentimentDetector, settings: Settings) -> None:
        self.detector = detector
        self.settings = settings

    async def retrieve(self, tenant: str, name: str, text_input: TextInput) -> Sentiment:
        if name != GENERIC:
            raise NotFound(f"sentiment detector '{name}' not found; the pre-built one is 'generic'")
        text = check_text(text_input.text, self.settings.max_text_chars)
        result = await asyncio.to_thread(self.detector.detect, text)
        return Sentiment(
            value=result.value,
            detail_list=[
                SentimentDetail(value=s.value, index=s.index, len=s.length) for s in result.details
            ],
        )
