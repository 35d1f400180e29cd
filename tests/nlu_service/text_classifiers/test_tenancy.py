"""Only signed calls get in, and a tenant never sees or touches another tenant's model."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared import sign_headers
from tests.nlu_service.support import (
    BASE,
    INTENTS,
    SECRET,
    NluClient,
    add_samples,
    assert_error,
    create_model,
    ok,
    samples_of,
    snapshot,
    train,
)

SAMPLE = [{"text": "hello again", "label": "greeting"}]

# Every operation on a named model, with a body that would be valid for the owner.
OPERATIONS: list[tuple[str, str, Any]] = [
    ("GET", "", None),
    ("DELETE", "", None),
    ("POST", "/vaporise", None),
    ("POST", "/training_samples", SAMPLE),
    ("PUT", "/training_samples", [{"uuid": "00000000-0000-0000-0000-000000000000", "label": "x"}]),
    ("GET", "/training_samples", None),
    ("DELETE", "/training_samples", [{"text": "hello there"}]),
    ("DELETE", "/training_samples_all", None),
    ("POST", "/testing_samples", SAMPLE),
    ("PUT", "/testing_samples", [{"uuid": "00000000-0000-0000-0000-000000000000", "label": "x"}]),
    ("GET", "/testing_samples", None),
    ("DELETE", "/testing_samples", [{"text": "hello there"}]),
    ("DELETE", "/testing_samples_all", None),
    ("POST", "/train", {"immediate_mode": True}),
    ("POST", "/params", {"threshold": 0.9}),
    ("GET", "/params", None),
    ("POST", "/online_training_samples", SAMPLE),
    ("POST", "/retrieve", {"text": "hello"}),
    ("GET", "/labels", None),
    (
        "POST",
        "/curate",
        {"true_label": "greeting", "predicted_label": "greeting", "matrix_name": "train"},
    ),
    ("POST", "/tsne", {"n_components": 2}),
    ("GET", "/tsne", None),
]


async def test_another_tenants_model_is_not_found_and_stays_untouched(
    api: NluClient, other_api: NluClient
) -> None:
    await create_model(api, "private")
    await add_samples(api, "private", samples_of(INTENTS))
    await add_samples(api, "private", SAMPLE, kind="testing")
    await train(api, "private")
    ok(await api.post(f"{BASE}/private/tsne", json={"n_components": 2}))
    await create_model(api, "binned")
    ok(await api.delete(f"{BASE}/binned"))
    before = await snapshot(api, "private")

    for method, path, body in OPERATIONS:
        foreign = await other_api.request(method, f"{BASE}/private{path}", json=body)
        missing = await other_api.request(method, f"{BASE}/no-such-model{path}", json=body)
        assert_error(foreign, 404, "not_found")
        assert_error(missing, 404, "not_found")
        # Exactly alike: nothing tells the caller the name is taken elsewhere.
        assert foreign.json()["detail"].replace("private", "X") == missing.json()["detail"].replace(
            "no-such-model", "X"
        ), (method, path)
    assert ok(await other_api.get(BASE)) == []
    restore = await other_api.post(BASE, json={"name": "binned", "load_from_store": True})
    assert_error(restore, 404, "not_found")

    assert await snapshot(api, "private") == before
    restored = ok(await api.post(BASE, json={"name": "binned", "load_from_store": True}))
    assert restored["name"] == "binned"


def _public_operations(app: FastAPI) -> list[tuple[str, str]]:
    """Return (method, path) of every operation the app's OpenAPI document lists."""
    return [
        (method.upper(), path.replace("{instance_name}", "intents"))
        for path, item in app.openapi()["paths"].items()
        for method in item
    ]


async def test_unsigned_and_badly_signed_calls_get_401(nlu_app: FastAPI, tenant: str) -> None:
    operations = _public_operations(nlu_app)
    # Every operation of the app is refused unsigned; 24 of them are text classifiers'.
    assert len([path for _, path in operations if path.startswith(BASE)]) == 24
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(nlu_app), base_url="http://nlu.test"
    ) as raw:
        for method, path in operations:
            assert_error(await raw.request(method, path, json={}), 401, "unauthorized")

        path = f"{BASE}/intents"
        stale = sign_headers(SECRET, tenant, "GET", path, now=time.time() - 3600)
        wrong_key = sign_headers("not-the-secret", tenant, "GET", path)
        other_path = sign_headers(SECRET, tenant, "GET", f"{BASE}/other")
        other_method = sign_headers(SECRET, tenant, "DELETE", path)
        for headers in (stale, wrong_key, other_path, other_method):
            assert_error(await raw.get(path, headers=headers), 401, "unauthorized")
        forged = {**sign_headers(SECRET, tenant, "GET", path), "X-Baobab-Tenant": "someone-else"}
        assert_error(await raw.get(path, headers=forged), 401, "unauthorized")
        # The openapi document is for the gateway only, too.
        assert_error(await raw.get("/openapi.json"), 401, "unauthorized")


@pytest.mark.parametrize("path", ["/health", "/ready", "/metrics"])
async def test_probes_need_no_signature(nlu_app: FastAPI, path: str) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(nlu_app), base_url="http://nlu.test"
    ) as raw:
        assert (await raw.get(path)).status_code == 200
