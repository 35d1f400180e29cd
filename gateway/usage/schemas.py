"""Wire shapes of `GET /nlu/v2/usage` (a Baobab extension, not in Feersum 2.0.46)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class UsageTotals(BaseModel):
    call_count: int = Field(description="Successful calls.")
    units: int = Field(description="Units billed besides calls: the samples trained on.")
    cost: float = Field(description="What the usage costs by the price table, in `currency`.")


class UsageRow(UsageTotals):
    """One group of the report; only the fields grouped by are present."""

    model_config = ConfigDict(populate_by_name=True)

    day: dt.date | None = Field(default=None, description="The UTC day.")
    tenant: str | None = None
    api_key: str | None = Field(default=None, description="The key's public id.")
    operation: str | None = Field(default=None, examples=["retrieve"])
    model_type: str | None = Field(default=None, examples=["text_classifiers"])


class UsageReport(BaseModel):
    """Usage per day (UTC) and its cost, from `from` to `to` inclusive."""

    model_config = ConfigDict(populate_by_name=True)

    tenant: str | None = Field(
        description="The tenant reported on; null: every tenant (admin key only)."
    )
    api_key: str | None = Field(description="The key reported on; null: every key.")
    from_: dt.date = Field(alias="from")
    to: dt.date
    group_by: list[str] = Field(examples=[["day", "operation", "model_type"]])
    currency: str = Field(description="The cost unit of the price table.", examples=["credits"])
    rows: list[UsageRow]
    total: UsageTotals
