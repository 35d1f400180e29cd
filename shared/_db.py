"""Database plumbing shared by the services that own tables (gateway, model store).

SQLAlchemy 2 async: asyncpg for PostgreSQL, aiosqlite for the embedded SQLite default.
Each owning service keeps its own Alembic environment and version table in one database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, event, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# Any constant works; it only has to be the same in every process migrating this database.
MIGRATION_LOCK_KEY = 0x6261_6F62_6162

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """Return a MetaData whose constraint names are stable across databases."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def normalize_database_url(url: str) -> str:
    """Return `url` with the async driver spelled out (`postgresql://` means asyncpg)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


def is_sqlite(url: str) -> bool:
    return normalize_database_url(url).startswith("sqlite")


def create_db_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """Return an async engine; SQLite gets WAL, a busy timeout and foreign keys on."""
    url = normalize_database_url(url)
    if is_sqlite(url):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, poolclass=pool.NullPool)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def session_maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory every request session comes from."""
    return async_sessionmaker(engine, expire_on_commit=False)


def upgrade_database(url: str, script_location: Path, version_table: str) -> None:
    """Run the Alembic migrations in `script_location` up to head (blocking: call off the loop)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.attributes["database_url"] = normalize_database_url(url)
    cfg.attributes["version_table"] = version_table
    command.upgrade(cfg, "head")


async def upgrade_database_async(url: str, script_location: Path, version_table: str) -> None:
    """Run the migrations in a worker thread: Alembic's async env runs its own event loop."""
    await asyncio.to_thread(upgrade_database, url, script_location, version_table)


def run_alembic_env(target_metadata: MetaData) -> None:
    """Body of every service's `migrations/env.py`: migrate online with an async engine."""
    from alembic import context

    config = context.config
    url: str | None = config.attributes.get("database_url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError("no database URL given to the migrations")
    version_table = config.attributes.get("version_table", "alembic_version")

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table=version_table,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_db_engine(url)
        try:
            async with engine.connect() as connection:
                if connection.dialect.name == "postgresql":
                    # Replicas starting together must not migrate at the same moment; the
                    # lock is released when this connection closes.
                    await connection.execute(
                        text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY}
                    )
                await connection.run_sync(do_run)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(run_async())
