"""The price table: first matching rule wins, exact decimal costs, refused at start-up if bad."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from gateway.app import create_app
from gateway.config import Settings
from gateway.usage.pricing import DEFAULT_PRICE_TABLE, PriceTable

TABLE = {
    "currency": "ZAR",
    "rules": [
        {"operation": "train", "per_1000_units": 1.25},
        {"operation": "retrieve", "model_type": "image_*", "per_call": 0.02},
        {"operation": "retrieve", "per_call": 0.001},
        {"operation": "training_samples", "model_type": "?ext_classifiers", "per_call": 0.5},
    ],
}


def test_the_first_matching_rule_prices_the_usage() -> None:
    table = PriceTable.model_validate(TABLE)
    assert table.cost("retrieve", "image_classifiers", 3, 0) == Decimal("0.060000")
    assert table.cost("retrieve", "text_classifiers", 3, 0) == Decimal("0.003000")
    assert table.cost("train", "image_classifiers", 2, 1500) == Decimal("1.875000")
    assert table.cost("training_samples", "text_classifiers", 2, 0) == Decimal("1.000000")
    # No rule matches: free. Patterns are case-sensitive.
    assert table.cost("training_samples", "faq_matchers", 9, 0) == Decimal(0)
    assert table.cost("RETRIEVE", "text_classifiers", 9, 0) == Decimal(0)
    # Decimal arithmetic: no float drift over many calls.
    assert table.cost("retrieve", "text_classifiers", 1_000_003, 0) == Decimal("1000.003000")


def test_the_default_table_prices_text_image_other_and_training() -> None:
    table = DEFAULT_PRICE_TABLE
    text = table.cost("retrieve", "intent_classifiers", 1, 0)
    image = table.cost("retrieve", "image_classifiers", 1, 0)
    other = table.cost("create", "faq_matchers", 1, 0)
    assert 0 < other < text < image
    assert table.cost("train", "text_classifiers", 1, 1000) == Decimal("1.000000")


def base(tmp_path: Path) -> dict[str, Any]:
    return {"environment": "test", "var_dir": tmp_path, "admin_api_key": "k" * 40}


def test_settings_take_the_table_from_the_environment_or_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Settings(**base(tmp_path)).prices == DEFAULT_PRICE_TABLE
    monkeypatch.setenv("BAOBAB_PRICE_TABLE", json.dumps(TABLE))
    assert Settings(**base(tmp_path)).prices == PriceTable.model_validate(TABLE)
    monkeypatch.delenv("BAOBAB_PRICE_TABLE")
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(TABLE))
    monkeypatch.setenv("BAOBAB_PRICE_TABLE_FILE", str(path))
    settings = Settings(**base(tmp_path))
    assert settings.prices.currency == "ZAR" and len(settings.prices.rules) == 4


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BAOBAB_PRICE_TABLE": "{not json"}, "BAOBAB_PRICE_TABLE is not valid JSON"),
        ({"BAOBAB_PRICE_TABLE": "[]"}, "price_table"),
        ({"BAOBAB_PRICE_TABLE": '{"rules": []}'}, "rules"),
        ({"BAOBAB_PRICE_TABLE": '{"rules": [{"per_call": -1}]}'}, "per_call"),
        ({"BAOBAB_PRICE_TABLE": '{"rules": [{"per_call": "free"}]}'}, "per_call"),
        ({"BAOBAB_PRICE_TABLE": '{"rules": [{"per_1000_units": "NaN"}]}'}, "per_1000_units"),
        ({"BAOBAB_PRICE_TABLE": '{"rules": [{"op": "retrieve"}]}'}, "op"),
        ({"BAOBAB_PRICE_TABLE": '{"rules": [{"operation": ""}]}'}, "operation"),
        ({"BAOBAB_PRICE_TABLE": '{"rules": [{}], "colour": 1}'}, "colour"),
        ({"BAOBAB_PRICE_TABLE_FILE": "/nonexistent/prices.json"}, "cannot read"),
        ({"BAOBAB_PRICE_TABLE_FILE": "BAD_JSON"}, "not valid JSON"),
        ({"BAOBAB_PRICE_TABLE_FILE": "BAD_TABLE"}, "not a valid price table"),
        (
            {"BAOBAB_PRICE_TABLE": json.dumps(TABLE), "BAOBAB_PRICE_TABLE_FILE": "GOOD"},
            "not both",
        ),
    ],
)
def test_a_bad_price_table_stops_the_gateway_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    files = {
        "BAD_JSON": "{rules: oops",
        "BAD_TABLE": json.dumps({"rules": [{"per_call": -2}]}),
        "GOOD": json.dumps(TABLE),
    }
    for name, value in env.items():
        if value in files:
            path = tmp_path / f"{value}.json"
            path.write_text(files[value])
            value = str(path)
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as raised:
        create_app(Settings(**base(tmp_path)))
    assert message in str(raised.value)
