"""ModelStoreClient against the real model store app (in process), and its error mapping."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp

from model_store.app import create_app
from model_store.config import Settings
from shared import (
    SYSTEM_TENANT,
    BaobabError,
    Conflict,
    InvalidInput,
    ModelStoreClient,
    NotFound,
    TooLarge,
    Unavailable,
    request_id_var,
    verify_headers,
)

TC = "text_classifier"


@pytest.fixture(scope="module")
async def store(database_url: str, var_dir: Path) -> AsyncIterator[tuple[ASGIApp, Settings]]:
    settings = Settings(
        database_url=database_url,
        var_dir=var_dir,
        environment="test",
        log_json=False,
        max_samples_per_call=10,
    )
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        yield manager.app, settings


@pytest.fixture
async def client(store: tuple[ASGIApp, Settings]) -> AsyncIterator[ModelStoreClient]:
    app, settings = store
    c = ModelStoreClient(
        "http://model-store", settings.internal_secret, transport=httpx.ASGITransport(app=app)
    )
    yield c
    await c.aclose()


@pytest.fixture
def service() -> str:
    return f"svc_{uuid.uuid4().hex[:12]}"


async def test_models_round_trip(client: ModelStoreClient, tenant: str) -> None:
    created = await client.create_model(
        tenant, TC, "faq", long_name="FAQ", desc="d", params={"a": 1, "b": 2}
    )
    assert (
        created["name"] == "faq"
        and created["long_name"] == "FAQ"
        and created["params"] == {"a": 1, "b": 2}
    )
    assert (await client.get_model(tenant, TC, "faq"))["id"] == created["id"]
    assert [m["id"] for m in await client.list_models(tenant, TC)] == [created["id"]]

    updated = await client.update_model(
        tenant, TC, "faq", desc="new", readonly=True, params={"a": None, "c": 3}
    )
    assert (
        updated["desc"] == "new" and updated["readonly"] is True and updated["long_name"] == "FAQ"
    )
    assert updated["params"] == {"b": 2, "c": 3}

    tsne = await client.put_tsne(tenant, TC, "faq", [{"x": 1.0, "y": 2.0}])
    assert tsne["tsne"] == [{"x": 1.0, "y": 2.0}]

    trashed = await client.trash_model(tenant, TC, "faq")
    assert trashed["trashed"] is True
    with pytest.raises(NotFound):
        await client.get_model(tenant, TC, "faq")
    restored = await client.create_model(tenant, TC, "faq", load_from_store=True)
    assert restored["id"] == created["id"]
    gone = await client.vaporise_model(tenant, TC, "faq")
    assert gone["id"] == created["id"]
    assert await client.list_models(tenant, TC) == []


async def test_samples_round_trip(client: ModelStoreClient, tenant: str) -> None:
    await client.create_model(tenant, TC, "faq")
    added = await client.add_samples(
        tenant,
        TC,
        "faq",
        "training",
        [{"text": "hi", "label": "g"}, {"text": "yo", "label": "g"}, {"text": "hi", "label": "g"}],
    )
    assert [s["text"] for s in added] == ["hi", "yo"]
    assert await client.get_samples(tenant, TC, "faq", "training") == added
    assert await client.get_samples(tenant, TC, "faq", "training", index=1, length=1) == added[1:]
    changed = await client.update_samples(
        tenant, TC, "faq", "training", [{"uuid": added[0]["uuid"], "label": "h"}]
    )
    assert changed[0]["label"] == "h"
    deleted = await client.delete_samples(tenant, TC, "faq", "training", [{"text": "yo"}])
    assert [s["uuid"] for s in deleted] == [added[1]["uuid"]]
    assert [s["uuid"] for s in await client.delete_all_samples(tenant, TC, "faq", "training")] == [
        added[0]["uuid"]
    ]
    assert await client.get_samples(tenant, TC, "faq", "training") == []


async def test_training_round_trip(client: ModelStoreClient, tenant: str, service: str) -> None:
    await client.create_model(tenant, TC, "faq")
    assert await client.claim_job(service, "w1", 30) is None
    job = await client.create_job(tenant, TC, "faq", service, {"algorithm": "lr"})
    assert job["state"] == "queued" and job["params"] == {"algorithm": "lr"}

    claimed = await client.claim_job(service, "w1", 30)
    assert claimed is not None and claimed["id"] == job["id"] and claimed["tenant"] == tenant
    assert (await client.heartbeat_job(job["id"], "w1", 60))["state"] == "running"
    artifact = bytes(range(256))
    done = await client.complete_job(
        job["id"], "w1", artifact, ["a", "b"], {"f1": 0.5}, message="m"
    )
    assert done["state"] == "succeeded"
    assert (await client.get_job(tenant, job["id"]))["revision_id"] == done["revision_id"]

    revisions = await client.list_revisions(tenant, TC, "faq")
    assert [r["id"] for r in revisions] == [done["revision_id"]] and revisions[0]["message"] == "m"
    assert await client.get_artifact(tenant, done["revision_id"]) == artifact
    assert (await client.get_model(tenant, TC, "faq"))["current_revision"]["labels"] == ["a", "b"]

    second = await client.create_job(tenant, TC, "faq", service, {})
    assert (await client.claim_job(service, "w2", 30) or {})["id"] == second["id"]
    failed = await client.fail_job(second["id"], "w2", "boom")
    assert failed["state"] == "failed" and failed["error"] == "boom"


async def test_error_answers_become_shared_errors_with_the_stores_detail(
    client: ModelStoreClient, tenant: str, service: str
) -> None:
    with pytest.raises(NotFound, match="not found"):
        await client.get_model(tenant, TC, "missing")
    with pytest.raises(InvalidInput):
        await client.create_model(tenant, TC, "bad name")
    await client.create_model(tenant, TC, "faq")
    with pytest.raises(Conflict, match="already exists"):
        await client.create_model(tenant, TC, "faq")
    with pytest.raises(TooLarge, match="limit"):
        await client.add_samples(
            tenant, TC, "faq", "training", [{"text": f"t{i}", "label": "l"} for i in range(11)]
        )
    job = await client.create_job(tenant, TC, "faq", service, {})
    await client.claim_job(service, "w1", 30)
    with pytest.raises(Conflict):
        await client.heartbeat_job(job["id"], "someone-else", 30)
    # The system identity has no models: a call like that is a bug in the caller.
    with pytest.raises(BaobabError) as refused:
        await client.get_model(SYSTEM_TENANT, TC, "faq")
    assert type(refused.value) is BaobabError and "403" in refused.value.detail
    with pytest.raises(NotFound):
        await client.get_artifact(tenant, str(uuid.uuid4()))
    # NaN is not JSON: refused before it is sent, and the job is still the worker's.
    with pytest.raises(InvalidInput):
        await client.complete_job(job["id"], "w1", b"x", [], {"f1": float("nan")})
    assert (await client.heartbeat_job(job["id"], "w1", 30))["state"] == "running"


async def test_a_wrong_secret_is_a_bug_not_a_user_error(
    store: tuple[ASGIApp, Settings], tenant: str
) -> None:
    app, _ = store
    wrong = ModelStoreClient(
        "http://model-store", "not-the-secret", transport=httpx.ASGITransport(app=app)
    )
    try:
        with pytest.raises(BaobabError) as refused:
            await wrong.list_models(tenant, TC)
        assert type(refused.value) is BaobabError and "401" in refused.value.detail
    finally:
        await wrong.aclose()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_an_unreachable_store_is_unavailable(tenant: str) -> None:
    down = ModelStoreClient(f"http://127.0.0.1:{closed_port()}", "s", timeout=2.0)
    try:
        with pytest.raises(Unavailable, match="unreachable"):
            await down.get_model(tenant, TC, "faq")
        assert await down.ready() is False
    finally:
        await down.aclose()


async def test_a_failing_store_is_unavailable(tenant: str) -> None:
    def fail(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            500, json={"error": "internal_error", "detail": "internal server error"}
        )

    broken = ModelStoreClient("http://model-store", "s", transport=httpx.MockTransport(fail))
    try:
        with pytest.raises(Unavailable, match="500"):
            await broken.list_models(tenant, TC)
        assert await broken.ready() is False
    finally:
        await broken.aclose()


async def test_calls_are_signed_for_the_path_the_server_sees_and_carry_the_request_id(
    tenant: str,
) -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    c = ModelStoreClient(
        "http://proxy.internal/store/", "s3cret", transport=httpx.MockTransport(record)
    )
    token = request_id_var.set("req-abc")
    try:
        await c.list_models(tenant, TC)
    finally:
        request_id_var.reset(token)
        await c.aclose()
    (request,) = seen
    assert request.url.path == "/store/internal/v1/models"
    assert request.url.params["model_type"] == TC
    caller = verify_headers("s3cret", dict(request.headers), "GET", request.url.path)
    assert caller is not None and caller.tenant == tenant and caller.request_id == "req-abc"


async def test_worker_calls_are_signed_as_the_system(tenant: str) -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    c = ModelStoreClient("http://model-store", "s3cret", transport=httpx.MockTransport(record))
    try:
        assert await c.claim_job("nlu", "w", 5) is None
    finally:
        await c.aclose()
    caller = verify_headers("s3cret", dict(seen[0].headers), "POST", "/internal/v1/jobs/claim")
    assert caller is not None and caller.is_system


async def test_ready_is_true_against_a_ready_store(client: ModelStoreClient) -> None:
    assert await client.ready() is True


async def test_a_read_on_a_connection_the_server_closed_is_sent_once_more(tenant: str) -> None:
    """The keep-alive race: the server drops a pooled connection as a request goes out."""
    seen: list[str] = []

    def drop_first(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if len(seen) % 2 == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(200, json=[])

    c = ModelStoreClient("http://model-store", "s", transport=httpx.MockTransport(drop_first))
    try:
        assert await c.list_models(tenant, TC) == []
        assert seen == ["GET", "GET"]
        # A write is not sent twice: its fate is unknown, so the caller hears of it.
        seen.clear()
        with pytest.raises(Unavailable, match="RemoteProtocolError"):
            await c.claim_job("nlu", "w", 5)
        assert seen == ["POST"]
    finally:
        await c.aclose()
