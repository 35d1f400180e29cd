"""Hot tenant models: which revision a model name points at, and its loaded head.

Three layers, nearest first:

1. In-process LRUs: *pointers* `(tenant, model_type, name) -> model record` and *heads*
   `(tenant, model_id, revision_id) -> loaded object`.
2. Redis (when `redis_url` is set): artifact bytes under `{ns}:artifact:{revision_id}`
   with a TTL, and one generation counter per model under `{ns}:gen:{tenant}:{type}:{name}`.
3. The model store, which owns the truth.

Every change that alters what a model answers (train complete, params set, delete,
vaporise, create) calls `bump()`, which INCRs the model's generation. A pointer remembers
the generation it was read at; `resolve()` reads the current one (one Redis GET) and
refetches the record when it moved, so every replica serves the new state on its next call.
Revision ids are immutable, so heads are never invalidated, only evicted.

Without Redis the generations live in this process. With Redis set but down, the cache
logs once, keeps serving from memory and the model store with a short pointer TTL, reports
itself degraded, and never fails a request because of Redis; bumps it could not send are
sent when Redis answers again. Pointers also expire after `pointer_ttl_s` whatever Redis
says, which bounds staleness if Redis loses its keys (a restart without persistence).

Every lookup is counted on `/metrics` as `baobab_model_cache_requests_total{tier, result}`:
tier "pointer" and "head" are the in-process LRUs, "redis" the artifact bytes in Redis
(counted only when Redis is configured; a Redis that is down counts as a miss).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar

import redis.asyncio as aioredis
from prometheus_client import Counter
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger("baobab.cache")

H = TypeVar("H")
T = TypeVar("T")
CacheState = Literal["ok", "degraded", "disabled"]
PointerKey = tuple[str, str, str]
HeadKey = tuple[str, str, str]

# One series set per process (default registry), shared by every cache instance: defined at
# import so that building several apps in one process never registers it twice.
CACHE_REQUESTS = Counter(
    "baobab_model_cache_requests",
    "Model cache lookups by tier (pointer, head: in-process LRUs; redis: artifact bytes).",
    ["tier", "result"],
)
# Every series exists from the start (at zero); bound once, so a lookup only increments.
_COUNTED = {
    (tier, result): CACHE_REQUESTS.labels(tier, result)
    for tier in ("pointer", "head", "redis")
    for result in ("hit", "miss")
}


class ModelSource(Protocol):
    """What the cache needs from the model store (`shared.ModelStoreClient` fits)."""

    async def get_model(self, tenant: str, model_type: str, name: str) -> dict[str, Any]: ...

    async def get_artifact(self, tenant: str, revision_id: str) -> bytes: ...


@dataclass(slots=True)
class _Pointer:
    record: dict[str, Any]
    generation: int | None  # the shared (Redis) generation; None when read while Redis was down
    local_generation: int
    fetched_at: float


class _Missing:
    """Marks a Redis call that could not be made or failed."""


_MISSING = _Missing()


class HotModelCache(Generic[H]):
    """Resolves model names to records and revisions to loaded heads, across replicas."""

    def __init__(
        self,
        source: ModelSource,
        load: Callable[[bytes], H],
        *,
        trim: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        redis_url: str | None = None,
        namespace: str = "baobab",
        lru_size: int = 256,
        lru_max_bytes: int | None = None,
        head_bytes: Callable[[H], int] | None = None,
        pointer_size: int = 4096,
        artifact_ttl_s: int = 3600,
        pointer_ttl_s: float = 60.0,
        degraded_pointer_ttl_s: float = 2.0,
        redis_timeout_s: float = 0.5,
        redis_retry_s: float = 5.0,
    ) -> None:
        self._source = source
        self._load = load
        self._trim = trim or (lambda record: record)
        self.namespace = namespace
        self.lru_size = max(1, lru_size)
        # Heads differ a lot in size (a nearest-neighbour head holds every training vector),
        # so the LRU is bounded in bytes as well as in count when `head_bytes` can tell.
        self.lru_max_bytes = lru_max_bytes
        self._head_bytes = head_bytes or (lambda _: 0)
        self._held_bytes = 0
        self.pointer_size = max(1, pointer_size)
        self.artifact_ttl_s = artifact_ttl_s
        self.pointer_ttl_s = pointer_ttl_s
        self.degraded_pointer_ttl_s = degraded_pointer_ttl_s
        self.redis_retry_s = redis_retry_s
        self._redis: aioredis.Redis | None = None
        if redis_url:
            self._redis = aioredis.Redis.from_url(
                redis_url,
                socket_timeout=redis_timeout_s,
                socket_connect_timeout=redis_timeout_s,
                # Fail fast: a dead Redis must cost one timeout, not a retry ladder.
                retry=Retry(NoBackoff(), 0),
            )
        self._redis_down = False
        self._redis_down_until = 0.0
        self._pointers: OrderedDict[PointerKey, _Pointer] = OrderedDict()
        self._local_generations: dict[PointerKey, int] = {}
        # Bumps whose INCR failed while Redis was unreachable: replayed once it answers again.
        self._pending_bumps: set[PointerKey] = set()
        self._heads: OrderedDict[HeadKey, tuple[H, int]] = OrderedDict()
        self._loading: dict[HeadKey, asyncio.Task[H]] = {}
        self._stats = {
            "pointer_hits": 0,
            "pointer_misses": 0,
            "head_hits": 0,
            "head_redis_hits": 0,
            "head_store_loads": 0,
            "redis_errors": 0,
        }

    # -- keys -------------------------------------------------------------------------

    def generation_key(self, tenant: str, model_type: str, name: str) -> str:
        return f"{self.namespace}:gen:{tenant}:{model_type}:{name}"

    def artifact_key(self, revision_id: str) -> str:
        return f"{self.namespace}:artifact:{revision_id}"

    # -- Redis, failing soft ----------------------------------------------------------

    async def _redis_call(self, call: Callable[[aioredis.Redis], Awaitable[T]]) -> T | _Missing:
        """Run `call` against Redis; on any Redis failure note it and return `_MISSING`."""
        if self._redis is None:
            return _MISSING
        if self._redis_down and time.monotonic() < self._redis_down_until:
            return _MISSING
        try:
            result = await call(self._redis)
        except (RedisError, OSError) as exc:
            self._mark_down(exc)
            return _MISSING
        self._mark_up()
        return result

    def _mark_down(self, exc: BaseException) -> None:
        self._stats["redis_errors"] += 1
        self._redis_down_until = time.monotonic() + self.redis_retry_s
        if not self._redis_down:
            self._redis_down = True
            log.warning(
                "redis is unavailable, serving models from memory and the model store: %s", exc
            )

    def _mark_up(self) -> None:
        if self._redis_down:
            self._redis_down = False
            log.info("redis is reachable again")

    # -- generations ------------------------------------------------------------------

    async def generation(self, tenant: str, model_type: str, name: str) -> int | None:
        """Return the model's shared generation: None while Redis is configured but down."""
        key = (tenant, model_type, name)
        if self._redis is None:
            return self._local_generations.get(key, 0)
        gen_key = self.generation_key(*key)
        raw = await self._redis_call(lambda r: r.get(gen_key))
        if isinstance(raw, _Missing):
            return None
        if self._pending_bumps:
            await self._replay_bumps()
        return int(raw) if raw is not None else 0

    async def _replay_bumps(self) -> None:
        for key in list(self._pending_bumps):
            if isinstance(await self._incr(self.generation_key(*key)), _Missing):
                return
            self._pending_bumps.discard(key)

    async def _incr(self, gen_key: str) -> int | _Missing:
        return await self._redis_call(lambda r: r.incr(gen_key))

    async def bump(
        self, tenant: str, model_type: str, name: str, *, model_id: str | None = None
    ) -> None:
        """Mark the model changed here and in every replica; `model_id` also drops its heads."""
        key = (tenant, model_type, name)
        self._local_generations[key] = self._local_generations.get(key, 0) + 1
        self._pointers.pop(key, None)
        if model_id is not None:
            for head_key in [k for k in self._heads if k[0] == tenant and k[1] == model_id]:
                self._held_bytes -= self._heads.pop(head_key)[1]
        if self._redis is not None:
            if isinstance(await self._incr(self.generation_key(*key)), _Missing):
                self._pending_bumps.add(key)

    # -- pointers ---------------------------------------------------------------------

    async def resolve(self, tenant: str, model_type: str, name: str) -> dict[str, Any]:
        """Return the model's record (as `trim` left it), from memory while its generation holds.

        Raises whatever the model store raises (`NotFound` for a missing model).
        """
        key = (tenant, model_type, name)
        generation = await self.generation(tenant, model_type, name)
        local_generation = self._local_generations.get(key, 0)
        now = time.monotonic()
        pointer = self._pointers.get(key)
        if pointer is not None:
            if generation is not None:
                fresh = (
                    pointer.generation == generation
                    and now - pointer.fetched_at < self.pointer_ttl_s
                )
            else:
                fresh = (
                    pointer.local_generation == local_generation
                    and now - pointer.fetched_at < self.degraded_pointer_ttl_s
                )
            if fresh:
                self._pointers.move_to_end(key)
                self._stats["pointer_hits"] += 1
                _COUNTED["pointer", "hit"].inc()
                return pointer.record
        self._stats["pointer_misses"] += 1
        _COUNTED["pointer", "miss"].inc()
        try:
            record = self._trim(await self._source.get_model(tenant, model_type, name))
        except Exception:
            self._pointers.pop(key, None)
            raise
        self._pointers[key] = _Pointer(record, generation, local_generation, now)
        self._pointers.move_to_end(key)
        while len(self._pointers) > self.pointer_size:
            self._pointers.popitem(last=False)
        return record

    def forget(self, tenant: str, model_type: str, name: str) -> None:
        """Drop this process's pointer to the model (the next resolve asks the store)."""
        self._pointers.pop((tenant, model_type, name), None)

    # -- heads ------------------------------------------------------------------------

    async def head(self, tenant: str, model_id: str, revision_id: str) -> H:
        """Return the loaded head of a revision: memory, else Redis, else the model store."""
        key = (tenant, model_id, revision_id)
        cached = self._heads.get(key)
        if cached is not None:
            self._heads.move_to_end(key)
            self._stats["head_hits"] += 1
            _COUNTED["head", "hit"].inc()
            return cached[0]
        _COUNTED["head", "miss"].inc()
        task = self._loading.get(key)
        if task is None:
            # One load per revision however many requests miss at once.
            task = asyncio.create_task(self._load_head(tenant, revision_id))
            self._loading[key] = task
            task.add_done_callback(lambda _: self._loading.pop(key, None))
        head = await asyncio.shield(task)
        if key not in self._heads:
            size = self._head_bytes(head)
            self._heads[key] = (head, size)
            self._held_bytes += size
        self._heads.move_to_end(key)
        while len(self._heads) > 1 and (
            len(self._heads) > self.lru_size
            or (self.lru_max_bytes is not None and self._held_bytes > self.lru_max_bytes)
        ):
            self._held_bytes -= self._heads.popitem(last=False)[1][1]
        return head

    async def _load_head(self, tenant: str, revision_id: str) -> H:
        artifact_key = self.artifact_key(revision_id)
        data = await self._redis_call(lambda r: r.get(artifact_key))
        if isinstance(data, bytes):
            try:
                head = await asyncio.to_thread(self._load, data)
            except ValueError:
                log.warning(
                    "artifact of revision %s in redis is corrupt; reloading it", revision_id
                )
                await self._redis_call(lambda r: r.delete(artifact_key))
            else:
                self._stats["head_redis_hits"] += 1
                _COUNTED["redis", "hit"].inc()
                return head
        if self._redis is not None:
            _COUNTED["redis", "miss"].inc()
        artifact = await self._source.get_artifact(tenant, revision_id)
        self._stats["head_store_loads"] += 1
        head = await asyncio.to_thread(self._load, artifact)
        await self._redis_call(lambda r: r.set(artifact_key, artifact, ex=self.artifact_ttl_s))
        return head

    # -- state ------------------------------------------------------------------------

    async def state(self) -> CacheState:
        """Return "ok" (Redis answers), "degraded" (Redis set but down) or "disabled" (none)."""
        if self._redis is None:
            return "disabled"
        try:
            await self._redis.ping()
        except (RedisError, OSError) as exc:
            self._mark_down(exc)
            return "degraded"
        self._mark_up()
        return "ok"

    @property
    def redis_enabled(self) -> bool:
        return self._redis is not None

    def stats(self) -> dict[str, int]:
        """Return hit and miss counters, and how many pointers and heads (and bytes) are held."""
        return {
            **self._stats,
            "pointers": len(self._pointers),
            "heads": len(self._heads),
            "head_bytes": self._held_bytes,
        }

    async def aclose(self) -> None:
        """Cancel loads in flight and close the Redis connection pool."""
        for task in list(self._loading.values()):
            task.cancel()
        if self._redis is not None:
            await self._redis.aclose()
