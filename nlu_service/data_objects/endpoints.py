"""Routes of `/nlu/v2/data_objects`: the 7 operations of the Feersum spec, by operationId."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request

from nlu_service.data_objects.schemas import DataObject
from nlu_service.data_objects.service import DataObjectService
from nlu_service.deps import TenantDep
from shared.wire import ErrorBody

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request, or a body that is not a JSON object"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no data object of that name"},
    409: {"model": ErrorBody, "description": "untrash: a live data object has that name"},
    413: {"model": ErrorBody, "description": "the data object is over the size limit"},
}

router = APIRouter(prefix="/nlu/v2/data_objects", tags=["data_objects"], responses=ERRORS)


async def get_service(request: Request) -> DataObjectService:
    service: DataObjectService = request.app.state.data_objects
    return service


ServiceDep = Annotated[DataObjectService, Depends(get_service)]
InstanceName = Annotated[str, Path(description="The name of the data_object.")]


@router.get(
    "",
    operation_id="data_object_get_names_all",
    summary="Get list of names of loaded data_objects.",
    response_model=list[str],
)
async def get_names_all(tenant: TenantDep, service: ServiceDep) -> list[str]:
    """Get the names of the live data objects, sorted."""
    return await service.names(tenant)


@router.delete(
    "",
    operation_id="data_object_del_all",
    summary="Delete all data_objects.",
    response_model=list[str],
)
async def delete_all(tenant: TenantDep, service: ServiceDep) -> list[str]:
    """Trash every data object and return their names; each can still be untrashed or vaporised."""
    return await service.trash_all(tenant)


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


@router.get(
    "/{instance_name}",
    operation_id="data_object_get_details",
    summary="Get a data_object.",
    response_model=DataObject,
)
async def get_details(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> DataObject:
    """Get a data_object."""
    return await service.get(tenant, instance_name)


@router.delete(
    "/{instance_name}",
    operation_id="data_object_del",
    summary="Trash a data_object.",
    response_model=DataObject,
)
async def delete(tenant: TenantDep, service: ServiceDep, instance_name: InstanceName) -> DataObject:
    """Move the data object to the trash and return it."""
    return await service.trash(tenant, instance_name)


@router.post(
    "/{instance_name}/vaporise",
    operation_id="data_object_vaporise",
    summary="Vaporise the named data_object.",
    response_model=DataObject,
)
async def vaporise(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> DataObject:
    """Permanently vaporise the data object (live or trashed) and return it."""
    return await service.vaporise(tenant, instance_name)


@router.post(
    "/{instance_name}/untrash",
    operation_id="data_object_untrash",
    summary="Untrash the named data_object.",
    response_model=DataObject,
)
async def untrash(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName
) -> DataObject:
    """Bring the named data_object back from the trash."""
    return await service.untrash(tenant, instance_name)
