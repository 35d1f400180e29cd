"""All SQL about tenants and API keys."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.tables import SCOPE_FULL, ApiKey, Tenant


class ApiKeyRepository:
    """Reads and writes tenants and their keys; revoked keys are invisible to every read."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def scoped(self, tenant_id: str | None) -> Select[ApiKey]:
        """Return the live keys a caller may see: one tenant's, or every tenant's (None: admin)."""
        stmt = select(ApiKey).where(ApiKey.revoked_at.is_(None))
        if tenant_id is not None:
            stmt = stmt.where(ApiKey.tenant_id == tenant_id)
        return stmt

    async def list(self, tenant_id: str | None) -> list[ApiKey]:
        rows = await self.session.scalars(
            self.scoped(tenant_id).order_by(ApiKey.created_at, ApiKey.key_id)
        )
        return list(rows)

    async def get(self, tenant_id: str | None, key_id: str) -> ApiKey | None:
        row: ApiKey | None = await self.session.scalar(
            self.scoped(tenant_id).where(ApiKey.key_id == key_id)
        )
        return row

    async def key_id_taken(self, key_id: str) -> bool:
        """Return whether any key, live or revoked, has this id (ids are never reused)."""
        found = await self.session.scalar(select(ApiKey.id).where(ApiKey.key_id == key_id))
        return found is not None

    async def tenant_exists(self, tenant_id: str) -> bool:
        return await self.session.get(Tenant, tenant_id) is not None

    async def add(
        self,
        *,
        tenant_id: str,
        key_id: str,
        key_hash: str,
        desc: str,
        call_count_limit: int | None,
        new_tenant: bool = True,
        expires_at: datetime | None = None,
        scope: str = SCOPE_FULL,
    ) -> ApiKey:
        """Create a key, and its tenant first unless the key joins an existing one."""
        if new_tenant:
            self.session.add(Tenant(id=tenant_id, name=desc))
            # Without a relationship the unit of work need not order the inserts: tenant first.
            await self.session.flush()
        key = ApiKey(
            tenant_id=tenant_id,
            key_id=key_id,
            key_hash=key_hash,
            desc=desc,
            call_count=0,
            call_count_limit=call_count_limit,
            expires_at=expires_at,
            scope=scope,
        )
        self.session.add(key)
        await self.session.flush()
        return key

    async def revoke(self, key: ApiKey) -> None:
        key.revoked_at = datetime.now(UTC)
        await self.session.flush()
