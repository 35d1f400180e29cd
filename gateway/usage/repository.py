"""All SQL about usage: adding counted calls, reading a key's breakdown and the daily report."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.tables import ApiKey, ApiKeyDailyUsage, ApiKeyUsage

OperationKey = tuple[uuid.UUID, str, str]
# (key, UTC day, operation, model type) -> (calls, units)
DailyKey = tuple[uuid.UUID, date, str, str]
# Rows per multi-row upsert: well under SQLite's bound-parameter limit (7 per row).
_UPSERT_CHUNK = 500
# What a report may group by, and the column each is.
REPORT_COLUMNS: dict[str, Any] = {
    "day": ApiKeyDailyUsage.day,
    "tenant": ApiKeyDailyUsage.tenant_id,
    "api_key": ApiKey.key_id,
    "operation": ApiKeyDailyUsage.operation,
    "model_type": ApiKeyDailyUsage.model_type,
}


class UsageRepository:
    """Reads and writes per-key call counts (`api_keys.call_count` and `api_key_usage`)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def scoped(self, api_key_ids: list[uuid.UUID]) -> Select[ApiKeyUsage]:
        """Return the usage rows of these keys: the one place usage queries are filtered."""
        return select(ApiKeyUsage).where(ApiKeyUsage.api_key_id.in_(api_key_ids))

    async def add_calls(self, calls: Mapping[uuid.UUID, int]) -> None:
        """Add `n` to the call count of each key (an increment, so replicas never overwrite)."""
        for key_uuid, n in sorted(calls.items()):
            await self.session.execute(
                update(ApiKey).where(ApiKey.id == key_uuid).values(call_count=ApiKey.call_count + n)
            )

    def _insert(self) -> Any:
        """Return the dialect's INSERT (both have ON CONFLICT ... DO UPDATE)."""
        return pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert

    async def add_operations(self, counts: Mapping[OperationKey, int]) -> None:
        """Add counted calls to each (key, operation, model type) row, creating it if needed."""
        if not counts:
            return
        insert = self._insert()
        for (key_uuid, operation, model_type), n in sorted(counts.items()):
            stmt = insert(ApiKeyUsage).values(
                api_key_id=key_uuid, operation=operation, model_type=model_type, call_count=n
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=[
                    ApiKeyUsage.api_key_id,
                    ApiKeyUsage.operation,
                    ApiKeyUsage.model_type,
                ],
                set_={"call_count": ApiKeyUsage.call_count + stmt.excluded.call_count},
            )
            await self.session.execute(stmt)

    async def add_daily(self, counts: Mapping[DailyKey, tuple[int, int]]) -> None:
        """Add `(calls, units)` to each (key, day, operation, model type) row, creating it."""
        if not counts:
            return
        key_ids = sorted({k[0] for k in counts})
        result = await self.session.execute(
            select(ApiKey.id, ApiKey.tenant_id).where(ApiKey.id.in_(key_ids))
        )
        tenants = {key_uuid: tenant for key_uuid, tenant in result.tuples()}
        # Sorted, so replicas upserting the same rows lock them in the same order.
        rows = [
            {
                "api_key_id": key_uuid,
                "day": day,
                "operation": operation,
                "model_type": model_type,
                "tenant_id": tenants[key_uuid],
                "call_count": calls,
                "units": units,
            }
            for (key_uuid, day, operation, model_type), (calls, units) in sorted(counts.items())
            if key_uuid in tenants
        ]
        insert = self._insert()
        for start in range(0, len(rows), _UPSERT_CHUNK):
            stmt = insert(ApiKeyDailyUsage).values(rows[start : start + _UPSERT_CHUNK])
            stmt = stmt.on_conflict_do_update(
                index_elements=[
                    ApiKeyDailyUsage.api_key_id,
                    ApiKeyDailyUsage.day,
                    ApiKeyDailyUsage.operation,
                    ApiKeyDailyUsage.model_type,
                ],
                set_={
                    "call_count": ApiKeyDailyUsage.call_count + stmt.excluded.call_count,
                    "units": ApiKeyDailyUsage.units + stmt.excluded.units,
                },
            )
            await self.session.execute(stmt)

    def scoped_daily(self, tenant_id: str | None, *columns: Any) -> Select[Any]:
        """Return `columns` of the daily usage one tenant may see (None: every tenant, admin).

        The one place daily usage is scoped to a tenant.
        """
        stmt = (
            select(*columns)
            .select_from(ApiKeyDailyUsage)
            .join(ApiKey, ApiKey.id == ApiKeyDailyUsage.api_key_id)
        )
        if tenant_id is not None:
            stmt = stmt.where(ApiKeyDailyUsage.tenant_id == tenant_id)
        return stmt

    async def daily_report(
        self,
        tenant_id: str | None,
        *,
        start: date,
        end: date,
        group_by: Sequence[str],
        api_key_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Return calls and units summed per `group_by` plus operation and model type (which
        price them), from `start` to `end` inclusive; each row a dict of those names."""
        names = list(dict.fromkeys([*group_by, "operation", "model_type"]))
        columns = [REPORT_COLUMNS[n].label(n) for n in names]
        stmt = self.scoped_daily(
            tenant_id,
            *columns,
            func.sum(ApiKeyDailyUsage.call_count).label("call_count"),
            func.sum(ApiKeyDailyUsage.units).label("units"),
        ).where(ApiKeyDailyUsage.day >= start, ApiKeyDailyUsage.day <= end)
        if api_key_id is not None:
            stmt = stmt.where(ApiKey.key_id == api_key_id)
        stmt = stmt.group_by(*(REPORT_COLUMNS[n] for n in names)).order_by(
            *(REPORT_COLUMNS[n] for n in names)
        )
        result = await self.session.execute(stmt)
        return [dict(row) for row in result.mappings()]

    async def breakdowns(self, api_key_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ApiKeyUsage]]:
        """Return the usage rows of each key."""
        out: dict[uuid.UUID, list[ApiKeyUsage]] = {k: [] for k in api_key_ids}
        if not api_key_ids:
            return out
        rows = await self.session.scalars(
            self.scoped(api_key_ids).order_by(ApiKeyUsage.operation, ApiKeyUsage.model_type)
        )
        for row in rows:
            out[row.api_key_id].append(row)
        return out
