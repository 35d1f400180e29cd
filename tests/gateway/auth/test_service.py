"""Authentication at the edge: which keys get in, what the refusals look like, and caching."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from gateway.auth.keys import hash_key, is_key_id, key_id_of, new_key
from tests.gateway.conftest import Gateway, GatewayFactory


def assert_unauthorized(response: object) -> None:
    import httpx

    assert isinstance(response, httpx.Response)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("APIKey")
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "unauthorized" and body["detail"] and body["request_id"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Auth-Token": ""},
        {"X-Auth-Token": "not-a-key"},
        {"X-Auth-Token": "bbk_AAAAAAAAAAAA_" + secrets.token_urlsafe(32)},  # well-formed, unknown
        {"X-Auth-Token": "x" * 10_000},
        {"AUTH_TOKEN": "bbk_admin_wrong"},
        {"Authorization": "Bearer whatever"},
    ],
    ids=["missing", "empty", "malformed", "unknown", "huge", "legacy-wrong", "bearer"],
)
async def test_refused_keys_get_401_json_with_www_authenticate(
    gw: Gateway, headers: dict[str, str]
) -> None:
    assert_unauthorized(await gw.client.get("/nlu/v2/text_classifiers", headers=headers))
    assert_unauthorized(await gw.client.post("/nlu/v2/api_keys", json={}, headers=headers))
    assert gw.nlu.state.calls == []


async def test_a_key_with_the_right_id_but_wrong_secret_is_refused(gw: Gateway) -> None:
    key = (await gw.create_key())["api_key"]
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert key_id_of(forged) == key_id_of(key)
    assert_unauthorized(
        await gw.client.get("/nlu/v2/faq_matchers", headers={"X-Auth-Token": forged})
    )


async def test_legacy_auth_token_header_is_accepted(gw: Gateway) -> None:
    key = (await gw.create_key())["api_key"]
    response = await gw.client.get("/nlu/v2/faq_matchers", headers={"AUTH_TOKEN": key})
    assert response.status_code == 200
    assert response.json()["tenant"] not in ("", "admin")
    admin = await gw.client.get(
        "/nlu/v2/api_keys", headers={"AUTH_TOKEN": gw.admin["X-Auth-Token"]}
    )
    assert admin.status_code == 200


async def test_auth_headers_are_not_forwarded(gw: Gateway) -> None:
    key = (await gw.create_key())["api_key"]
    await gw.client.get(
        "/nlu/v2/faq_matchers",
        headers={"X-Auth-Token": key, "AUTH_TOKEN": key, "X-Baobab-Tenant": "evil"},
    )
    forwarded = gw.nlu.state.calls[-1]
    assert key not in str(forwarded["headers"])
    assert "x-auth-token" not in forwarded["headers"] and "auth_token" not in forwarded["headers"]
    # The tenant comes from the key, never from a header the client sent.
    assert forwarded["tenant"] != "evil"


async def test_keys_are_cached_but_a_deleted_key_stops_at_once(gw: Gateway) -> None:
    created = await gw.create_key()
    key_id = created["api_key"].split("_")[1]
    headers = {"X-Auth-Token": created["api_key"]}
    for _ in range(3):
        assert (await gw.client.get("/nlu/v2/faq_matchers", headers=headers)).status_code == 200
    assert await gw.state.keys.get(key_id) is not None
    await gw.client.delete(f"/nlu/v2/api_keys/{key_id}", headers=gw.admin)
    assert_unauthorized(await gw.client.get("/nlu/v2/faq_matchers", headers=headers))


async def test_concurrent_first_calls_share_one_lookup(gw: Gateway) -> None:
    created = await gw.create_key()
    headers = {"X-Auth-Token": created["api_key"]}
    responses = await asyncio.gather(
        *(gw.client.get("/nlu/v2/x", headers=headers) for _ in range(20))
    )
    assert {r.status_code for r in responses} == {200}


async def test_deleting_on_one_replica_stops_the_key_on_another(
    start_gateway: GatewayFactory, redis_url: str | None
) -> None:
    if redis_url is None:
        pytest.skip("needs Redis (BAOBAB_TEST_REDIS_URL) for cross-replica invalidation")
    async with start_gateway() as a, start_gateway() as b:
        created = await a.create_key("shared")
        key_id = created["api_key"].split("_")[1]
        headers = {"X-Auth-Token": created["api_key"]}
        assert (await b.client.get("/nlu/v2/faq_matchers", headers=headers)).status_code == 200
        await asyncio.sleep(0.2)  # let b's subscription settle
        await a.client.delete(f"/nlu/v2/api_keys/{key_id}", headers=a.admin)
        for _ in range(50):
            if (await b.client.get("/nlu/v2/faq_matchers", headers=headers)).status_code == 401:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("replica b kept accepting a key deleted through replica a")


async def test_redis_down_still_serves_from_the_database(start_gateway: GatewayFactory) -> None:
    async with start_gateway(redis_url="redis://127.0.0.1:1/0") as gw:
        created = await gw.create_key()
        headers = {"X-Auth-Token": created["api_key"]}
        assert (await gw.client.get("/nlu/v2/faq_matchers", headers=headers)).status_code == 200
        key_id = created["api_key"].split("_")[1]
        assert (
            await gw.client.delete(f"/nlu/v2/api_keys/{key_id}", headers=gw.admin)
        ).status_code == 200
        assert_unauthorized(await gw.client.get("/nlu/v2/faq_matchers", headers=headers))
        ready = await gw.client.get("/ready")
        assert ready.status_code == 200 and ready.json()["redis"] == "degraded"


def test_key_format() -> None:
    key_id, key = new_key()
    assert key.startswith(f"bbk_{key_id}_") and is_key_id(key_id)
    assert len(key.split("_", 2)[2]) >= 43  # 32 random bytes, url-safe base64
    assert key_id_of(key) == key_id
    assert hash_key(key) != hash_key(new_key()[1]) and len(hash_key(key)) == 64
    # Keys not in our format (imported) still map to one 12-character id.
    legacy = "7986d2ef-0b98-4c91-b847-7b66110e2f61"
    assert is_key_id(key_id_of(legacy)) and key_id_of(legacy) == key_id_of(legacy)


async def test_a_key_deleted_while_redis_missed_it_is_not_read_back_from_redis(
    start_gateway: GatewayFactory, redis_url: str | None
) -> None:
    if redis_url is None:
        pytest.skip("needs Redis (BAOBAB_TEST_REDIS_URL)")
    async with start_gateway() as gw:
        created = await gw.create_key()
        key_id = created["api_key"].split("_")[1]
        headers = {"X-Auth-Token": created["api_key"]}
        assert (await gw.client.get("/nlu/v2/faq_matchers", headers=headers)).status_code == 200
        redis = gw.state.redis
        assert redis is not None
        redis_key = redis.key("key", key_id)
        stale = await redis.client.get(redis_key)
        assert stale is not None  # the entry other replicas read
        await gw.client.delete(f"/nlu/v2/api_keys/{key_id}", headers=gw.admin)
        # As if Redis had been down during the delete: the old entry is back.
        await redis.client.set(redis_key, stale, px=30_000)
        assert_unauthorized(await gw.client.get("/nlu/v2/faq_matchers", headers=headers))
