"""Catch-all routes: every public call the gateway does not answer itself is forwarded."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response
from starlette.exceptions import HTTPException

from gateway.auth.dependencies import PrincipalDep
from gateway.deps import StateDep
from shared import Forbidden, NotFound

router = APIRouter()

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# Paths the gateway answers itself: another method on them is a 405, not a forwarded call.
_GATEWAY_PATHS = re.compile(r"^/nlu/v2/(api_keys(/[^/]+)?|health|usage)$")
_GATEWAY_PREFIXES = ("/nlu/v2/api_keys/", "/nlu/v2/health/")


def _reads(method: str, path: str) -> bool:
    """Return whether a call only reads: a GET, a retrieve, or the dashboard's POST query."""
    if method == "GET":
        return True
    return method == "POST" and (path.endswith("/retrieve") or path == "/nlu/v2/dashboard")


async def _forward(request: Request, principal: PrincipalDep, state: StateDep) -> Response:
    path = request.url.path
    if _GATEWAY_PATHS.match(path):
        raise HTTPException(405, "method not allowed")
    if path.startswith(_GATEWAY_PREFIXES):
        raise NotFound("no such route")
    if principal.read_only and not _reads(request.method, path):
        raise Forbidden(
            "this API key is read-only (scope 'retrieve'): it may read and call retrieve, "
            "not change models"
        )
    response = await state.forwarder.forward(request, principal.tenant_id)
    if principal.key is not None and response.status_code < 400:
        state.ledger.count_operation(principal.key.id, request.method, path, response.body)
    return response


router.add_api_route(
    "/nlu/v2/{path:path}", _forward, methods=METHODS, include_in_schema=False, name="forward_nlu"
)
router.add_api_route(
    "/vision/v2/{path:path}",
    _forward,
    methods=METHODS,
    include_in_schema=False,
    name="forward_vision",
)
