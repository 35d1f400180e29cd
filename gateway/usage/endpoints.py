"""`GET /nlu/v2/usage`: usage per day and its cost (a Baobab extension, not in Feersum 2.0.46)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from gateway.api_keys.schemas import ErrorBody
from gateway.auth.dependencies import PrincipalDep
from gateway.auth.keys import is_key_id
from gateway.deps import SessionDep, StateDep
from gateway.usage.schemas import UsageReport
from gateway.usage.service import (
    REPORT_GROUPS,
    UsageReportService,
    parse_day,
    parse_group_by,
    report_csv,
    report_json,
    report_range,
)
from shared import Forbidden, InvalidInput

CSV_MEDIA_TYPE = "text/csv"

router = APIRouter(
    prefix="/nlu/v2/usage",
    tags=["usage"],
    responses={
        400: {"model": ErrorBody, "description": "A parameter is malformed."},
        401: {
            "model": ErrorBody,
            "description": "API key is missing or invalid.",
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
        },
        403: {"model": ErrorBody, "description": "A tenant's key asked for another tenant."},
    },
)


@router.get(
    "",
    operation_id="usage_get_report",
    summary="Get usage per day and its cost.",
    response_model=UsageReport,
    responses={
        200: {
            "description": "The report, as JSON or (`format=csv` or `Accept: text/csv`) CSV.",
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
async def usage_get_report(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    state: StateDep,
    from_: str | None = Query(
        default=None,
        alias="from",
        max_length=40,
        description="First UTC day, YYYY-MM-DD (default: 30 days before `to`).",
        examples=["2026-11-01"],
    ),
    to: str | None = Query(
        default=None, description="Last UTC day, YYYY-MM-DD (default: today).", max_length=40
    ),
    tenant: str | None = Query(
        default=None,
        max_length=64,
        description="Admin key: only this tenant (default: every tenant). A tenant's key may "
        "give only its own tenant.",
    ),
    api_key: str | None = Query(
        default=None, max_length=64, description="Only this key (its public id)."
    ),
    group_by: str | None = Query(
        default=None,
        max_length=200,
        description=f"Comma-separated, of {', '.join(REPORT_GROUPS)} "
        "(default: day,operation,model_type).",
    ),
    format: Literal["json", "csv"] | None = Query(
        default=None, description="`json` (the default) or `csv`; or send `Accept: text/csv`."
    ),
) -> Any:
    """Return the calls, units (samples trained) and cost of a tenant's keys per UTC day.

    Baobab extension, not in Feersum 2.0.46. Successful calls are counted by operation (`retrieve`, `train`, ...) and
    model type; the cost comes from the gateway's price table (`BAOBAB_PRICE_TABLE`). The
    admin key sees every tenant (or the one `tenant` names); a tenant's key, read-only ones
    included, sees its own tenant only. Counts reach the report within
    `BAOBAB_USAGE_FLUSH_INTERVAL_S` (1 s by default).
    """
    if principal.is_admin:
        scope = tenant or None
    elif tenant not in (None, "", principal.tenant_id):
        raise Forbidden("a tenant's API key may read only its own tenant's usage")
    else:
        scope = principal.tenant_id
    if api_key is not None and not is_key_id(api_key):
        raise InvalidInput("api_key must be a key's public id (12 letters and digits)")
    groups = parse_group_by(group_by)
    start, end = report_range(
        parse_day("from", from_), parse_day("to", to), datetime.now(UTC).date()
    )
    report = await UsageReportService(session, state.settings.prices).report(
        scope, api_key=api_key, start=start, end=end, group_by=groups
    )
    wants_csv = format == "csv" or (
        format is None and CSV_MEDIA_TYPE in request.headers.get("accept", "")
    )
    if wants_csv:
        return Response(
            report_csv(report),
            media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="usage_{start}_{end}.csv"'},
        )
    return JSONResponse(report_json(report))
