"""Person-name entity extractors: tenant instances of the shared gazetteer extractor.

The model store keeps each instance under model type `person_name_entity_extractor`
with empty `params`: every instance uses the one extractor, loaded at start-up (see
`nlu_service.engine.person_names` for how names are found and its limits). Extractors
are not trained: they have no revisions, and their `id` is the model's id.
"""

from __future__ import annotations

import asyncio
from typing import Any

from nlu_service.config import Settings
from nlu_service.engine.person_names import PersonNameExtractor
from nlu_service.person_name_entity_extractors.schemas import (
    PersonNameEntity,
    PersonNameEntityExtractorCreateDetails,
    PersonNameEntityExtractorInstanceDetail,
)
from nlu_service.sentiment_detectors.service import check_text
from shared import HotModelCache, InvalidInput, ModelStoreClient
from shared.wire import ModelParams, TextInput

MODEL_TYPE = "person_name_entity_extractor"


def details_of(record: dict[str, Any]) -> PersonNameEntityExtractorInstanceDetail:
    """Return the Feersum instance detail of a model record."""
    return PersonNameEntityExtractorInstanceDetail(
        name=record["name"],
        id=record["id"],
        long_name=record.get("long_name") or "",
        desc=record.get("desc") or "",
        readonly=bool(record.get("readonly")),
    )


class PersonNameEntityExtractorService:
    """Every person-name-extractor operation, for one verified tenant at a time."""

    def __init__(
        self,
        store: ModelStoreClient,
        cache: HotModelCache[Any],
        extractor: PersonNameExtractor,
        settings: Settings,
    ) -> None:
        self.store = store
        self.cache = cache
        self.extractor = extractor
        self.settings = settings

    async def create(
        self, tenant: str, details: PersonNameEntityExtractorCreateDetails
    ) -> PersonNameEntityExtractorInstanceDetail:
        record = await self.store.create_model(
            tenant,
            MODEL_TYPE,
            details.name,
            long_name=details.long_name or "",
            desc=details.desc or "",
            params={},
            load_from_store=details.load_from_store,
            revision_uuid=details.revision_uuid if details.load_from_store else None,
        )
        await self.cache.bump(tenant, MODEL_TYPE, details.name, model_id=record["id"])
        return details_of(record)

    async def list_all(self, tenant: str) -> list[PersonNameEntityExtractorInstanceDetail]:
        return [details_of(r) for r in await self.store.list_models(tenant, MODEL_TYPE)]

    async def details(self, tenant: str, name: str) -> PersonNameEntityExtractorInstanceDetail:
        return details_of(await self.store.get_model(tenant, MODEL_TYPE, name))

    async def trash(self, tenant: str, name: str) -> PersonNameEntityExtractorInstanceDetail:
        record = await self.store.trash_model(tenant, MODEL_TYPE, name)
        await self.cache.bump(tenant, MODEL_TYPE, name, model_id=record["id"])
        return details_of(record)

    async def vaporise(self, tenant: str, name: str) -> PersonNameEntityExtractorInstanceDetail:
        record = await self.store.vaporise_model(tenant, MODEL_TYPE, name)
        await self.cache.bump(tenant, MODEL_TYPE, name, model_id=record["id"])
        return details_of(record)

    async def get_params(self, tenant: str, name: str) -> ModelParams:
        record = await self.store.get_model(tenant, MODEL_TYPE, name)
        return ModelParams(
            long_name=record.get("long_name") or "",
            desc=record.get("desc") or "",
            readonly=bool(record.get("readonly")),
        )

    async def set_params(
        self, tenant: str, name: str, params: ModelParams
    ) -> PersonNameEntityExtractorInstanceDetail:
        record = await self.store.get_model(tenant, MODEL_TYPE, name)
        changes_other = any(v is not None for v in (params.long_name, params.desc))
        if record.get("readonly") and params.readonly is not False and changes_other:
            raise InvalidInput(f"model '{name}' is read-only; set readonly to false to change it")
        updated = await self.store.update_model(
            tenant,
            MODEL_TYPE,
            name,
            long_name=params.long_name,
            desc=params.desc,
            readonly=params.readonly,
        )
        await self.cache.bump(tenant, MODEL_TYPE, name)
        return details_of(updated)

    async def retrieve(
        self, tenant: str, name: str, text_input: TextInput
    ) -> list[PersonNameEntity]:
        text = check_text(text_input.text, self.settings.max_text_chars)
        await self.cache.resolve(tenant, MODEL_TYPE, name)  # 404 unless the tenant has it

        def extract() -> list[PersonNameEntity]:
            return [PersonNameEntity(**n.as_dict()) for n in self.extractor.extract(text)]

        return await asyncio.to_thread(extract)
