"""Routes of `/nlu/v2/data_objects`: the 7 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path

from nlu_service.data_objects.schemas import DataObject
from nlu_service.data_objects.service import DataObjectService
from nlu_service.deps import TenantDep
from nlu_service.instance_routes import state_service
from nlu_service.records.routes import add_service_route
from shared.wire import ErrorBody

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request, or a body that is not a JSON object"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no data object of that name"},
    409: {"model": ErrorBody, "description": "untrash: a live data object has that name"},
    413: {"model": ErrorBody, "description": "the data object is over the size limit"},
}

router = APIRouter(prefix="/nlu/v2/data_objects", tags=["data_objects"], responses=ERRORS)
get_service = state_service("data_objects")

ServiceDep = Annotated[DataObjectService, Depends(get_service)]
InstanceName = Annotated[str, Path(description="The name of the data_object.")]


add_service_route(
    router,
    get_service,
    "",
    "GET",
    "names",
    operation_id="data_object_get_names_all",
    summary="Get list of names of loaded data_objects.",
    description="Get the names of the live data objects, sorted.",
    response_model=list[str],
)
add_service_route(
    router,
    get_service,
    "",
    "DELETE",
    "trash_all",
    operation_id="data_object_del_all",
    summary="Delete all data_objects.",
    description="Trash every data object and return their names; "
    "each can still be untrashed or vaporised.",
    response_model=list[str],
)


@router.post(
    "/{instance_name}",
    operation_id="data_object_post",
    summary="Update/create a data_object.",
    response_model=DataObject,
)
async def post(
    tenant: TenantDep,
    service: ServiceDep,
    instance_name: InstanceName,
    data: Annotated[Any, Body(description="The data_object: a JSON object.")],
) -> DataObject:
    """Store the JSON object under this name, replacing the live one; returns it."""
    return await service.put(tenant, instance_name, data)


NAMED: dict[str, Any] = {
    "name_description": "The name of the data_object.",
    "response_model": DataObject,
}

add_service_route(
    router,
    get_service,
    "/{instance_name}",
    "GET",
    "get",
    operation_id="data_object_get_details",
    summary="Get a data_object.",
    description="Get a data_object.",
    **NAMED,
)
add_service_route(
    router,
    get_service,
    "/{instance_name}",
    "DELETE",
    "trash",
    operation_id="data_object_del",
    summary="Trash a data_object.",
    description="Move the data object to the trash and return it.",
    **NAMED,
)
add_service_route(
    router,
    get_service,
    "/{instance_name}/vaporise",
    "POST",
    "vaporise",
    operation_id="data_object_vaporise",
    summary="Vaporise the named data_object.",
    description="Permanently vaporise the data object (live or trashed) and return it.",
    **NAMED,
)
add_service_route(
    router,
    get_service,
    "/{instance_name}/untrash",
    "POST",
    "untrash",
    operation_id="data_object_untrash",
    summary="Untrash the named data_object.",
    description="Bring the named data_object back from the trash.",
    **NAMED,
)
