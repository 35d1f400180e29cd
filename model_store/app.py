"""The model store app: `uvicorn --factory model_store.app:create_app`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import text

from model_store.catalog.endpoints import router as catalog_router
from model_store.config import Settings
from model_store.jobs.endpoints import router as jobs_router
from model_store.jobs.metrics import JobGaugeRefresher
from model_store.revisions.endpoints import router as revisions_router
from model_store.samples.endpoints import router as samples_router
from shared import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    add_probes,
    configure_logging,
    create_db_engine,
    install_error_handlers,
    instrument,
    internal_caller_dependency,
    session_maker,
    upgrade_database_async,
)

log = logging.getLogger("baobab.model_store")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version_model_store"


def _operation_id(route: APIRoute) -> str:
    # Stable ids: the route function's name, unique across the app.
    return route.name


def create_app(
    settings: Settings | None = None,
    *,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """Return the model store app; its lifespan migrates the database and opens the engine.

    `transports` is accepted for symmetry with the other services: the store calls nobody.
    """
    settings = settings or Settings()
    configure_logging("model_store", settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await upgrade_database_async(settings.database_url, MIGRATIONS, VERSION_TABLE)
        engine = create_db_engine(settings.database_url)
        app.state.engine = engine
        app.state.sessions = session_maker(engine)
        job_gauge = JobGaugeRefresher(app.state.sessions, settings.job_metrics_interval_s)
        job_gauge.start()
        try:
            yield
        finally:
            await job_gauge.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Baobab model store",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.verify_caller = internal_caller_dependency(settings.internal_secret)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    # Every training worker polls for jobs each second: those lines would drown the rest.
    app.add_middleware(RequestContextMiddleware, quiet_paths=frozenset({"/internal/v1/jobs/claim"}))
    install_error_handlers(app)

    internal = APIRouter(prefix="/internal/v1")
    for router in (catalog_router, samples_router, revisions_router, jobs_router):
        internal.include_router(router)
    app.include_router(internal)

    async def ready() -> dict[str, Any]:
        # The store keeps no Redis connection: its readiness is its database's.
        try:
            async with app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # any failure to reach the database means "not ready"
            log.warning("readiness: database unreachable: %r", exc)
            return {"ready": False, "database": "unreachable", "error": type(exc).__name__}
        return {"ready": True, "database": "ok"}

    add_probes(app, ready)
    instrument(app)
    return app
