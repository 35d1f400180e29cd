"""The router factory of a named-record family: its seven lifecycle operations under one path.

`build_router(family)` gives `/nlu/v2/<family>` with the operationIds `<model_type>_create`,
`_get_details_all`, `_get_details`, `_del`, `_vaporise`, `_set_params` and `_get_params`;
the route functions only parse the request and call the family's service, found on
`app.state.<tag>`. The family's package adds its own routes (retrieve, ...) to the router,
taking the service through `service_dependency(family)`.

No `from __future__ import annotations` here: the route signatures name the family's
schemas through closure variables, which FastAPI can only see as evaluated annotations.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Body, Depends, Path, Query, Request

from nlu_service.deps import TenantDep
from nlu_service.records.family import RecordFamily
from shared.wire import ErrorBody

InstanceName = Annotated[str, Path(description="The name of the model instance.")]
# The query parameters of every "get samples" operation.
Index = Annotated[int, Query(description="The sample index to start from.")]
Length = Annotated[int | None, Query(alias="len", description="The number of samples to return.")]
SubSample = Annotated[
    int | None, Query(description="If provided, the size of the shuffled sub-sample to return.")
]


def errors(family: RecordFamily) -> dict[int | str, dict[str, Any]]:
    """Return the error answers every route of `family` documents."""
    return {
        400: {"model": ErrorBody, "description": family.bad_request},
        401: {"model": ErrorBody, "description": "API key is missing or invalid"},
        404: {"model": ErrorBody, "description": "no model of that name"},
        409: {"model": ErrorBody, "description": "a model of that name exists"},
    }


class Tagged(Protocol):
    """A family of routes: its tag names the `app.state` attribute holding its service."""

    @property
    def tag(self) -> str: ...


Endpoint = Callable[..., Awaitable[Any]]


def service_dependency(family: Tagged) -> Callable[[Request], Awaitable[Any]]:
    """Return the dependency giving the family's service, kept on `app.state.<tag>`."""
    attribute = family.tag

    async def get_service(request: Request) -> Any:
        return getattr(request.app.state, attribute)

    return get_service


def lifecycle_endpoints(
    family: Tagged, create_schema: type[Any], params_schema: type[Any]
) -> dict[str, Endpoint]:
    """Return the route functions of the seven lifecycle operations, by operationId suffix.

    They take the family's service from `app.state.<tag>`, the create body as
    `create_schema` and the set-params body as `params_schema`.
    """
    Service = Annotated[Any, Depends(service_dependency(family))]
    CreateDetails = Annotated[create_schema, Body()]  # type: ignore[valid-type]
    Params = Annotated[params_schema, Body()]  # type: ignore[valid-type]

    async def create(tenant: TenantDep, service: Service, create_details: CreateDetails) -> Any:
        return await service.create(tenant, create_details)

    async def get_details_all(tenant: TenantDep, service: Service) -> Any:
        return await service.list_all(tenant)

    async def get_details(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.details(tenant, instance_name)

    async def delete(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.trash(tenant, instance_name)

    async def vaporise(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.vaporise(tenant, instance_name)

    async def set_params(
        tenant: TenantDep, service: Service, instance_name: InstanceName, model_params: Params
    ) -> Any:
        return await service.set_params(tenant, instance_name, model_params)

    async def get_params(tenant: TenantDep, service: Service, instance_name: InstanceName) -> Any:
        return await service.get_params(tenant, instance_name)

    return {
        "create": create,
        "get_details_all": get_details_all,
        "get_details": get_details,
        "del": delete,
        "vaporise": vaporise,
        "set_params": set_params,
        "get_params": get_params,
    }


def build_router(family: RecordFamily) -> APIRouter:
    """Return the router of the family's lifecycle operations, by the spec's operationIds."""
    op = family.model_type
    title = family.title or family.noun
    router = APIRouter(prefix=family.path, tags=[family.tag], responses=errors(family))
    detail: dict[str, Any] = {
        "response_model": family.detail_schema,
        "response_model_exclude_none": True,
    }

    ops = lifecycle_endpoints(family, family.create_schema, family.params_schema)

    list_answer: dict[str, Any] = {
        "response_model": list[family.detail_schema],  # type: ignore[name-defined]
        "response_model_exclude_none": True,
    }
    params_answer: dict[str, Any] = {
        "response_model": family.params_schema,
        "response_model_exclude_none": True,
    }
    routes: list[tuple[str, str, str, str, dict[str, Any]]] = [
        ("", "POST", "create", family.create_summary or f"Create a {title}.", detail),
        ("", "GET", "get_details_all", f"Get list of loaded {title}s.", list_answer),
        ("/{instance_name}", "GET", "get_details", "Get details of named instance.", detail),
        ("/{instance_name}", "DELETE", "del", "Delete named instance.", detail),
        ("/{instance_name}/vaporise", "POST", "vaporise", "Vaporise the named model.", detail),
        ("/{instance_name}/params", "POST", "set_params",
         f"Set the model parameters of named {family.noun}.", detail),
        ("/{instance_name}/params", "GET", "get_params",
         f"Get the editable model parameters of named {family.noun}.", params_answer),
    ]  # fmt: skip
    for path, method, name, summary, answer in routes:
        router.add_api_route(
            path,
            ops[name],
            methods=[method],
            operation_id=f"{op}_{name}",
            summary=summary,
            description=family.doc(name),
            **answer,
        )
    return router
