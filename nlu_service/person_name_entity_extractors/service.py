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
from nlu_service.records.service import RecordService, detail_fields
from nlu_service.sentiment_detectors.service import check_text
from shared import HotModelCache, ModelStoreClient
from shared.wire import ModelParams, TextInput

MODEL_TYPE = "person_name_entity_extractor"


def details_of(record: dict[str, Any]) -> PersonNameEntityExtractorInstanceDetail:
    """Return the Feersum instance detail of a model record."""
    return PersonNameEntityExtractorInstanceDetail(
        **detail_fields(record),
    )


class PersonNameEntityExtractorService(
    RecordService[
        PersonNameEntityExtractorCreateDetails, PersonNameEntityExtractorInstanceDetail, ModelParams
    ]
):
    """Every person-name-extractor operation, for one verified tenant at a time."""

    model_type = MODEL_TYPE

    def __init__(
        self,
        store: ModelStoreClient,
        cache: HotModelCache[Any],
        extractor: PersonNameExtractor,
        settings: Settings,
    ) -> None:
        super().__init__(store, cache, settings)
        self.extractor = extractor

    def details_of(self, record: dict[str, Any]) -> PersonNameEntityExtractorInstanceDetail:
        return details_of(record)

    async def retrieve(
        self, tenant: str, name: str, text_input: TextInput
    ) -> list[PersonNameEntity]:
        text = check_text(text_input.text, self.settings.max_text_chars)
        await self.cache.resolve(tenant, MODEL_TYPE, name)  # 404 unless the tenant has it

        def extract() -> list[PersonNameEntity]:
            return [PersonNameEntity(**n.as_dict()) for n in self.extractor.extract(text)]

        return await asyncio.to_thread(extract)
