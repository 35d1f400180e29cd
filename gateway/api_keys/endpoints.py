"""Routes of `/nlu/v2/api_keys` (admin key only), operation ids as in the Feersum spec."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from gateway.api_keys.schemas import ApiKeyCreateDetails, ApiKeyInstanceDetail, ErrorBody
from gateway.api_keys.service import ApiKeyService
from gateway.auth.dependencies import AdminDep
from gateway.deps import SessionDep, StateDep

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad request."},
    401: {
        "model": ErrorBody,
        "description": "API key is missing or invalid.",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    },
    403: {"model": ErrorBody, "description": "The admin API key is required."},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such API key."}
}

router = APIRouter(prefix="/nlu/v2/api_keys", tags=["api_keys"], responses=ERROR_RESPONSES)

InstanceName = Path(
    description="The API key: its public id (as listed) or the whole key.",
    min_length=1,
    max_length=200,
)


@router.post("", operation_id="api_key_create", summary="Create an API key.")
async def api_key_create(
    create_details: ApiKeyCreateDetails, _: AdminDep, session: SessionDep, state: StateDep
) -> ApiKeyInstanceDetail:
    """Create a new API key, and with it a new tenant. The whole key is in this answer only."""
    return await ApiKeyService(session, state.keys, state.settings.admin_key).create(create_details)


@router.get("", operation_id="api_key_get_details_all", summary="Get list of API keys.")
async def api_key_get_details_all(
    _: AdminDep, session: SessionDep, state: StateDep
) -> list[ApiKeyInstanceDetail]:
    """Get the details of every live API key."""
    return await ApiKeyService(session, state.keys, state.settings.admin_key).list()


@router.get(
    "/{instance_name}",
    operation_id="api_key_get_details",
    summary="Get details of named API key.",
    responses=NOT_FOUND,
)
async def api_key_get_details(
    _: AdminDep, session: SessionDep, state: StateDep, instance_name: str = InstanceName
) -> ApiKeyInstanceDetail:
    """Get the details of the named API key."""
    return await ApiKeyService(session, state.keys, state.settings.admin_key).get(instance_name)


@router.post(
    "/{instance_name}",
    operation_id="api_key_update_details",
    summary="Update the details of named API key. Adds the key if not found.",
    responses={409: {"model": ErrorBody, "description": "The key's id is taken."}},
)
async def api_key_update_details(
    create_details: ApiKeyCreateDetails,
    _: AdminDep,
    session: SessionDep,
    state: StateDep,
    instance_name: str = InstanceName,
) -> ApiKeyInstanceDetail:
    """Update the named API key; fields left out keep their value. A whole key that is not
    known yet (at least 32 characters) is added as given, under a new tenant."""
    return await ApiKeyService(session, state.keys, state.settings.admin_key).update(
        instance_name, create_details
    )


@router.delete(
    "/{instance_name}",
    operation_id="api_key_del",
    summary="Delete named API key.",
    responses=NOT_FOUND,
)
async def api_key_del(
    _: AdminDep, session: SessionDep, state: StateDep, instance_name: str = InstanceName
) -> ApiKeyInstanceDetail:
    """Delete the named API key (it stops working at once) and return its details."""
    return await ApiKeyService(session, state.keys, state.settings.admin_key).delete(instance_name)
