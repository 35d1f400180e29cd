"""The hot model cache over the real model store (and Redis when the suite has one)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import redis.asyncio as aioredis
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from model_store.app import create_app as create_store_app
from model_store.config import Settings as StoreSettings
from shared import HotModelCache, ModelStoreClient, NotFound

SECRET = "test-cache-secret-" + secrets.token_hex(8)
MODEL_TYPE = "text_classifier"
DEAD_REDIS = "redis://127.0.0.1:1/0"


def load_head(data: bytes) -> str:
    """The test's "head": the artifact text, refusing bytes that are not an artifact."""
    if not data.startswith(b"head:"):
        raise ValueError("not an artifact")
    return data.decode()


@pytest.fixture(scope="module")
async def store_app(database_url: str, var_dir: Path) -> AsyncIterator[FastAPI]:
    settings = StoreSettings(
        environment="test",
        database_url=database_url,
        var_dir=var_dir,
        internal_secret=SECRET,
        log_json=False,
    )
    app = create_store_app(settings)
    async with LifespanManager(app, startup_timeout=120):
        yield app


@pytest.fixture
async def store(store_app: FastAPI) -> AsyncIterator[ModelStoreClient]:
    client = ModelStoreClient("http://store.test", SECRET, transport=httpx.ASGITransport(store_app))
    yield client
    await client.aclose()


CacheFactory = Callable[..., HotModelCache[str]]


@pytest.fixture
async def make_cache(
    store: ModelStoreClient, redis_url: str | None, cache_namespace: str
) -> AsyncIterator[CacheFactory]:
    """Return a factory of caches over the store ("replicas"), sharing Redis when there is one."""
    made: list[HotModelCache[str]] = []

    def make(**options: Any) -> HotModelCache[str]:
        options.setdefault("redis_url", redis_url)
        options.setdefault("namespace", cache_namespace)
        cache = HotModelCache(store, load_head, **options)
        made.append(cache)
        return cache

    yield make
    for cache in made:
        await cache.aclose()


@pytest.fixture
def service() -> str:
    """A job service name no worker in the suite claims."""
    return f"cachetest_{uuid.uuid4().hex[:10]}"


async def train_revision(
    store: ModelStoreClient, tenant: str, name: str, service: str, artifact: bytes
) -> str:
    """Store a new revision of the model through a real job; return its id."""
    await store.create_job(tenant, MODEL_TYPE, name, service, {})
    job = await store.claim_job(service, "cache-test", 30)
    assert job is not None
    done = await store.complete_job(
        job["id"], "cache-test", artifact, ["a", "b"], {"note": artifact.decode()}
    )
    revision_id: str = done["revision_id"]
    return revision_id


async def test_resolve_reads_through_once_then_serves_from_memory(
    store: ModelStoreClient, make_cache: CacheFactory, tenant: str
) -> None:
    created = await store.create_model(tenant, MODEL_TYPE, "m1")
    cache = make_cache()
    first = await cache.resolve(tenant, MODEL_TYPE, "m1")
    second = await cache.resolve(tenant, MODEL_TYPE, "m1")
    assert first["id"] == second["id"] == created["id"]
    assert cache.stats()["pointer_misses"] == 1
    assert cache.stats()["pointer_hits"] == 1


