"""Migration 0003 (daily usage): it matches the ORM, keeps what 0002 stored and goes back."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from gateway.app import MIGRATIONS, VERSION_TABLE
from gateway.tables import Base


def config_for(db: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = f"sqlite+aiosqlite:///{db}"
    cfg.attributes["version_table"] = VERSION_TABLE
    return cfg


def test_0003_adds_daily_usage_keeps_keys_and_downgrades(tmp_path: Path) -> None:
    db = tmp_path / "gateway.db"
    cfg = config_for(db)
    command.upgrade(cfg, "0002")
    sync = create_engine(f"sqlite:///{db}")
    with sync.begin() as conn:
        conn.execute(
            text("INSERT INTO tenants (id, name, created_at) VALUES ('t1', '', '2026-01-01')")
        )
        conn.execute(
            text(
                "INSERT INTO api_keys (id, tenant_id, key_id, key_hash, description, call_count,"
                " created_at, scope) VALUES ('0123456789abcdef0123456789abcdef', 't1',"
                " 'Abcdefghijkl', 'h', '', 7, '2026-01-01', 'full')"
            )
        )
    command.upgrade(cfg, "head")
    with sync.connect() as conn:
        assert conn.execute(text("SELECT call_count FROM api_keys")).scalar_one() == 7
        columns = {c["name"] for c in inspect(conn).get_columns("api_key_daily_usage")}
        assert columns == {
            "api_key_id",
            "tenant_id",
            "day",
            "operation",
            "model_type",
            "call_count",
            "units",
        }
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}), Base.metadata
        )
        assert diff == []
    command.downgrade(cfg, "0002")
    with sync.connect() as conn:
        assert "api_key_daily_usage" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT call_count FROM api_keys")).scalar_one() == 7
    sync.dispose()
