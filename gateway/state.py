"""Everything the lifespan builds, kept on `app.state.gateway` for the request handlers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.auth.cache import KeyCache, RedisLink
from gateway.auth.service import Authenticator
from gateway.config import Settings
from gateway.docs.service import OpenApiDocument
from gateway.proxy.service import Forwarder
from gateway.usage.service import UsageLedger


@dataclass
class GatewayState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: RedisLink | None
    keys: KeyCache
    ledger: UsageLedger
    authenticator: Authenticator
    forwarder: Forwarder
    openapi: OpenApiDocument
