"""Managing API keys: each key created starts a new tenant; keys are shown once, stored hashed.

`{instance_name}` accepts a key's public id (what listings show) or the whole key. Updating
a key that does not exist adds it, as the Feersum API does: the admin registers an existing
key (say a bot's Feersum key) as given, under a new tenant, so the bot keeps its key.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.api_keys.repository import ApiKeyRepository
from gateway.api_keys.schemas import ApiKeyCreateDetails, ApiKeyInstanceDetail
from gateway.auth.cache import KeyCache
from gateway.auth.keys import (
    MIN_IMPORTED_KEY_CHARS,
    hash_key,
    is_importable,
    is_key_id,
    key_id_of,
    new_key,
    same_hash,
)
from gateway.deps import after_commit
from gateway.tables import SCOPE_FULL, ApiKey, as_utc
from gateway.usage.repository import UsageRepository
from gateway.usage.service import breakdown_of
from shared import Conflict, InvalidInput, NotFound

# Admin operations see every tenant's keys (the repository's `scoped(None)`).
ALL_TENANTS = None
_NEW_KEY_ATTEMPTS = 5


def _limit(value: int | None) -> int | None:
    """Return the stored limit: None (unlimited) for null or a negative number."""
    return None if value is None or value < 0 else value


def _future(when: datetime | None) -> datetime | None:
    """Return an expiry instant in UTC; 400 when it has no time zone or is not in the future."""
    if when is None:
        return None
    if when.tzinfo is None:
        raise InvalidInput("expires_at needs a time zone, e.g. 2027-01-31T00:00:00Z")
    if when <= datetime.now(UTC):
        raise InvalidInput("expires_at must be in the future")
    return when.astimezone(UTC)


def _not_found(instance_name: str) -> NotFound:
    shown = instance_name if is_key_id(instance_name) else "(the key given)"
    return NotFound(f"API key {shown} not found")


class ApiKeyService:
    def __init__(self, session: AsyncSession, keys: KeyCache, admin_key: str) -> None:
        self.session = session
        self.admin_key = admin_key
        self.repo = ApiKeyRepository(session)
        self.usage = UsageRepository(session)
        self.keys = keys

    async def create(self, details: ApiKeyCreateDetails) -> ApiKeyInstanceDetail:
        """Return the new key's details, with the whole key: the only time it is shown."""
        for _ in range(_NEW_KEY_ATTEMPTS):
            key_id, key = new_key()
            if not await self.repo.key_id_taken(key_id):
                break
        else:  # pragma: no cover - 62**12 ids
            raise Conflict("could not find an unused key id; try again")
        tenant_id = uuid.uuid4().hex
        if details.tenant is not None:
            if not await self.repo.tenant_exists(details.tenant):
                raise NotFound(f"tenant '{details.tenant}' not found")
            tenant_id = details.tenant
        row = await self.repo.add(
            tenant_id=tenant_id,
            key_id=key_id,
            key_hash=hash_key(key),
            desc=details.desc or "",
            call_count_limit=_limit(details.call_count_limit),
            new_tenant=details.tenant is None,
            expires_at=_future(details.expires_at),
            scope=details.scope or SCOPE_FULL,
        )
        detail = self._detail(row, {})
        detail.api_key = key
        return detail

    async def list(self) -> list[ApiKeyInstanceDetail]:
        rows = await self.repo.list(ALL_TENANTS)
        usage = await self.usage.breakdowns([r.id for r in rows])
        return [self._detail(r, breakdown_of(usage[r.id])) for r in rows]

    async def get(self, instance_name: str) -> ApiKeyInstanceDetail:
        row = await self._find(instance_name)
        if row is None:
            raise _not_found(instance_name)
        return await self._with_usage(row)

    async def update(
        self, instance_name: str, details: ApiKeyCreateDetails
    ) -> ApiKeyInstanceDetail:
        """Return the updated key; a whole key that is not known yet is added as given."""
        row = await self._find(instance_name)
        if row is None:
            return await self._import(instance_name, details)
        if "desc" in details.model_fields_set:
            row.desc = details.desc or ""
        if "call_count_limit" in details.model_fields_set:
            row.call_count_limit = _limit(details.call_count_limit)
        if "expires_at" in details.model_fields_set:
            row.expires_at = _future(details.expires_at)
        if details.scope is not None:
            row.scope = details.scope
        await self.session.flush()
        self._invalidate_after_commit(row.key_id)
        return await self._with_usage(row)

    async def delete(self, instance_name: str) -> ApiKeyInstanceDetail:
        """Revoke the key (it stops working at once) and return its last details."""
        row = await self._find(instance_name)
        if row is None:
            raise _not_found(instance_name)
        detail = await self._with_usage(row)
        await self.repo.revoke(row)
        self._invalidate_after_commit(row.key_id)
        return detail

    async def _import(self, key: str, details: ApiKeyCreateDetails) -> ApiKeyInstanceDetail:
        if is_key_id(key):
            raise _not_found(key)
        if not is_importable(key):
            raise InvalidInput(
                f"API key not found; to add a key as given it must be {MIN_IMPORTED_KEY_CHARS} to 200 "
                "characters of letters, digits, '-', '_' and '.'"
            )
        if same_hash(hash_key(self.admin_key), key):
            raise Conflict("that is the admin key; it cannot also be a tenant's key")
        key_id = key_id_of(key)
        if await self.repo.key_id_taken(key_id):
            raise Conflict(
                "this key's id is in use by another key, live or deleted; it cannot be added"
            )
        row = await self.repo.add(
            tenant_id=uuid.uuid4().hex,
            key_id=key_id,
            key_hash=hash_key(key),
            desc=details.desc or "",
            call_count_limit=_limit(details.call_count_limit),
        )
        return self._detail(row, {})

    async def _find(self, instance_name: str) -> ApiKey | None:
        if is_key_id(instance_name):
            return await self.repo.get(ALL_TENANTS, instance_name)
        row = await self.repo.get(ALL_TENANTS, key_id_of(instance_name))
        if row is None or not same_hash(row.key_hash, instance_name):
            return None
        return row

    async def _with_usage(self, row: ApiKey) -> ApiKeyInstanceDetail:
        usage = await self.usage.breakdowns([row.id])
        return self._detail(row, breakdown_of(usage[row.id]))

    def _invalidate_after_commit(self, key_id: str) -> None:
        async def invalidate() -> None:
            await self.keys.invalidate(key_id)

        after_commit(self.session, invalidate)

    @staticmethod
    def _detail(row: ApiKey, breakdown: dict[str, object]) -> ApiKeyInstanceDetail:
        return ApiKeyInstanceDetail(
            api_key=row.key_id,
            desc=row.desc,
            call_count=row.call_count,
            call_count_limit=row.call_count_limit,
            call_count_breakdown=breakdown,
            tenant=row.tenant_id,
            expires_at=as_utc(row.expires_at),
            scope=row.scope,
        )
