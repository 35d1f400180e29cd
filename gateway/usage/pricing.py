"""The price table: what a call costs, by operation and model type.

A price table is JSON, given in `BAOBAB_PRICE_TABLE` or in the file `BAOBAB_PRICE_TABLE_FILE`
(not both); without either, `DEFAULT_PRICE_TABLE` applies::

    {
      "currency": "credits",
      "rules": [
        {"operation": "train", "model_type": "*", "per_call": 0, "per_1000_units": 1.0},
        {"operation": "retrieve", "model_type": "image_*", "per_call": 0.002},
        {"operation": "retrieve", "model_type": "*", "per_call": 0.0005},
        {"operation": "*", "model_type": "*", "per_call": 0.0001}
      ]
    }

- `currency`: a label shown in reports (cost units are whatever you bill in).
- `rules`: tried in order; the first whose `operation` and `model_type` both match prices the
  usage. Patterns are shell-style (`*` any text, `?` one character, `[...]` a set),
  matched case-sensitively against the names the usage report shows: `operation` is
  `retrieve`, `train`, `create`, `list`, `get`, `update`, `delete` or the path's action
  (`training_samples`, ...); `model_type` is the path's resource (`text_classifiers`,
  `image_classifiers`, ...; every vision resource starts with `image_`).
  Usage no rule matches costs nothing.
- `per_call`: the cost of one call; `per_1000_units`: the cost of 1,000 units, where the
  units of a `train` call are the training samples the model held when it was trained
  (`num_training_samples` of the train answer) and other calls have none. Both default to
  0, must be finite and at least 0.

The cost of usage is `per_call * calls + per_1000_units * units / 1000`, computed exactly
(decimal) and rounded to 6 decimal places.
"""

from __future__ import annotations

import fnmatch
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

COST_PLACES = Decimal("0.000001")


class PriceRule(BaseModel):
    """One rule of the price table: usage matching both patterns costs this much."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    operation: str = Field(default="*", min_length=1, max_length=64)
    model_type: str = Field(default="*", min_length=1, max_length=64)
    per_call: Decimal = Field(default=Decimal(0), ge=0, allow_inf_nan=False)
    per_1000_units: Decimal = Field(default=Decimal(0), ge=0, allow_inf_nan=False)

    def matches(self, operation: str, model_type: str) -> bool:
        return fnmatch.fnmatchcase(operation, self.operation) and fnmatch.fnmatchcase(
            model_type, self.model_type
        )


class PriceTable(BaseModel):
    """Ordered price rules (first match wins) and the label of the cost unit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: str = Field(default="credits", min_length=1, max_length=32)
    rules: list[PriceRule] = Field(min_length=1, max_length=1000)

    def rule_for(self, operation: str, model_type: str) -> PriceRule | None:
        """Return the first rule matching this usage, or None (it costs nothing)."""
        return next((r for r in self.rules if r.matches(operation, model_type)), None)

    def cost(self, operation: str, model_type: str, calls: int, units: int) -> Decimal:
        """Return the cost of `calls` calls and `units` units, rounded to 6 decimal places."""
        rule = self.rule_for(operation, model_type)
        if rule is None:
            return Decimal(0).quantize(COST_PLACES)
        raw = rule.per_call * calls + rule.per_1000_units * units / 1000
        return raw.quantize(COST_PLACES)


DEFAULT_PRICE_TABLE = PriceTable(
    currency="credits",
    rules=[
        PriceRule(operation="train", per_1000_units=Decimal("1")),
        PriceRule(operation="retrieve", model_type="image_*", per_call=Decimal("0.002")),
        PriceRule(operation="retrieve", per_call=Decimal("0.0005")),
        PriceRule(per_call=Decimal("0.0001")),
    ],
)


def price_table_json(value: Any) -> Any:
    """Return `value` decoded when it is JSON text (BAOBAB_PRICE_TABLE), else as given."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ValueError(f"BAOBAB_PRICE_TABLE is not valid JSON: {exc}") from exc
    return value


def price_table_from_file(path: Path) -> PriceTable:
    """Return the price table in a JSON file; ValueError says what is wrong with it."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read the price table file {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ValueError(f"the price table file {path} is not valid JSON: {exc}") from exc
    try:
        return PriceTable.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"the price table file {path} is not a valid price table: {exc}") from exc
