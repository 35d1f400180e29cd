"""Migrate the database: `python -m scripts.migrate` (what `make migrate` runs).

Runs each table-owning service's Alembic migrations up to head against
`BAOBAB_DATABASE_URL` (default: the SQLite file under var/). Services are not imported:
each migration folder is found by path and keeps its own version table.
"""

from __future__ import annotations

import sys

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from shared import PROJECT_ROOT, ServiceSettings, normalize_database_url, upgrade_database

# (service, migrations folder, version table); the model store first, as the stack starts it.
TARGETS = (
    ("model_store", PROJECT_ROOT / "model_store" / "migrations", "alembic_version_model_store"),
    ("gateway", PROJECT_ROOT / "gateway" / "migrations", "alembic_version_gateway"),
)


def main() -> int:
    settings = ServiceSettings()
    url = settings.database_url
    shown = make_url(normalize_database_url(url)).render_as_string(hide_password=True)
    print(f"migrate: database {shown}", flush=True)
    for service, location, version_table in TARGETS:
        if not (location / "env.py").exists():
            print(
                f"migrate: {service}: no migrations at {location.relative_to(PROJECT_ROOT)}, skipped",
                flush=True,
            )
            continue
        upgrade_database(url, location, version_table)
        head = ScriptDirectory(str(location)).get_current_head()
        print(f"migrate: {service}: at head {head} (version table {version_table})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
