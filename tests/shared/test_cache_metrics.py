"""The hot model cache counts its lookups in `baobab_model_cache_requests_total`."""

from __future__ import annotations

from prometheus_client import REGISTRY

from shared import ModelStoreClient
from tests.shared.test_cache import (  # noqa: F401  (fixtures)
    MODEL_TYPE,
    CacheFactory,
    make_cache,
    service,
    store,
    store_app,
    train_revision,
)

TIERS = ("pointer", "head", "redis")


def counts() -> dict[tuple[str, str], float]:
    out = {}
    for tier in TIERS:
        for result in ("hit", "miss"):
            value = REGISTRY.get_sample_value(
                "baobab_model_cache_requests_total", {"tier": tier, "result": result}
            )
            assert value is not None, (tier, result)  # every series exists from the start
            out[(tier, result)] = value
    return out


def moved(before: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    after = counts()
    return {key: after[key] - before[key] for key in after if after[key] != before[key]}


async def test_lookups_count_by_tier_and_result(
    store: ModelStoreClient,  # noqa: F811
    make_cache: CacheFactory,  # noqa: F811
    tenant: str,
    service: str,  # noqa: F811
    redis_url: str | None,
) -> None:
    created = await store.create_model(tenant, MODEL_TYPE, "m1")
    revision = await train_revision(store, tenant, "m1", service, b"head:one")
    a, b = make_cache(), make_cache()

    start = counts()
    await a.resolve(tenant, MODEL_TYPE, "m1")
    await a.resolve(tenant, MODEL_TYPE, "m1")
    assert moved(start) == {("pointer", "miss"): 1, ("pointer", "hit"): 1}

    start = counts()
    await a.head(tenant, created["id"], revision)
    await a.head(tenant, created["id"], revision)
    expected = {("head", "miss"): 1, ("head", "hit"): 1}
    if redis_url:
        expected[("redis", "miss")] = 1  # nobody had put the artifact in Redis yet
    assert moved(start) == expected

    # Another replica: its memory misses, and Redis (when there is one) has the bytes.
    start = counts()
    await b.head(tenant, created["id"], revision)
    expected = {("head", "miss"): 1}
    if redis_url:
        expected[("redis", "hit")] = 1
    assert moved(start) == expected
