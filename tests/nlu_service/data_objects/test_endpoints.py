"""Every data-object operation through the NLU app, against the real model store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI

from shared import ModelStoreClient
from tests.nlu_service.conftest import ClientFor, NluFactory
from tests.nlu_service.support import NluClient, assert_error, ok

BASE = "/nlu/v2/data_objects"
MENU = {"title": "Menu", "items": [{"name": "tea", "price": 12.5}, {"name": "coffee"}], "n": 2}
SMALL_LIMIT = 200


async def snapshot(api: NluClient) -> dict[str, Any]:
    names = ok(await api.get(BASE))
    return {"names": names, **{n: ok(await api.get(f"{BASE}/{n}")) for n in names}}


async def test_full_lifecycle(api: NluClient, store: ModelStoreClient) -> None:
    assert ok(await api.get(BASE)) == []
    assert ok(await api.post(f"{BASE}/menu", json=MENU)) == MENU
    assert ok(await api.get(f"{BASE}/menu")) == MENU
    assert ok(await api.get(BASE)) == ["menu"]
    stored = await store.get_model(api.tenant, "data_object", "menu")
    assert stored["params"] == {"data": MENU}

    # POST again replaces the whole object (no merge with the old keys).
    assert ok(await api.post(f"{BASE}/menu", json={"title": "New"})) == {"title": "New"}
    assert ok(await api.get(f"{BASE}/menu")) == {"title": "New"}
    assert ok(await api.post(f"{BASE}/empty", json={})) == {}
    assert ok(await api.get(BASE)) == ["empty", "menu"]

    assert ok(await api.delete(f"{BASE}/menu")) == {"title": "New"}
    assert_error(await api.get(f"{BASE}/menu"), 404, "not_found")
    assert ok(await api.get(BASE)) == ["empty"]
    assert ok(await api.post(f"{BASE}/menu/untrash")) == {"title": "New"}
    assert ok(await api.get(f"{BASE}/menu")) == {"title": "New"}
    # A live object of that name: untrash is a conflict.
    assert_error(await api.post(f"{BASE}/menu/untrash"), 409, "conflict")

    assert ok(await api.post(f"{BASE}/menu/vaporise")) == {"title": "New"}
    assert_error(await api.get(f"{BASE}/menu"), 404)
    assert_error(await api.post(f"{BASE}/menu/untrash"), 404)


async def test_delete_all_trashes_every_object_which_can_be_untrashed(api: NluClient) -> None:
    for name in ("a", "b", "c"):
        ok(await api.post(f"{BASE}/{name}", json={"name": name}))
    assert ok(await api.delete(BASE)) == ["a", "b", "c"]
    assert ok(await api.get(BASE)) == []
    assert ok(await api.delete(BASE)) == []
    assert ok(await api.post(f"{BASE}/b/untrash")) == {"name": "b"}
    assert ok(await api.get(BASE)) == ["b"]
    # A trashed object can be vaporised; then it cannot come back.
    assert ok(await api.post(f"{BASE}/a/vaporise")) == {"name": "a"}
    assert_error(await api.post(f"{BASE}/a/untrash"), 404)


async def test_untrash_over_a_live_object_is_a_conflict(api: NluClient) -> None:
    ok(await api.post(f"{BASE}/x", json={"v": 1}))
    ok(await api.delete(f"{BASE}/x"))
    ok(await api.post(f"{BASE}/x", json={"v": 2}))  # a new live one replaces the trashed one
    assert_error(await api.post(f"{BASE}/x/untrash"), 409, "conflict")
    ok(await api.delete(f"{BASE}/x"))
    ok(await api.post(f"{BASE}/x/untrash"))
    assert ok(await api.get(f"{BASE}/x")) == {"v": 2}


async def test_another_tenants_objects_are_not_found_and_stay_untouched(
    api: NluClient, other_api: NluClient
) -> None:
    ok(await api.post(f"{BASE}/mine", json=MENU))
    ok(await api.post(f"{BASE}/binned", json={"b": 1}))
    ok(await api.delete(f"{BASE}/binned"))
    before = await snapshot(api)
    for method, path in [
        ("GET", "/mine"),
        ("DELETE", "/mine"),
        ("POST", "/mine/vaporise"),
        ("POST", "/mine/untrash"),
        ("POST", "/binned/untrash"),
        ("POST", "/binned/vaporise"),
    ]:
        assert_error(await other_api.request(method, f"{BASE}{path}"), 404, "not_found")
    assert ok(await other_api.get(BASE)) == []
    assert ok(await other_api.delete(BASE)) == []
    # Their POST of the same name is their own object.
    assert ok(await other_api.post(f"{BASE}/mine", json={"theirs": True})) == {"theirs": True}
    assert await snapshot(api) == before
    assert ok(await api.post(f"{BASE}/binned/untrash")) == {"b": 1}


@pytest.mark.parametrize(
    "body",
    [
        b"[1, 2, 3]",
        b'"a string"',
        b"42",
        b"null",
        b"{not json",
        b"",
        b'{"x": NaN}',
        b'{"x": Infinity}',
        b'{"x": "nul \\u0000"}',
    ],
)
async def test_bad_objects_are_refused_and_change_nothing(api: NluClient, body: bytes) -> None:
    ok(await api.post(f"{BASE}/obj", json=MENU))
    before = await snapshot(api)
    headers = {"content-type": "application/json"}
    assert_error(await api.post(f"{BASE}/obj", content=body, headers=headers), 400)
    assert_error(await api.post(f"{BASE}/new", content=body, headers=headers), 400)
    assert await snapshot(api) == before


@pytest.mark.parametrize("name", ["bad name!", "x" * 65, "-dash"])
async def test_bad_names_are_400(api: NluClient, name: str) -> None:
    assert_error(await api.post(f"{BASE}/{name}", json=MENU), 400)
    assert ok(await api.get(BASE)) == []


@pytest.fixture(scope="module")
async def small_app(start_nlu: NluFactory) -> AsyncIterator[FastAPI]:
    async with start_nlu(data_object_max_bytes=SMALL_LIMIT, worker_enabled=False) as app:
        yield app


async def test_an_object_over_the_size_limit_is_413_and_changes_nothing(
    small_app: FastAPI, client_for: ClientFor, tenant: str
) -> None:
    api = client_for(tenant, small_app)
    ok(await api.post(f"{BASE}/obj", json={"v": 1}))
    before = await snapshot(api)
    # Exactly at the limit is fine; one byte over is not (multi-byte characters count as bytes).
    at_limit = {"t": "x" * (SMALL_LIMIT - len('{"t":""}'))}
    body = assert_error(
        await api.post(f"{BASE}/obj", json={"t": "é" * SMALL_LIMIT}), 413, "too_large"
    )
    assert str(SMALL_LIMIT) in body["detail"]
    over = {"t": "x" * (SMALL_LIMIT - len('{"t":""}') + 1)}
    assert_error(await api.post(f"{BASE}/obj", json=over), 413)
    assert_error(await api.post(f"{BASE}/new", json=over), 413)
    assert await snapshot(api) == before
    assert ok(await api.post(f"{BASE}/obj", json=at_limit)) == at_limit
