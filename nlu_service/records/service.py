"""The lifecycle shared by the named-record services: one untrained store record per name.

`RecordService` does create (or restore with `load_from_store`), list, details, trash,
vaporise and params get/set with the read-only rule, bumping the hot-model cache after
every change. A family's service subclasses it, giving its model type and how a record
reads as the family's detail, and overrides the hooks that check its own params.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, Protocol, TypeVar

from nlu_service.config import Settings
from shared import HotModelCache, InvalidInput, ModelStoreClient
from shared.wire import ModelParams, WireModel


class CreateDetails(Protocol):
    """The fields every family's create request has."""

    @property
    def name(self) -> str: ...
    @property
    def long_name(self) -> str | None: ...
    @property
    def desc(self) -> str | None: ...
    @property
    def load_from_store(self) -> bool: ...
    @property
    def revision_uuid(self) -> str | None: ...


CreateT = TypeVar("CreateT", bound=CreateDetails)
DetailT = TypeVar("DetailT", bound=WireModel)
ParamsT = TypeVar("ParamsT", bound=ModelParams)


def detail_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Return the instance-detail fields every family shares, from a model record."""
    return {
        "name": record["name"],
        "id": record["id"],
        "long_name": record.get("long_name") or "",
        "desc": record.get("desc") or "",
        "readonly": bool(record.get("readonly")),
    }


class RecordService(Generic[CreateT, DetailT, ParamsT]):
    """Every lifecycle operation of one record family, for one verified tenant at a time."""

    # The store model type: a class attribute, or set in `__init__` by a service serving several.
    model_type: str
    params_schema: ClassVar[type[ModelParams]] = ModelParams

    def __init__(
        self, store: ModelStoreClient, cache: HotModelCache[Any], settings: Settings
    ) -> None:
        self.store = store
        self.cache = cache
        self.settings = settings

    # -- hooks ------------------------------------------------------------------------

    def details_of(self, record: dict[str, Any]) -> DetailT:
        """Return the family's instance detail of a model record."""
        raise NotImplementedError

    def params_of(self, record: dict[str, Any]) -> dict[str, Any]:
        """Return the family's own editable params of a record (beyond long_name, desc, readonly)."""
        return {}

    async def create_params(self, details: CreateT) -> dict[str, Any]:
        """Check the create request (also on restore) and return the params of a new model."""
        return {}

    async def param_changes(self, params: ParamsT) -> dict[str, Any]:
        """Check the family's params in a set-params request and return those to change."""
        return {}

    def check_mutable(self, name: str) -> None:
        """Refuse changing, trashing or vaporising the named model (400); none refused here."""

    async def record(self, tenant: str, name: str) -> dict[str, Any]:
        """Return the tenant's named model record; 404 when it has none."""
        return await self.store.get_model(tenant, self.model_type, name)

    # -- models -----------------------------------------------------------------------

    async def create(self, tenant: str, details: CreateT) -> DetailT:
        params = await self.create_params(details)
        name: str = details.name
        load_from_store = bool(details.load_from_store)
        record = await self.store.create_model(
            tenant,
            self.model_type,
            name,
            long_name=details.long_name or "",
            desc=details.desc or "",
            params={} if load_from_store else params,
            load_from_store=load_from_store,
            revision_uuid=details.revision_uuid if load_from_store else None,
        )
        await self.cache.bump(tenant, self.model_type, name, model_id=record["id"])
        return self.details_of(record)

    async def list_all(self, tenant: str) -> list[DetailT]:
        return [self.details_of(r) for r in await self.store.list_models(tenant, self.model_type)]

    async def details(self, tenant: str, name: str) -> DetailT:
        return self.details_of(await self.record(tenant, name))

    async def trash(self, tenant: str, name: str) -> DetailT:
        self.check_mutable(name)
        record = await self.store.trash_model(tenant, self.model_type, name)
        await self.cache.bump(tenant, self.model_type, name, model_id=record["id"])
        return self.details_of(record)

    async def vaporise(self, tenant: str, name: str) -> DetailT:
        self.check_mutable(name)
        record = await self.store.vaporise_model(tenant, self.model_type, name)
        await self.cache.bump(tenant, self.model_type, name, model_id=record["id"])
        return self.details_of(record)

    # -- params -----------------------------------------------------------------------

    async def get_params(self, tenant: str, name: str) -> ParamsT:
        record = await self.record(tenant, name)
        params = self.params_schema(
            long_name=record.get("long_name") or "",
            desc=record.get("desc") or "",
            readonly=bool(record.get("readonly")),
            **self.params_of(record),
        )
        return params  # type: ignore[return-value]

    async def set_params(self, tenant: str, name: str, params: ParamsT) -> DetailT:
        self.check_mutable(name)
        changes = await self.param_changes(params)
        record = await self.store.get_model(tenant, self.model_type, name)
        changes_other = bool(changes) or any(v is not None for v in (params.long_name, params.desc))
        if record.get("readonly") and params.readonly is not False and changes_other:
            raise InvalidInput(f"model '{name}' is read-only; set readonly to false to change it")
        updated = await self.store.update_model(
            tenant,
            self.model_type,
            name,
            long_name=params.long_name,
            desc=params.desc,
            readonly=params.readonly,
            params=changes or None,
        )
        await self.cache.bump(tenant, self.model_type, name)
        return self.details_of(updated)
