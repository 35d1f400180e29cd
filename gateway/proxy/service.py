"""Forwarding public calls to the NLU and vision services, signed for the caller's tenant.

`/vision/v2/...` and the image resources under `/nlu/v2/image_*` (older clients) go to the
vision service; every other `/nlu/v2/...` call goes to the NLU service. The raw path and
query string travel unchanged; the signature covers the decoded path the service sees.
"""

from __future__ import annotations

import logging
from typing import Any, Literal
from urllib.parse import quote

import httpx
from fastapi import Request, Response

from gateway.config import Settings
from shared import (
    SYSTEM_TENANT,
    BaobabError,
    InvalidInput,
    Unavailable,
    request_id_var,
    sign_headers,
)

log = logging.getLogger("baobab.gateway.proxy")

Service = Literal["nlu", "vision"]
SERVICES: tuple[Service, ...] = ("nlu", "vision")
# Client headers worth passing on; auth headers and hop-by-hop headers never are.
FORWARDED_REQUEST_HEADERS = ("content-type", "accept", "accept-language", "x-caller")
RETURNED_RESPONSE_HEADERS = ("content-type", "retry-after", "content-disposition", "cache-control")
PROBE_TIMEOUT_S = 3.0


class BadGateway(BaobabError):
    status_code = 502
    code = "bad_gateway"


class GatewayTimeout(BaobabError):
    status_code = 504
    code = "gateway_timeout"


def service_for(path: str) -> Service:
    """Return which service answers a public path."""
    if path.startswith("/vision/") or path.startswith("/nlu/v2/image_"):
        return "vision"
    return "nlu"


class Forwarder:
    """Pooled HTTP clients to the NLU and vision services, built once in the lifespan."""

    def __init__(
        self, settings: Settings, transports: dict[str, httpx.AsyncBaseTransport] | None = None
    ) -> None:
        transports = transports or {}
        self._secret = settings.internal_secret
        timeout = httpx.Timeout(settings.proxy_timeout_s, connect=settings.proxy_connect_timeout_s)
        # Idle connections go before the services' keep-alive timeout (uvicorn: 5 s).
        limits = httpx.Limits(
            max_connections=512, max_keepalive_connections=128, keepalive_expiry=2.0
        )
        urls = {"nlu": settings.nlu_url, "vision": settings.vision_url}
        self.clients: dict[Service, httpx.AsyncClient] = {
            name: httpx.AsyncClient(
                base_url=urls[name],
                transport=transports.get(name),
                timeout=timeout,
                limits=limits,
                trust_env=False,
            )
            for name in SERVICES
        }

    async def forward(self, request: Request, tenant: str) -> Response:
        """Return the service's answer to `request`, made on behalf of `tenant`."""
        path = request.url.path
        if any(part in (".", "..") for part in path.split("/")):
            raise InvalidInput("the path must not contain '.' or '..' segments")
        service = service_for(path)
        client = self.clients[service]
        raw_path: bytes = request.scope.get("raw_path") or quote(path).encode()
        query: bytes = request.scope.get("query_string", b"")
        url = client.base_url.copy_with(raw_path=raw_path + (b"?" + query if query else b""))
        headers = {
            k: v for k in FORWARDED_REQUEST_HEADERS if (v := request.headers.get(k)) is not None
        }
        headers.update(
            sign_headers(self._secret, tenant, request.method, path, request_id_var.get())
        )
        body = await request.body()
        upstream = await self._send(service, client, request.method, url, headers, body)
        if upstream.status_code == 401:
            # The caller's key was fine: a 401 here means the services disagree on the secret.
            log.error(
                "the %s service refused the gateway's signature (BAOBAB_INTERNAL_SECRET differs?)",
                service,
            )
            raise BadGateway(f"the {service} service refused the gateway's call")
        returned = {
            k: v for k in RETURNED_RESPONSE_HEADERS if (v := upstream.headers.get(k)) is not None
        }
        return Response(
            content=upstream.content, status_code=upstream.status_code, headers=returned
        )

    async def _send(
        self,
        service: str,
        client: httpx.AsyncClient,
        method: str,
        url: httpx.URL,
        headers: dict[str, str],
        body: bytes,
    ) -> httpx.Response:
        try:
            return await client.request(method, url, headers=headers, content=body or None)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            log.warning("the %s service is unreachable: %r", service, exc)
            raise Unavailable(f"the {service} service is unreachable; try again shortly") from exc
        except httpx.TimeoutException as exc:
            log.warning("the %s service timed out: %r", service, exc)
            raise GatewayTimeout(f"the {service} service did not answer in time") from exc
        except httpx.TransportError as exc:
            log.warning("the %s service failed: %r", service, exc)
            raise BadGateway(f"the {service} service closed the connection unexpectedly") from exc

    async def get_json(self, service: Service, path: str) -> Any:
        """Return the JSON of an internal GET, signed as the system tenant."""
        headers = sign_headers(self._secret, SYSTEM_TENANT, "GET", path, request_id_var.get())
        response = await self.clients[service].get(path, headers=headers, timeout=PROBE_TIMEOUT_S)
        response.raise_for_status()
        return response.json()

    async def alive(self, service: Service) -> bool:
        """Return whether the service answers its `/health` probe."""
        try:
            response = await self.clients[service].get("/health", timeout=PROBE_TIMEOUT_S)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()
