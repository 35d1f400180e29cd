"""Feersum wire schemas (spec 2.0.46) of the date parsers: `date_entity`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.wire import WireModel


class DateEntity(WireModel):
    """`date_entity`: a date-time with a best guess at how specific the text was."""

    value: str = Field(
        description="ISO 8601 with milliseconds and offset, cut to the start of its granularity.",
        examples=["1981-06-01T00:00:00.000+02:00"],
    )
    granularity: Literal["second", "minute", "hour", "day", "week", "month", "year"] = Field(
        examples=["month"]
    )
