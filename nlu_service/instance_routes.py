"""The `retrieve` and `labels` routes of a model instance, and the pre-built families' router.

The pre-built families (emotion classifiers, sentiment detectors, date parsers) serve only
the built-in `generic` instance: `generic_router(tag)` gives `/nlu/v2/<tag>` with the
errors they document, and `state_service(tag)` the dependency giving the family's service,
kept on `app.state.<tag>`. `add_retrieve` and `add_labels` declare a family's text-in
operations on its router, by the spec's operationIds; the route functions only call the
service's `retrieve(tenant, name, text_input)` or `labels(tenant, name)`.

No `from __future__ import annotations` here: the route signatures name the dependency and
the instance-name parameter through closure variables, which FastAPI can only see as
evaluated annotations.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from nlu_service.deps import TenantDep
from shared.wire import ErrorBody, TextInput

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no model of that name"},
}
GenericName = Annotated[str, Path(description="The name of the model instance: `generic`.")]

ServiceGetter = Callable[[Request], Awaitable[Any]]


def generic_router(tag: str) -> APIRouter:
    """Return the router of a pre-built family: `/nlu/v2/<tag>`, documenting `ERRORS`."""
    return APIRouter(prefix=f"/nlu/v2/{tag}", tags=[tag], responses=ERRORS)


def state_service(attribute: str) -> ServiceGetter:
    """Return the dependency giving the service kept on `app.state.<attribute>`."""

    async def get_service(request: Request) -> Any:
        return getattr(request.app.state, attribute)

    return get_service


def add_retrieve(
    router: APIRouter,
    get_service: ServiceGetter,
    *,
    operation_id: str,
    summary: str,
    description: str,
    response_model: Any,
    instance_name: Any = GenericName,
) -> None:
    """Declare `POST {instance_name}/retrieve`: the service's answer to one text."""
    Service = Annotated[Any, Depends(get_service)]
    Name = instance_name

    async def retrieve(
        tenant: TenantDep,
        service: Service,
        instance_name: Name,  # type: ignore[valid-type]
        text_input: TextInput,
    ) -> Any:
        return await service.retrieve(tenant, instance_name, text_input)

    router.add_api_route(
        "/{instance_name}/retrieve",
        retrieve,
        methods=["POST"],
        operation_id=operation_id,
        summary=summary,
        description=description,
        response_model=response_model,
    )


def add_labels(
    router: APIRouter,
    get_service: ServiceGetter,
    *,
    operation_id: str,
    description: str,
    instance_name: Any = GenericName,
) -> None:
    """Declare `GET {instance_name}/labels`: the instance's list of possible labels."""
    Service = Annotated[Any, Depends(get_service)]
    Name = instance_name

    async def get_labels(
        tenant: TenantDep,
        service: Service,
        instance_name: Name,  # type: ignore[valid-type]
    ) -> Any:
        return await service.labels(tenant, instance_name)

    router.add_api_route(
        "/{instance_name}/labels",
        get_labels,
        methods=["GET"],
        operation_id=operation_id,
        summary="Get list of possible labels.",
        description=description,
        response_model=list[str],
    )
