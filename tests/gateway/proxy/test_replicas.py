"""Several replicas of a service behind one gateway: turns, failover on refused connections,
the cool-down, and no second try once a call was sent. Real servers on loopback sockets."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from gateway.config import Settings
from tests.gateway.conftest import Gateway, GatewayFactory, make_echo_app


def loopback_socket() -> socket.socket:
    """Return a socket bound to a free loopback port and not listening: connects are refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextlib.asynccontextmanager
async def serving(app: FastAPI, sock: socket.socket | None = None) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on `sock` (a fresh loopback socket by default); yield its URL."""
    sock = sock or loopback_socket()
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextlib.asynccontextmanager
async def replicas(n: int) -> AsyncIterator[tuple[list[FastAPI], list[str]]]:
    """Start `n` echo replicas of the NLU service; yield their apps and URLs."""
    apps = [make_echo_app("nlu") for _ in range(n)]
    async with contextlib.AsyncExitStack() as stack:
        urls = [await stack.enter_async_context(serving(app)) for app in apps]
        yield apps, urls


@contextlib.asynccontextmanager
async def gateway_over(
    start_gateway: GatewayFactory, nlu_urls: list[str], **overrides: Any
) -> AsyncIterator[Gateway]:
    """A gateway whose NLU URL lists `nlu_urls`; vision is one more echo server."""
    async with (
        serving(make_echo_app("vision")) as vision_url,
        start_gateway(
            transports={}, nlu_url=",".join(nlu_urls), vision_url=vision_url, **overrides
        ) as gw,
    ):
        yield gw


async def retrieve(gw: Gateway, query: str = "") -> int:
    response = await gw.client.post(
        f"/nlu/v2/faq_matchers/m/retrieve{query}", json={"text": "hi"}, headers=gw.admin
    )
    return response.status_code


def calls(app: FastAPI) -> int:
    return len(app.state.calls)


async def wait_until(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_calls_take_the_replicas_in_turn(start_gateway: GatewayFactory) -> None:
    async with replicas(3) as (apps, urls), gateway_over(start_gateway, urls) as gw:
        for _ in range(9):
            assert await retrieve(gw) == 200
        assert [calls(app) for app in apps] == [3, 3, 3]
        # Each replica verified the gateway's signature; every call reached exactly one.
        assert {c["tenant"] for app in apps for c in app.state.calls} == {"admin"}
        vision = await gw.client.get("/vision/v2/image_classifiers", headers=gw.admin)
        assert vision.status_code == 200 and vision.json()["service"] == "vision"
        assert sum(calls(app) for app in apps) == 9


async def test_a_refused_replica_sits_out_its_cool_down_then_is_tried_again(
    start_gateway: GatewayFactory,
) -> None:
    down = loopback_socket()
    back = make_echo_app("nlu")
    async with (
        replicas(1) as ([live], [live_url]),
        gateway_over(start_gateway, [url_of(down), live_url], proxy_replica_cooldown_s=1.5) as gw,
    ):
        ring = gw.state.forwarder.replicas["nlu"]
        # The first replica refuses: the call moves on, and nobody sees an error.
        for _ in range(4):
            assert await retrieve(gw) == 200
        assert calls(live) == 4 and ring.resting() == [0]

        # The replica comes back, but sits out the rest of its cool-down.
        async with serving(back, down):
            for _ in range(4):
                assert await retrieve(gw) == 200
            assert ring.resting() == [0], "the cool-down ended during the test; make it longer"
            assert calls(back) == 0 and calls(live) == 8

            # After the cool-down it takes its turns again.
            await wait_until(lambda: ring.resting() == [])
            for _ in range(4):
                assert await retrieve(gw) == 200
            assert calls(back) == 2 and calls(live) == 10


async def test_every_replica_refusing_is_a_503_and_not_ready(
    start_gateway: GatewayFactory,
) -> None:
    a, b = loopback_socket(), loopback_socket()
    with a, b:
        async with gateway_over(start_gateway, [url_of(a), url_of(b)]) as gw:
            response = await gw.client.post(
                "/nlu/v2/faq_matchers/m/retrieve", json={"text": "hi"}, headers=gw.admin
            )
            assert response.status_code == 503
            assert response.json()["error"] == "unavailable" and "nlu" in response.json()["detail"]
            assert gw.state.forwarder.replicas["nlu"].resting() == [0, 1]
            # Resting replicas are still tried when no other is left: still a 503, not a hang.
            assert await retrieve(gw) == 503
            ready = await gw.client.get("/ready")
            assert ready.status_code == 503 and ready.json()["nlu"] == "unreachable"


async def test_one_replica_down_leaves_the_gateway_ready_with_its_docs(
    start_gateway: GatewayFactory,
) -> None:
    down = loopback_socket()
    with down:
        async with (
            replicas(1) as (_, [live_url]),
            gateway_over(start_gateway, [url_of(down), live_url]) as gw,
        ):
            ready = await gw.client.get("/ready")
            assert ready.status_code == 200 and ready.json()["nlu"] == "ok"
            # The merged OpenAPI document is fetched from whichever replica answers.
            doc = (await gw.client.get("/openapi.json")).json()
            assert "/nlu/v2/text_classifiers/{instance_name}/retrieve" in doc["paths"]


async def test_a_call_that_was_sent_is_never_sent_to_another_replica(
    start_gateway: GatewayFactory,
) -> None:
    received: list[bytes] = []

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Reads the whole request head, then drops the connection without an answer.
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            received.append(await reader.readuntil(b"\r\n\r\n"))
        writer.transport.abort()

    dropping = await asyncio.start_server(drop, "127.0.0.1", 0)
    dropping_url = f"http://127.0.0.1:{dropping.sockets[0].getsockname()[1]}"
    async with (
        dropping,
        replicas(1) as ([live], [live_url]),
        gateway_over(start_gateway, [dropping_url, live_url]) as gw,
    ):
        response = await gw.client.post(
            "/nlu/v2/faq_matchers/m/retrieve", json={"text": "hi"}, headers=gw.admin
        )
        assert response.status_code == 502 and response.json()["error"] == "bad_gateway"
        assert len(received) == 1 and received[0].startswith(b"POST /nlu/v2/faq_matchers/m/")
        assert calls(live) == 0
        # A dropped call is not a refused connection: the replica keeps its turns.
        assert gw.state.forwarder.replicas["nlu"].resting() == []
        assert await retrieve(gw) == 200 and calls(live) == 1

    # A 5xx answer comes back as it is; the call is not repeated on the other replica.
    async with replicas(2) as (apps, urls), gateway_over(start_gateway, urls) as gw:
        for _ in range(4):
            assert await retrieve(gw, "?status=503") == 503
        assert [calls(app) for app in apps] == [2, 2]


def test_replica_url_lists_are_read_and_checked(make_settings: Callable[..., Settings]) -> None:
    one = make_settings(nlu_url="http://127.0.0.1:8001")
    assert one.nlu_url == "http://127.0.0.1:8001" and one.nlu_urls == ("http://127.0.0.1:8001",)
    two = make_settings(nlu_url=" http://10.0.0.1:8001 , https://nlu-b:8001/ ,")
    assert two.nlu_urls == ("http://10.0.0.1:8001", "https://nlu-b:8001/")
    for bad in ("", " , ", "http://127.0.0.1:8001,127.0.0.1:8011", "ftp://nlu:21", "http://"):
        with pytest.raises(ValidationError) as exc:
            make_settings(vision_url=bad)
        assert "BAOBAB_VISION_URL" in str(exc.value)
