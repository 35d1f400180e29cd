"""Pydantic building blocks the areas' schemas share."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, model_validator

# Timestamps go out as `datetime.isoformat()`: "2026-11-27T09:00:00.123456+00:00".
IsoDatetime = Annotated[datetime, PlainSerializer(lambda d: d.isoformat(), return_type=str)]


def _check_storable(value: Any, where: str) -> None:
    """Refuse what a database or a JSON answer cannot hold: NUL characters, NaN and infinities."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{where or 'body'}: text may not contain NUL characters")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where or 'body'}: numbers must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_storable(key, where)
            _check_storable(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_storable(item, f"{where}[{i}]")


class RequestBody(BaseModel):
    """A request body: unknown keys are ignored, values are not coerced across types."""

    model_config = ConfigDict(strict=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        _check_storable(data, "")
        return data


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)
