"""`GET /nlu/v2/health`: the Feersum liveness call."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from gateway.api_keys.schemas import ErrorBody
from gateway.auth.service import presented_key
from gateway.deps import StateDep

router = APIRouter(tags=["health"])

# Listed in the OpenAPI document: the key is optional here ({} is "no key").
OPTIONAL_KEY_SECURITY: list[dict[str, list[str]]] = [
    {},
    {"APIKeyHeader": []},
    {"APIKeyHeader_old": []},
]


class HealthStatus(BaseModel):
    status: str = "ok"


@router.get(
    "/nlu/v2/health",
    operation_id="health_get_status",
    summary="An endpoint to check if the service is alive and well.",
    responses={401: {"model": ErrorBody, "description": "The API key given is invalid."}},
    openapi_extra={"security": OPTIONAL_KEY_SECURITY},
)
async def health_get_status(request: Request, state: StateDep) -> HealthStatus:
    """Return 200 while the gateway is up.

    The key is optional, so load balancers and uptime checks need none: without a key the
    answer is 200. With a key, the key is checked like on every other call (and counted):
    a valid key gives 200, a wrong or deleted key 401, so a client can use this call to
    test its key, as Feersum clients do. Dependencies (database, NLU and vision services)
    are reported by `/ready`, not here.
    """
    key = presented_key(request.headers)
    if key is not None:
        await state.authenticator.authenticate(key)
    return HealthStatus()
