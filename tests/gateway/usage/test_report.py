"""Usage per day and its cost: recorded from real calls, flushed, then read back as a report."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from gateway.tables import ApiKeyDailyUsage
from gateway.usage.service import trained_samples
from shared import create_db_engine, session_maker, verify_headers
from tests.gateway.conftest import INTERNAL_SECRET, Gateway, GatewayFactory

PRICES = {
    "currency": "USD",
    "rules": [
        {"operation": "train", "model_type": "*", "per_call": 0.5, "per_1000_units": 2},
        {"operation": "retrieve", "model_type": "image_*", "per_call": 0.01},
        {"operation": "retrieve", "model_type": "*", "per_call": 0.001},
        {"operation": "list", "model_type": "faq_matchers", "per_call": 0},
        {"operation": "*", "model_type": "*", "per_call": 0.0001},
    ],
}
SAMPLES = 1500


def make_service_app(service: str) -> FastAPI:
    """Return a downstream service whose `train` answers a model's details, as ours do."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def answer(request: Request, path: str) -> JSONResponse:
        caller = verify_headers(
            INTERNAL_SECRET, dict(request.headers), request.method, request.url.path
        )
        if caller is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        status = int(request.query_params.get("status", "200"))
        if path.endswith("/train"):
            name = path.split("/")[-2]
            samples = int(request.query_params.get("samples", str(SAMPLES)))
            return JSONResponse(
                {"name": name, "num_training_samples": samples, "training_stamp": ""},
                status_code=status,
            )
        if path.endswith("/retrieve"):
            return JSONResponse([{"label": "a", "probability": 1.0}], status_code=status)
        if request.method == "GET":  # a model's details carry its sample count too
            return JSONResponse({"name": path.split("/")[-1], "num_training_samples": 99})
        return JSONResponse({"service": service, "path": path}, status_code=status)

    return app


def transports() -> dict[str, httpx.AsyncBaseTransport]:
    return {
        "nlu": httpx.ASGITransport(make_service_app("nlu")),
        "vision": httpx.ASGITransport(make_service_app("vision")),
    }


def auth(key: dict[str, Any]) -> dict[str, str]:
    return {"X-Auth-Token": key["api_key"]}


def key_id(key: dict[str, Any]) -> str:
    return str(key["api_key"]).split("_")[1]


def today() -> date:
    return datetime.now(UTC).date()


async def make_calls(gw: Gateway, key: dict[str, Any]) -> None:
    """Two text retrieves, an image retrieve by each path, a train, a create, a get, and a
    failed train."""
    headers = auth(key)
    calls = [
        ("POST", "/nlu/v2/text_classifiers/m/retrieve", {"text": "hi"}),
        ("POST", "/nlu/v2/text_classifiers/m/retrieve", {"text": "hello"}),
        ("POST", "/vision/v2/image_classifiers/c/retrieve", {"image": "x"}),
        ("POST", "/nlu/v2/image_classifiers/c/retrieve", {"image": "x"}),
        ("POST", "/nlu/v2/text_classifiers/m/train", {"immediate_mode": True}),
        ("POST", "/nlu/v2/faq_matchers", {"name": "f"}),
        ("GET", "/nlu/v2/text_classifiers/m", None),
        ("POST", "/nlu/v2/text_classifiers/m/train?status=400", {}),
    ]
    for method, path, body in calls:
        response = await gw.client.request(method, path, json=body, headers=headers)
        assert response.status_code == (400 if "status=400" in path else 200), response.text


async def report(gw: Gateway, headers: dict[str, str], **params: str) -> tuple[int, dict[str, Any]]:
    response = await gw.client.get("/nlu/v2/usage", params=params, headers=headers)
    body: dict[str, Any] = response.json()
    return response.status_code, body


