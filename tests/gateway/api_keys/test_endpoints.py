"""`/nlu/v2/api_keys`: admin-only CRUD, keys shown once and stored hashed, one tenant per key."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from gateway.tables import ApiKey, Tenant
from tests.gateway.conftest import ADMIN_KEY, Gateway


async def test_create_returns_the_whole_key_once_and_stores_only_its_hash(gw: Gateway) -> None:
    created = await gw.create_key("owner@example.com", call_count_limit=50)
    key = created["api_key"]
    assert key.startswith("bbk_") and len(key) >= 4 + 12 + 1 + 43
    assert created["desc"] == "owner@example.com"
    assert created["call_count"] == 0
    assert created["call_count_limit"] == 50
    assert created["call_count_breakdown"] == {}
    key_id = key.split("_")[1]

    async with gw.state.sessions() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
    assert row is not None
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    secret = key.split("_", 2)[2]
    assert secret not in (row.key_hash, row.key_id, row.desc)

    listed = (await gw.client.get("/nlu/v2/api_keys", headers=gw.admin)).json()
    mine = [k for k in listed if k["api_key"] == key_id]
    assert mine and mine[0]["desc"] == "owner@example.com"
    assert all(secret not in str(k) for k in listed)

    details = await gw.client.get(f"/nlu/v2/api_keys/{key_id}", headers=gw.admin)
    assert details.status_code == 200
    assert details.json()["api_key"] == key_id
    by_whole_key = await gw.client.get(f"/nlu/v2/api_keys/{key}", headers=gw.admin)
    assert by_whole_key.status_code == 200 and by_whole_key.json()["api_key"] == key_id


async def test_each_key_is_a_new_tenant(gw: Gateway) -> None:
    first, second = await gw.create_key("a"), await gw.create_key("b")
    tenants = []
    for created in (first, second):
        response = await gw.client.get(
            "/nlu/v2/text_classifiers", headers={"X-Auth-Token": created["api_key"]}
        )
        assert response.status_code == 200
        tenants.append(response.json()["tenant"])
    admin = await gw.client.get("/nlu/v2/text_classifiers", headers=gw.admin)
    assert len({*tenants, admin.json()["tenant"]}) == 3
    assert admin.json()["tenant"] == "admin"
    async with gw.state.sessions() as session:
        stored = set(await session.scalars(select(Tenant.id).where(Tenant.id.in_(tenants))))
    assert stored == set(tenants)


async def test_update_changes_only_the_fields_given(gw: Gateway) -> None:
    created = await gw.create_key("before", call_count_limit=10)
    key_id = created["api_key"].split("_")[1]
    url = f"/nlu/v2/api_keys/{key_id}"

    response = await gw.client.post(url, json={"desc": "after"}, headers=gw.admin)
    assert response.status_code == 200
    assert response.json()["desc"] == "after" and response.json()["call_count_limit"] == 10

    response = await gw.client.post(url, json={"call_count_limit": 3}, headers=gw.admin)
    assert response.json()["desc"] == "after" and response.json()["call_count_limit"] == 3

    # Null (JSON clients) or a negative number (the Feersum client drops nulls) is unlimited.
    response = await gw.client.post(url, json={"call_count_limit": None}, headers=gw.admin)
    assert response.json()["call_count_limit"] is None
    await gw.client.post(url, json={"call_count_limit": 5}, headers=gw.admin)
    response = await gw.client.post(url, json={"call_count_limit": -1}, headers=gw.admin)
    assert response.json()["call_count_limit"] is None
    assert (await gw.client.get(url, headers=gw.admin)).json()["desc"] == "after"


async def test_update_of_an_unknown_key_adds_it_as_given(gw: Gateway) -> None:
    legacy = "7986d2ef-0b98-4c91-b847-7b66110e2f61"  # a Feersum-style key moving over unchanged
    response = await gw.client.post(
        f"/nlu/v2/api_keys/{legacy}", json={"desc": "moved"}, headers=gw.admin
    )
    assert response.status_code == 200, response.text
    handle = response.json()["api_key"]
    assert legacy not in handle

    forwarded = await gw.client.get("/nlu/v2/faq_matchers", headers={"X-Auth-Token": legacy})
    assert forwarded.status_code == 200
    assert forwarded.json()["tenant"] not in ("admin", "")
    details = await gw.client.get(f"/nlu/v2/api_keys/{handle}", headers=gw.admin)
    assert details.json()["desc"] == "moved"

    # An unknown key id is a 404, and a short name cannot become a key.
    assert (
        await gw.client.post("/nlu/v2/api_keys/AAAAAAAAAAAA", json={}, headers=gw.admin)
    ).status_code == 404
    short = await gw.client.post("/nlu/v2/api_keys/short-key", json={}, headers=gw.admin)
    assert short.status_code == 400 and short.json()["error"] == "invalid_input"


async def test_delete_revokes_the_key_at_once(gw: Gateway) -> None:
    created = await gw.create_key("doomed")
    key, key_id = created["api_key"], created["api_key"].split("_")[1]
    tenant_headers = {"X-Auth-Token": key}
    assert (await gw.client.get("/nlu/v2/faq_matchers", headers=tenant_headers)).status_code == 200

    response = await gw.client.delete(f"/nlu/v2/api_keys/{key_id}", headers=gw.admin)
    assert response.status_code == 200
    assert response.json()["api_key"] == key_id and response.json()["desc"] == "doomed"

    refused = await gw.client.get("/nlu/v2/faq_matchers", headers=tenant_headers)
    assert refused.status_code == 401
    assert (await gw.client.get(f"/nlu/v2/api_keys/{key_id}", headers=gw.admin)).status_code == 404
    assert (
        await gw.client.delete(f"/nlu/v2/api_keys/{key_id}", headers=gw.admin)
    ).status_code == 404
    listed = (await gw.client.get("/nlu/v2/api_keys", headers=gw.admin)).json()
    assert key_id not in [k["api_key"] for k in listed]
    # The row is kept (revoked), so usage history stays and the id is never reused.
    async with gw.state.sessions() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
    assert row is not None and row.revoked_at is not None


async def test_a_tenant_key_cannot_manage_keys(gw: Gateway) -> None:
    created = await gw.create_key("tenant")
    key_id = created["api_key"].split("_")[1]
    tenant = {"X-Auth-Token": created["api_key"]}
    calls = [
        gw.client.post("/nlu/v2/api_keys", json={"desc": "x"}, headers=tenant),
        gw.client.get("/nlu/v2/api_keys", headers=tenant),
        gw.client.get(f"/nlu/v2/api_keys/{key_id}", headers=tenant),
        gw.client.post(
            f"/nlu/v2/api_keys/{key_id}", json={"call_count_limit": None}, headers=tenant
        ),
        gw.client.delete(f"/nlu/v2/api_keys/{key_id}", headers=tenant),
    ]
    for call in calls:
        response = await call
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"
    # Nothing changed: the key still works.
    assert (await gw.client.get("/nlu/v2/faq_matchers", headers=tenant)).status_code == 200


async def test_bad_input_is_a_400_json(gw: Gateway) -> None:
    headers = {**gw.admin, "Content-Type": "application/json"}
    bad_json = await gw.client.post("/nlu/v2/api_keys", content=b'{"desc": ', headers=headers)
    assert bad_json.status_code == 400 and bad_json.json()["error"] == "invalid_input"
    wrong_type = await gw.client.post(
        "/nlu/v2/api_keys", json={"call_count_limit": "many"}, headers=gw.admin
    )
    assert wrong_type.status_code == 400
    assert wrong_type.json()["errors"][0]["field"] == "call_count_limit"
    too_long = await gw.client.post("/nlu/v2/api_keys", json={"desc": "x" * 1001}, headers=gw.admin)
    assert too_long.status_code == 400
    not_object = await gw.client.post("/nlu/v2/api_keys", json=["desc"], headers=gw.admin)
    assert not_object.status_code == 400
    no_body = await gw.client.post("/nlu/v2/api_keys", headers=gw.admin)
    assert no_body.status_code == 400
    listed = (await gw.client.get("/nlu/v2/api_keys", headers=gw.admin)).json()
    assert "x" * 1001 not in [k["desc"] for k in listed]


async def test_other_methods_on_api_keys_are_405_not_forwarded(gw: Gateway) -> None:
    response = await gw.client.put("/nlu/v2/api_keys", json={}, headers=gw.admin)
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"
    response = await gw.client.patch("/nlu/v2/api_keys/abc", json={}, headers=gw.admin)
    assert response.status_code == 405
    assert gw.nlu.state.calls == []


async def test_admin_key_is_not_in_the_listing_and_cannot_be_deleted(gw: Gateway) -> None:
    listed = (await gw.client.get("/nlu/v2/api_keys", headers=gw.admin)).json()
    assert all(ADMIN_KEY not in str(k) for k in listed)
    response = await gw.client.delete(f"/nlu/v2/api_keys/{ADMIN_KEY}", headers=gw.admin)
    assert response.status_code == 404
    response = await gw.client.post(f"/nlu/v2/api_keys/{ADMIN_KEY}", json={}, headers=gw.admin)
    assert response.status_code == 409
    assert (await gw.client.get("/nlu/v2/api_keys", headers=gw.admin)).status_code == 200


async def tenant_of(gw: Gateway, key: str) -> Any:
    response = await gw.client.get("/nlu/v2/text_classifiers", headers={"X-Auth-Token": key})
    assert response.status_code == 200, response.text
    return response.json()["tenant"]


async def test_a_new_key_can_join_an_existing_tenant_so_keys_rotate(gw: Gateway) -> None:
    first = await gw.create_key("first")
    assert first["tenant"] and first["scope"] == "full" and first["expires_at"] is None
    second = await gw.create_key("second", tenant=first["tenant"])
    assert second["tenant"] == first["tenant"]
    assert await tenant_of(gw, first["api_key"]) == await tenant_of(gw, second["api_key"])
    # Rotation: the old key goes, the new one keeps working for the same tenant.
    revoked = await gw.client.delete(f"/nlu/v2/api_keys/{first['api_key']}", headers=gw.admin)
    assert revoked.status_code == 200
    assert await tenant_of(gw, second["api_key"]) == first["tenant"]
    unknown = await gw.client.post(
        "/nlu/v2/api_keys", json={"desc": "x", "tenant": "no-such-tenant"}, headers=gw.admin
    )
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"


async def test_an_expired_key_is_refused_and_expiry_can_be_lifted(gw: Gateway) -> None:
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    created = await gw.create_key("short-lived", expires_at=soon)
    key = created["api_key"]
    assert created["expires_at"] is not None
    assert await tenant_of(gw, key)
    await asyncio.sleep(1.2)
    expired = await gw.client.get("/nlu/v2/text_classifiers", headers={"X-Auth-Token": key})
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    lifted = await gw.client.post(
        f"/nlu/v2/api_keys/{key}", json={"expires_at": None}, headers=gw.admin
    )
    assert lifted.status_code == 200 and lifted.json()["expires_at"] is None
    assert await tenant_of(gw, key)
    for bad in ("2020-01-01T00:00:00Z", "2030-01-01T00:00:00", "tomorrow"):
        response = await gw.client.post(
            "/nlu/v2/api_keys", json={"desc": "x", "expires_at": bad}, headers=gw.admin
        )
        assert response.status_code == 400, bad


async def test_a_read_only_key_reads_and_retrieves_but_changes_nothing(gw: Gateway) -> None:
    created = await gw.create_key("bot", scope="retrieve")
    assert created["scope"] == "retrieve"
    key = {"X-Auth-Token": created["api_key"]}
    before = len(gw.nlu.state.calls)
    assert (await gw.client.get("/nlu/v2/faq_matchers", headers=key)).status_code == 200
    retrieve = await gw.client.post(
        "/nlu/v2/faq_matchers/help/retrieve", json={"text": "hi"}, headers=key
    )
    assert retrieve.status_code == 200
    image = await gw.client.post(
        "/vision/v2/image_classifiers/pets/retrieve", json={"image": "x"}, headers=key
    )
    assert image.status_code == 200
    for method, path in (
        ("POST", "/nlu/v2/faq_matchers"),
        ("POST", "/nlu/v2/faq_matchers/help/training_samples"),
        ("POST", "/nlu/v2/faq_matchers/help/train"),
        ("DELETE", "/nlu/v2/faq_matchers/help"),
        ("PUT", "/vision/v2/image_classifiers/pets/training_samples"),
    ):
        response = await gw.client.request(method, path, json={}, headers=key)
        assert response.status_code == 403 and response.json()["error"] == "forbidden", path
    assert len(gw.nlu.state.calls) == before + 2
    bad = await gw.client.post(
        "/nlu/v2/api_keys", json={"desc": "x", "scope": "admin"}, headers=gw.admin
    )
    assert bad.status_code == 400
