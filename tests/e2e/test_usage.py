"""Usage per day and its cost through the real stack: calls, a train, then the report."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from scripts.stack import Stack

SAMPLES = [
    {"text": t, "label": label}
    for label, texts in {
        "hi": ["hello", "hi there", "good morning"],
        "bye": ["goodbye", "see you", "bye for now"],
    }.items()
    for t in texts
]


def wait_for_report(
    http: httpx.Client, headers: dict[str, str], ready: Any, **params: str
) -> dict[str, Any]:
    """Return the report once `ready(report)` holds (counts are flushed every second)."""
    deadline = time.monotonic() + 20
    while True:
        response = http.get("/nlu/v2/usage", params=params, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if ready(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.3)


def test_usage_report_prices_retrieves_and_training_per_tenant(stack: Stack) -> None:
    admin = {"X-Auth-Token": stack.admin_key}
    today = datetime.now(UTC).date().isoformat()
    with httpx.Client(base_url=stack.url("gateway"), timeout=120) as http:
        owner = http.post("/nlu/v2/api_keys", json={"desc": "owner"}, headers=admin).json()
        bot = http.post(
            "/nlu/v2/api_keys",
            json={"desc": "bot", "tenant": owner["tenant"], "scope": "retrieve"},
            headers=admin,
        ).json()
        other = http.post("/nlu/v2/api_keys", json={"desc": "other"}, headers=admin).json()
        full = {"X-Auth-Token": owner["api_key"]}
        read_only = {"X-Auth-Token": bot["api_key"]}
        stranger = {"X-Auth-Token": other["api_key"]}
        owner_id, bot_id = owner["api_key"].split("_")[1], bot["api_key"].split("_")[1]

        base = "/nlu/v2/text_classifiers"
        assert http.post(
            base, json={"name": "m", "load_from_store": False}, headers=full
        ).is_success
        assert http.post(f"{base}/m/training_samples", json=SAMPLES, headers=full).is_success
        trained = http.post(f"{base}/m/train", json={"immediate_mode": True}, headers=full)
        assert trained.status_code == 200 and trained.json()["num_training_samples"] == 6
        for text in ("hello friend", "bye bye", "morning"):
            ranked = http.post(f"{base}/m/retrieve", json={"text": text}, headers=read_only)
            assert ranked.status_code == 200
        assert http.get(base, headers=stranger).status_code == 200

        # The tenant's own report (its read-only key may read it too), per key and operation.
        report = wait_for_report(
            http,
            read_only,
            lambda r: r["total"]["call_count"] >= 6,
            group_by="api_key,operation",
        )
        rows = {(r["api_key"], r["operation"]): r for r in report["rows"]}
        assert report["tenant"] == owner["tenant"] and report["to"] == today
        assert set(rows) == {
            (owner_id, "create"),
            (owner_id, "training_samples"),
            (owner_id, "train"),
            (bot_id, "retrieve"),
        }
        train = rows[(owner_id, "train")]
        assert (train["call_count"], train["units"]) == (1, 6)
        # The default price table: 1 per 1,000 samples trained, 0.0005 a text retrieve,
        # 0.0001 any other call.
        assert train["cost"] == pytest.approx(0.006)
        assert rows[(bot_id, "retrieve")]["call_count"] == 3
        assert rows[(bot_id, "retrieve")]["cost"] == pytest.approx(0.0015)
        assert report["total"]["cost"] == pytest.approx(0.0077)

        as_csv = http.get(
            "/nlu/v2/usage", params={"format": "csv", "group_by": "day,operation"}, headers=full
        )
        assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
        lines = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert {line["day"] for line in lines} == {today}
        assert sum(int(line["call_count"]) for line in lines) == 6
        assert sum(float(line["cost"]) for line in lines) == pytest.approx(0.0077)

        # The admin sees every tenant, or one.
        everyone = wait_for_report(
            http,
            admin,
            lambda r: other["tenant"] in {row["tenant"] for row in r["rows"]},
            group_by="tenant",
        )
        tenants = {row["tenant"]: row for row in everyone["rows"]}
        assert tenants[owner["tenant"]]["call_count"] == 6
        assert tenants[other["tenant"]]["call_count"] == 1
        one = http.get(
            "/nlu/v2/usage", params={"tenant": owner["tenant"], "format": "csv"}, headers=admin
        )
        assert one.status_code == 200
        assert sum(int(line["call_count"]) for line in csv.DictReader(io.StringIO(one.text))) == 6

        # Another tenant sees none of it, whichever parameter it tries.
        refused = http.get("/nlu/v2/usage", params={"tenant": owner["tenant"]}, headers=stranger)
        assert refused.status_code == 403
        by_key = http.get("/nlu/v2/usage", params={"api_key": owner_id}, headers=stranger)
        assert by_key.status_code == 200 and by_key.json()["rows"] == []
        own = http.get("/nlu/v2/usage", params={"group_by": "tenant,api_key"}, headers=stranger)
        assert own.status_code == 200
        assert owner["tenant"] not in own.text and owner_id not in own.text
        assert [row["call_count"] for row in own.json()["rows"]] == [1]

        bad = http.get("/nlu/v2/usage", params={"from": "2026-02-30"}, headers=full)
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_input"