async def test_calls_are_recorded_per_day_and_priced(start_gateway: GatewayFactory) -> None:
    async with start_gateway(transports(), price_table=PRICES) as gw:
        key = await gw.create_key()
        await make_calls(gw, key)
        status, before = await report(gw, auth(key))
        assert status == 200 and before["rows"] == []  # nothing before the flush
        await gw.state.ledger.flush()

        async with gw.state.sessions() as session:
            stored = list(await session.scalars(select(ApiKeyDailyUsage)))
        mine = {
            (r.operation, r.model_type): (r.day, r.call_count, r.units)
            for r in stored
            if r.tenant_id == key["tenant"]
        }
        assert mine == {
            ("retrieve", "text_classifiers"): (today(), 2, 0),
            ("retrieve", "image_classifiers"): (today(), 2, 0),
            ("train", "text_classifiers"): (today(), 1, SAMPLES),
            ("create", "faq_matchers"): (today(), 1, 0),
            # Only a train's answer is read for units.
            ("get", "text_classifiers"): (today(), 1, 0),
        }

        status, body = await report(gw, auth(key))
        assert status == 200
        assert body["tenant"] == key["tenant"] and body["currency"] == "USD"
        assert body["group_by"] == ["day", "operation", "model_type"]
        assert body["to"] == today().isoformat()
        assert body["from"] == (today() - timedelta(days=30)).isoformat()
        rows = {(r["operation"], r["model_type"]): r for r in body["rows"]}
        assert all(r["day"] == today().isoformat() for r in body["rows"])
        assert rows[("retrieve", "text_classifiers")]["cost"] == pytest.approx(0.002)
        assert rows[("retrieve", "image_classifiers")]["cost"] == pytest.approx(0.02)
        train = rows[("train", "text_classifiers")]
        # 0.5 per call + 2 per 1,000 samples: 0.5 + 3.0
        assert (train["call_count"], train["units"], train["cost"]) == (1, SAMPLES, 3.5)
        assert rows[("create", "faq_matchers")]["cost"] == pytest.approx(0.0001)
        assert body["total"] == {"call_count": 7, "units": SAMPLES, "cost": 3.5222}

        # Grouped by operation only: text and image retrieves priced apart, then summed.
        status, by_op = await report(gw, auth(key), group_by="operation")
        assert status == 200
        assert by_op["rows"] == [
            {"operation": "create", "call_count": 1, "units": 0, "cost": 0.0001},
            {"operation": "get", "call_count": 1, "units": 0, "cost": 0.0001},
            {"operation": "retrieve", "call_count": 4, "units": 0, "cost": 0.022},
            {"operation": "train", "call_count": 1, "units": SAMPLES, "cost": 3.5},
        ]


async def test_calls_land_on_the_utc_day_they_were_made(start_gateway: GatewayFactory) -> None:
    async with start_gateway(transports(), price_table=PRICES) as gw:
        key = await gw.create_key()
        headers = auth(key)
        midnight = datetime(2026, 3, 2, tzinfo=UTC).timestamp()
        path = "/nlu/v2/text_classifiers/m/retrieve"
        gw.state.ledger.clock = lambda: midnight - 0.5
        assert (await gw.client.post(path, json={"text": "a"}, headers=headers)).is_success
        gw.state.ledger.clock = lambda: midnight
        for _ in range(3):
            assert (await gw.client.post(path, json={"text": "a"}, headers=headers)).is_success
        await gw.state.ledger.flush()
        # A later flush of the same day adds to the row (an upsert increment).
        assert (await gw.client.post(path, json={"text": "a"}, headers=headers)).is_success
        await gw.state.ledger.flush()

        status, body = await report(gw, headers, **{"from": "2026-03-01", "to": "2026-03-02"})
        assert status == 200
        assert [(r["day"], r["call_count"]) for r in body["rows"]] == [
            ("2026-03-01", 1),
            ("2026-03-02", 4),
        ]
        status, one_day = await report(gw, headers, **{"from": "2026-03-02", "to": "2026-03-02"})
        assert status == 200 and one_day["total"]["call_count"] == 4
        status, none = await report(gw, headers, **{"from": "2026-02-01", "to": "2026-02-28"})
        assert status == 200 and none["rows"] == [] and none["total"]["cost"] == 0


async def test_replicas_flushing_the_same_rows_add_up(start_gateway: GatewayFactory) -> None:
    async with (
        start_gateway(transports()) as one,
        start_gateway(transports()) as two,
    ):
        key = await one.create_key()
        path = "/nlu/v2/text_classifiers/m/train"
        for gw, n in ((one, 3), (two, 2)):
            for _ in range(n):
                response = await gw.client.post(
                    path, params={"samples": "10"}, json={}, headers=auth(key)
                )
                assert response.is_success
        await asyncio.gather(one.state.ledger.flush(), two.state.ledger.flush())
        status, body = await report(one, auth(key), group_by="operation")
        assert status == 200
        assert body["rows"][0] | {"cost": None} == {
            "operation": "train",
            "call_count": 5,
            "units": 50,
            "cost": None,
        }
        # The default price table: 1 per 1,000 samples trained.
        assert body["rows"][0]["cost"] == pytest.approx(0.05)


