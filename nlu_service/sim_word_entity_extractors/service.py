"""Similar-word entity extractors: tenant seed words kept in the model store.

The model store keeps each extractor under model type `sim_word_entity_extractor`, its
settings in `params` (`similar_words`, `threshold`, `word_manifold`), checked (400) when
set. Retrieve cuts the text into candidate phrases, embeds the seeds and the phrases in one
request to the service's batching encoder (never on the event loop) and scores them on a
worker thread; see `nlu_service.engine.sim_words`. Extractors are not trained: they have
no revisions, and their `id` is the model's id.
"""

from __future__ import annotations

import asyncio
from typing import Any

from nlu_service.config import Settings
from nlu_service.encoding import BatchingEncoder
from nlu_service.engine.sim_words import (
    DEFAULT_THRESHOLD,
    DEFAULT_WORD_MANIFOLD,
    InvalidSimWordSettings,
    SimWordExtractor,
    candidates,
    check_similar_words,
    check_threshold,
    check_word_manifold,
)
from nlu_service.records.service import RecordService, detail_fields
from nlu_service.sentiment_detectors.service import check_text
from nlu_service.sim_word_entity_extractors.schemas import (
    SimWordEntity,
    SimWordEntityExtractorCreateDetails,
    SimWordEntityExtractorInstanceDetail,
)
from shared import HotModelCache, InvalidInput, ModelStoreClient
from shared.wire import ModelParams, TextInput

MODEL_TYPE = "sim_word_entity_extractor"


def settings_of(record: dict[str, Any]) -> dict[str, Any]:
    """Return a record's `similar_words`, `threshold` and `word_manifold`."""
    params = record.get("params") or {}
    return {
        "similar_words": list(params.get("similar_words") or []),
        "threshold": float(params.get("threshold", DEFAULT_THRESHOLD)),
        "word_manifold": params.get("word_manifold") or DEFAULT_WORD_MANIFOLD,
    }


def details_of(record: dict[str, Any]) -> SimWordEntityExtractorInstanceDetail:
    """Return the Feersum instance detail of a model record."""
    return SimWordEntityExtractorInstanceDetail(**detail_fields(record), **settings_of(record))


def checked(
    similar_words: list[str] | None, threshold: float | None, word_manifold: str | None
) -> dict[str, Any]:
    """Return the given settings, checked (400 when one is unusable); absent ones are left out."""
    try:
        changes: dict[str, Any] = {}
        if similar_words is not None:
            changes["similar_words"] = check_similar_words(similar_words)
        if threshold is not None:
            changes["threshold"] = check_threshold(threshold)
        if word_manifold is not None:
            changes["word_manifold"] = check_word_manifold(word_manifold)
        return changes
    except InvalidSimWordSettings as exc:
        raise InvalidInput(str(exc)) from exc


class SimWordEntityExtractorService(
    RecordService[
        SimWordEntityExtractorCreateDetails, SimWordEntityExtractorInstanceDetail, ModelParams
    ]
):
    """Every similar-word-extractor operation, for one verified tenant at a time."""

    model_type = MODEL_TYPE

    def __init__(
        self,
        store: ModelStoreClient,
        cache: HotModelCache[Any],
        encoder: BatchingEncoder,
        settings: Settings,
    ) -> None:
        super().__init__(store, cache, settings)
        self.encoder = encoder

    def details_of(self, record: dict[str, Any]) -> SimWordEntityExtractorInstanceDetail:
        return details_of(record)

    def params_of(self, record: dict[str, Any]) -> dict[str, Any]:
        return settings_of(record)

    async def create_params(self, details: SimWordEntityExtractorCreateDetails) -> dict[str, Any]:
        # Checked as at create even on a restore, which ignores them (as regex extractors do).
        params = checked(details.similar_words, details.threshold, details.word_manifold)
        if details.load_from_store:
            return {}
        if "similar_words" not in params:
            raise InvalidInput("similar_words is required to create a sim word entity extractor")
        return {
            "threshold": DEFAULT_THRESHOLD,
            "word_manifold": DEFAULT_WORD_MANIFOLD,
            **params,
        }

    async def param_changes(self, params: ModelParams) -> dict[str, Any]:
        return checked(params.similar_words, params.threshold, params.word_manifold)

    async def retrieve(self, tenant: str, name: str, text_input: TextInput) -> list[SimWordEntity]:
        text = check_text(text_input.text, self.settings.max_text_chars)
        record = await self.cache.resolve(tenant, MODEL_TYPE, name)
        stored = settings_of(record)
        extractor = SimWordExtractor(tuple(stored["similar_words"]), stored["threshold"])
        try:
            found = candidates(text)
        except InvalidSimWordSettings as exc:
            raise InvalidInput(str(exc)) from exc
        if not found or not extractor.similar_words:
            return []
        vectors = await self.encoder.encode(extractor.texts_to_embed(found))
        words = await asyncio.to_thread(extractor.match, found, vectors)
        return [
            SimWordEntity(entity=w.entity, similarity=w.similarity, index=w.index, len=w.len)
            for w in words
        ]
