"""Routes of `/nlu/v2/dashboard`: GET and POST (with `dashboard_params`), by operationId."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from nlu_service.dashboard.schemas import DashboardDetail, DashboardParams
from nlu_service.dashboard.service import DashboardService
from nlu_service.deps import TenantDep
from shared.wire import ErrorBody

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
}

router = APIRouter(prefix="/nlu/v2/dashboard", tags=["dashboard"], responses=ERRORS)


async def get_service(request: Request) -> DashboardService:
    service: DashboardService = request.app.state.dashboard
    return service


ServiceDep = Annotated[DashboardService, Depends(get_service)]
DETAIL: dict[str, Any] = {"response_model": DashboardDetail, "response_model_exclude_none": True}


@router.get(
    "",
    operation_id="dashboard_get_details",
    summary="Your service dashboard, with the default params.",
    **DETAIL,
)
async def get_details(tenant: TenantDep, service: ServiceDep) -> DashboardDetail:
    """Get your models of every type with their revision history (data objects left out)."""
    return await service.dashboard(tenant)


@router.post(
    "",
    operation_id="dashboard_get_details_with_params",
    summary="Your service dashboard, with params.",
    **DETAIL,
)
async def get_details_with_params(
    tenant: TenantDep, service: ServiceDep, params: DashboardParams
) -> DashboardDetail:
    """Get your models; `show_data_objects` adds the data objects, `history_size` bounds each history."""
    return await service.dashboard(tenant, params)
