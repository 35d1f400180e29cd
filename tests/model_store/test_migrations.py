"""The model store's migrations: they build exactly the tables the ORM declares, idempotently."""

from __future__ import annotations

from pathlib import Path

import pytest
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


@pytest.mark.parametrize(
    ("previous", "column"), [("0001", "entities"), ("0002", "image")], ids=["0002", "0003"]
)
def test_a_sample_column_is_added_and_existing_samples_are_kept(
    tmp_path: Path, previous: str, column: str
) -> None:
    """0002 adds samples.entities and 0003 samples.image; both keep what is stored."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    db = tmp_path / "old.db"
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = f"sqlite+aiosqlite:///{db}"
    cfg.attributes["version_table"] = VERSION_TABLE
    command.upgrade(cfg, previous)
    sync = create_engine(f"sqlite:///{db}")
    with sync.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO models (id, tenant, model_type, name, long_name, description, params,"
                " readonly, trashed, created_at, updated_at) VALUES ('m1', 't', 'text_classifier',"
                " 'faq', '', '', '{}', 0, 0, '2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO samples (id, model_id, kind, seq, text, label, created_at)"
                " VALUES ('s1', 'm1', 'training', 1, 'hello', 'greet', '2026-01-01')"
            )
        )
    command.upgrade(cfg, "head")
    with sync.connect() as conn:
        row = conn.execute(text(f"SELECT text, label, {column} FROM samples")).one()
        assert tuple(row) == ("hello", "greet", None)
    command.downgrade(cfg, previous)
    with sync.connect() as conn:
        assert column not in {c["name"] for c in inspect(conn).get_columns("samples")}
        assert conn.execute(text("SELECT text FROM samples")).scalar_one() == "hello"
    sync.dispose()
