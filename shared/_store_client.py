"""The client every service uses to reach the model store's internal API (docs/internal-api.md).

One pooled `httpx.AsyncClient` per `ModelStoreClient`; every call is signed for a tenant
(job-running calls for `SYSTEM_TENANT`) and carries the current request id. Error answers
become the shared errors, keeping the store's `detail`:

    400 -> InvalidInput, 404 -> NotFound, 409 -> Conflict, 413 -> TooLarge,
    401 / 403 / other 4xx -> BaobabError (a bug: internal auth or a call is wrong),
    5xx, timeouts, refused connections -> Unavailable.
"""

from __future__ import annotations

import base64
from collections.abc import Collection
from typing import Any

import httpx

from shared._errors import (
    BaobabError,
    Conflict,
    InvalidInput,
    NotFound,
    RateLimited,
    TooLarge,
    Unavailable,
)
from shared._internal_auth import SYSTEM_TENANT, sign_headers
from shared._logging import request_id_var

_ERRORS: dict[int, type[BaobabError]] = {
    400: InvalidInput,
    404: NotFound,
    409: Conflict,
    413: TooLarge,
    429: RateLimited,
}

_PREFIX = "/internal/v1"
# Seconds an idle pooled connection is kept: below uvicorn's 5 s keep-alive timeout.
KEEPALIVE_S = 2.0


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return detail
    text = response.text.strip()
    return text[:500] if text else f"HTTP {response.status_code}"