async def test_a_bump_moves_this_replica_at_once(
    store: ModelStoreClient, make_cache: CacheFactory, tenant: str, service: str
) -> None:
    await store.create_model(tenant, MODEL_TYPE, "m1")
    cache = make_cache()
    assert (await cache.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"] is None
    revision = await train_revision(store, tenant, "m1", service, b"head:one")
    # Nobody said anything changed: the pointer in memory still answers.
    assert (await cache.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"] is None
    await cache.bump(tenant, MODEL_TYPE, "m1")
    assert (await cache.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"]["id"] == revision


async def test_a_bump_reaches_other_replicas_through_redis(
    store: ModelStoreClient,
    make_cache: CacheFactory,
    tenant: str,
    service: str,
    redis_url: str | None,
) -> None:
    if redis_url is None:
        pytest.skip("replicas share generations through Redis only")
    await store.create_model(tenant, MODEL_TYPE, "m1")
    a, b = make_cache(), make_cache()
    assert (await b.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"] is None
    revision = await train_revision(store, tenant, "m1", service, b"head:one")
    await a.bump(tenant, MODEL_TYPE, "m1")
    assert (await b.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"]["id"] == revision
    await a.bump(tenant, MODEL_TYPE, "m1")
    assert await b.generation(tenant, MODEL_TYPE, "m1") == 2
    raw = aioredis.Redis.from_url(redis_url)
    try:
        assert await raw.get(a.generation_key(tenant, MODEL_TYPE, "m1")) == b"2"
    finally:
        await raw.aclose()
    assert await a.state() == "ok"


async def test_without_redis_other_replicas_catch_up_after_the_pointer_ttl(
    store: ModelStoreClient, make_cache: CacheFactory, tenant: str, service: str
) -> None:
    await store.create_model(tenant, MODEL_TYPE, "m1")
    a, b = make_cache(redis_url=None), make_cache(redis_url=None, pointer_ttl_s=0.3)
    assert await a.state() == "disabled"
    assert (await b.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"] is None
    revision = await train_revision(store, tenant, "m1", service, b"head:one")
    await a.bump(tenant, MODEL_TYPE, "m1")
    assert (await a.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"]["id"] == revision
    await asyncio.sleep(0.35)
    assert (await b.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"]["id"] == revision


async def test_heads_load_once_then_come_from_memory_or_redis(
    store: ModelStoreClient,
    make_cache: CacheFactory,
    tenant: str,
    service: str,
    redis_url: str | None,
) -> None:
    created = await store.create_model(tenant, MODEL_TYPE, "m1")
    revision = await train_revision(store, tenant, "m1", service, b"head:one")
    a = make_cache()
    heads = await asyncio.gather(*(a.head(tenant, created["id"], revision) for _ in range(10)))
    assert heads == ["head:one"] * 10
    assert a.stats()["head_store_loads"] == 1  # ten concurrent misses, one load
    assert await a.head(tenant, created["id"], revision) == "head:one"
    assert a.stats()["head_hits"] >= 1

    b = make_cache()
    assert await b.head(tenant, created["id"], revision) == "head:one"
    if redis_url:
        assert b.stats()["head_redis_hits"] == 1 and b.stats()["head_store_loads"] == 0
    else:
        assert b.stats()["head_store_loads"] == 1


async def test_the_lru_keeps_at_most_its_size(
    store: ModelStoreClient, make_cache: CacheFactory, tenant: str, service: str
) -> None:
    created = await store.create_model(tenant, MODEL_TYPE, "m1")
    one = await train_revision(store, tenant, "m1", service, b"head:one")
    two = await train_revision(store, tenant, "m1", service, b"head:two")
    cache = make_cache(redis_url=None, lru_size=1)
    assert await cache.head(tenant, created["id"], one) == "head:one"
    assert await cache.head(tenant, created["id"], two) == "head:two"
    assert cache.stats()["heads"] == 1
    assert await cache.head(tenant, created["id"], one) == "head:one"
    assert cache.stats()["head_store_loads"] == 3


async def test_a_corrupt_artifact_in_redis_is_replaced_from_the_store(
    store: ModelStoreClient,
    make_cache: CacheFactory,
    tenant: str,
    service: str,
    redis_url: str | None,
) -> None:
    if redis_url is None:
        pytest.skip("needs Redis")
    created = await store.create_model(tenant, MODEL_TYPE, "m1")
    revision = await train_revision(store, tenant, "m1", service, b"head:one")
    cache = make_cache()
    raw = aioredis.Redis.from_url(redis_url)
    try:
        await raw.set(cache.artifact_key(revision), b"garbage", ex=60)
        assert await cache.head(tenant, created["id"], revision) == "head:one"
        assert await raw.get(cache.artifact_key(revision)) == b"head:one"
        ttl = await raw.ttl(cache.artifact_key(revision))
        assert 0 < ttl <= cache.artifact_ttl_s
    finally:
        await raw.aclose()


async def test_missing_and_other_tenants_models_are_not_found(
    store: ModelStoreClient, make_cache: CacheFactory, tenant: str, service: str
) -> None:
    created = await store.create_model(tenant, MODEL_TYPE, "m1")
    revision = await train_revision(store, tenant, "m1", service, b"head:one")
    other = f"t-{uuid.uuid4().hex[:12]}"
    cache = make_cache()
    with pytest.raises(NotFound):
        await cache.resolve(tenant, MODEL_TYPE, "nope")
    with pytest.raises(NotFound):
        await cache.resolve(other, MODEL_TYPE, "m1")
    with pytest.raises(NotFound):
        await cache.head(other, created["id"], revision)
    # The owner still gets it, and the failures left nothing behind.
    assert await cache.head(tenant, created["id"], revision) == "head:one"
    await store.trash_model(tenant, MODEL_TYPE, "m1")
    await cache.bump(tenant, MODEL_TYPE, "m1", model_id=created["id"])
    assert cache.stats()["heads"] == 0
    with pytest.raises(NotFound):
        await cache.resolve(tenant, MODEL_TYPE, "m1")


async def test_redis_down_serves_from_memory_and_store_and_says_degraded(
    store: ModelStoreClient,
    make_cache: CacheFactory,
    tenant: str,
    service: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    created = await store.create_model(tenant, MODEL_TYPE, "m1")
    cache = make_cache(
        redis_url=DEAD_REDIS, degraded_pointer_ttl_s=0.3, redis_timeout_s=0.2, redis_retry_s=0.0
    )
    with caplog.at_level(logging.WARNING, logger="baobab.cache"):
        assert (await cache.resolve(tenant, MODEL_TYPE, "m1"))["id"] == created["id"]
        revision = await train_revision(store, tenant, "m1", service, b"head:one")
        # Within the short TTL the pointer in memory answers...
        assert (await cache.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"] is None
        await asyncio.sleep(0.35)
        # ...then the store is asked again.
        assert (await cache.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"]["id"] == revision
        assert await cache.head(tenant, created["id"], revision) == "head:one"
        await cache.bump(tenant, MODEL_TYPE, "m1")
        assert await cache.state() == "degraded"
    warnings = [
        r for r in caplog.records if r.name == "baobab.cache" and r.levelno == logging.WARNING
    ]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert cache.stats()["redis_errors"] >= 3


class SwitchableProxy:
    """A TCP proxy to Redis that a test can cut and restore, to stage an outage."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def test_bumps_made_during_an_outage_reach_redis_afterwards(
    store: ModelStoreClient,
    make_cache: CacheFactory,
    tenant: str,
    service: str,
    redis_url: str | None,
) -> None:
    if redis_url is None:
        pytest.skip("needs Redis")
    parts = urlsplit(redis_url)
    proxy = SwitchableProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
    await proxy.start()
    try:
        await store.create_model(tenant, MODEL_TYPE, "m1")
        a = make_cache(redis_url=f"redis://127.0.0.1:{proxy.port}{parts.path}", redis_retry_s=0.0)
        b = make_cache()
        assert (await a.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"] is None
        assert (await b.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"] is None
        await proxy.stop()
        revision = await train_revision(store, tenant, "m1", service, b"head:one")
        await a.bump(tenant, MODEL_TYPE, "m1")  # its INCR cannot reach Redis
        assert await a.state() == "degraded"
        assert (await b.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"] is None
        await proxy.start()
        assert (await a.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"]["id"] == revision
        assert await a.state() == "ok"
        # The bump was replayed, so the other replica moves too.
        assert (await b.resolve(tenant, MODEL_TYPE, "m1"))["current_revision"]["id"] == revision
    finally:
        with contextlib.suppress(Exception):
            await proxy.stop()


async def test_trim_keeps_only_what_the_caller_needs(
    store: ModelStoreClient, make_cache: CacheFactory, tenant: str
) -> None:
    await store.create_model(tenant, MODEL_TYPE, "m1", desc="long description")
    cache = make_cache(trim=lambda record: {"id": record["id"], "name": record["name"]})
    record = await cache.resolve(tenant, MODEL_TYPE, "m1")
    assert set(record) == {"id", "name"}


async def test_the_lru_keeps_under_its_byte_budget(
    store: ModelStoreClient, make_cache: CacheFactory, tenant: str, service: str
) -> None:
    created = await store.create_model(tenant, MODEL_TYPE, "m1")
    one = await train_revision(store, tenant, "m1", service, b"head:one")
    two = await train_revision(store, tenant, "m1", service, b"head:two")
    cache = make_cache(redis_url=None, lru_size=10, lru_max_bytes=15, head_bytes=len)
    await cache.head(tenant, created["id"], one)
    assert cache.stats()["head_bytes"] == 8
    await cache.head(tenant, created["id"], two)  # 16 bytes would be over budget
    assert cache.stats()["heads"] == 1 and cache.stats()["head_bytes"] == 8
    # A head bigger than the whole budget is still kept (alone), so retrieve can use it.
    big = make_cache(redis_url=None, lru_max_bytes=4, head_bytes=len)
    assert await big.head(tenant, created["id"], one) == "head:one"
    assert big.stats()["heads"] == 1
