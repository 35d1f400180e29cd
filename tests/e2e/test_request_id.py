"""One request id from the gateway through the NLU service to the model store, in every log."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx

from scripts.stack import Stack


def log_records(stack: Stack) -> list[tuple[str, dict[str, Any]]]:
    """Return (service, JSON record) for every JSON log line the stack's children wrote."""
    assert stack.log_file is not None
    records = []
    for line in stack.log_file.read_text(encoding="utf-8").splitlines():
        name, _, rest = line.partition(" | ")
        try:
            record = json.loads(rest)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append((name, record))
    return records


def test_the_gateways_request_id_reaches_every_service_log(stack: Stack) -> None:
    rid = f"e2e-{uuid.uuid4().hex}"
    with httpx.Client(base_url=stack.url("gateway"), timeout=120, trust_env=False) as http:
        key = http.post(
            "/nlu/v2/api_keys", json={"desc": "rid"}, headers={"X-Auth-Token": stack.admin_key}
        ).json()
        # Creating a model goes gateway -> NLU service -> model store.
        created = http.post(
            "/nlu/v2/text_classifiers",
            json={"name": "traced", "load_from_store": False},
            headers={"X-Auth-Token": key["api_key"], "X-Request-Id": rid},
        )
    assert created.status_code == 200, created.text
    assert created.headers["x-request-id"] == rid

    wanted = {"gateway", "nlu", "model_store"}
    deadline = time.monotonic() + 10
    while True:
        seen = {name for name, record in log_records(stack) if record.get("request_id") == rid}
        if wanted <= seen or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert wanted <= seen, f"request id {rid} logged only by {sorted(seen)}"
    # Each service's line is its own JSON access line for the call it answered.
    lines = [(n, r) for n, r in log_records(stack) if r.get("request_id") == rid]
    by_service = {name: record for name, record in lines if record.get("logger") == "baobab.access"}
    assert by_service["gateway"]["path"] == "/nlu/v2/text_classifiers"
    assert by_service["nlu"]["path"] == "/nlu/v2/text_classifiers"
    assert by_service["model_store"]["path"].startswith("/internal/v1/")
    assert all(r["service"] == n and r["status"] == 200 for n, r in by_service.items())
