"""Regex entity extractors: tenant patterns kept in the model store, matched by RE2.

The model store keeps each extractor under model type `regex_entity_extractor`, its
pattern in `params.regex`. A pattern is compiled (and refused with 400) when it is set,
so a stored pattern always compiles; retrieve compiles it again from a per-process LRU
on a worker thread. Extractors are not trained: they have no revisions, and their `id`
is the model's id.
"""

from __future__ import annotations

import asyncio
from typing import Any

from nlu_service.engine.regex_extract import MAX_MATCHES, InvalidPattern, RegexExtractor
from nlu_service.records.service import RecordService, detail_fields
from nlu_service.regex_entity_extractors.schemas import (
    RegexEntityExtractorCreateDetails,
    RegexEntityExtractorInstanceDetail,
)
from nlu_service.sentiment_detectors.service import check_text
from shared import InvalidInput
from shared.wire import ModelParams, TextInput

MODEL_TYPE = "regex_entity_extractor"


def details_of(record: dict[str, Any]) -> RegexEntityExtractorInstanceDetail:
    """Return the Feersum instance detail of a model record."""
    return RegexEntityExtractorInstanceDetail(
        **detail_fields(record),
        regex=(record.get("params") or {}).get("regex") or "",
    )


async def compiled(pattern: str) -> RegexExtractor:
    """Return the extractor of `pattern`, compiled off the event loop; 400 when RE2 refuses it."""
    try:
        return await asyncio.to_thread(RegexExtractor.compile, pattern)
    except InvalidPattern as exc:
        raise InvalidInput(str(exc)) from exc


class RegexEntityExtractorService(
    RecordService[
        RegexEntityExtractorCreateDetails, RegexEntityExtractorInstanceDetail, ModelParams
    ]
):
    """Every regex-extractor operation, for one verified tenant at a time."""

    model_type = MODEL_TYPE

    def details_of(self, record: dict[str, Any]) -> RegexEntityExtractorInstanceDetail:
        return details_of(record)

    def params_of(self, record: dict[str, Any]) -> dict[str, Any]:
        return {"regex": (record.get("params") or {}).get("regex") or ""}

    async def create_params(self, details: RegexEntityExtractorCreateDetails) -> dict[str, Any]:
        if details.regex is None:
            if not details.load_from_store:
                raise InvalidInput("regex is required to create a regex entity extractor")
            return {}
        await compiled(details.regex)  # refused as at create, though a restore ignores it
        return {"regex": details.regex}

    async def param_changes(self, params: ModelParams) -> dict[str, Any]:
        if params.regex is None:
            return {}
        await compiled(params.regex)
        return {"regex": params.regex}

    async def retrieve(
        self, tenant: str, name: str, text_input: TextInput
    ) -> list[dict[str, str | None]]:
        text = check_text(text_input.text, self.settings.max_text_chars)
        record = await self.cache.resolve(tenant, MODEL_TYPE, name)
        pattern = (record.get("params") or {}).get("regex") or ""
        extractor = await compiled(pattern)
        return await asyncio.to_thread(extractor.extract, text, MAX_MATCHES)
