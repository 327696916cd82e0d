"""What ``/health`` and ``civgeo db status`` report about the database."""

from __future__ import annotations

import re
from pathlib import Path

from geo import datasets
from geo.db import fetch_one, load_queries
from geo.migrate import MIGRATIONS

_Q = load_queries(__file__)


def database_status(conn) -> dict:
    """Server and extension versions, migration level, and the datasets loaded."""
    row = fetch_one(conn, _Q["versions"])
    geos = re.search(r'GEOS="([^"-]+)', row.pop("postgis_full") or "")
    newest = max((p.stem.split("_", 1)[0] for p in Path(MIGRATIONS).glob("*.sql")), default=None)
    return {
        **row,
        "geos": geos.group(1) if geos else None,
        "migrations_pending": row["migration"] != newest,
        "datasets": {d["name"]: {"title": d["title"], **d["summary"]}
                     for d in datasets.list_datasets(conn)},
    }
