"""Fixtures of the model store tests: one app (migrated once) per session, signed clients.

Tests share the session's database and keep apart by tenant (the `tenant` fixture) and,
for training jobs, by a service name of their own (`service`).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp

from model_store.app import create_app
from model_store.config import Settings
from shared import SYSTEM_TENANT, sign_headers

TEXT_LIMIT = 200
SAMPLES_LIMIT = 20
TSNE_LIMIT = 50
IMAGE_LIMIT = 2_000
# Above the 20 jobs one tenant queues in the concurrent-claims test.
JOBS_LIMIT = 25


@pytest.fixture(scope="session")
def store_settings(database_url: str, var_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=var_dir,
        environment="test",
        log_json=False,
        max_text_chars=TEXT_LIMIT,
        max_samples_per_call=SAMPLES_LIMIT,
        max_tsne_points=TSNE_LIMIT,
        max_image_bytes=IMAGE_LIMIT,
        max_active_jobs_per_tenant=JOBS_LIMIT,
        max_body_bytes=256 * 1024,
    )


@pytest.fixture(scope="session")
async def store_app(store_settings: Settings) -> AsyncIterator[ASGIApp]:
    app = create_app(store_settings)
    async with LifespanManager(app) as manager:
        yield manager.app


def signed_client(app: ASGIApp, secret: str, tenant: str) -> httpx.AsyncClient:
    """Return a client whose every request is signed for `tenant`, as services sign them."""

    async def sign(request: httpx.Request) -> None:
        rid = request.headers.get("x-request-id")
        request.headers.update(
            sign_headers(secret, tenant, request.method, request.url.path, request_id=rid)
        )

    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://model-store/internal/v1",
        event_hooks={"request": [sign]},
    )


ClientFor = Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def client_for(store_app: ASGIApp, store_settings: Settings) -> AsyncIterator[ClientFor]:
    """Return a factory of signed clients, closed when the test ends."""
    made: list[httpx.AsyncClient] = []

    def make(tenant: str) -> httpx.AsyncClient:
        client = signed_client(store_app, store_settings.internal_secret, tenant)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def api(client_for: ClientFor, tenant: str) -> httpx.AsyncClient:
    """A client signed for this test's tenant."""
    return client_for(tenant)


@pytest.fixture
def other_api(client_for: ClientFor) -> httpx.AsyncClient:
    """A client signed for a second tenant that must never see the first one's data."""
    return client_for(f"t-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def system_api(client_for: ClientFor) -> httpx.AsyncClient:
    """A client signed as the system identity training workers use."""
    return client_for(SYSTEM_TENANT)


@pytest.fixture
async def raw_api(store_app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """An unsigned client."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=store_app), base_url="http://model-store"
    ) as client:
        yield client


@pytest.fixture
def service() -> str:
    """A worker service name no other test queues jobs for."""
    return f"svc_{uuid.uuid4().hex[:12]}"


NewModel = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def new_model(api: httpx.AsyncClient) -> NewModel:
    """Create a model for the test's tenant and return its record."""

    async def make(
        name: str = "faq", model_type: str = "text_classifier", **body: Any
    ) -> dict[str, Any]:
        response = await api.post(
            "/models",
            json={"model_type": model_type, "name": name, "load_from_store": False, **body},
        )
        assert response.status_code == 200, response.text
        record: dict[str, Any] = response.json()
        return record

    return make


Train = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def train(api: httpx.AsyncClient, system_api: httpx.AsyncClient, service: str) -> Train:
    """Run one training job for a model as a worker would; return the finished job."""

    async def run(
        name: str = "faq",
        model_type: str = "text_classifier",
        artifact: bytes = b"weights",
        labels: list[str] | None = None,
        message: str = "",
    ) -> dict[str, Any]:
        queued = await api.post(
            f"/models/{model_type}/{name}/jobs", json={"service": service, "params": {}}
        )
        assert queued.status_code == 200, queued.text
        claimed = await system_api.post(
            "/jobs/claim", json={"service": service, "worker_id": "w-train", "lease_s": 30}
        )
        assert claimed.status_code == 200 and claimed.json()["id"] == queued.json()["id"], (
            claimed.text
        )
        done = await system_api.post(
            f"/jobs/{claimed.json()['id']}/complete",
            json={
                "worker_id": "w-train",
                "artifact_b64": base64.b64encode(artifact).decode(),
                "labels": labels or ["a", "b"],
                "metrics": {"accuracy": 1.0},
                "message": message,
            },
        )
        assert done.status_code == 200 and done.json()["state"] == "succeeded", done.text
        job: dict[str, Any] = done.json()
        return job

    return run


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert the response is the shared error body with that status; return the body."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    return body