async def test_a_failed_flush_keeps_the_units_for_the_next(
    start_gateway: GatewayFactory, tmp_path: Path
) -> None:
    async with start_gateway(transports()) as gw:
        key = await gw.create_key()
        response = await gw.client.post(
            "/nlu/v2/text_classifiers/m/train", json={}, headers=auth(key)
        )
        assert response.is_success
        # A database that cannot be opened: the flush fails and keeps the counts.
        real = gw.state.ledger._sessions
        unreachable = create_db_engine(f"sqlite+aiosqlite:///{tmp_path}/missing/dir/usage.db")
        gw.state.ledger._sessions = session_maker(unreachable)
        try:
            await gw.state.ledger.flush()
        finally:
            gw.state.ledger._sessions = real
            await unreachable.dispose()
        status, body = await report(gw, auth(key))
        assert status == 200 and body["rows"] == []
        await gw.state.ledger.flush()
        status, body = await report(gw, auth(key))
        assert status == 200
        assert [(r["operation"], r["call_count"], r["units"]) for r in body["rows"]] == [
            ("train", 1, SAMPLES)
        ]


async def test_csv_by_query_or_accept_header(start_gateway: GatewayFactory) -> None:
    async with start_gateway(transports(), price_table=PRICES) as gw:
        key = await gw.create_key()
        await make_calls(gw, key)
        await gw.state.ledger.flush()
        status, as_json = await report(gw, auth(key))
        assert status == 200
        for extra_params, extra_headers in (({"format": "csv"}, {}), ({}, {"Accept": "text/csv"})):
            response = await gw.client.get(
                "/nlu/v2/usage", params=extra_params, headers={**auth(key), **extra_headers}
            )
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/csv")
            assert "attachment" in response.headers["content-disposition"]
            lines = list(csv.DictReader(io.StringIO(response.text)))
            assert list(lines[0]) == [
                "day",
                "operation",
                "model_type",
                "call_count",
                "units",
                "cost",
                "currency",
            ]
            assert [
                {**r, "call_count": int(r["call_count"]), "units": int(r["units"])} for r in lines
            ] == [
                {
                    "day": r["day"],
                    "operation": r["operation"],
                    "model_type": r["model_type"],
                    "call_count": r["call_count"],
                    "units": r["units"],
                    "cost": f"{r['cost']:.6f}",
                    "currency": "USD",
                }
                for r in as_json["rows"]
            ]
        # format=json wins over the Accept header.
        response = await gw.client.get(
            "/nlu/v2/usage", params={"format": "json"}, headers={**auth(key), "Accept": "text/csv"}
        )
        assert response.headers["content-type"].startswith("application/json")


async def test_admin_sees_every_tenant_and_filters(start_gateway: GatewayFactory) -> None:
    async with start_gateway(transports(), price_table=PRICES) as gw:
        a, b = await gw.create_key("a"), await gw.create_key("b")
        a2 = await gw.create_key("a2", tenant=a["tenant"])
        await make_calls(gw, a)
        await make_calls(gw, b)
        path = "/nlu/v2/text_classifiers/m/retrieve"
        assert (await gw.client.post(path, json={"text": "x"}, headers=auth(a2))).is_success
        await gw.state.ledger.flush()

        status, everyone = await report(gw, gw.admin, group_by="tenant,api_key")
        assert status == 200 and everyone["tenant"] is None
        groups = {(r["tenant"], r["api_key"]): r["call_count"] for r in everyone["rows"]}
        assert groups[(a["tenant"], key_id(a))] == 7
        assert groups[(a["tenant"], key_id(a2))] == 1
        assert groups[(b["tenant"], key_id(b))] == 7

        status, only_a = await report(gw, gw.admin, tenant=a["tenant"], group_by="api_key")
        assert status == 200 and only_a["tenant"] == a["tenant"]
        assert {r["api_key"]: r["call_count"] for r in only_a["rows"]} == {
            key_id(a): 7,
            key_id(a2): 1,
        }
        status, one_key = await report(gw, gw.admin, api_key=key_id(a2), group_by="operation")
        assert status == 200
        assert one_key["rows"] == [
            {"operation": "retrieve", "call_count": 1, "units": 0, "cost": 0.001}
        ]
        status, nobody = await report(gw, gw.admin, tenant="no-such-tenant")
        assert status == 200 and nobody["rows"] == []


