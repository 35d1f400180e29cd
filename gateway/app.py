"""The gateway app: the only public edge of Baobab (port 8000).

Run with `uvicorn --factory gateway.app:create_app`; there is no module-level app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import text

from gateway.api_keys.endpoints import router as api_keys_router
from gateway.api_keys.repository import ApiKeyRepository
from gateway.auth.cache import KeyCache, KeyRecord, RedisLink
from gateway.auth.rate_limit import RateLimiter, RemainingCallsHeader
from gateway.auth.service import Authenticator
from gateway.config import Settings
from gateway.docs.endpoints import router as docs_router
from gateway.docs.service import OpenApiDocument
from gateway.health.endpoints import router as health_router
from gateway.proxy.endpoints import router as proxy_router
from gateway.proxy.service import Forwarder
from gateway.state import GatewayState
from gateway.tables import as_utc
from gateway.usage.endpoints import router as usage_router
from gateway.usage.service import UsageLedger
from shared import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    add_probes,
    configure_logging,
    create_db_engine,
    install_error_handlers,
    instrument,
    session_maker,
    upgrade_database_async,
)

log = logging.getLogger("baobab.gateway")

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_gateway"
TITLE = "Baobab API"
VERSION = "2.0.46"
DESCRIPTION = (
    "Self-hosted NLU and vision API speaking the Feersum NLU REST API v2 (spec 2.0.46): "
    "existing Feersum clients work by changing the host. Send your API key in the "
    "`X-Auth-Token` header (`AUTH_TOKEN` also works)."
)


def create_app(
    settings: Settings | None = None,
    *,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """Return the gateway app; `transports` routes the outbound clients in in-process tests."""
    settings = settings or Settings()
    configure_logging("gateway", settings.log_level, settings.log_json)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await upgrade_database_async(settings.database_url, MIGRATIONS, VERSION_TABLE)
        engine = create_db_engine(settings.database_url)
        sessions = session_maker(engine)
        redis = (
            RedisLink(settings.redis_url, settings.cache_namespace) if settings.redis_url else None
        )

        async def load_key(key_id: str) -> KeyRecord | None:
            async with sessions() as session:
                row = await ApiKeyRepository(session).get(None, key_id)
            if row is None:
                return None
            return KeyRecord(
                id=row.id,
                key_id=row.key_id,
                key_hash=row.key_hash,
                tenant_id=row.tenant_id,
                call_count=row.call_count,
                call_count_limit=row.call_count_limit,
                loaded_at=time.time(),
                expires_at=expires.timestamp() if (expires := as_utc(row.expires_at)) else None,
                scope=row.scope,
            )

        keys = KeyCache(load_key, settings.key_cache_ttl_s, redis)
        ledger = UsageLedger(
            sessions, settings.usage_flush_interval_s, on_flushed=keys.add_flushed_calls
        )
        forwarder = Forwarder(settings, transports)
        state = GatewayState(
            settings=settings,
            engine=engine,
            sessions=sessions,
            redis=redis,
            keys=keys,
            ledger=ledger,
            authenticator=Authenticator(
                settings.admin_key,
                keys,
                ledger,
                RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst, redis)
                if settings.rate_limit_per_s
                else None,
            ),
            forwarder=forwarder,
            openapi=OpenApiDocument(
                lambda: own_openapi(app), forwarder, settings.openapi_cache_ttl_s
            ),
        )
        app.state.gateway = state
        ledger.start()
        keys.start_listening()
        try:
            yield
        finally:
            await keys.stop_listening()
            await ledger.aclose()
            await forwarder.aclose()
            if redis is not None:
                await redis.aclose()
            await engine.dispose()

    app = FastAPI(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    install_error_handlers(app)
    # Starlette runs the last-added middleware first: request ids wrap the size limit.
    image_limit = settings.max_image_body_bytes
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        prefix_limits={"/vision/": image_limit, "/nlu/v2/image_": image_limit},
    )
    app.add_middleware(RemainingCallsHeader)
    app.add_middleware(RequestContextMiddleware)

    async def ready() -> dict[str, Any]:
        state: GatewayState = app.state.gateway
        checks: dict[str, Any] = {}
        try:
            async with state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            log.warning("readiness: database unreachable: %r", exc)
            checks["database"] = "unreachable"
        nlu, vision = await asyncio.gather(
            state.forwarder.alive("nlu"), state.forwarder.alive("vision")
        )
        checks["nlu"] = "ok" if nlu else "unreachable"
        checks["vision"] = "ok" if vision else "unreachable"
        # Redis is optional: without it the gateway serves from memory and the database.
        if state.redis is None:
            checks["redis"] = "disabled"
        else:
            checks["redis"] = "ok" if await state.redis.ping() else "degraded"
        ready = checks["database"] == "ok" and nlu and vision
        return {"ready": ready, **checks}

    add_probes(app, ready)
    instrument(app)
    app.include_router(docs_router)
    app.include_router(health_router)
    app.include_router(api_keys_router)
    app.include_router(usage_router)
    # Last: the catch-all routes forward whatever the gateway does not answer itself.
    app.include_router(proxy_router)
    return app


def own_openapi(app: FastAPI) -> dict[str, Any]:
    """Return the OpenAPI document of the gateway's own public routes."""
    return get_openapi(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        routes=app.routes,
        tags=[
            {"name": "api_keys", "description": "Manage API keys (admin key only)."},
            {"name": "health", "description": "Check that the service is alive and well."},
            {
                "name": "usage",
                "description": "Usage per day and its cost. Baobab extension, not in Feersum "
                "2.0.46.",
            },
        ],
    )
