"""`RequestContextMiddleware`: one JSON access line per request, carrying its request id."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared import RequestContextMiddleware
from shared._logging import JsonFormatter


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """Capture what the access logger writes, formatted as the services format it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter("svc"))
    logger = logging.getLogger("baobab.access")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def records(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def make_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(RequestContextMiddleware, quiet_paths=frozenset({"/poll"}))

    @app.get("/things/{name}")
    async def thing(name: str) -> dict[str, str]:
        return {"name": name}

    @app.get("/poll")
    async def poll() -> dict[str, str]:
        return {}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {}

    return app


async def test_each_request_leaves_one_access_line_with_its_id(lines: io.StringIO) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(make_app()), base_url="http://svc.test"
    ) as client:
        given = await client.get("/things/a", headers={"X-Request-Id": "rid-given"})
        made = await client.get("/things/missing/deeper")
        # Probes and the app's polled paths stay out of INFO logs.
        await client.get("/poll")
        await client.get("/health")
    assert given.headers["x-request-id"] == "rid-given"
    found = records(lines)
    assert [(r["path"], r["status"]) for r in found] == [
        ("/things/a", 200),
        ("/things/missing/deeper", 404),
    ]
    first, second = found
    assert first["request_id"] == "rid-given" and first["logger"] == "baobab.access"
    assert first["method"] == "GET" and first["service"] == "svc"
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert second["request_id"] == made.headers["x-request-id"] != "rid-given"


async def test_quiet_paths_log_at_debug(lines: io.StringIO) -> None:
    logging.getLogger("baobab.access").setLevel(logging.DEBUG)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(make_app()), base_url="http://svc.test"
    ) as client:
        await client.get("/poll")
    [line] = records(lines)
    assert line["level"] == "debug" and line["path"] == "/poll"
