"""All SQL about usage: adding counted calls and reading a key's breakdown."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import Select, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.tables import ApiKey, ApiKeyUsage

OperationKey = tuple[uuid.UUID, str, str]


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

    async def add_operations(self, counts: Mapping[OperationKey, int]) -> None:
        """Add counted calls to each (key, operation, model type) row, creating it if needed."""
        if not counts:
            return
        insert = (
            pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        )
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
