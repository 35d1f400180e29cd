"""Forwarding public calls to the NLU and vision services, signed for the caller's tenant.

`/vision/v2/...` and the image resources under `/nlu/v2/image_*` (older clients) go to the
vision service; every other `/nlu/v2/...` call goes to the NLU service. The raw path and
query string travel unchanged; the signature covers the decoded path the service sees.

A service may run as several replicas (`BAOBAB_NLU_URL="http://a:8001,http://b:8001"`):
calls take them in turn. A call that could not connect to one (nothing was sent) goes on
to the next, and the refusing replica sits out `proxy_replica_cooldown_s` before it is
tried again. A call that was sent is never repeated elsewhere, whatever happens to it
(a dropped connection, a timeout, a 5xx): a POST may not be safe to send twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
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


class ReplicaSet:
    """The replicas of one service, in turn; one that refused a connection sits out a while.

    Every replica is still tried when all of them are sitting out, so a single URL behaves
    as it always did: each call tries it.
    """

    def __init__(self, service: str, urls: Sequence[str], cooldown_s: float) -> None:
        self.service = service
        self.urls = tuple(httpx.URL(url) for url in urls)
        self.cooldown_s = cooldown_s
        self._resting_until = [0.0] * len(self.urls)
        self._next = 0

    def order(self) -> list[int]:
        """Return the replica indexes one call tries: the next in turn first, resting ones last."""
        n = len(self.urls)
        start, self._next = self._next, (self._next + 1) % n
        now = time.monotonic()
        turn = [(start + i) % n for i in range(n)]
        return [i for i in turn if self._resting_until[i] <= now] + [
            i for i in turn if self._resting_until[i] > now
        ]

    def resting(self) -> list[int]:
        """Return the indexes of the replicas sitting out after a refused connection."""
        now = time.monotonic()
        return [i for i, until in enumerate(self._resting_until) if until > now]

    def refused(self, index: int, exc: Exception) -> None:
        """Note that replica `index` could not be reached: leave it out for the cool-down."""
        now = time.monotonic()
        if self._resting_until[index] <= now and len(self.urls) > 1:
            log.warning(
                "%s replica %s is unreachable (%r); leaving it out for %gs",
                self.service,
                self.urls[index],
                exc,
                self.cooldown_s,
            )
        self._resting_until[index] = now + self.cooldown_s

    def answered(self, index: int) -> None:
        """Note that replica `index` answered: it is back in the rotation."""
        self._resting_until[index] = 0.0


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
        urls = {"nlu": settings.nlu_urls, "vision": settings.vision_urls}
        self.replicas: dict[Service, ReplicaSet] = {
            name: ReplicaSet(name, urls[name], settings.proxy_replica_cooldown_s)
            for name in SERVICES
        }
        # One pool per service, shared by its replicas (httpx keeps connections per origin).
        self.clients: dict[Service, httpx.AsyncClient] = {
            name: httpx.AsyncClient(
                transport=transports.get(name), timeout=timeout, limits=limits, trust_env=False
            )
            for name in SERVICES
        }

    async def forward(self, request: Request, tenant: str) -> Response:
        """Return the service's answer to `request`, made on behalf of `tenant`."""
        path = request.url.path
        if any(part in (".", "..") for part in path.split("/")):
            raise InvalidInput("the path must not contain '.' or '..' segments")
        service = service_for(path)
        raw_path: bytes = request.scope.get("raw_path") or quote(path).encode()
        query: bytes = request.scope.get("query_string", b"")
        target = raw_path + (b"?" + query if query else b"")
        headers = {
            k: v for k in FORWARDED_REQUEST_HEADERS if (v := request.headers.get(k)) is not None
        }
        headers.update(
            sign_headers(self._secret, tenant, request.method, path, request_id_var.get())
        )
        body = await request.body()
        upstream = await self._send(service, request.method, target, headers, body)
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
        service: Service,
        method: str,
        target: bytes,
        headers: dict[str, str],
        body: bytes,
        limit_s: float | None = None,
    ) -> httpx.Response:
        """Return the first replica's answer; only a failed connect moves on to the next one."""
        replicas, client = self.replicas[service], self.clients[service]
        extra: dict[str, Any] = {} if limit_s is None else {"timeout": limit_s}
        refused: Exception | None = None
        for index in replicas.order():
            url = replicas.urls[index].copy_with(raw_path=target)
            try:
                response = await client.request(
                    method, url, headers=headers, content=body or None, **extra
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Nothing reached this replica: the next one may take the call.
                replicas.refused(index, exc)
                refused = exc
                continue
            except httpx.TimeoutException as exc:
                log.warning("the %s service timed out: %r", service, exc)
                raise GatewayTimeout(f"the {service} service did not answer in time") from exc
            except httpx.TransportError as exc:
                log.warning("the %s service failed: %r", service, exc)
                raise BadGateway(
                    f"the {service} service closed the connection unexpectedly"
                ) from exc
            replicas.answered(index)
            return response
        log.warning("the %s service is unreachable: %r", service, refused)
        raise Unavailable(f"the {service} service is unreachable; try again shortly") from refused

    async def get_json(self, service: Service, path: str) -> Any:
        """Return the JSON of an internal GET, signed as the system tenant."""
        headers = sign_headers(self._secret, SYSTEM_TENANT, "GET", path, request_id_var.get())
        response = await self._send(
            service, "GET", quote(path).encode(), headers, b"", limit_s=PROBE_TIMEOUT_S
        )
        response.raise_for_status()
        return response.json()

    async def alive(self, service: Service) -> bool:
        """Return whether some replica of the service answers its `/health` probe."""
        replicas = self.replicas[service]

        async def probe(url: httpx.URL) -> bool:
            try:
                response = await self.clients[service].get(
                    url.copy_with(raw_path=b"/health"), timeout=PROBE_TIMEOUT_S
                )
            except httpx.HTTPError:
                return False
            return response.status_code == 200

        return any(await asyncio.gather(*(probe(url) for url in replicas.urls)))

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()
