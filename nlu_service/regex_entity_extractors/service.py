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

from nlu_service.config import Settings
from nlu_service.engine.regex_extract import MAX_MATCHES, InvalidPattern, RegexExtractor
from nlu_service.regex_entity_extractors.schemas import (
    RegexEntityExtractorCreateDetails,
    RegexEntityExtractorInstanceDetail,
)
from nlu_service.sentiment_detectors.service import check_text
from shared import HotModelCache, InvalidInput, ModelStoreClient
from shared.wire import ModelParams, TextInput

MODEL_TYPE = "regex_entity_extractor"


def details_of(record: dict[str, Any]) -> RegexEntityExtractorInstanceDetail:
    """Return the Feersum instance detail of a model record."""
    return RegexEntityExtractorInstanceDetail(
        name=record["name"],
        id=record["id"],
        long_name=record.get("long_name") or "",
        desc=record.get("desc") or "",
        readonly=bool(record.get("readonly")),
        regex=(record.get("params") or {}).get("regex") or "",
    )


async def compiled(pattern: str) -> RegexExtractor:
    """Return the extractor of `pattern`, compiled off the event loop; 400 when RE2 refuses it."""
    try:
        return await asyncio.to_thread(RegexExtractor.compile, pattern)
    except InvalidPattern as exc:
        raise InvalidInput(str(exc)) from exc


class RegexEntityExtractorService:
    """Every regex-extractor operation, for one verified tenant at a time."""

    def __init__(
        self, store: ModelStoreClient, cache: HotModelCache[Any], settings: Settings
    ) -> None:
        self.store = store
        self.cache = cache
        self.settings = settings

    async def create(
        self, tenant: str, details: RegexEntityExtractorCreateDetails
    ) -> RegexEntityExtractorInstanceDetail:
        params: dict[str, Any] = {}
        if not details.load_from_store:
            if details.regex is None:
                raise InvalidInput("regex is required to create a regex entity extractor")
            await compiled(details.regex)
            params = {"regex": details.regex}
        elif details.regex is not None:
            await compiled(details.regex)  # refused as at create, though a restore ignores it
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

    async def list_all(self, tenant: str) -> list[RegexEntityExtractorInstanceDetail]:
        return [details_of(r) for r in await self.store.list_models(tenant, MODEL_TYPE)]

    async def details(self, tenant: str, name: str) -> RegexEntityExtractorInstanceDetail:
        return details_of(await self.store.get_model(tenant, MODEL_TYPE, name))

    async def trash(self, tenant: str, name: str) -> RegexEntityExtractorInstanceDetail:
        record = await self.store.trash_model(tenant, MODEL_TYPE, name)
        await self.cache.bump(tenant, MODEL_TYPE, name, model_id=record["id"])
        return details_of(record)

    async def vaporise(self, tenant: str, name: str) -> RegexEntityExtractorInstanceDetail:
        record = await self.store.vaporise_model(tenant, MODEL_TYPE, name)
        await self.cache.bump(tenant, MODEL_TYPE, name, model_id=record["id"])
        return details_of(record)

    async def get_params(self, tenant: str, name: str) -> ModelParams:
        record = await self.store.get_model(tenant, MODEL_TYPE, name)
        return ModelParams(
            long_name=record.get("long_name") or "",
            desc=record.get("desc") or "",
            readonly=bool(record.get("readonly")),
            regex=(record.get("params") or {}).get("regex") or "",
        )

    async def set_params(
        self, tenant: str, name: str, params: ModelParams
    ) -> RegexEntityExtractorInstanceDetail:
        if params.regex is not None:
            await compiled(params.regex)
        record = await self.store.get_model(tenant, MODEL_TYPE, name)
        changes_other = any(v is not None for v in (params.long_name, params.desc, params.regex))
        if record.get("readonly") and params.readonly is not False and changes_other:
            raise InvalidInput(f"model '{name}' is read-only; set readonly to false to change it")
        updated = await self.store.update_model(
            tenant,
            MODEL_TYPE,
            name,
            long_name=params.long_name,
            desc=params.desc,
            readonly=params.readonly,
            params={"regex": params.regex} if params.regex is not None else None,
        )
        await self.cache.bump(tenant, MODEL_TYPE, name)
        return details_of(updated)

    async def retrieve(
        self, tenant: str, name: str, text_input: TextInput
    ) -> list[dict[str, str | None]]:
        text = check_text(text_input.text, self.settings.max_text_chars)
        record = await self.cache.resolve(tenant, MODEL_TYPE, name)
        pattern = (record.get("params") or {}).get("regex") or ""
        extractor = await compiled(pattern)
        return await asyncio.to_thread(extractor.extract, text, MAX_MATCHES)
