"""Duckling entity extractors: tenant instances of the shared rule-based Duckling engine.

The model store keeps each extractor under model type `duckling_entity_extractor`, its
`reference_time` and `dims` in `params`; both are checked (400) when they are set.
Extractors are not trained: they have no revisions, and their `id` is the model's id.
Retrieve runs the parsers on a worker thread; `time` goes through the date parser that
the date-parser resource shares (dateparser serialises on its own lock), so waiting
calls are capped and a full queue answers 429.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from nlu_service.config import Settings
from nlu_service.duckling_entity_extractors.schemas import (
    DucklingEntity,
    DucklingEntityExtractorCreateDetails,
    DucklingEntityExtractorInstanceDetail,
    DucklingModelParams,
)
from nlu_service.engine.dates import (
    InvalidReferenceTime,
    languages_for,
    parse_reference_time,
    zone,
)
from nlu_service.engine.duckling import DIMS, DucklingExtractor
from nlu_service.records.service import RecordService, detail_fields
from nlu_service.sentiment_detectors.service import check_text
from shared import HotModelCache, InvalidInput, ModelStoreClient, RateLimited
from shared.wire import TextInput

MODEL_TYPE = "duckling_entity_extractor"
MAX_PENDING = 64


def details_of(record: dict[str, Any]) -> DucklingEntityExtractorInstanceDetail:
    """Return the Feersum instance detail of a model record."""
    params = record.get("params") or {}
    return DucklingEntityExtractorInstanceDetail(
        **detail_fields(record),
        reference_time=params.get("reference_time") or "",
        dims=list(params.get("dims") or []),
    )


def checked_reference_time(value: str, settings: Settings) -> str:
    """Return `value` stripped; 400 unless it is empty or a reference time we can read."""
    value = value.strip()
    if value:
        try:
            parse_reference_time(value, zone(settings.date_parser_timezone))
        except InvalidReferenceTime as exc:
            raise InvalidInput(str(exc)) from exc
    return value


def checked_dims(dims: list[str]) -> list[str]:
    """Return `dims` without repeats, in the given order; 400 when one is not a Duckling dim."""
    unknown = [d for d in dims if d not in DIMS]
    if unknown:
        raise InvalidInput(f"unknown dims {unknown}; the dims are {list(DIMS)}")
    return list(dict.fromkeys(dims))


class DucklingEntityExtractorService(
    RecordService[
        DucklingEntityExtractorCreateDetails,
        DucklingEntityExtractorInstanceDetail,
        DucklingModelParams,
    ]
):
    """Every duckling-extractor operation, for one verified tenant at a time."""

    model_type = MODEL_TYPE
    params_schema = DucklingModelParams

    def __init__(
        self,
        store: ModelStoreClient,
        cache: HotModelCache[Any],
        extractor: DucklingExtractor,
        settings: Settings,
    ) -> None:
        super().__init__(store, cache, settings)
        self.extractor = extractor
        self.zone = zone(settings.date_parser_timezone)
        self._pending = 0

    def details_of(self, record: dict[str, Any]) -> DucklingEntityExtractorInstanceDetail:
        return details_of(record)

    def params_of(self, record: dict[str, Any]) -> dict[str, Any]:
        params = record.get("params") or {}
        return {
            "reference_time": params.get("reference_time") or "",
            "dims": list(params.get("dims") or []),
        }

    async def create_params(self, details: DucklingEntityExtractorCreateDetails) -> dict[str, Any]:
        reference_time = checked_reference_time(details.reference_time or "", self.settings)
        dims = checked_dims(details.dims or [])
        return {"reference_time": reference_time, "dims": dims}

    async def param_changes(self, params: DucklingModelParams) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if params.reference_time is not None:
            changes["reference_time"] = checked_reference_time(params.reference_time, self.settings)
        if params.dims is not None:
            changes["dims"] = checked_dims(params.dims)
        return changes

    async def retrieve(self, tenant: str, name: str, text_input: TextInput) -> list[DucklingEntity]:
        text = check_text(text_input.text, self.settings.max_text_chars)
        record = await self.cache.resolve(tenant, MODEL_TYPE, name)
        params = record.get("params") or {}
        stored = params.get("reference_time") or ""
        reference = parse_reference_time(stored, self.zone) if stored else datetime.now(self.zone)
        dims = list(params.get("dims") or []) or None
        languages = languages_for(text_input.lang_code)

        def extract() -> list[DucklingEntity]:
            found = self.extractor.extract(
                text, reference_time=reference, dims=dims, languages=languages
            )
            return [DucklingEntity(**e.as_dict()) for e in found]

        if self._pending >= MAX_PENDING:
            raise RateLimited("the duckling extractor is busy; try again shortly", retry_after_s=1)
        self._pending += 1
        try:
            return await asyncio.to_thread(extract)
        finally:
            self._pending -= 1
