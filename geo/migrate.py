"""Numbered SQL migrations, then the re-applied SQL functions (DESIGN §3, STYLE §7.4).

``geo/migrations/NNNN_name.sql`` files are append-only. Each runs in its own transaction
(unless it starts with ``-- no-transaction``) and is recorded in ``schema_migrations``;
the whole run holds an advisory lock so two processes never migrate at once. Afterwards
every ``geo/functions/*.sql`` file (CREATE OR REPLACE ...) is applied again, in name order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg2

from geo.db import fetch_all
from geo.errors import SetupError

MIGRATIONS = Path(__file__).with_name("migrations")
FUNCTIONS = Path(__file__).with_name("functions")
_LOCK_KEY = 8_402_202  # any constant shared by all civgeo processes


@dataclass(frozen=True)
class MigrationResult:
    """What a migrate run did: the versions it applied and the level it left."""

    applied: tuple[str, ...]
    level: str | None
    functions: int


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.sql"))


def applied_versions(conn) -> list[str]:
    """Return the versions recorded in ``schema_migrations`` (empty if it does not exist)."""
    rows = fetch_all(conn, "SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
    if not rows[0]["present"]:
        return []
    return [r["version"] for r in fetch_all(conn, "SELECT version FROM schema_migrations "
                                                  "ORDER BY version")]


def _apply(conn, path: Path, version: str | None) -> None:
    sql = path.read_text(encoding="utf-8")
    conn.rollback()  # end the read-only transaction a previous query opened
    conn.autocommit = sql.startswith("-- no-transaction")
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            if version:
                cur.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
        if not conn.autocommit:
            conn.commit()
    except psycopg2.Error as exc:
        conn.rollback()
        raise SetupError(_explain(path, exc)) from None
    finally:
        conn.autocommit = False


def _explain(path: Path, exc: psycopg2.Error) -> str:
    message = (exc.pgerror or str(exc)).strip().splitlines()[0]
    if "extension" in message and ("not available" in message or "could not open" in message
                                   or "permission denied" in message):
        return (f"{message}: install the server packages with `make deps` "
                "(postgresql-15-postgis-3, postgresql-15-pgrouting), or have the server's "
                "administrator run CREATE EXTENSION for postgis, pgrouting, pg_trgm, "
                "fuzzystrmatch and btree_gist.")
    return f"migration {path.name} failed: {message}"


def migrate(conn) -> MigrationResult:
    """Bring the schema to the newest migration and re-apply the SQL functions."""
    conn.rollback()
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        cur.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
    conn.commit()
    try:
        done = set(applied_versions(conn))
        applied = []
        for path in _files(MIGRATIONS):
            version = path.stem.split("_", 1)[0]
            if version not in done:
                _apply(conn, path, version)
                applied.append(version)
        functions = _files(FUNCTIONS)
        for path in functions:
            _apply(conn, path, None)
        level = (applied_versions(conn) or [None])[-1]
        return MigrationResult(tuple(applied), level, len(functions))
    finally:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
        conn.commit()
