"""`url` image inputs in every retrieve, with the operator's allow-list on (a real local origin)."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from fastapi import FastAPI

from tests.vision_service.conftest import signed_client, started
from tests.vision_service.support import VisionClient, assert_error, discs, encode, labelled, ok
from vision_service.config import Settings

PICTURE = base64.b64decode(labelled(1, start=77)[0]["image"])  # a JPEG of red discs


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer GET /disc.jpg with the picture and anything else with 404, then close."""
    try:
        request = await reader.readuntil(b"\r\n\r\n")
        path = request.split(b" ", 2)[1]
        if path == b"/disc.jpg":
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {len(PICTURE)}\r\n"
            )
            writer.write(head.encode() + b"Connection: close\r\n\r\n" + PICTURE)
        else:
            writer.write(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        await writer.drain()
    finally:
        writer.close()


@pytest.fixture
async def origin() -> AsyncIterator[int]:
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


@pytest.fixture(scope="module")
async def url_app(
    vision_store_app: FastAPI, vision_settings: Callable[..., Settings]
) -> AsyncIterator[FastAPI]:
    settings = vision_settings(image_url_allow_hosts=["127.0.0.1"], image_url_allow_private=True)
    async with started(vision_store_app, settings) as app:
        yield app


async def test_every_retrieve_takes_an_allowed_url(url_app: FastAPI, origin: int) -> None:
    api = signed_client(url_app, f"t-{uuid.uuid4().hex[:12]}")
    base = "/vision/v2/image_classifiers"
    ok(await api.post(base, json={"name": "shapes", "load_from_store": False}))
    ok(await api.post(f"{base}/shapes/training_samples", json=labelled(5)))
    ok(await api.post(f"{base}/shapes/train", json={"immediate_mode": True}))
    url = f"http://127.0.0.1:{origin}/disc.jpg"
    ranked = ok(await api.post(f"{base}/shapes/retrieve", json={"url": url}))
    assert ranked[0]["label"] == "discs"
    found = ok(await api.post("/vision/v2/image_detectors/generic/retrieve", json={"url": url}))
    assert "scored_detections" in found
    assert ok(await api.post("/vision/v2/image_readers/generic/retrieve", json={"url": url})) == []
    missing = assert_error(
        await api.post(f"{base}/shapes/retrieve", json={"url": f"http://127.0.0.1:{origin}/x"}),
        400,
    )
    assert "404" in missing["detail"]
    unlisted = assert_error(
        await api.post(
            f"{base}/shapes/retrieve", json={"url": f"http://localhost:{origin}/disc.jpg"}
        ),
        400,
    )
    assert "localhost" in unlisted["detail"]
    await api.aclose()


async def test_urls_are_refused_when_no_host_is_listed(api: VisionClient, origin: int) -> None:
    url = f"http://127.0.0.1:{origin}/disc.jpg"
    for path in (
        "/vision/v2/image_detectors/generic/retrieve",
        "/vision/v2/image_readers/generic/retrieve",
    ):
        body = assert_error(await api.post(path, json={"url": url}), 400)
        assert "not enabled" in body["detail"]
    found = ok(
        await api.post(
            "/vision/v2/image_detectors/generic/retrieve", json={"image": encode(discs(1))}
        )
    )
    assert "scored_detections" in found  # the same app reads base64 images
