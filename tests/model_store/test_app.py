"""The model store app as a whole: internal auth on every route, probes, body limit."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp

from model_store.app import create_app
from model_store.config import Settings
from shared import create_db_engine, sign_headers
from tests.model_store.conftest import NewModel, assert_error

JOB = "00000000-0000-0000-0000-000000000000"
ROUTES: list[tuple[str, str, Any]] = [
    (
        "POST",
        "/internal/v1/models",
        {"model_type": "text_classifier", "name": "faq", "load_from_store": False},
    ),
    ("GET", "/internal/v1/models?model_type=text_classifier", None),
    ("GET", "/internal/v1/models/text_classifier/faq", None),
    ("PATCH", "/internal/v1/models/text_classifier/faq", {"readonly": True}),
    ("DELETE", "/internal/v1/models/text_classifier/faq", None),
    ("POST", "/internal/v1/models/text_classifier/faq/vaporise", None),
    ("PUT", "/internal/v1/models/text_classifier/faq/tsne", {"points": []}),
    ("POST", "/internal/v1/models/text_classifier/faq/samples/training", {"samples": []}),
    ("GET", "/internal/v1/models/text_classifier/faq/samples/training", None),
    ("PUT", "/internal/v1/models/text_classifier/faq/samples/training", {"samples": []}),
    ("POST", "/internal/v1/models/text_classifier/faq/samples/training/delete", {"samples": []}),
    ("DELETE", "/internal/v1/models/text_classifier/faq/samples/training", None),
    ("GET", "/internal/v1/models/text_classifier/faq/revisions", None),
    ("GET", f"/internal/v1/revisions/{JOB}/artifact", None),
    ("POST", "/internal/v1/models/text_classifier/faq/jobs", {"service": "nlu", "params": {}}),
    ("GET", f"/internal/v1/jobs/{JOB}", None),
    ("POST", "/internal/v1/jobs/claim", {"service": "nlu", "worker_id": "w", "lease_s": 5}),
    ("POST", f"/internal/v1/jobs/{JOB}/heartbeat", {"worker_id": "w", "lease_s": 5}),
    (
        "POST",
        f"/internal/v1/jobs/{JOB}/complete",
        {"worker_id": "w", "artifact_b64": "", "labels": [], "metrics": {}},
    ),
    ("POST", f"/internal/v1/jobs/{JOB}/fail", {"worker_id": "w", "error": "x"}),
]


def bad_signatures(secret: str, tenant: str, method: str, path: str) -> list[dict[str, str]]:
    """Return header sets that must all be refused for `method path`."""
    good = sign_headers(secret, tenant, method, path)
    return [
        {},
        {k: v for k, v in good.items() if k != "X-Baobab-Signature"},
        sign_headers("another-secret", tenant, method, path),
        sign_headers(secret, tenant, method, "/internal/v1/models/other/path"),
        sign_headers(secret, tenant, "GET" if method != "GET" else "POST", path),
        sign_headers(secret, tenant, method, path, now=time.time() - 3600),
        {**good, "X-Baobab-Tenant": "t-someone-else"},
        {**good, "X-Baobab-Signature": "0" * 64},
    ]


@pytest.mark.parametrize(("method", "url", "body"), ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
async def test_every_route_refuses_unsigned_and_badly_signed_calls(
    raw_api: httpx.AsyncClient,
    store_settings: Settings,
    new_model: NewModel,
    tenant: str,
    method: str,
    url: str,
    body: Any,
) -> None:
    await new_model("faq")
    path = url.split("?")[0]
    for headers in bad_signatures(store_settings.internal_secret, tenant, method, path):
        response = await raw_api.request(method, url, json=body, headers=headers)
        assert_error(response, 401, "unauthorized")
    # Nothing changed: the model is still there, untouched.
    signed = sign_headers(
        store_settings.internal_secret, tenant, "GET", "/internal/v1/models/text_classifier/faq"
    )
    record = (await raw_api.get("/internal/v1/models/text_classifier/faq", headers=signed)).json()
    assert record["readonly"] is False and record["trashed"] is False


async def test_a_bad_body_from_an_unsigned_caller_is_still_401(raw_api: httpx.AsyncClient) -> None:
    response = await raw_api.post("/internal/v1/models", content=b"{broken")
    assert_error(response, 401, "unauthorized")


async def test_probes_and_metrics(raw_api: httpx.AsyncClient) -> None:
    assert (await raw_api.get("/health")).json() == {"status": "ok"}
    ready = await raw_api.get("/ready")
    assert (
        ready.status_code == 200
        and ready.json()["ready"] is True
        and ready.json()["database"] == "ok"
    )
    metrics = await raw_api.get("/metrics")
    assert metrics.status_code == 200 and "http_request" in metrics.text


async def test_a_body_over_the_limit_is_413(
    api: httpx.AsyncClient, store_settings: Settings
) -> None:
    big = {
        "model_type": "text_classifier",
        "name": "faq",
        "desc": "x" * store_settings.max_body_bytes,
    }
    assert_error(await api.post("/models", json=big), 413, "too_large")
    assert (await api.get("/models")).json() == []


async def test_the_request_id_comes_back(api: httpx.AsyncClient) -> None:
    response = await api.get("/models", headers={"X-Request-Id": "req-123"})
    assert response.headers["x-request-id"] == "req-123"


async def test_ready_is_503_when_the_database_is_unreachable(tmp_path: Path, var_dir: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/store.db",
        var_dir=var_dir,
        environment="test",
        log_json=False,
    )
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        asgi: ASGIApp = manager.app
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=asgi), base_url="http://store"
        ) as client:
            assert (await client.get("/ready")).status_code == 200
            # A directory is not a database file: every connection attempt fails.
            healthy = app.state.engine
            app.state.engine = create_db_engine(f"sqlite+aiosqlite:///{tmp_path}")
            try:
                ready = await client.get("/ready")
            finally:
                await app.state.engine.dispose()
                app.state.engine = healthy
            assert ready.status_code == 503 and ready.json()["ready"] is False
            assert (await client.get("/health")).status_code == 200


async def test_what_no_database_can_store_is_400(
    api: httpx.AsyncClient, client_for: Any, new_model: NewModel, tenant: str
) -> None:
    await new_model("faq", params={"p": 1})
    samples = "/models/text_classifier/faq/samples/training"
    nan_params = b'{"model_type": "text_classifier", "name": "nan", "params": {"t": NaN}}'
    attempts = [
        api.post(samples, json={"samples": [{"text": "a\x00b", "label": "l"}]}),
        api.post(samples, json={"samples": [{"text": "a", "label": "l", "comment": "\x00"}]}),
        api.post("/models", content=nan_params, headers={"content-type": "application/json"}),
        api.patch("/models/text_classifier/faq", content=b'{"params": {"p": Infinity}}'),
        api.patch("/models/text_classifier/faq", json={"desc": "nul\x00"}),
        api.patch("/models/text_classifier/faq", json={"params": {"k\x00": 1}}),
        api.get("/revisions/ab%00cd/artifact"),
        api.get("/jobs/ab%00cd"),
        api.get(samples, params={"index": 10**30}),
        api.put(samples, json={"samples": [{"uuid": "a\x00"}]}),
        client_for("t" * 65).get("/models"),
    ]
    for attempt in attempts:
        assert_error(await attempt, 400, "invalid_input")
    record = (await api.get("/models/text_classifier/faq")).json()
    assert (
        record["params"] == {"p": 1}
        and record["desc"] == ""
        and record["num_training_samples"] == 0
    )
    assert [m["name"] for m in (await api.get("/models")).json()] == ["faq"]
