"""Fixtures of the NLU service tests: the real model store in-process, NLU apps chained to it.

The store app lives for the session; NLU apps live for a module (each loads the encoder),
so a module that drives its training worker by hand sees no other module's worker.
Tests keep apart by tenant. Calls to the NLU app are signed as the gateway signs them.
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
from nlu_service.app import create_app
from nlu_service.config import Settings
from shared import ModelStoreClient
from tests.nlu_service.support import SAMPLES_LIMIT, SECRET, TEXT_LIMIT, NluClient, nlu_client


@pytest.fixture(scope="session")
async def store_app(database_url: str, var_dir: Path) -> AsyncIterator[FastAPI]:
    settings = StoreSettings(
        environment="test",
        database_url=database_url,
        var_dir=var_dir,
        internal_secret=SECRET,
        log_json=False,
        max_text_chars=TEXT_LIMIT,
        max_samples_per_call=SAMPLES_LIMIT,
    )
    app = create_store_app(settings)
    async with LifespanManager(app, startup_timeout=120):
        yield app


@pytest.fixture(scope="session")
def make_settings(
    database_url: str, redis_url: str | None, cache_namespace: str, var_dir: Path, models_dir: Path
) -> Callable[..., Settings]:
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
            "max_text_chars": TEXT_LIMIT,
            "max_samples_per_call": SAMPLES_LIMIT,
            "worker_poll_interval_s": 0.2,
            "immediate_mode_timeout_s": 90,
            "immediate_mode_poll_s": 0.05,
        }
        values.update(overrides)
        return Settings(**values)

    return make


NluFactory = Callable[..., contextlib.AbstractAsyncContextManager[FastAPI]]


@pytest.fixture(scope="module")
def start_nlu(store_app: FastAPI, make_settings: Callable[..., Settings]) -> NluFactory:
    """Return `async with start_nlu(**settings) as app`: an NLU app wired to the store."""

    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[FastAPI]:
        app = create_app(
            make_settings(**overrides), transports={"model_store": httpx.ASGITransport(store_app)}
        )
        async with LifespanManager(app, startup_timeout=180):
            yield app

    return start


@pytest.fixture(scope="module")
async def nlu_app(start_nlu: NluFactory) -> AsyncIterator[FastAPI]:
    """The module's NLU app, its training worker running."""
    async with start_nlu() as app:
        yield app


ClientFor = Callable[..., NluClient]


@pytest.fixture
async def client_for(nlu_app: FastAPI) -> AsyncIterator[ClientFor]:
    """Return a factory of signed clients (tenant, optionally another app), closed at the end."""
    made: list[NluClient] = []

    def make(tenant: str, app: FastAPI | None = None) -> NluClient:
        client = nlu_client(app or nlu_app, tenant)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def api(client_for: ClientFor, tenant: str) -> NluClient:
    return client_for(tenant)


@pytest.fixture
def other_api(client_for: ClientFor) -> NluClient:
    """A client signed for a second tenant that must never see the first one's models."""
    return client_for(f"t-{uuid.uuid4().hex[:12]}")


@pytest.fixture
async def store(store_app: FastAPI) -> AsyncIterator[ModelStoreClient]:
    """A model-store client, to look at stored data behind the NLU service's back."""
    client = ModelStoreClient(
        "http://model-store.test", SECRET, transport=httpx.ASGITransport(store_app)
    )
    yield client
    await client.aclose()
