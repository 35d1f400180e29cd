"""Per-key rate limits (a token bucket, in Redis when configured) and `X-RateLimit-Remaining`."""

from __future__ import annotations

import asyncio

from tests.gateway.conftest import Gateway, GatewayFactory

PATH = "/nlu/v2/text_classifiers"


async def test_every_response_says_how_many_calls_the_key_has_left(gw: Gateway) -> None:
    limited = (await gw.create_key("three calls", call_count_limit=3))["api_key"]
    unlimited = (await gw.create_key("unlimited"))["api_key"]
    seen = []
    for _ in range(3):
        response = await gw.client.get(PATH, headers={"X-Auth-Token": limited})
        assert response.status_code == 200
        seen.append(response.headers["X-RateLimit-Remaining"])
    assert seen == ["2", "1", "0"]
    spent = await gw.client.get(PATH, headers={"X-Auth-Token": limited})
    assert spent.status_code == 429 and spent.headers["X-RateLimit-Remaining"] == "-1"
    free = await gw.client.get(PATH, headers={"X-Auth-Token": unlimited})
    assert free.headers["X-RateLimit-Remaining"] == "-1"
    assert (await gw.client.get(PATH, headers=gw.admin)).headers["X-RateLimit-Remaining"] == "-1"
    wrong = await gw.client.get(PATH, headers={"X-Auth-Token": "bbk_nope"})
    assert wrong.status_code == 401 and wrong.headers["X-RateLimit-Remaining"] == "-1"
    missing = await gw.client.get("/nlu/v2/no/such/thing", headers={"X-Auth-Token": unlimited})
    assert missing.headers["X-RateLimit-Remaining"] == "-1"


async def test_a_key_over_its_rate_is_a_429_with_retry_after(start_gateway: GatewayFactory) -> None:
    async with start_gateway(rate_limit_per_s=2.0, rate_limit_burst=3) as gw:
        busy = (await gw.create_key("busy"))["api_key"]
        first = {"X-Auth-Token": busy}
        second = {"X-Auth-Token": (await gw.create_key("quiet"))["api_key"]}
        answers = [(await gw.client.get(PATH, headers=first)).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        redis = gw.state.redis
        if redis is not None:  # with Redis the bucket is shared there, by every replica
            bucket = redis.key("rate", busy.split("_")[1])
            assert await redis.client.exists(bucket) == 1
        refused = await gw.client.get(PATH, headers=first)
        assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) >= 1
        # Buckets are per key: another key is not slowed down.
        assert (await gw.client.get(PATH, headers=second)).status_code == 200
        # The bucket refills at the rate: one token every half second.
        await asyncio.sleep(0.6)
        assert (await gw.client.get(PATH, headers=first)).status_code == 200
        # The admin key is never rate limited.
        admin = [(await gw.client.get(PATH, headers=gw.admin)).status_code for _ in range(6)]
        assert admin == [200] * 6
