"""The dashboard: every live model of the tenant, of every type in `KNOWN_MODEL_TYPES`.

One `GET /models?model_type=X` per known type, then one `GET .../revisions` per model
that has a current revision (a model without one has none), at most `CONCURRENCY` calls
in flight. The store lists live models only, so `trashed` is always false here; trashed
models are reached through each collection's `load_from_store`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from nlu_service.dashboard.model_types import KNOWN_MODEL_TYPES, DashboardModelType
from nlu_service.dashboard.schemas import (
    DEFAULT_HISTORY_SIZE,
    MAX_HISTORY_SIZE,
    DashboardDetail,
    DashboardModelDetail,
    DashboardParams,
    ModelRevision,
)
from shared import InvalidInput, ModelStoreClient, NotFound

API_VERSION = "2.0.46"
SERVICE_NAME = "Baobab NLU"
CONCURRENCY = 16


class DashboardService:
    """Builds one tenant's dashboard from the model store."""

    def __init__(
        self,
        store: ModelStoreClient,
        model_types: tuple[DashboardModelType, ...] = KNOWN_MODEL_TYPES,
    ) -> None:
        self.store = store
        self.model_types = model_types

    async def dashboard(
        self, tenant: str, params: DashboardParams | None = None
    ) -> DashboardDetail:
        params = params or DashboardParams()
        history_size = DEFAULT_HISTORY_SIZE if params.history_size is None else params.history_size
        if not 0 <= history_size <= MAX_HISTORY_SIZE:
            raise InvalidInput(f"history_size must be between 0 and {MAX_HISTORY_SIZE}")
        types = [t for t in self.model_types if params.show_data_objects or not t.data_object]
        limit = asyncio.Semaphore(CONCURRENCY)

        async def records_of(kind: DashboardModelType) -> list[dict[str, Any]]:
            async with limit:
                return await self.store.list_models(tenant, kind.model_type)

        async def detail_of(
            kind: DashboardModelType, record: dict[str, Any]
        ) -> DashboardModelDetail | None:
            revision = record.get("current_revision")
            history: list[dict[str, Any]] = []
            if revision and history_size:
                try:
                    async with limit:
                        history = await self.store.list_revisions(
                            tenant, kind.model_type, record["name"]
                        )
                except NotFound:  # vaporised since it was listed
                    return None
            return DashboardModelDetail(
                name=record["name"],
                uuid=revision["id"] if revision else record["id"],
                long_name=record.get("long_name") or "",
                desc=record.get("desc") or "",
                model_type=kind.model_type,
                collection_uri=kind.collection_uri,
                has_labels=kind.has_labels,
                trashed=bool(record.get("trashed")),
                history=[
                    ModelRevision(
                        version=int(r["version"]), uuid=str(r["id"]), message=r.get("message") or ""
                    )
                    for r in history[:history_size]
                ],
            )

        listed = await asyncio.gather(*(records_of(kind) for kind in types))
        details = await asyncio.gather(
            *(
                detail_of(kind, record)
                for kind, records in zip(types, listed, strict=True)
                for record in records
            )
        )
        return DashboardDetail(
            api_version=API_VERSION,
            service_name=SERVICE_NAME,
            model_list=[d for d in details if d is not None],
        )
