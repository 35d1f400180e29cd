"""The gateway's migrations: its own version table, and the tables the ORM expects."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tests.gateway.conftest import Gateway


async def test_migrations_create_the_tables_under_their_own_version_table(gw: Gateway) -> None:
    async with gw.state.engine.connect() as conn:
        version = (
            await conn.execute(text("SELECT version_num FROM alembic_version_gateway"))
        ).scalar_one()
        tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        columns = await conn.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("api_keys")}
        )
    assert version == "0003"
    assert {"tenants", "api_keys", "api_key_usage", "alembic_version_gateway"} <= tables
    assert {
        "key_id",
        "key_hash",
        "call_count",
        "call_count_limit",
        "revoked_at",
        "tenant_id",
    } <= columns
    assert not {"key", "api_key", "secret"} & columns
