"""Resolved API keys, cached in this process for a few seconds and, when configured, in Redis.

Keys with a `call_count_limit` are not shared through Redis: their count must be read from
the database. Replicas each see the others' calls when their entry expires, so a limit is
exact on one replica and may be overrun by what other replicas serve within `key_cache_ttl_s`.

A key deleted or changed through this replica is evicted at once (after the commit); other
replicas hear of it on the Redis channel `<namespace>:gateway:keys`, or at the latest when
their entry expires (`key_cache_ttl_s`). With Redis down the gateway keeps serving from its
own cache and the database, and logs the outage once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

log = logging.getLogger("baobab.gateway.keys")

T = TypeVar("T")
# After a Redis failure, leave it alone for this long instead of paying a timeout per request.
REDIS_RETRY_AFTER_S = 5.0
REDIS_TIMEOUT_S = 0.5
MAX_LOCAL_ENTRIES = 50_000
SUBSCRIPTION_POLL_S = 0.1


@dataclass(slots=True)
class KeyRecord:
    """What authenticating a request needs to know about one live API key."""

    id: uuid.UUID
    key_id: str
    key_hash: str
    tenant_id: str
    call_count: int
    call_count_limit: int | None
    # Wall-clock time the database was read; counts flushed after it are added locally.
    loaded_at: float
    # Epoch seconds after which the key is refused; None: never.
    expires_at: float | None = None
    # "full", or "retrieve" (read and retrieve only).
    scope: str = "full"

    def to_json(self) -> str:
        data = asdict(self)
        data["id"] = str(self.id)
        return json.dumps(data)

    @classmethod
    def from_json(cls, raw: str | bytes) -> KeyRecord:
        data = json.loads(raw)
        data["id"] = uuid.UUID(data["id"])
        return cls(**data)


class RedisLink:
    """A Redis client that reports failures instead of raising, and backs off after one."""

    def __init__(self, url: str, namespace: str) -> None:
        # No retries: a request must not wait on Redis; the breaker below takes over.
        self.client: Redis = Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            retry=Retry(NoBackoff(), 0),
        )
        self.namespace = namespace
        self._down_until = 0.0
        self._down = False

    @property
    def state(self) -> str:
        return "down" if self._down else "ok"

    def key(self, *parts: str) -> str:
        return ":".join((self.namespace, "gateway", *parts))

    async def call(self, op: Callable[[Redis], Awaitable[T]]) -> T | None:
        """Return `op(client)`, or None when Redis is down (logged once per outage)."""
        if self._down and time.monotonic() < self._down_until:
            return None
        try:
            result = await op(self.client)
        except Exception as exc:  # redis errors, OSError, timeouts: all mean "down"
            self.mark_down(exc)
            return None
        if self._down:
            self._down = False
            log.info("redis is reachable again")
        return result

    def mark_down(self, exc: BaseException) -> None:
        if not self._down:
            log.warning("redis is unreachable, serving from memory and the database: %s", exc)
        self._down = True
        self._down_until = time.monotonic() + REDIS_RETRY_AFTER_S

    async def ping(self) -> bool:
        return bool(await self.call(lambda r: r.ping()))

    async def aclose(self) -> None:
        await self.client.aclose()


KeyLoader = Callable[[str], Awaitable[KeyRecord | None]]


class KeyCache:
    """Resolves a key id to its live `KeyRecord`: this process, then Redis, then the database."""

    def __init__(self, load: KeyLoader, ttl_s: float, redis: RedisLink | None = None) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._redis = redis
        self._local: dict[str, tuple[float, KeyRecord]] = {}
        self._loading: dict[str, asyncio.Task[KeyRecord | None]] = {}
        self._epoch = 0
        # Keys invalidated lately: not read back from Redis until the TTL has passed, in case
        # Redis missed the delete (down at that moment) and still holds the old entry.
        self._tombstones: dict[str, float] = {}
        self._channel = redis.key("keys") if redis else ""
        self._stop = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None

    async def get(self, key_id: str) -> KeyRecord | None:
        """Return the live key with this id, or None when there is none."""
        hit = self._local.get(key_id)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        # One lookup per key id at a time, however many requests wait for it; it runs as
        # its own task so a client that hangs up does not fail the others.
        task = self._loading.get(key_id)
        if task is None:
            task = asyncio.create_task(self._resolve(key_id))
            self._loading[key_id] = task
            task.add_done_callback(lambda t: self._loaded(key_id, t))
        return await asyncio.shield(task)

    def _loaded(self, key_id: str, task: asyncio.Task[KeyRecord | None]) -> None:
        self._loading.pop(key_id, None)
        if not task.cancelled():
            task.exception()  # retrieved here so a failure nobody awaited is not logged twice

    async def _resolve(self, key_id: str) -> KeyRecord | None:
        # A key invalidated while we read must not be cached from what we read before.
        epoch = self._epoch
        record: KeyRecord | None = None
        if self._redis is not None and not self._recently_invalidated(key_id):
            raw = await self._redis.call(lambda r: r.get(self._redis_key(key_id)))
            if raw:
                try:
                    record = KeyRecord.from_json(raw)
                except (ValueError, TypeError, KeyError):
                    log.warning("ignoring a malformed cached key entry for %s", key_id)
                if record is not None and record.call_count_limit is not None:
                    record = None
        from_redis = record is not None
        if record is None:
            record = await self._load(key_id)
        if record is None or epoch != self._epoch:
            return record
        # A limited key's count must come from the database, not another replica's snapshot.
        if not from_redis and self._redis is not None and record.call_count_limit is None:
            payload = record.to_json()
            ttl_ms = max(1, int(self._ttl_s * 1000))
            await self._redis.call(lambda r: r.set(self._redis_key(key_id), payload, px=ttl_ms))
        if epoch == self._epoch:
            if len(self._local) >= MAX_LOCAL_ENTRIES:
                self._purge_expired()
            self._local[key_id] = (time.monotonic() + self._ttl_s, record)
        return record

    def _redis_key(self, key_id: str) -> str:
        assert self._redis is not None
        return self._redis.key("key", key_id)

    def _purge_expired(self) -> None:
        now = time.monotonic()
        for key_id in [k for k, (expires, _) in self._local.items() if expires <= now]:
            del self._local[key_id]

    def _recently_invalidated(self, key_id: str) -> bool:
        until = self._tombstones.get(key_id)
        if until is None:
            return False
        if until > time.monotonic():
            return True
        del self._tombstones[key_id]
        return False

    def evict_local(self, key_id: str) -> None:
        self._epoch += 1
        self._local.pop(key_id, None)
        if len(self._tombstones) >= MAX_LOCAL_ENTRIES:
            now = time.monotonic()
            self._tombstones = {k: t for k, t in self._tombstones.items() if t > now}
        self._tombstones[key_id] = time.monotonic() + self._ttl_s

    async def invalidate(self, key_id: str) -> None:
        """Forget `key_id` here, in Redis, and (through pub/sub) in every other replica."""
        self.evict_local(key_id)
        if self._redis is not None:
            redis_key = self._redis_key(key_id)
            await self._redis.call(lambda r: r.delete(redis_key))
            await self._redis.call(lambda r: r.publish(self._channel, key_id))

    def add_flushed_calls(self, calls: dict[str, int], flush_started_at: float) -> None:
        """Count calls just written to the database in entries read before they were written."""
        for key_id, n in calls.items():
            hit = self._local.get(key_id)
            if hit is not None and hit[1].loaded_at < flush_started_at:
                hit[1].call_count += n

    def start_listening(self) -> None:
        """Start evicting the keys other replicas announce (no-op without Redis)."""
        if self._redis is not None and self._listener is None:
            self._stop.clear()
            self._listener = asyncio.create_task(
                self._listen(self._redis), name="key-invalidations"
            )

    async def stop_listening(self) -> None:
        """Stop the subscription loop; it notices within `SUBSCRIPTION_POLL_S`."""
        if self._listener is None:
            return
        self._stop.set()
        # Not cancelled: cancelling redis-py inside its read timeout can leave the read hung.
        done, _ = await asyncio.wait({self._listener}, timeout=SUBSCRIPTION_POLL_S * 5)
        if not done:
            log.warning("the key invalidation listener did not stop; cancelling it")
            self._listener.cancel()
        self._listener = None

    async def _listen(self, redis: RedisLink) -> None:
        while not self._stop.is_set():
            pubsub = redis.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                while not self._stop.is_set():
                    message: dict[str, Any] | None = await pubsub.get_message(
                        timeout=SUBSCRIPTION_POLL_S
                    )
                    if message and message.get("type") == "message":
                        data = message["data"]
                        self.evict_local(data.decode() if isinstance(data, bytes) else str(data))
            except Exception as exc:
                redis.mark_down(exc)
                # Invalidations sent while we were away are lost: forget everything cached.
                self._epoch += 1
                self._local.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), REDIS_RETRY_AFTER_S)
            finally:
                try:
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                except Exception:
                    log.debug("closing the redis subscription failed", exc_info=True)
