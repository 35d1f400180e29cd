"""Routes that take no body: `await service.<call>(tenant, instance_name)` or `(tenant)`.

Routers that list their own operations (text datasets, data objects) add their list,
details, delete, vaporise, ... routes with `add_service_route` instead of writing each
route function again.

No `from __future__ import annotations` here: the route signature names the service
dependency and the path parameter through closure variables, which FastAPI can only see
as evaluated annotations.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from nlu_service.deps import TenantDep


def add_service_route(
    router: APIRouter,
    get_service: Callable[[Request], Awaitable[Any]],
    path: str,
    method: str,
    call: str,
    *,
    description: str,
    name_description: str = "The name of the model instance.",
    **route: Any,
) -> None:
    """Add to `router` the route answering `await service.<call>(tenant, instance_name)`.

    Where `path` has no `{instance_name}`, the route answers `await service.<call>(tenant)`.
    `get_service` is the dependency giving the service, `description` the route's OpenAPI
    description, `name_description` that of the `instance_name` path parameter; `route`
    holds `add_api_route`'s other keywords (operation_id, summary, response_model, ...).
    """
    Service = Annotated[Any, Depends(get_service)]
    Name = Annotated[str, Path(description=name_description)]

    async def of_instance(tenant: TenantDep, service: Service, instance_name: Name) -> Any:
        return await getattr(service, call)(tenant, instance_name)

    async def of_tenant(tenant: TenantDep, service: Service) -> Any:
        return await getattr(service, call)(tenant)

    endpoint = of_instance if "{instance_name}" in path else of_tenant
    endpoint.__name__ = endpoint.__qualname__ = call
    router.add_api_route(path, endpoint, methods=[method], description=description, **route)
