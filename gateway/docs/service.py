"""The public OpenAPI document: the gateway's own routes merged with the services' public paths.

The NLU and vision services describe their public routes (`/nlu/v2/...`, `/vision/v2/...`)
in their own `/openapi.json`; the gateway fetches them (signed as the system tenant), keeps
only those public paths, merges their components, and adds the Feersum security schemes.
A service that is not up yet is asked again on a later request (at most every few seconds).
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from gateway.proxy.service import SERVICES, Forwarder, Service

log = logging.getLogger("baobab.gateway.docs")

PUBLIC_PREFIXES = ("/nlu/v2/", "/vision/v2/")
RETRY_INCOMPLETE_S = 5.0
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SECURITY_SCHEMES = {
    "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
    "APIKeyHeader_old": {"type": "apiKey", "in": "header", "name": "AUTH_TOKEN"},
}
GLOBAL_SECURITY: list[dict[str, list[str]]] = [{"APIKeyHeader": []}, {"APIKeyHeader_old": []}]
ERROR_SCHEMA = "ErrorBody"
# FastAPI documents 422 for validation errors; every Baobab service answers those with 400.
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {
            k: (
                renames.get(v, v)
                if k == "$ref" and isinstance(v, str)
                else _rewrite_refs(v, renames)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(v, renames) for v in node]
    return node


def _operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        op
        for item in doc.get("paths", {}).values()
        for method, op in item.items()
        if method in HTTP_METHODS and isinstance(op, dict)
    ]


def merge_documents(own: dict[str, Any], services: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Return `own` with the public paths and components of each service's document added."""
    doc = copy.deepcopy(own)
    components: dict[str, Any] = doc.setdefault("components", {})
    paths: dict[str, Any] = doc.setdefault("paths", {})
    tags: list[dict[str, Any]] = doc.setdefault("tags", [])
    for service, part in services.items():
        # A component named like one already here but different is renamed `<service>_<name>`.
        renames: dict[str, str] = {}
        for section, entries in (part.get("components") or {}).items():
            if section == "securitySchemes" or not isinstance(entries, dict):
                continue
            target = components.setdefault(section, {})
            for name, value in entries.items():
                if name in target and target[name] != value:
                    renames[f"#/components/{section}/{name}"] = (
                        f"#/components/{section}/{service}_{name}"
                    )
        part = _rewrite_refs(part, renames)
        for section, entries in (part.get("components") or {}).items():
            if section == "securitySchemes" or not isinstance(entries, dict):
                continue
            target = components.setdefault(section, {})
            for name, value in entries.items():
                new_name = renames.get(
                    f"#/components/{section}/{name}", f"#/components/{section}/{name}"
                )
                target[new_name.rsplit("/", 1)[-1]] = value
        for path, item in (part.get("paths") or {}).items():
            if path.startswith(PUBLIC_PREFIXES) and path not in paths:
                paths[path] = item
        known_tags = {t.get("name") for t in tags}
        tags.extend(t for t in part.get("tags") or [] if t.get("name") not in known_tags)
    _document_errors_as_400(doc)
    components["securitySchemes"] = copy.deepcopy(SECURITY_SCHEMES)
    doc["security"] = copy.deepcopy(GLOBAL_SECURITY)
    doc["paths"] = dict(sorted(paths.items()))
    if not tags:
        doc.pop("tags")
    return doc


def _document_errors_as_400(doc: dict[str, Any]) -> None:
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    error_ref = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
    for op in _operations(doc):
        responses = op.get("responses") or {}
        if (
            responses.pop("422", None) is not None
            and "400" not in responses
            and ERROR_SCHEMA in schemas
        ):
            responses["400"] = {
                "description": "Bad request.",
                "content": {"application/json": {"schema": error_ref}},
            }
    text = json.dumps(doc.get("paths", {}))
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        if f"#/components/schemas/{name}" not in text:
            schemas.pop(name, None)


class OpenApiDocument:
    """The merged document, cached for `ttl_s`; rebuilt sooner while a service is missing."""

    def __init__(
        self, own: Callable[[], dict[str, Any]], forwarder: Forwarder, ttl_s: float
    ) -> None:
        self._own = own
        self._forwarder = forwarder
        self._ttl_s = ttl_s
        self._doc: dict[str, Any] | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> dict[str, Any]:
        """Return the merged public OpenAPI document."""
        if self._doc is not None and time.monotonic() < self._expires:
            return self._doc
        async with self._lock:
            if self._doc is not None and time.monotonic() < self._expires:
                return self._doc
            parts: dict[str, dict[str, Any]] = {}
            for service in SERVICES:
                part = await self._fetch(service)
                if part is not None:
                    parts[service] = part
            complete = len(parts) == len(SERVICES)
            self._doc = merge_documents(self._own(), parts)
            self._expires = time.monotonic() + (self._ttl_s if complete else RETRY_INCOMPLETE_S)
            return self._doc

    async def _fetch(self, service: Service) -> dict[str, Any] | None:
        try:
            part = await self._forwarder.get_json(service, "/openapi.json")
        except Exception as exc:
            log.info("no OpenAPI document from the %s service yet: %r", service, exc)
            return None
        if not isinstance(part, dict):
            log.warning("the %s service's /openapi.json is not a JSON object", service)
            return None
        return part
