"""Fixtures every test folder shares: which database and Redis the suite runs against.

With `BAOBAB_TEST_DATABASE_URL` and `BAOBAB_TEST_REDIS_URL` set (CI sets both) the suite
runs against those real servers; otherwise a fresh SQLite file and the in-process cache.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from shared import PROJECT_ROOT, create_db_engine, is_sqlite, normalize_database_url

TEST_DATABASE_URL = os.environ.get("BAOBAB_TEST_DATABASE_URL") or None
TEST_REDIS_URL = os.environ.get("BAOBAB_TEST_REDIS_URL") or None
MODELS_DIR = Path(os.environ.get("BAOBAB_MODELS_DIR") or PROJECT_ROOT / "var" / "models")


async def _drop_everything(url: str) -> None:
    """Empty a PostgreSQL test database so this run's migrations start from nothing."""
    engine = create_db_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the URL of an empty database for this test session."""
    if TEST_DATABASE_URL and not is_sqlite(TEST_DATABASE_URL):
        url = normalize_database_url(TEST_DATABASE_URL)
        asyncio.run(_drop_everything(url))
        return url
    path = tmp_path_factory.mktemp("db") / "baobab-test.db"
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    """Return the Redis URL the suite uses, or None for the in-process cache."""
    return TEST_REDIS_URL


@pytest.fixture(scope="session")
def cache_namespace() -> str:
    """Return a Redis key prefix unique to this test session."""
    return f"baobab-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """Return the folder `make models` built; tests that need the encoder fail loudly without it."""
    if not (MODELS_DIR / "minilm" / "manifest.json").exists():
        pytest.fail(f"no models in {MODELS_DIR}: run `make models` first")
    return MODELS_DIR


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a private var/ folder for this session's generated secrets."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture
def tenant() -> str:
    """Return a tenant id no other test uses, so tests never see each other's data."""
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True, scope="session")
def _no_proxy_env() -> Iterator[None]:
    # Loopback traffic must never be sent through a proxy configured on the machine.
    old = {
        k: os.environ.pop(k)
        for k in list(os.environ)
        if k.lower() in ("http_proxy", "https_proxy", "all_proxy")
    }
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"
    yield
    os.environ.update(old)
