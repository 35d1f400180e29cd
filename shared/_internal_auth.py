"""Signed internal calls: the gateway (and services calling each other) sign the tenant id.

A call between services carries four headers: the tenant, the request id, a unix timestamp
and an HMAC-SHA256 over them plus the method and path, keyed with `BAOBAB_INTERNAL_SECRET`.
A service refuses a call whose signature is missing, wrong or older than `MAX_SKEW_S`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass

TENANT_HEADER = "X-Baobab-Tenant"
REQUEST_ID_HEADER = "X-Request-Id"
TIMESTAMP_HEADER = "X-Baobab-Timestamp"
SIGNATURE_HEADER = "X-Baobab-Signature"
# A worker acting across tenants (claiming training jobs) signs as this tenant.
SYSTEM_TENANT = "_system"
MAX_SKEW_S = 300


@dataclass(frozen=True, slots=True)
class InternalCaller:
    """Who a verified internal call acts for."""

    tenant: str
    request_id: str

    @property
    def is_system(self) -> bool:
        return self.tenant == SYSTEM_TENANT


def _digest(secret: str, ts: str, tenant: str, request_id: str, method: str, path: str) -> str:
    msg = "\n".join((ts, tenant, request_id, method.upper(), path)).encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def sign_headers(
    secret: str,
    tenant: str,
    method: str,
    path: str,
    request_id: str | None = None,
    now: float | None = None,
) -> dict[str, str]:
    """Return the headers that make a call to `method path` on behalf of `tenant` verifiable."""
    ts = str(int(now if now is not None else time.time()))
    rid = request_id or uuid.uuid4().hex
    return {
        TENANT_HEADER: tenant,
        REQUEST_ID_HEADER: rid,
        TIMESTAMP_HEADER: ts,
        SIGNATURE_HEADER: _digest(secret, ts, tenant, rid, method, path),
    }


def verify_headers(
    secret: str, headers: dict[str, str], method: str, path: str, now: float | None = None
) -> InternalCaller | None:
    """Return the caller when the headers carry a valid, fresh signature; None otherwise."""
    lowered = {k.lower(): v for k, v in headers.items()}
    tenant = lowered.get(TENANT_HEADER.lower())
    rid = lowered.get(REQUEST_ID_HEADER.lower())
    ts = lowered.get(TIMESTAMP_HEADER.lower())
    sig = lowered.get(SIGNATURE_HEADER.lower())
    if not (tenant and rid and ts and sig):
        return None
    try:
        age = abs((now if now is not None else time.time()) - int(ts))
    except ValueError:
        return None
    if age > MAX_SKEW_S:
        return None
    expected = _digest(secret, ts, tenant, rid, method, path)
    if not hmac.compare_digest(expected, sig):
        return None
    return InternalCaller(tenant=tenant, request_id=rid)
