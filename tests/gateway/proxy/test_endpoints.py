"""Forwarding: what reaches the NLU and vision services, and what comes back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx

from tests.gateway.conftest import Gateway, GatewayFactory


async def test_forwards_method_path_query_body_and_a_signed_tenant(gw: Gateway) -> None:
    key = (await gw.create_key())["api_key"]
    response = await gw.client.post(
        "/nlu/v2/text_classifiers/my%20model/train?immediate_mode=true&x=a%26b",
        content=b'{"immediate_mode": true}',
        headers={
            "X-Auth-Token": key,
            "Content-Type": "application/json",
            "X-Request-Id": "req-123",
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "req-123"
    echoed = response.json()
    # The echo service verified the signature over this decoded path before answering.
    assert echoed["service"] == "nlu"
    assert echoed["method"] == "POST"
    assert echoed["path"] == "/nlu/v2/text_classifiers/my model/train"
    assert echoed["raw_path"] == "/nlu/v2/text_classifiers/my%20model/train"
    assert echoed["query"] == "immediate_mode=true&x=a%26b"
    assert echoed["body"] == '{"immediate_mode": true}'
    assert echoed["content_type"] == "application/json"
    assert echoed["request_id"] == "req-123"
    assert echoed["tenant"] not in ("", "admin")

    for method in ("GET", "PUT", "PATCH", "DELETE"):
        response = await gw.client.request(
            method, "/nlu/v2/faq_matchers/m", headers={"X-Auth-Token": key}
        )
        assert response.status_code == 200 and response.json()["method"] == method


async def test_image_resources_go_to_the_vision_service(gw: Gateway) -> None:
    key = {"X-Auth-Token": (await gw.create_key())["api_key"]}
    cases = {
        "/vision/v2/image_classifiers/m/retrieve": "vision",
        "/nlu/v2/image_classifiers/m/retrieve": "vision",
        "/nlu/v2/image_datasets": "vision",
        "/nlu/v2/text_classifiers/m/train": "nlu",
        "/nlu/v2/faq_matchers": "nlu",
    }
    for path, service in cases.items():
        response = await gw.client.post(path, json={}, headers=key)
        assert response.status_code == 200, (path, response.text)
        assert response.json()["service"] == service, path
        assert response.json()["path"] == path


async def test_downstream_status_body_and_headers_come_back(gw: Gateway) -> None:
    key = {"X-Auth-Token": (await gw.create_key())["api_key"]}
    conflict = await gw.client.post("/nlu/v2/faq_matchers?status=409", json={}, headers=key)
    assert conflict.status_code == 409 and conflict.json()["service"] == "nlu"
    busy = await gw.client.post("/nlu/v2/faq_matchers/m/retrieve?status=429", json={}, headers=key)
    assert busy.status_code == 429 and busy.headers["retry-after"] == "7"
    bad_json = await gw.client.post(
        "/nlu/v2/faq_matchers",
        content=b"{not json",
        headers={**key, "Content-Type": "application/json"},
    )
    assert bad_json.status_code == 400 and bad_json.json()["detail"] == "malformed JSON"


async def test_unsigned_or_missing_key_never_reaches_the_service(gw: Gateway) -> None:
    assert (await gw.client.post("/nlu/v2/faq_matchers", json={})).status_code == 401
    assert (await gw.client.post("/vision/v2/image_classifiers", json={})).status_code == 401
    assert gw.nlu.state.calls == [] and gw.vision.state.calls == []


async def test_a_service_refusing_the_signature_is_a_502(start_gateway: GatewayFactory) -> None:
    async with start_gateway(internal_secret="some-other-secret-than-the-services") as gw:
        response = await gw.client.get("/nlu/v2/faq_matchers", headers=gw.admin)
        assert response.status_code == 502 and response.json()["error"] == "bad_gateway"


async def test_service_down_is_a_503(start_gateway: GatewayFactory) -> None:
    async with start_gateway(
        transports={}, nlu_url="http://127.0.0.1:1", vision_url="http://127.0.0.1:1"
    ) as gw:
        response = await gw.client.post(
            "/nlu/v2/faq_matchers/m/retrieve", json={"text": "hi"}, headers=gw.admin
        )
        assert response.status_code == 503
        assert response.json()["error"] == "unavailable" and "nlu" in response.json()["detail"]
        vision = await gw.client.get("/vision/v2/image_classifiers", headers=gw.admin)
        assert vision.status_code == 503 and "vision" in vision.json()["detail"]
        ready = await gw.client.get("/ready")
        assert ready.status_code == 503 and ready.json()["nlu"] == "unreachable"


async def silent_server() -> tuple[asyncio.Server, int]:
    """Return a TCP server that accepts requests and never answers."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read(-1)
        finally:
            writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_service_too_slow_is_a_504(start_gateway: GatewayFactory) -> None:
    server, port = await silent_server()
    async with server:
        url = f"http://127.0.0.1:{port}"
        async with start_gateway(
            transports={}, nlu_url=url, vision_url=url, proxy_timeout_s=0.3
        ) as gw:
            response = await gw.client.get("/nlu/v2/faq_matchers", headers=gw.admin)
            assert response.status_code == 504 and response.json()["error"] == "gateway_timeout"