class ModelStoreClient:
    """Calls the model store on behalf of a tenant; one instance per process, closed at shutdown."""

    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._secret = secret
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=timeout,
            # Idle connections are dropped well before the server's keep-alive timeout
            # (uvicorn: 5 s), so a request is not sent on a connection the server is closing.
            limits=httpx.Limits(
                max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_S
            ),
            # Internal calls never go through a proxy configured for the machine.
            trust_env=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(
        self,
        tenant: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        try:
            request = self._http.build_request(method, _PREFIX + path, json=json, params=params)
        except ValueError as exc:  # NaN or infinity: not JSON, and the store would refuse it
            raise InvalidInput(f"cannot send {method} {path}: {exc}") from exc
        # Sign the path exactly as the server will see it (base_url may carry a prefix).
        request.headers.update(
            sign_headers(
                self._secret, tenant, method, request.url.path, request_id=request_id_var.get()
            )
        )
        try:
            try:
                response = await self._http.send(request)
            except httpx.RemoteProtocolError:
                # The server closed a pooled connection as the request went out: nothing was
                # processed. Only reads are sent again; a write's fate is unknown.
                if method not in ("GET", "HEAD"):
                    raise
                response = await self._http.send(request)
        except httpx.TransportError as exc:
            raise Unavailable(f"model store unreachable: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise self._error(response)
        return response

    @staticmethod
    def _error(response: httpx.Response) -> BaobabError:
        status, detail = response.status_code, _detail(response)
        if status >= 500:
            return Unavailable(f"model store failed ({status}): {detail}")
        error_class = _ERRORS.get(status)
        if error_class is not None:
            return error_class(detail)
        # 401/403/405/...: our own call is wrong (misconfigured secret, a bad route): a bug.
        return BaobabError(f"model store refused the call ({status}): {detail}")

    async def _json(
        self,
        tenant: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        response = await self._send(tenant, method, path, json=json, params=params)
        try:
            return response.json()
        except ValueError as exc:
            raise Unavailable(
                f"model store answered {method} {path} with a body that is not JSON"
            ) from exc

    async def _dict(
        self, tenant: str, method: str, path: str, *, json: Any = None
    ) -> dict[str, Any]:
        body = await self._json(tenant, method, path, json=json)
        if not isinstance(body, dict):
            raise Unavailable(
                f"model store answered {method} {path} with a {type(body).__name__}, not an object"
            )
        return body

    async def _list(
        self,
        tenant: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        body = await self._json(tenant, method, path, json=json, params=params)
        if not isinstance(body, list):
            raise Unavailable(
                f"model store answered {method} {path} with a {type(body).__name__}, not a list"
            )
        return body

    # Models

    async def create_model(
        self,
        tenant: str,
        model_type: str,
        name: str,
        *,
        long_name: str = "",
        desc: str = "",
        params: dict[str, Any] | None = None,
        load_from_store: bool = False,
        revision_uuid: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model_type": model_type,
            "name": name,
            "long_name": long_name,
            "desc": desc,
            "params": params or {},
            "load_from_store": load_from_store,
        }
        if revision_uuid is not None:
            body["revision_uuid"] = revision_uuid
        return await self._dict(tenant, "POST", "/models", json=body)

    async def list_models(self, tenant: str, model_type: str) -> list[dict[str, Any]]:
        return await self._list(tenant, "GET", "/models", params={"model_type": model_type})

    async def get_model(self, tenant: str, model_type: str, name: str) -> dict[str, Any]:
        return await self._dict(tenant, "GET", f"/models/{model_type}/{name}")

    async def update_model(
        self,
        tenant: str,
        model_type: str,
        name: str,
        *,
        long_name: str | None = None,
        desc: str | None = None,
        readonly: bool | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body = {"long_name": long_name, "desc": desc, "readonly": readonly, "params": params}
        return await self._dict(
            tenant,
            "PATCH",
            f"/models/{model_type}/{name}",
            json={k: v for k, v in body.items() if v is not None},
        )

    async def trash_model(self, tenant: str, model_type: str, name: str) -> dict[str, Any]:
        return await self._dict(tenant, "DELETE", f"/models/{model_type}/{name}")

    async def vaporise_model(self, tenant: str, model_type: str, name: str) -> dict[str, Any]:
        return await self._dict(tenant, "POST", f"/models/{model_type}/{name}/vaporise")

    async def put_tsne(
        self, tenant: str, model_type: str, name: str, points: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return await self._dict(
            tenant, "PUT", f"/models/{model_type}/{name}/tsne", json={"points": points}
        )

    # Samples

    def _samples_path(self, model_type: str, name: str, kind: str) -> str:
        return f"/models/{model_type}/{name}/samples/{kind}"

    async def add_samples(
        self, tenant: str, model_type: str, name: str, kind: str, samples: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        path = self._samples_path(model_type, name, kind)
        return await self._list(tenant, "POST", path, json={"samples": samples})

    async def get_samples(
        self,
        tenant: str,
        model_type: str,
        name: str,
        kind: str,
        index: int = 0,
        length: int | None = None,
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"index": index}
        if length is not None:
            params["len"] = length
        return await self._list(
            tenant, "GET", self._samples_path(model_type, name, kind), params=params
        )

    async def get_sample_labels(
        self, tenant: str, model_type: str, name: str, kind: str
    ) -> list[str]:
        """Return the distinct labels of a model's samples of one kind, sorted."""
        path = self._samples_path(model_type, name, kind) + "/labels"
        return [str(label) for label in await self._list(tenant, "GET", path)]

    async def update_samples(
        self, tenant: str, model_type: str, name: str, kind: str, samples: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        path = self._samples_path(model_type, name, kind)
        return await self._list(tenant, "PUT", path, json={"samples": samples})

    async def delete_samples(
        self, tenant: str, model_type: str, name: str, kind: str, samples: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        path = self._samples_path(model_type, name, kind) + "/delete"
        return await self._list(tenant, "POST", path, json={"samples": samples})

    async def delete_all_samples(
        self, tenant: str, model_type: str, name: str, kind: str
    ) -> list[dict[str, Any]]:
        return await self._list(tenant, "DELETE", self._samples_path(model_type, name, kind))

    # Revisions

    async def list_revisions(self, tenant: str, model_type: str, name: str) -> list[dict[str, Any]]:
        return await self._list(tenant, "GET", f"/models/{model_type}/{name}/revisions")

    async def get_artifact(self, tenant: str, revision_id: str) -> bytes:
        response = await self._send(tenant, "GET", f"/revisions/{revision_id}/artifact")
        return response.content

    # Training jobs

    async def create_job(
        self, tenant: str, model_type: str, name: str, service: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        body = {"service": service, "params": params}
        return await self._dict(tenant, "POST", f"/models/{model_type}/{name}/jobs", json=body)

    async def get_job(self, tenant: str, job_id: str) -> dict[str, Any]:
        return await self._dict(tenant, "GET", f"/jobs/{job_id}")

    async def claim_job(
        self,
        service: str,
        worker_id: str,
        lease_s: float,
        model_types: Collection[str] | None = None,
    ) -> dict[str, Any] | None:
        """Return the job this worker now owns, or None when the service has nothing to do.

        With `model_types`, only a job of one of those model types is claimed.
        """
        body: dict[str, Any] = {"service": service, "worker_id": worker_id, "lease_s": lease_s}
        if model_types is not None:
            body["model_types"] = sorted(model_types)
        response = await self._send(SYSTEM_TENANT, "POST", "/jobs/claim", json=body)
        if response.status_code == 204:
            return None
        job = response.json()
        if not isinstance(job, dict):
            raise Unavailable("model store answered a claim with something that is not a job")
        return job

    async def heartbeat_job(self, job_id: str, worker_id: str, lease_s: float) -> dict[str, Any]:
        body = {"worker_id": worker_id, "lease_s": lease_s}
        return await self._dict(SYSTEM_TENANT, "POST", f"/jobs/{job_id}/heartbeat", json=body)

    async def complete_job(
        self,
        job_id: str,
        worker_id: str,
        artifact: bytes,
        labels: list[str],
        metrics: dict[str, Any],
        message: str = "",
    ) -> dict[str, Any]:
        body = {
            "worker_id": worker_id,
            "artifact_b64": base64.b64encode(artifact).decode("ascii"),
            "labels": labels,
            "metrics": metrics,
            "message": message,
        }
        return await self._dict(SYSTEM_TENANT, "POST", f"/jobs/{job_id}/complete", json=body)

    async def fail_job(self, job_id: str, worker_id: str, error: str) -> dict[str, Any]:
        body = {"worker_id": worker_id, "error": error}
        return await self._dict(SYSTEM_TENANT, "POST", f"/jobs/{job_id}/fail", json=body)

    async def ready(self) -> bool:
        """Return whether the store answers /ready with 200 (its database is reachable)."""
        try:
            response = await self._http.get("/ready")
        except httpx.TransportError:
            return False
        return response.status_code == 200
