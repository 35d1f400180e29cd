"""Routes of `/nlu/v2/date_parsers`: the one operation of the Feersum spec."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from nlu_service.date_parsers.schemas import DateEntity
from nlu_service.date_parsers.service import DateParserService
from nlu_service.deps import TenantDep
from shared.wire import ErrorBody, TextInput

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad request"},
    401: {"model": ErrorBody, "description": "API key is missing or invalid"},
    404: {"model": ErrorBody, "description": "no model of that name"},
}

router = APIRouter(prefix="/nlu/v2/date_parsers", tags=["date_parsers"], responses=ERRORS)


async def get_service(request: Request) -> DateParserService:
    service: DateParserService = request.app.state.date_parsers
    return service


ServiceDep = Annotated[DateParserService, Depends(get_service)]
InstanceName = Annotated[str, Path(description="The name of the model instance: `generic`.")]


@router.post(
    "/{instance_name}/retrieve",
    operation_id="date_parser_retrieve",
    summary="Extract dates.",
    response_model=list[DateEntity],
)
async def retrieve(
    tenant: TenantDep, service: ServiceDep, instance_name: InstanceName, text_input: TextInput
) -> list[DateEntity]:
    """Parse one or more dates from text (English, Afrikaans, isiZulu), relative to now."""
    return await service.retrieve(tenant, instance_name, text_input)
