"""FastAPI dependencies: `PrincipalDep` (any valid key) and `AdminDep` (the admin key only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.auth.service import Principal, presented_key
from gateway.deps import StateDep
from gateway.metrics import count_tenant_call
from shared import Forbidden, tenant_var


async def require_principal(request: Request, state: StateDep) -> Principal:
    """Return who the request acts for (401 without a valid key, 429 past its limit)."""
    principal = await state.authenticator.authenticate(presented_key(request.headers))
    tenant_var.set(principal.tenant_id)
    count_tenant_call(principal.tenant_id, request.method, request.url.path)
    request.state.rate_limit_remaining = principal.remaining
    return principal


PrincipalDep = Annotated[Principal, Depends(require_principal)]


async def require_admin(principal: PrincipalDep) -> Principal:
    """Return the principal when it is the admin key; 403 for a tenant's key."""
    if not principal.is_admin:
        raise Forbidden("managing API keys needs the admin API key")
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]
