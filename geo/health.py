"""What ``/health`` and ``civgeo db status`` report about the database."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from geo import datasets
from geo.db import fetch_one, fetch_value, load_queries
from geo.migrate import MIGRATIONS

_Q = load_queries(__file__)


@cache
def newest_migration() -> str | None:
    """The level the code expects (the newest migration file)."""
    return max((p.stem.split("_", 1)[0] for p in Path(MIGRATIONS).glob("*.sql")), default=None)


def migration_level(conn) -> str | None:
    """The database's migration level: one index look-up, which also shows it answers."""
    return fetch_value(conn, _Q["migration_level"])


def database_status(conn) -> dict:
    """Server and extension versions, migration level, and the datasets loaded."""
    row = fetch_one(conn, _Q["versions"])
    geos = re.search(r'GEOS="([^"-]+)', row.pop("postgis_full") or "")
    return {
        **row,
        "geos": geos.group(1) if geos else None,
        "migrations_pending": row["migration"] != newest_migration(),
        "datasets": {d["name"]: {"title": d["title"], **d["summary"]}
                     for d in datasets.list_datasets(conn)},
    }
