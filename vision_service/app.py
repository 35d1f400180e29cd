"""The vision service: image model types (to come). For now it answers health and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from shared import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    add_probes,
    configure_logging,
    install_error_handlers,
    instrument,
)
from vision_service.config import Settings


def create_app(
    settings: Settings | None = None,
    *,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
) -> FastAPI:
    """Return the vision service app: probes and metrics; image resources come in a later issue."""
    settings = settings or Settings()
    configure_logging("vision", settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    app = FastAPI(title="Baobab vision service", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    install_error_handlers(app)

    async def ready() -> dict[str, Any]:
        return {"ready": True, "models": []}

    add_probes(app, ready)
    instrument(app)
    return app
