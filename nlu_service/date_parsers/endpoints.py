"""Routes of `/nlu/v2/date_parsers`: the one operation of the Feersum spec."""

from __future__ import annotations

from nlu_service.date_parsers.schemas import DateEntity
from nlu_service.instance_routes import add_retrieve, generic_router, state_service

router = generic_router("date_parsers")

add_retrieve(
    router,
    state_service("date_parsers"),
    operation_id="date_parser_retrieve",
    summary="Extract dates.",
    description="Parse one or more dates from text (English, Afrikaans, isiZulu), relative to now.",
    response_model=list[DateEntity],
)
