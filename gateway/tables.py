"""The gateway's tables: tenants, their API keys, and per-key usage by operation and by day."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared import new_metadata

DESC_MAX_CHARS = 1000


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Return a stored instant as aware UTC (SQLite gives it back without its zone)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# What a key may do: everything, or only read and retrieve.
SCOPE_FULL = "full"
SCOPE_RETRIEVE = "retrieve"
SCOPES = (SCOPE_FULL, SCOPE_RETRIEVE)


class Base(DeclarativeBase):
    metadata = new_metadata()


class Tenant(Base):
    """A customer: every model belongs to exactly one tenant; each key created makes a new one."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(DESC_MAX_CHARS), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    """An API key: only its public `key_id` and the SHA-256 of the whole key are stored."""

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("tenants.id", ondelete="CASCADE"), index=True
    )
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    # "desc" is an SQL keyword; the column is called description.
    desc: Mapped[str] = mapped_column("description", String(DESC_MAX_CHARS), default="")
    call_count: Mapped[int] = mapped_column(BigInteger, default=0)
    call_count_limit: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # After this instant the key is refused (401); null: it does not expire.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # "full", or "retrieve": may read and call retrieve, may not change models (403).
    scope: Mapped[str] = mapped_column(String(16), default=SCOPE_FULL, server_default=SCOPE_FULL)


class ApiKeyUsage(Base):
    """Successful calls of one key, counted by operation and model type."""

    __tablename__ = "api_key_usage"

    api_key_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True
    )
    operation: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    call_count: Mapped[int] = mapped_column(BigInteger, default=0)


class ApiKeyDailyUsage(Base):
    """Successful calls of one key on one UTC day, by operation and model type, with the units
    billed besides calls (`units`: the samples a `train` call trained on; 0 for other calls).

    `tenant_id` is the key's tenant, kept on the row so reports are scoped without a join.
    """

    __tablename__ = "api_key_daily_usage"
    __table_args__ = (Index("ix_api_key_daily_usage_tenant_id_day", "tenant_id", "day"),)

    api_key_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    operation: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), ForeignKey("tenants.id", ondelete="CASCADE"))
    call_count: Mapped[int] = mapped_column(BigInteger, default=0)
    units: Mapped[int] = mapped_column(BigInteger, default=0)


metadata = Base.metadata
