"""The model store's tables: models, samples, revisions and training jobs (SQLAlchemy 2 ORM).

Ids are uuid4 strings. Timestamps are timezone-aware UTC on the way in and out, on SQLite too
(it stores them naive; `UTCDateTime` puts the zone back). No ORM relationships: every read
is an explicit query in a repository.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from shared import new_metadata

# A live model's name is unique per tenant and type; trashed ones are not counted.
LIVE_MODELS_WHERE = text("trashed = false")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: use an aware UTC timestamp")
        value = value.astimezone(UTC)
        # SQLite compares timestamps as text: keep them all in one (naive UTC) spelling.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = new_metadata()


class Model(Base):
    """A tenant's model record: its name, free params owned by the calling service, its state."""

    __tablename__ = "models"
    __table_args__ = (
        Index(
            "uq_models_live_name",
            "tenant",
            "model_type",
            "name",
            unique=True,
            sqlite_where=LIVE_MODELS_WHERE,
            postgresql_where=LIVE_MODELS_WHERE,
        ),
        Index("ix_models_tenant_type_name", "tenant", "model_type", "name"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant: Mapped[str] = mapped_column(String(64))
    model_type: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(64))
    long_name: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    readonly: Mapped[bool] = mapped_column(Boolean, default=False)
    trashed: Mapped[bool] = mapped_column(Boolean, default=False)
    trashed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # No foreign key: revisions point at their model, and a cycle buys nothing here.
    current_revision_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    tsne: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Sample(Base):
    """One labelled training or testing utterance or image of a model, in insertion order (`seq`)."""

    __tablename__ = "samples"
    __table_args__ = (Index("ix_samples_model_kind_seq", "model_id", "kind", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    model_id: Mapped[str] = mapped_column(String(36), ForeignKey("models.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    lang_code: Mapped[str | None] = mapped_column(Text, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Entity spans of entity-extractor samples: [{"entity", "index"?, "len"?, ...}] or null.
    entities: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    # The encoded image of an image sample (its `text` is then the image's content key).
    image: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModelRevision(Base):
    """A trained artifact of a model with its labels and metrics; `version` counts up from 1."""

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("model_id", "version", name="uq_revisions_model_id_version"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    model_id: Mapped[str] = mapped_column(String(36), ForeignKey("models.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    # Never loaded with the row: read it with a query of its own (`RevisionRepository.artifact`).
    artifact: Mapped[bytes] = mapped_column(LargeBinary, deferred=True, deferred_raiseload=True)
    labels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingJob(Base):
    """A durable request to train a model, claimed by one worker at a time under a lease."""

    __tablename__ = "training_jobs"
    __table_args__ = (
        Index("ix_training_jobs_service_state_created", "service", "state", "created_at"),
        Index("ix_training_jobs_model_id", "model_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenant: Mapped[str] = mapped_column(String(64))
    model_id: Mapped[str] = mapped_column(String(36), ForeignKey("models.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    worker_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revision_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
