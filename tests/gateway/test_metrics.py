"""The gateway's own series on `/metrics`: calls per tenant and operation, and readiness."""

from __future__ import annotations

import pytest

from gateway.metrics import operation_label
from tests.gateway.conftest import Gateway, GatewayFactory
from tests.prometheus import sample

CALLS = "baobab_tenant_calls_total"


async def metrics_text(gw: Gateway) -> str:
    response = await gw.client.get("/metrics")
    assert response.status_code == 200
    return response.text


async def test_each_authenticated_call_counts_for_its_tenant_and_operation(gw: Gateway) -> None:
    key = await gw.create_key()
    tenant, headers = key["tenant"], {"X-Auth-Token": key["api_key"]}
    other = await gw.create_key()
    before = await metrics_text(gw)
    assert sample(before, CALLS, tenant=tenant, operation="retrieve") is None

    for _ in range(3):
        response = await gw.client.post(
            "/nlu/v2/faq_matchers/m/retrieve", json={"text": "hi"}, headers=headers
        )
        assert response.status_code == 200, response.text
    assert (await gw.client.get("/nlu/v2/faq_matchers", headers=headers)).status_code == 200
    # A path that names no known operation counts as "other", so made-up paths add no series.
    made_up = await gw.client.post("/nlu/v2/faq_matchers/m/zz_made_up", json={}, headers=headers)
    assert made_up.status_code == 200
    # A call without a valid key belongs to no tenant and is not counted.
    assert (await gw.client.get("/nlu/v2/faq_matchers")).status_code == 401

    after = await metrics_text(gw)
    assert sample(after, CALLS, tenant=tenant, operation="retrieve") == 3
    assert sample(after, CALLS, tenant=tenant, operation="list") == 1
    assert sample(after, CALLS, tenant=tenant, operation="other") == 1
    assert sample(after, CALLS, tenant=tenant, operation="zz_made_up") is None
    # The other tenant made no call.
    assert sample(after, CALLS, tenant=other["tenant"], operation="retrieve") is None


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "/nlu/v2/intent_classifiers/m/retrieve", "retrieve"),
        ("POST", "/nlu/v2/intent_classifiers", "create"),
        ("DELETE", "/vision/v2/image_classifiers/m", "delete"),
        ("POST", "/nlu/v2/text_classifiers/m/training_samples", "training_samples"),
        ("GET", "/nlu/v2/dashboard", "list"),
        ("GET", "/nlu/v2/", "other"),
        ("GET", "/somewhere/else", "other"),
        ("OPTIONS", "/nlu/v2/faq_matchers/m", "other"),
    ],
)
def test_operation_labels_are_bounded(method: str, path: str, operation: str) -> None:
    assert operation_label(method, path) == operation


async def test_ready_sets_the_ready_gauge(start_gateway: GatewayFactory) -> None:
    async with start_gateway() as gw:
        ready = await gw.client.get("/ready")
        assert ready.status_code == 200 and ready.json()["redis"] in ("ok", "disabled")
        assert sample(await metrics_text(gw), "baobab_ready") == 1
    async with start_gateway(transports={}, nlu_url="http://127.0.0.1:1") as gw:
        ready = await gw.client.get("/ready")
        assert ready.status_code == 503 and ready.json()["nlu"] == "unreachable"
        assert sample(await metrics_text(gw), "baobab_ready") == 0
