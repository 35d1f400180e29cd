"""Pieces every service app is built from: request ids, body limits, internal auth, probes."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from prometheus_client import Gauge
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared._errors import Unauthorized, error_body
from shared._internal_auth import REQUEST_ID_HEADER, InternalCaller, verify_headers
from shared._logging import request_id_var, tenant_var

ReadyCheck = Callable[[], Awaitable[dict[str, Any]]]

access_log = logging.getLogger("baobab.access")
# Probes and scrapes come every few seconds from machines, not users: their access lines are
# DEBUG, not INFO. A service adds its own polled paths (the model store: job claims).
QUIET_PATHS = frozenset({"/health", "/ready", "/metrics"})
# Defined at import (default registry) so several apps in one process share it.
READY = Gauge("baobab_ready", "1 when the last /ready found the service able to serve, else 0.")


class RequestContextMiddleware:
    """Gives every request an id (taken from `X-Request-Id` when present) and echoes it back.

    Each request also leaves one access line (method, path, status, milliseconds) under the
    `baobab.access` logger, so its id is in the logs of every service it went through; the
    lines of `quiet_paths` (probes, polls) are DEBUG instead of INFO.
    """

    def __init__(self, app: ASGIApp, quiet_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.quiet_paths = QUIET_PATHS | quiet_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = None
        for key, value in scope.get("headers", []):
            if key.decode("latin-1").lower() == REQUEST_ID_HEADER.lower():
                rid = value.decode("latin-1")[:64]
                break
        rid = rid or uuid.uuid4().hex
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.lower().encode(), rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            level = logging.DEBUG if path in self.quiet_paths else logging.INFO
            if access_log.isEnabledFor(level):
                ms = round((time.perf_counter() - started) * 1000, 1)
                method = scope.get("method", "")
                access_log.log(
                    level,
                    "%s %s %d %.1fms",
                    method,
                    path,
                    status,
                    ms,
                    extra={
                        "fields": {
                            "method": method,
                            "path": path,
                            "status": status,
                            "duration_ms": ms,
                        }
                    },
                )
            request_id_var.reset(token)


class BodySizeLimitMiddleware:
    """Answers 413 for a request body larger than `max_bytes`, declared or streamed.

    `prefix_limits` gives paths starting with a prefix their own limit (the gateway lets
    image calls carry bigger bodies than text calls); the first matching prefix wins.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, prefix_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefix_limits = dict(prefix_limits or {})

    def limit_for(self, path: str) -> int:
        """Return the body limit of a request path."""
        for prefix, limit in self.prefix_limits.items():
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def _reject(self, send: Send, limit: int) -> None:
        body = json.dumps(
            error_body("too_large", f"request body is larger than the limit of {limit} bytes")
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await self._reject(send, limit)
                    return
        seen = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    too_large = True
                    raise _BodyTooLarge()
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await self._reject(send, limit)
        except Exception:
            if too_large and not started:
                await self._reject(send, limit)
            else:
                raise


class _BodyTooLarge(Exception):
    pass


def internal_caller_dependency(secret: str) -> Callable[[Request], InternalCaller]:
    """Return a FastAPI dependency that admits only correctly signed internal calls."""

    def dependency(request: Request) -> InternalCaller:
        caller = verify_headers(secret, dict(request.headers), request.method, request.url.path)
        if caller is None:
            raise Unauthorized("internal call is not signed, or its signature is invalid or stale")
        tenant_var.set(caller.tenant)
        return caller

    return dependency


def add_probes(app: FastAPI, ready_check: ReadyCheck) -> None:
    """Add `/health` (the process is alive) and `/ready` (it can serve: 503 otherwise).

    Each `/ready` also sets the `baobab_ready` gauge (1 or 0); a check that raises is a 503.
    """

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", include_in_schema=False)
    async def ready() -> JSONResponse:
        try:
            state = await ready_check()
        except Exception as exc:  # a probe answers; a failing check means "not ready"
            logging.getLogger("baobab.ready").exception("readiness check failed")
            state = {"ready": False, "error": type(exc).__name__}
        ok = bool(state.get("ready"))
        READY.set(1 if ok else 0)
        return JSONResponse(state, status_code=200 if ok else 503)


async def model_service_ready(
    state: Any, backbones: Mapping[str, bool], extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Return the readiness of a service that serves tenant models (NLU, vision).

    `backbones` names the service's shared backbones and whether each is warm; `state` is
    the app's state, holding `models_warm` (set once the lifespan warmed everything), the
    model-store client `store` and the hot model cache `cache`. Ready once all is warm and
    the model store answers its `/ready` (which it does only while its database does).
    Redis down degrades the service (no cross-replica invalidation) but does not stop it.
    """
    warm = all(backbones.values()) and bool(getattr(state, "models_warm", False))
    out: dict[str, Any] = {
        "ready": False,
        **{name: "warm" if ok else "loading" for name, ok in backbones.items()},
        "models": "warm" if warm else "loading",
        **(extra or {}),
    }
    if not warm:
        return out
    try:
        store_ok = bool(await state.store.ready())
    except Exception as exc:  # any failure to reach the store means "not ready"
        store_ok = False
        logging.getLogger("baobab.ready").warning("model store is unreachable: %s", exc)
    out["model_store"] = out["database"] = "ok" if store_ok else "unreachable"
    out["redis"] = await state.cache.state()
    out["ready"] = store_ok
    return out


def instrument(app: FastAPI) -> None:
    """Expose Prometheus `/metrics` with request counts and latency by route template."""
    Instrumentator(excluded_handlers=["/metrics", "/health", "/ready"]).instrument(app).expose(
        app, include_in_schema=False
    )


def serve_openapi(app: FastAPI) -> None:
    """Serve `/openapi.json` to signed callers (the gateway merges it into the public docs).

    The document has no 422 answers (bad input here is a 400) and no probes or metrics.
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    if isinstance(operation, dict):
                        operation.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_document(request: Request) -> JSONResponse:
        request.app.state.verify_caller(request)
        return JSONResponse(app.openapi())