async def test_a_tenant_reads_only_its_own_usage(start_gateway: GatewayFactory) -> None:
    async with start_gateway(transports()) as gw:
        a, b = await gw.create_key("a"), await gw.create_key("b")
        reader = await gw.create_key("reader", tenant=b["tenant"], scope="retrieve")
        await make_calls(gw, a)
        await gw.state.ledger.flush()
        status, own = await report(gw, auth(a), group_by="tenant,api_key")
        assert status == 200
        assert {(r["tenant"], r["api_key"]) for r in own["rows"]} == {(a["tenant"], key_id(a))}

        # b (and b's read-only key) sees none of a's usage, however it asks.
        for headers in (auth(b), auth(reader)):
            status, body = await report(gw, headers, group_by="tenant,api_key")
            assert status == 200 and body["tenant"] == b["tenant"]
            assert a["tenant"] not in json.dumps(body) and key_id(a) not in json.dumps(body)
            status, refused = await report(gw, headers, tenant=a["tenant"])
            assert status == 403 and refused["error"] == "forbidden"
            status, by_key = await report(gw, headers, api_key=key_id(a))
            assert status == 200 and by_key["rows"] == [] and by_key["total"]["call_count"] == 0
            response = await gw.client.get(
                "/nlu/v2/usage",
                params={"format": "csv", "api_key": key_id(a), "group_by": "tenant"},
                headers=headers,
            )
            assert response.status_code == 200 and response.text.count("\n") == 1
        status, own_tenant = await report(gw, auth(b), tenant=b["tenant"])
        assert status == 200 and own_tenant["tenant"] == b["tenant"]


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "26-1-1"}, "from"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "after"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "at most"),
        ({"group_by": "day,colour"}, "group_by"),
        ({"group_by": " , "}, "group_by"),
        ({"format": "xml"}, "format"),
        ({"api_key": "not a key id"}, "api_key"),
        ({"tenant": "t" * 65}, "tenant"),
    ],
)
async def test_bad_parameters_are_400(gw: Gateway, params: dict[str, str], mentions: str) -> None:
    key = await gw.create_key()
    for headers in (gw.admin, auth(key)):
        response = await gw.client.get("/nlu/v2/usage", params=params, headers=headers)
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["error"] == "invalid_input" and mentions in body["detail"]


async def test_the_report_needs_a_key_and_is_get_only(gw: Gateway) -> None:
    assert (await gw.client.get("/nlu/v2/usage")).status_code == 401
    bad = await gw.client.get("/nlu/v2/usage", headers={"X-Auth-Token": "bbk_nope"})
    assert bad.status_code == 401
    key = await gw.create_key()
    posted = await gw.client.post("/nlu/v2/usage", json={}, headers=auth(key))
    assert posted.status_code == 405
    assert not gw.nlu.state.calls  # never forwarded


async def test_the_report_is_in_the_public_openapi_as_an_extension(gw: Gateway) -> None:
    doc = (await gw.client.get("/openapi.json")).json()
    op = doc["paths"]["/nlu/v2/usage"]["get"]
    assert op["operationId"] == "usage_get_report" and op["tags"] == ["usage"]
    assert "Baobab extension, not in Feersum 2.0.46" in op["description"]
    assert {p["name"] for p in op["parameters"]} == {
        "from",
        "to",
        "tenant",
        "api_key",
        "group_by",
        "format",
    }
    assert set(op["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert "400" in op["responses"] and "422" not in op["responses"]
    usage_tag = next(t for t in doc["tags"] if t["name"] == "usage")
    assert "Baobab extension, not in Feersum 2.0.46" in usage_tag["description"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"name": "m", "num_training_samples": 42}', 42),
        (b'{"name": "m", "num_training_samples": 0}', 0),
        (b'{"name": "m", "num_training_samples": -3}', 0),
        (b'{"name": "m", "num_training_samples": true}', 0),
        (b'{"name": "m", "num_training_samples": "42"}', 0),
        (b'{"name": "m"}', 0),
        (b"[1, 2]", 0),
        (b"not json", 0),
        (b"", 0),
        (None, 0),
    ],
)
def test_trained_samples_are_read_from_the_train_answer(body: bytes | None, expected: int) -> None:
    assert trained_samples(body) == expected


async def test_echo_service_calls_still_count_without_units(gw: Gateway) -> None:
    # The echo service's train answer has no num_training_samples: a call, no units.
    key = await gw.create_key()
    response = await gw.client.post("/nlu/v2/text_classifiers/m/train", json={}, headers=auth(key))
    assert response.is_success
    await gw.state.ledger.flush()
    status, body = await report(gw, auth(key), group_by="operation")
    assert status == 200
    assert body["rows"] == [{"operation": "train", "call_count": 1, "units": 0, "cost": 0.0}]
