"""Dependencies every route shares: the request session, the verified caller, settings, path parts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from model_store.config import Settings
from shared import SYSTEM_TENANT, Forbidden, InternalCaller, InvalidInput

MODEL_TYPE_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
MODEL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
SERVICE_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
ID_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"
TENANT_MAX_CHARS = 64

SampleKind = Literal["training", "testing"]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Yield the request's session; it commits once, here, when the route returns normally."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_caller(request: Request) -> InternalCaller:
    """Return who signed the call; 401 when the signature is missing, wrong or stale."""
    caller: InternalCaller = request.app.state.verify_caller(request)
    return caller


async def get_tenant(caller: Annotated[InternalCaller, Depends(get_caller)]) -> str:
    """Return the signing tenant; the system identity has no models of its own."""
    if caller.is_system:
        raise Forbidden(f"{SYSTEM_TENANT} may only claim and run training jobs")
    if len(caller.tenant) > TENANT_MAX_CHARS:
        raise InvalidInput(f"tenant ids are at most {TENANT_MAX_CHARS} characters")
    return caller.tenant


async def get_system_caller(
    caller: Annotated[InternalCaller, Depends(get_caller)],
) -> InternalCaller:
    if not caller.is_system:
        raise Forbidden(f"only {SYSTEM_TENANT} may claim training jobs")
    return caller


# scope="function": commit before the response is sent, so a caller never reads stale data
# right after a successful write (FastAPI's default runs the exit code after sending).
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
CallerDep = Annotated[InternalCaller, Depends(get_caller)]
TenantDep = Annotated[str, Depends(get_tenant)]
SystemCallerDep = Annotated[InternalCaller, Depends(get_system_caller)]

ModelTypePath = Annotated[str, Path(pattern=MODEL_TYPE_PATTERN)]
ModelNamePath = Annotated[str, Path(pattern=MODEL_NAME_PATTERN)]
KindPath = Annotated[SampleKind, Path()]
IdPath = Annotated[str, Path(pattern=ID_PATTERN)]
