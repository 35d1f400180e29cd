"""Alembic environment of the model store: its tables, its own version table."""

from model_store.tables import Base
from shared import run_alembic_env

run_alembic_env(Base.metadata)
