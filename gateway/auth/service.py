"""Turning the key a request presents into the tenant it acts for."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass

from gateway.auth.cache import KeyCache, KeyRecord
from gateway.auth.keys import MAX_KEY_CHARS, key_id_of, same_hash
from gateway.auth.rate_limit import RateLimiter
from gateway.tables import SCOPE_RETRIEVE
from gateway.usage.service import UsageLedger
from shared import RateLimited, Unauthorized

# Feersum clients send either header; the generated client sends both when both are set.
AUTH_HEADERS = ("x-auth-token", "auth_token")
# The admin key also acts as a tenant of its own, for trying the API out.
ADMIN_TENANT = "admin"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts for: a tenant's key, or the admin key (`key` is None)."""

    tenant_id: str
    key: KeyRecord | None
    # Calls left on the key's call_count_limit after this one; -1 when unlimited.
    remaining: int = -1

    @property
    def is_admin(self) -> bool:
        return self.key is None

    @property
    def read_only(self) -> bool:
        """Whether the key may only read and call retrieve (scope `retrieve`)."""
        return self.key is not None and self.key.scope == SCOPE_RETRIEVE


def presented_key(headers: Mapping[str, str]) -> str | None:
    """Return the API key in `X-Auth-Token` (preferred) or the legacy `AUTH_TOKEN` header."""
    for name in AUTH_HEADERS:
        value = headers.get(name, "").strip()
        if value:
            return value
    return None


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).digest()


class Authenticator:
    """Checks keys (constant-time), enforces `call_count_limit` and counts every call."""

    def __init__(
        self,
        admin_key: str,
        keys: KeyCache,
        ledger: UsageLedger,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._admin_digest = _digest(admin_key)
        self._keys = keys
        self._ledger = ledger
        self._limiter = limiter

    async def authenticate(self, key: str | None) -> Principal:
        """Return the principal of `key`; raise Unauthorized (401) or RateLimited (429)."""
        if not key:
            raise Unauthorized("API key is missing: send it in the X-Auth-Token header")
        if len(key) > MAX_KEY_CHARS:
            raise Unauthorized()
        if hmac.compare_digest(_digest(key), self._admin_digest):
            return Principal(tenant_id=ADMIN_TENANT, key=None)
        record = await self._keys.get(key_id_of(key))
        if record is None or not same_hash(record.key_hash, key):
            raise Unauthorized()
        if record.expires_at is not None and time.time() >= record.expires_at:
            raise Unauthorized("this API key has expired")
        limit = record.call_count_limit
        used = record.call_count + self._ledger.unflushed(record.id)
        if limit is not None and used >= limit:
            raise RateLimited(f"this API key has used all of its {limit} calls (call_count_limit)")
        if self._limiter is not None:
            await self._limiter.take(record.key_id)
        self._ledger.count_call(record.id, record.key_id)
        remaining = -1 if limit is None else max(0, limit - used - 1)
        return Principal(tenant_id=record.tenant_id, key=record, remaining=remaining)
