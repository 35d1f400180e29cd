"""A real stack for the end-to-end tests: four uvicorn processes on loopback ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.stack import Stack
from tests.ports import free_port_block


def stack_env(
    database_url: str, redis_url: str | None, cache_namespace: str, models_dir: Path, **extra: str
) -> dict[str, str]:
    env = {
        "BAOBAB_ENVIRONMENT": "test",
        "BAOBAB_DATABASE_URL": database_url,
        "BAOBAB_MODELS_DIR": str(models_dir),
        "BAOBAB_CACHE_NAMESPACE": cache_namespace,
        "BAOBAB_LOG_LEVEL": "INFO",
        **extra,
    }
    if redis_url:
        env["BAOBAB_REDIS_URL"] = redis_url
    return env


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    database_url: str,
    redis_url: str | None,
    cache_namespace: str,
    models_dir: Path,
) -> Iterator[Stack]:
    """Start the whole stack once per module; stop it at the end."""
    var = tmp_path_factory.mktemp("stack-var")
    s = Stack(
        base_port=free_port_block(),
        var_dir=var,
        env=stack_env(database_url, redis_url, cache_namespace, models_dir),
        log_prefix=False,
        log_file=var / "stack.log",
    )
    try:
        s.start()
    except Exception:
        s.stop()
        print((var / "stack.log").read_text() if (var / "stack.log").exists() else "no log")
        raise
    yield s
    s.stop()


def public_operations(stack: Stack, prefix: str) -> tuple[set[str], list[str]]:
    """Return the operationIds under `prefix` in the gateway's OpenAPI document, and its paths."""
    import httpx

    doc = httpx.get(stack.url("gateway") + "/openapi.json", timeout=30).json()
    operations = {
        op["operationId"]
        for path, item in doc["paths"].items()
        if path.startswith(prefix)
        for op in item.values()
    }
    return operations, list(doc["paths"])


def client_operations(api_class: type, prefix: str) -> set[str]:
    """Return the operation methods of a `feersum_nlu` API class whose names start with `prefix`."""
    return {
        name
        for name in dir(api_class)
        if name.startswith(prefix) and not name.endswith("_with_http_info")
    }
