"""Data objects: a tenant's named JSON objects, kept in the model store.

Each data object is a model of type `data_object` whose `params` hold the object under
the key `data` (the store's PATCH merges `params` one key deep, so replacing `data`
replaces the whole object). The object's compact UTF-8 JSON may be at most
`settings.data_object_max_bytes` (1 MiB by default); a bigger one is refused with 413.
Trash, untrash (the store's `load_from_store`) and vaporise are the store's own.
"""

from __future__ import annotations

import json
from typing import Any

from nlu_service.config import Settings
from nlu_service.data_objects.schemas import DataObject
from shared import Conflict, InvalidInput, ModelStoreClient, NotFound, TooLarge

MODEL_TYPE = "data_object"
DATA_KEY = "data"


def data_of(record: dict[str, Any]) -> DataObject:
    """Return the JSON object a data-object record holds."""
    data = (record.get("params") or {}).get(DATA_KEY)
    return data if isinstance(data, dict) else {}


class DataObjectService:
    """Every data-object operation, for one verified tenant at a time."""

    def __init__(self, store: ModelStoreClient, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def _check(self, data: object) -> DataObject:
        if not isinstance(data, dict):
            raise InvalidInput(f"a data object must be a JSON object, not {type(data).__name__}")
        try:
            encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except ValueError as exc:  # NaN or infinity: not JSON
            raise InvalidInput(f"a data object must be plain JSON: {exc}") from exc
        size = len(encoded.encode("utf-8"))
        if size > self.settings.data_object_max_bytes:
            raise TooLarge(
                f"the data object is {size} bytes of JSON; the limit is "
                f"{self.settings.data_object_max_bytes}"
            )
        return data

    async def names(self, tenant: str) -> list[str]:
        return [str(r["name"]) for r in await self.store.list_models(tenant, MODEL_TYPE)]

    async def trash_all(self, tenant: str) -> list[str]:
        """Trash every live data object; return the names of those trashed."""
        trashed = []
        for record in await self.store.list_models(tenant, MODEL_TYPE):
            try:
                await self.store.trash_model(tenant, MODEL_TYPE, record["name"])
            except NotFound:  # trashed or vaporised by another call meanwhile
                continue
            trashed.append(str(record["name"]))
        return trashed

    async def put(self, tenant: str, name: str, data: object) -> DataObject:
        """Store `data` under `name`, replacing the live object of that name if there is one."""
        params = {DATA_KEY: self._check(data)}
        try:
            record = await self.store.update_model(tenant, MODEL_TYPE, name, params=params)
        except NotFound:
            try:
                record = await self.store.create_model(tenant, MODEL_TYPE, name, params=params)
            except Conflict:  # created by a concurrent call: replace it
                record = await self.store.update_model(tenant, MODEL_TYPE, name, params=params)
        return data_of(record)

    async def get(self, tenant: str, name: str) -> DataObject:
        return data_of(await self.store.get_model(tenant, MODEL_TYPE, name))

    async def trash(self, tenant: str, name: str) -> DataObject:
        return data_of(await self.store.trash_model(tenant, MODEL_TYPE, name))

    async def vaporise(self, tenant: str, name: str) -> DataObject:
        return data_of(await self.store.vaporise_model(tenant, MODEL_TYPE, name))

    async def untrash(self, tenant: str, name: str) -> DataObject:
        """Bring the trashed object back; 404 when none is in the trash, 409 when one is live."""
        record = await self.store.create_model(tenant, MODEL_TYPE, name, load_from_store=True)
        return data_of(record)
