"""Language recognisers: named handles on a shipped language-identification model file.

A recogniser has no samples and no training. The model store keeps each tenant's
recognisers under model type `language_recogniser`, the model file's name in
`params.lid_model_file`; their `id` is the model's id. The model files themselves
(`lid_za`: the 11 official South African languages) ship with the service and are loaded
once per process.

Every tenant also has the built-in, read-only recogniser `generic` (on `lid_za`): it is
listed first, answers details, params, labels and retrieve, cannot be changed, deleted
or vaporised (400), and its name cannot be taken (409).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from nlu_service.config import Settings
from nlu_service.engine.lid import MODEL_FILES, LanguageIdentifier, model_path
from nlu_service.language_recognisers.schemas import (
    LanguageRecogniserCreateDetails,
    LanguageRecogniserInstanceDetail,
)
from nlu_service.records.service import RecordService, detail_fields
from nlu_service.sentiment_detectors.service import check_text
from shared import Conflict, HotModelCache, InvalidInput, ModelStoreClient
from shared.wire import ModelParams, ScoredLabel, TextInput

MODEL_TYPE = "language_recogniser"
GENERIC = "generic"
DEFAULT_LID_MODEL_FILE = "lid_za"


def load_identifiers() -> dict[str, LanguageIdentifier]:
    """Return every shipped model file, loaded (blocking: call it off the event loop)."""
    return {name: LanguageIdentifier.load(model_path(name)) for name in MODEL_FILES}


def check_model_file(name: str | None) -> str:
    """Return the model file name (default `lid_za`); 400 naming the known ones otherwise."""
    chosen = DEFAULT_LID_MODEL_FILE if name is None else name
    if chosen not in MODEL_FILES:
        raise InvalidInput(
            f"unknown lid_model_file '{chosen}'; known model files: {', '.join(MODEL_FILES)}"
        )
    return chosen


def details_of(record: dict[str, Any]) -> LanguageRecogniserInstanceDetail:
    """Return the Feersum instance detail of a model record."""
    return LanguageRecogniserInstanceDetail(
        **detail_fields(record),
        lid_model_file=(record.get("params") or {}).get("lid_model_file") or DEFAULT_LID_MODEL_FILE,
    )


def generic_record() -> dict[str, Any]:
    """Return the built-in `generic` recogniser as a model record; its id names its file's bytes."""
    digest = hashlib.sha256(model_path(DEFAULT_LID_MODEL_FILE).read_bytes()).hexdigest()
    return {
        "name": GENERIC,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"baobab:lid:{DEFAULT_LID_MODEL_FILE}:{digest}")),
        "long_name": "Generic language recogniser",
        "desc": "Built in: the 11 official South African languages (lid_za).",
        "readonly": True,
        "params": {"lid_model_file": DEFAULT_LID_MODEL_FILE},
    }


class LanguageRecogniserService(
    RecordService[LanguageRecogniserCreateDetails, LanguageRecogniserInstanceDetail, ModelParams]
):
    """Every language-recogniser operation, for one verified tenant at a time."""

    model_type = MODEL_TYPE

    def __init__(
        self,
        store: ModelStoreClient,
        cache: HotModelCache[Any],
        identifiers: Mapping[str, LanguageIdentifier],
        settings: Settings,
    ) -> None:
        super().__init__(store, cache, settings)
        self.identifiers = dict(identifiers)
        self.generic = generic_record()

    def details_of(self, record: dict[str, Any]) -> LanguageRecogniserInstanceDetail:
        return details_of(record)

    def params_of(self, record: dict[str, Any]) -> dict[str, Any]:
        return {"lid_model_file": details_of(record).lid_model_file}

    def check_mutable(self, name: str) -> None:
        if name == GENERIC:
            raise InvalidInput(
                f"'{GENERIC}' is the built-in language recogniser: it cannot be changed or deleted"
            )

    async def record(self, tenant: str, name: str) -> dict[str, Any]:
        if name == GENERIC:
            return self.generic
        return await super().record(tenant, name)

    async def create_params(self, details: LanguageRecogniserCreateDetails) -> dict[str, Any]:
        if details.name == GENERIC:
            raise Conflict(f"'{GENERIC}' is the name of the built-in language recogniser")
        if details.load_from_store and details.lid_model_file is None:
            return {}
        # On restore a given file is refused as at create; the restore keeps its own.
        return {"lid_model_file": check_model_file(details.lid_model_file)}

    async def param_changes(self, params: ModelParams) -> dict[str, Any]:
        if params.lid_model_file is None:
            return {}
        return {"lid_model_file": check_model_file(params.lid_model_file)}

    async def list_all(self, tenant: str) -> list[LanguageRecogniserInstanceDetail]:
        return [details_of(self.generic), *await super().list_all(tenant)]

    # -- inference --------------------------------------------------------------------

    async def labels(self, tenant: str, name: str) -> list[str]:
        record = await self.record(tenant, name)
        return list(self._identifier(record).labels)

    def _identifier(self, record: dict[str, Any]) -> LanguageIdentifier:
        model_file = details_of(record).lid_model_file
        identifier = self.identifiers.get(model_file)
        if identifier is None:  # a file a newer release shipped and this one does not
            raise InvalidInput(
                f"model '{record['name']}' uses lid_model_file '{model_file}', "
                f"which this service does not have; known: {', '.join(self.identifiers)}"
            )
        return identifier

    async def retrieve(self, tenant: str, name: str, text_input: TextInput) -> list[ScoredLabel]:
        """Return the languages scored, most probable first; the `lang_code` hint is ignored."""
        text = check_text(text_input.text, self.settings.max_text_chars)
        if name == GENERIC:
            record = self.generic
        else:
            record = await self.cache.resolve(tenant, MODEL_TYPE, name)
        identifier = self._identifier(record)
        ranked = await asyncio.to_thread(identifier.rank, text)
        return [ScoredLabel(label=label, probability=p) for label, p in ranked]
