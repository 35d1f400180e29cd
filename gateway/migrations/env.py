"""Alembic environment of the gateway's tables (version table `alembic_version_gateway`)."""

from gateway.tables import metadata
from shared import run_alembic_env

run_alembic_env(metadata)
