"""Emotion classification: the pre-built `generic` instance, shared by every tenant.

The text is embedded by the service's batching encoder (the same MiniLM embeddings the
text classifiers use) and scored, with its words, by the GoEmotions multi-label head on a
worker thread.
"""

from __future__ import annotations

import asyncio

from nlu_service.config import Settings
from nlu_service.encoding import BatchingEncoder
from nlu_service.engine.emotions import EmotionClassifier
from nlu_service.sentiment_detectors.service import check_text
from shared import NotFound
from shared.wire import ScoredLabel, TextInput

GENERIC = "generic"


class EmotionClassifierService:
    """The emotion operations; every tenant shares the one pre-built classifier."""

    def __init__(
        self, model: EmotionClassifier, encoder: BatchingEncoder, settings: Settings
    ) -> None:
        self.model = model
        self.encoder = encoder
        self.settings = settings

    def _check_name(self, name: str) -> None:
        if name != GENERIC:
            raise NotFound(f"emotion classifier '{name}' not found; the pre-built one is 'generic'")

    async def retrieve(self, tenant: str, name: str, text_input: TextInput) -> list[ScoredLabel]:
        del tenant  # the generic instance is the same for every tenant
        self._check_name(name)
        text = check_text(text_input.text, self.settings.max_text_chars)
        embedding = await self.encoder.encode([text])
        ranked = await asyncio.to_thread(self.model.classify, text, embedding[0])
        return [ScoredLabel(label=label, probability=p) for label, p in ranked]

    async def labels(self, tenant: str, name: str) -> list[str]:
        del tenant
        self._check_name(name)
        return list(self.model.labels)
