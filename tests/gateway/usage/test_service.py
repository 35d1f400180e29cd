"""Call counting: every authenticated call counted, flushed in batches, limits enforced."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from gateway.tables import ApiKey
from gateway.usage.service import operation_of
from tests.gateway.conftest import Gateway, GatewayFactory


async def stored_call_count(gw: Gateway, key_id: str) -> int:
    async with gw.state.sessions() as session:
        count = await session.scalar(select(ApiKey.call_count).where(ApiKey.key_id == key_id))
    assert count is not None
    return count


async def test_calls_are_counted_and_flushed_with_a_breakdown(gw: Gateway) -> None:
    created = await gw.create_key()
    key_id = created["api_key"].split("_")[1]
    headers = {"X-Auth-Token": created["api_key"]}
    for _ in range(2):
        response = await gw.client.post(
            "/nlu/v2/text_classifiers/m1/retrieve", json={"text": "hi"}, headers=headers
        )
        assert response.status_code == 200
    await gw.client.post("/nlu/v2/faq_matchers", json={"name": "f"}, headers=headers)
    # Counted in total, but a failed call is not an operation in the breakdown.
    failed = await gw.client.get("/nlu/v2/faq_matchers/nope?status=404", headers=headers)
    assert failed.status_code == 404
    await gw.client.get("/nlu/v2/health", headers=headers)

    assert await stored_call_count(gw, key_id) == 0  # nothing written before a flush
    await gw.state.ledger.flush()
    assert await stored_call_count(gw, key_id) == 5

    details = (await gw.client.get(f"/nlu/v2/api_keys/{key_id}", headers=gw.admin)).json()
    assert details["call_count"] == 5
    assert details["call_count_breakdown"] == {
        "retrieve": {"call_count": 2, "by_model_type": {"text_classifiers": 2}},
        "create": {"call_count": 1, "by_model_type": {"faq_matchers": 1}},
    }
    # Admin calls are not counted against any key.
    await gw.state.ledger.flush()
    assert await stored_call_count(gw, key_id) == 5


async def test_counts_are_flushed_in_the_background_and_at_shutdown(
    start_gateway: GatewayFactory,
) -> None:
    async with start_gateway(usage_flush_interval_s=0.05) as gw:
        created = await gw.create_key()
        key_id = created["api_key"].split("_")[1]
        headers = {"X-Auth-Token": created["api_key"]}
        await gw.client.get("/nlu/v2/faq_matchers", headers=headers)
        for _ in range(100):
            if await stored_call_count(gw, key_id) == 1:
                break
            await asyncio.sleep(0.02)
        else:
            pytest.fail("the background flush never wrote the call")
    async with start_gateway() as gw:  # flush interval of an hour: only shutdown writes
        await gw.client.get("/nlu/v2/faq_matchers", headers=headers)
        await gw.client.get("/nlu/v2/faq_matchers", headers=headers)
        assert await stored_call_count(gw, key_id) == 1
    async with start_gateway() as gw:
        assert await stored_call_count(gw, key_id) == 3


async def test_call_count_limit_gives_429_when_used_up(start_gateway: GatewayFactory) -> None:
    async with start_gateway() as gw:
        created = await gw.create_key(call_count_limit=2)
        key_id = created["api_key"].split("_")[1]
        headers = {"X-Auth-Token": created["api_key"]}
        assert (await gw.client.get("/nlu/v2/faq_matchers", headers=headers)).status_code == 200
        assert (await gw.client.get("/nlu/v2/faq_matchers", headers=headers)).status_code == 200
        refused = await gw.client.get("/nlu/v2/faq_matchers", headers=headers)
        assert refused.status_code == 429
        assert (
            refused.json()["error"] == "rate_limited"
            and "call_count_limit" in refused.json()["detail"]
        )
        assert len(gw.nlu.state.calls) == 2
        await gw.state.ledger.flush()
        # Still refused after the flush moved the counts to the database.
        assert (await gw.client.get("/nlu/v2/faq_matchers", headers=headers)).status_code == 429
    async with start_gateway() as gw:
        # A fresh replica reads the count from the database.
        assert (await gw.client.get("/nlu/v2/faq_matchers", headers=headers)).status_code == 429
        raised = await gw.client.post(
            f"/nlu/v2/api_keys/{key_id}", json={"call_count_limit": 3}, headers=gw.admin
        )
        assert raised.status_code == 200 and raised.json()["call_count"] == 2
        assert (await gw.client.get("/nlu/v2/faq_matchers", headers=headers)).status_code == 200
        assert (await gw.client.get("/nlu/v2/faq_matchers", headers=headers)).status_code == 429


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/nlu/v2/faq_matchers/m/retrieve", ("retrieve", "faq_matchers")),
        ("POST", "/nlu/v2/text_classifiers", ("create", "text_classifiers")),
        ("GET", "/nlu/v2/text_classifiers", ("list", "text_classifiers")),
        ("GET", "/nlu/v2/text_classifiers/m", ("get", "text_classifiers")),
        ("DELETE", "/nlu/v2/text_classifiers/m", ("delete", "text_classifiers")),
        (
            "POST",
            "/nlu/v2/intent_classifiers/m/training_samples",
            ("training_samples", "intent_classifiers"),
        ),
        ("POST", "/vision/v2/image_classifiers/m/retrieve", ("retrieve", "image_classifiers")),
        ("GET", "/nlu/v2/", None),
        ("GET", "/nlu/v2/Weird Name/x/y", None),
        ("GET", "/other/v2/x", None),
    ],
)
def test_operation_of(method: str, path: str, expected: tuple[str, str] | None) -> None:
    assert operation_of(method, path) == expected
