"""`/nlu/v2/health` (key optional), the probes and metrics."""

from __future__ import annotations

from tests.gateway.conftest import Gateway


async def test_feersum_health_works_with_and_without_a_key(gw: Gateway) -> None:
    assert (await gw.client.get("/nlu/v2/health")).json() == {"status": "ok"}
    key = (await gw.create_key())["api_key"]
    assert (await gw.client.get("/nlu/v2/health", headers={"X-Auth-Token": key})).status_code == 200
    assert (await gw.client.get("/nlu/v2/health", headers={"AUTH_TOKEN": key})).status_code == 200
    assert (await gw.client.get("/nlu/v2/health", headers=gw.admin)).status_code == 200
    wrong = await gw.client.get("/nlu/v2/health", headers={"X-Auth-Token": "bbk_wrong"})
    assert wrong.status_code == 401 and "www-authenticate" in wrong.headers
    # The gateway answers it; the NLU service is not asked.
    assert gw.nlu.state.calls == []


async def test_probes_and_metrics(gw: Gateway) -> None:
    assert (await gw.client.get("/health")).json() == {"status": "ok"}
    ready = await gw.client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    assert (
        ready.json()["database"] == "ok"
        and ready.json()["nlu"] == "ok"
        and ready.json()["vision"] == "ok"
    )
    await gw.client.get("/nlu/v2/faq_matchers", headers=gw.admin)
    metrics = await gw.client.get("/metrics")
    assert metrics.status_code == 200 and "http_request" in metrics.text
