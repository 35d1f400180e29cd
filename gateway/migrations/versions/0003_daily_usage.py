"""Usage per key and UTC day, by operation and model type, with the units billed (samples trained).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_key_daily_usage",
        sa.Column("api_key_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("model_type", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("call_count", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "api_key_id", "day", "operation", "model_type", name=op.f("pk_api_key_daily_usage")
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_api_key_daily_usage_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_api_key_daily_usage_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f("ix_api_key_daily_usage_day"), "api_key_daily_usage", ["day"])
    op.create_index(
        op.f("ix_api_key_daily_usage_tenant_id_day"), "api_key_daily_usage", ["tenant_id", "day"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_api_key_daily_usage_tenant_id_day"), table_name="api_key_daily_usage")
    op.drop_index(op.f("ix_api_key_daily_usage_day"), table_name="api_key_daily_usage")
    op.drop_table("api_key_daily_usage")
