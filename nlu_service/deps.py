"""Dependencies every route shares: the verified caller and the service objects of the lifespan.

They are `async def` although they never await: FastAPI runs a plain `def` dependency in
its thread pool, a thread hop per dependency per request on the retrieve path.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from nlu_service.text_classifiers.service import TextClassifierService
from shared import SYSTEM_TENANT, Forbidden, InternalCaller


async def get_caller(request: Request) -> InternalCaller:
    """Return who signed the call; 401 when the signature is missing, wrong or stale."""
    caller: InternalCaller = request.app.state.verify_caller(request)
    return caller


async def get_tenant(caller: Annotated[InternalCaller, Depends(get_caller)]) -> str:
    """Return the tenant the gateway signed for; the system identity owns no models."""
    if caller.is_system:
        raise Forbidden(f"{SYSTEM_TENANT} has no models of its own")
    return caller.tenant


async def get_text_classifiers(request: Request) -> TextClassifierService:
    service: TextClassifierService = request.app.state.text_classifiers
    return service


TenantDep = Annotated[str, Depends(get_tenant)]
TextClassifiersDep = Annotated[TextClassifierService, Depends(get_text_classifiers)]
