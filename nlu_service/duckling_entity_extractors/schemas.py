"""Feersum wire schemas (spec 2.0.46) of the duckling entity extractors.

`dims` is Baobab's extension (the spec has no field for it): the Duckling dims an
extractor returns, all of them when it is absent or empty.
"""

from __future__ import annotations

from pydantic import Field

from nlu_service.records.schemas import RecordCreateDetails, RecordInstanceDetail
from shared.wire import ModelParams, WireModel

REFERENCE_TIME_DOC = (
    "The reference time of relative dates: 'YYYY-MM-DD', 'YYYY-MM-DD hh:mm' (server zone) "
    "or 'YYYY-MM-DD hh:mm+hh:mm'; empty means the time of each retrieve call."
)
DIMS_DOC = (
    "Baobab extension: the dims to return (time, number, ordinal, amount-of-money, distance, "
    "duration, email, phone-number, url, temperature, volume); empty or absent means all."
)


class DucklingEntityExtractorCreateDetails(RecordCreateDetails):
    """`duckling_entity_extractor_create_details`: what `POST /duckling_entity_extractors` takes."""

    reference_time: str | None = Field(
        default="", description=REFERENCE_TIME_DOC, examples=["2017-12-10"]
    )
    dims: list[str] | None = Field(default=None, description=DIMS_DOC, examples=[["time"]])


class DucklingEntityExtractorInstanceDetail(RecordInstanceDetail):
    """`duckling_entity_extractor_instance_detail`: a duckling entity extractor's details."""

    reference_time: str | None = Field(default=None, description=REFERENCE_TIME_DOC)
    dims: list[str] | None = Field(default=None, description=DIMS_DOC)


class DucklingModelParams(ModelParams):
    """`model_params` with Baobab's `dims` extension."""

    dims: list[str] | None = Field(default=None, description=DIMS_DOC)


class DucklingEntity(WireModel):
    """`duckling_entity`: one entity as Duckling answers it, with its character span."""

    body: str = Field(description="The text of the entity.", examples=["5 January 2017 at 15:00"])
    start: int = Field(description="Offset of the first character of `body` in the text.")
    end: int = Field(description="Offset just after the last character of `body`.")
    dim: str = Field(description="The dimension (time, number, distance, ...).", examples=["time"])
    type: str = Field(default="value", description="Always 'value'.")
    value: str = Field(
        description="The value: ISO 8601 for time, a number, an E.164 phone number, ...",
        examples=["2017-01-05T15:00:00.000+02:00"],
    )
    grain: str | None = Field(default=None, description="The granularity of a time value.")
    unit: str | None = Field(
        default=None, description="The unit of a quantity (ZAR, kilometre, hour, celsius, ...)."
    )
