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
from nlu_service.sentiment_detectors.service import check_text
from shared import HotModelCache, InvalidInput, ModelStoreClient, RateLimited
from shared.wire import TextInput

MODEL_TYPE = "duckling_entity_extractor"
MAX_PENDING = 64


def details_of(record: dict[str, Any]) -> DucklingEntityExtractorInstanceDetail:
    """Return the Feersum instance detail of a model record."""
    params = record.get("params") or {}
    return DucklingEntityExtractorInstanceDetail(
        name=record["name"],
        id=record["id"],
        long_name=record.get("long_name") or "",
        desc=record.get("desc") or "",
        readonly=bool(record.get("readonly")),
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


class DucklingEntityExtractorService:
    """Every duckling-extractor operation, for one verified tenant at a time."""

    def __init__(
        self,
        store: ModelStoreClient,
        cache: HotModelCache[Any],
        extractor: DucklingExtractor,
        settings: Settings,
    ) -> None:
        self.store = store
        self.cache = cache
        self.extractor = extractor
        self.settings = settings
        self.zone = zone(settings.date_parser_timezone)
        self._pending = 0

    async def create(
        self, tenant: str, details: DucklingEntityExtractorCreateDetails
    ) -> DucklingEntityExtractorInstanceDetail:
        reference_time = checked_reference_time(details.reference_time or "", self.settings)
        dims = checked_dims(details.dims or [])
        params: dict[str, Any] = {}
        if not details.load_from_store:
            params = {"reference_time": reference_time, "dims": dims}
        record = await self.store.create_model(
            tenant,
            MODEL_TYPE,
            details.name,
            long_name=details.long_name or "",
            desc=details.desc or "",
            params=params,
            load_from_store=details.load_from_store,
            revision_uuid=details.revision_uuid if details.load_from_store else None,
        )
        await self.cache.bump(tenant, MODEL_TYPE, details.name, model_id=record["id"])
        return details_of(record)

    async def list_all(self, tenant: str) -> list[DucklingEntityExtractorInstanceDetail]:
        return [details_of(r) for r in await self.store.list_models(tenant, MODEL_TYPE)]

    async def details(self, tenant: str, name: str) -> DucklingEntityExtractorInstanceDetail:
        return details_of(await self.store.get_model(tenant, MODEL_TYPE, name))

    async def trash(self, tenant: str, name: str) -> DucklingEntityExtractorInstanceDetail:
        record = await self.store.trash_model(tenant, MODEL_TYPE, name)
        await self.cache.bump(tenant, MODEL_TYPE, name, model_id=record["id"])
        return details_of(record)

    async def vaporise(self, tenant: str, name: str) -> DucklingEntityExtractorInstanceDetail:
        record = await self.store.vaporise_model(tenant, MODEL_TYPE, name)
        await self.cache.bump(tenant, MODEL_TYPE, name, model_id=record["id"])
        return details_of(record)

    async def get_params(self, tenant: str, name: str) -> DucklingModelParams:
        record = await self.store.get_model(tenant, MODEL_TYPE, name)
        params = record.get("params") or {}
        return DucklingModelParams(
            long_name=record.get("long_name") or "",
            desc=record.get("desc") or "",
            readonly=bool(record.get("readonly")),
            reference_time=params.get("reference_time") or "",
            dims=list(params.get("dims") or []),
        )

    async def set_params(
        self, tenant: str, name: str, params: DucklingModelParams
    ) -> DucklingEntityExtractorInstanceDetail:
        changes: dict[str, Any] = {}
        if params.reference_time is not None:
            changes["reference_time"] = checked_reference_time(params.reference_time, self.settings)
        if params.dims is not None:
            changes["dims"] = checked_dims(params.dims)
        record = await self.store.get_model(tenant, MODEL_TYPE, name)
        changes_other = bool(changes) or any(v is not None for v in (params.long_name, params.desc))
        if record.get("readonly") and params.readonly is not False and changes_other:
            raise InvalidInput(f"model '{name}' is read-only; set readonly to false to change it")
        updated = await self.store.update_model(
            tenant,
            MODEL_TYPE,
            name,
            long_name=params.long_name,
            desc=params.desc,
            readonly=params.readonly,
            params=changes or None,
        )
        await self.cache.bump(tenant, MODEL_TYPE, name)
        return details_of(updated)

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
