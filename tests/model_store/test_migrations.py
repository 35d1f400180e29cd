"""The model store's migrations: they build exactly the tables the ORM declares, idempotently."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from starlette.types import ASGIApp

from model_store.app import MIGRATIONS, VERSION_TABLE
from model_store.tables import Base
from shared import create_db_engine, upgrade_database_async


async def test_migrations_match_the_orm_and_rerun_cleanly(
    store_app: ASGIApp, database_url: str
) -> None:
    # store_app has migrated this database already; running them again must be a no-op.
    await upgrade_database_async(database_url, MIGRATIONS, VERSION_TABLE)
    engine = create_db_engine(database_url)
    try:
        async with engine.connect() as conn:

            def check(sync_conn: Connection) -> tuple[list[object], set[str]]:
                ctx = MigrationContext.configure(sync_conn, opts={"version_table": VERSION_TABLE})
                ours = set(Base.metadata.tables)
                diff = [
                    d
                    for d in compare_metadata(ctx, Base.metadata)
                    # Other services' tables share the database; only ours matter here.
                    if not (d[0] == "remove_table" and d[1].name not in ours)
                    and not (d[0] == "remove_index" and d[1].table.name not in ours)
                ]
                return diff, set(inspect(sync_conn).get_table_names())

            diff, tables = await conn.run_sync(check)
    finally:
        await engine.dispose()
    assert diff == []
    assert {"models", "samples", "revisions", "training_jobs", VERSION_TABLE} <= tables


async def test_migrations_build_a_fresh_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/fresh.db"
    await upgrade_database_async(url, MIGRATIONS, VERSION_TABLE)
    await upgrade_database_async(url, MIGRATIONS, VERSION_TABLE)
    engine = create_db_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert {"models", "samples", "revisions", "training_jobs", VERSION_TABLE} <= tables