async def test_body_too_large_is_a_413_and_is_not_forwarded(start_gateway: GatewayFactory) -> None:
    async with start_gateway(max_body_bytes=1024) as gw:
        big = b'{"text": "' + b"x" * 2000 + b'"}'
        declared = await gw.client.post(
            "/nlu/v2/faq_matchers/m/retrieve",
            content=big,
            headers={**gw.admin, "Content-Type": "application/json"},
        )
        assert declared.status_code == 413 and declared.json()["error"] == "too_large"

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(8):
                yield b"y" * 256

        streamed = await gw.client.post(
            "/nlu/v2/faq_matchers/m/retrieve", content=chunks(), headers=gw.admin
        )
        assert streamed.status_code == 413 and streamed.json()["error"] == "too_large"
        assert gw.nlu.state.calls == []
        fits = await gw.client.post(
            "/nlu/v2/faq_matchers/m/retrieve", json={"text": "hi"}, headers=gw.admin
        )
        assert fits.status_code == 200


async def test_paths_outside_the_api_and_dot_segments(gw: Gateway) -> None:
    missing = await gw.client.get("/somewhere/else", headers=gw.admin)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    dots = await gw.client.get("/nlu/v2/faq_matchers/%2e%2e/%2e%2e/internal", headers=gw.admin)
    assert dots.status_code == 400 and dots.json()["error"] == "invalid_input"
    assert gw.nlu.state.calls == []


async def test_the_gateway_never_answers_500_to_odd_requests(gw: Gateway) -> None:
    key = {"X-Auth-Token": (await gw.create_key())["api_key"]}
    odd = [
        ("POST", "/nlu/v2/faq_matchers", {"Content-Type": "application/json"}, b"\xff\xfe\x00"),
        ("POST", "/nlu/v2/faq_matchers", {"Content-Type": "text/plain"}, b"hello"),
        ("GET", "/nlu/v2/%ff%fe", {}, b""),
        ("POST", "/nlu/v2/api_keys", {"Content-Type": "application/json"}, b"\xff\xfe\x00"),
        ("POST", "/nlu/v2/api_keys", {"Content-Type": "text/plain"}, b"desc=x"),
    ]
    for method, path, headers, body in odd:
        for auth in (key, {"X-Auth-Token": "bbk_admin_nope"}, {}):
            response = await gw.client.request(
                method, path, headers={**headers, **auth}, content=body
            )
            assert response.status_code < 500, (method, path, response.status_code, response.text)
    admin = await gw.client.post(
        "/nlu/v2/api_keys",
        headers={**gw.admin, "Content-Type": "application/json"},
        content=b"\xff\xfe\x00",
    )
    assert admin.status_code == 400


async def test_pooled_clients_are_built_in_the_lifespan(gw: Gateway) -> None:
    # The pooled clients live as long as the app and are the ones built in the lifespan.
    clients = gw.state.forwarder.clients
    assert set(clients) == {"nlu", "vision"}
    assert all(isinstance(c, httpx.AsyncClient) and not c.is_closed for c in clients.values())


async def test_image_calls_have_their_own_body_limit(start_gateway: GatewayFactory) -> None:
    async with start_gateway(max_body_bytes=1024, max_image_body_bytes=4096) as gw:
        image_body = {"image": "A" * 3000}
        for path in (
            "/vision/v2/image_classifiers/m/retrieve",
            "/nlu/v2/image_classifiers/m/retrieve",
        ):
            fits = await gw.client.post(path, json=image_body, headers=gw.admin)
            assert fits.status_code == 200, fits.text
            too_big = await gw.client.post(path, json={"image": "A" * 5000}, headers=gw.admin)
            assert too_big.status_code == 413 and too_big.json()["error"] == "too_large"
            assert "4096" in too_big.json()["detail"]
        text = await gw.client.post(
            "/nlu/v2/faq_matchers/m/retrieve", json={"text": "x" * 3000}, headers=gw.admin
        )
        assert text.status_code == 413
        assert len(gw.vision.state.calls) == 2
