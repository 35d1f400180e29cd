"""Gateway fixtures: the app in-process, with small real downstream apps behind it.

The downstream "echo" service is a real FastAPI app that refuses unsigned calls (with
`shared.verify_headers`, like the NLU and vision services) and answers with what it
received, so tests see exactly what the gateway forwarded.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gateway.app import create_app
from gateway.config import Settings
from gateway.state import GatewayState
from shared import verify_headers

INTERNAL_SECRET = "test-internal-secret-" + secrets.token_hex(8)
ADMIN_KEY = "bbk_admin_" + secrets.token_urlsafe(32)


class TextInput(BaseModel):
    text: str


class Scores(BaseModel):
    label: str
    probability: float


def make_echo_app(service: str) -> FastAPI:
    """Return a downstream service: signed calls only; echoes what it was sent."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.calls = []

    def caller_of(request: Request) -> Any:
        return verify_headers(
            INTERNAL_SECRET, dict(request.headers), request.method, request.url.path
        )

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/openapi.json")
    async def openapi(request: Request) -> JSONResponse:
        caller = caller_of(request)
        if caller is None or not caller.is_system:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        return JSONResponse(app.openapi())

    if service == "nlu":
        # A public route with pydantic models, as the NLU service has, for the merged docs.
        @app.post(
            "/nlu/v2/text_classifiers/{instance_name}/retrieve",
            operation_id="text_classifier_retrieve",
            tags=["text_classifiers"],
        )
        async def retrieve(instance_name: str, text_input: TextInput) -> list[Scores]:
            return [Scores(label="greeting", probability=1.0)]

    @app.api_route(
        "/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
    )
    async def echo(request: Request, path: str) -> JSONResponse:
        caller = caller_of(request)
        if caller is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        body = await request.body()
        record = {
            "service": service,
            "tenant": caller.tenant,
            "request_id": caller.request_id,
            "method": request.method,
            "path": request.url.path,
            "raw_path": request.scope.get("raw_path", b"").decode("latin-1"),
            "query": request.url.query,
            "body": body.decode("utf-8", "replace"),
            "content_type": request.headers.get("content-type"),
            "headers": {k.lower(): v for k, v in request.headers.items()},
        }
        app.state.calls.append(record)
        status = int(request.query_params.get("status", "200"))
        if request.headers.get("content-type", "").startswith("application/json") and body:
            try:
                json.loads(body)
            except ValueError:
                return JSONResponse(
                    {"error": "invalid_input", "detail": "malformed JSON"}, status_code=400
                )
        return JSONResponse(
            record, status_code=status, headers={"Retry-After": "7"} if status == 429 else None
        )

    return app


@dataclass
class Gateway:
    """A running gateway app and a client for it."""

    app: FastAPI
    client: httpx.AsyncClient
    nlu: FastAPI
    vision: FastAPI
    admin: dict[str, str] = field(default_factory=lambda: {"X-Auth-Token": ADMIN_KEY})

    @property
    def state(self) -> GatewayState:
        state: GatewayState = self.app.state.gateway
        return state

    async def create_key(self, desc: str = "test key", **extra: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/nlu/v2/api_keys", json={"desc": desc, **extra}, headers=self.admin
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def make_settings(
    database_url: str, redis_url: str | None, cache_namespace: str, var_dir: Path
) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": database_url,
            "redis_url": redis_url,
            "cache_namespace": cache_namespace,
            "var_dir": var_dir,
            "internal_secret": INTERNAL_SECRET,
            "admin_api_key": ADMIN_KEY,
            "nlu_url": "http://nlu.test",
            "vision_url": "http://vision.test",
            # Tests flush usage themselves unless they test the background flush.
            "usage_flush_interval_s": 3600,
            "log_json": False,
        }
        values.update(overrides)
        return Settings(**values)

    return make


GatewayFactory = Callable[..., Any]


@pytest.fixture
async def start_gateway(make_settings: Callable[..., Settings]) -> AsyncIterator[GatewayFactory]:
    """Return an async context factory: `async with start_gateway(**settings) as gw`."""
    import contextlib

    @contextlib.asynccontextmanager
    async def start(
        transports: dict[str, httpx.AsyncBaseTransport] | None = None, **overrides: Any
    ) -> AsyncIterator[Gateway]:
        nlu, vision = make_echo_app("nlu"), make_echo_app("vision")
        if transports is None:
            transports = {"nlu": httpx.ASGITransport(nlu), "vision": httpx.ASGITransport(vision)}
        app = create_app(make_settings(**overrides), transports=transports)
        async with LifespanManager(app, startup_timeout=60):
            transport = httpx.ASGITransport(app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://gateway.test"
            ) as client:
                yield Gateway(app=app, client=client, nlu=nlu, vision=vision)

    yield start


@pytest.fixture
async def gw(start_gateway: GatewayFactory) -> AsyncIterator[Gateway]:
    async with start_gateway() as gateway:
        yield gateway
