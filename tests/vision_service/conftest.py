"""Fixtures of the vision service tests: the real model store in-process, a vision app chained to it.

The store app lives for the session and the vision app for a module (each loads the
backbone). Tests keep apart by tenant; calls are signed as the gateway signs them.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from model_store.app import create_app as create_store_app
from model_store.config import Settings as StoreSettings
from shared import sign_headers
from tests.vision_service.support import IMAGE_LIMIT, SAMPLES_LIMIT, SECRET, VisionClient
from vision_service.app import create_app
from vision_service.config import Settings


@pytest.fixture(scope="session")
async def vision_store_app(database_url: str, var_dir: Path) -> AsyncIterator[FastAPI]:
    settings = StoreSettings(
        environment="test",
        database_url=database_url,
        var_dir=var_dir,
        internal_secret=SECRET,
        log_json=False,
        max_samples_per_call=SAMPLES_LIMIT,
        max_image_bytes=IMAGE_LIMIT,
    )
    app = create_store_app(settings)
    async with LifespanManager(app, startup_timeout=120):
        yield app


@pytest.fixture(scope="session")
def vision_settings(
    database_url: str,
    redis_url: str | None,
    cache_namespace: str,
    var_dir: Path,
    models_dir: Path,
) -> Callable[..., Settings]:
    """Return `make(**overrides)`: the vision settings the tests use, with overrides."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": database_url,
            "redis_url": redis_url,
            "cache_namespace": cache_namespace,
            "var_dir": var_dir,
            "models_dir": models_dir,
            "internal_secret": SECRET,
            "model_store_url": "http://model-store.test",
            "log_json": False,
            "max_samples_per_call": SAMPLES_LIMIT,
            "max_image_bytes": IMAGE_LIMIT,
            "max_image_pixels": 4_000_000,
            "worker_poll_interval_s": 0.2,
            "immediate_mode_timeout_s": 400,
            "immediate_mode_poll_s": 0.05,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@contextlib.asynccontextmanager
async def started(store_app: FastAPI, settings: Settings) -> AsyncIterator[FastAPI]:
    """Run a vision app wired to the in-process store for the `async with` block."""
    app = create_app(settings, transports={"model_store": httpx.ASGITransport(store_app)})
    async with LifespanManager(app, startup_timeout=120):
        yield app


@pytest.fixture(scope="module")
async def vision_app(
    vision_store_app: FastAPI, vision_settings: Callable[..., Settings]
) -> AsyncIterator[FastAPI]:
    async with started(vision_store_app, vision_settings()) as app:
        yield app


def signed_client(app: FastAPI, tenant: str) -> VisionClient:
    """Return a client of `app` signing every request for `tenant`, as the gateway signs."""

    async def sign(request: httpx.Request) -> None:
        request.headers.update(sign_headers(SECRET, tenant, request.method, request.url.path))

    return VisionClient(
        transport=httpx.ASGITransport(app),
        base_url="http://vision.test",
        event_hooks={"request": [sign]},
        timeout=120,
    )


ClientFor = Callable[[str], VisionClient]


@pytest.fixture
async def client_for(vision_app: FastAPI) -> AsyncIterator[ClientFor]:
    made: list[VisionClient] = []

    def make(tenant: str) -> VisionClient:
        client = signed_client(vision_app, tenant)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def api(client_for: ClientFor, tenant: str) -> VisionClient:
    return client_for(tenant)


@pytest.fixture
def other_api(client_for: ClientFor) -> VisionClient:
    """A client signed for a second tenant that must never see the first one's models."""
    return client_for(f"t-{uuid.uuid4().hex[:12]}")
