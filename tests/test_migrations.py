"""Migrations: an empty database migrates twice, and two processes never migrate at once."""

import threading
from pathlib import Path

import pytest

from geo.db import connect, fetch_all, fetch_value
from geo.migrate import MIGRATIONS, migrate
from tests.conftest import recreate_database

NEWEST = max(p.stem.split("_", 1)[0] for p in Path(MIGRATIONS).glob("*.sql"))


def test_migrate_empty_database_twice():
    url = recreate_database("civgeo_migrate_test")
    conn = connect(url)
    first = migrate(conn)
    second = migrate(conn)
    assert first.applied[0] == "0001" and first.applied[-1] == NEWEST
    assert len(first.applied) == len(list(Path(MIGRATIONS).glob("*.sql")))
    assert second.applied == () and second.level == NEWEST
    assert second.functions >= 1
    extensions = {r["extname"] for r in fetch_all(conn, "SELECT extname FROM pg_extension")}
    assert {"postgis", "pgrouting", "pg_trgm", "fuzzystrmatch", "btree_gist"} <= extensions
    assert fetch_value(conn, "SELECT civgeo_division_prefix('430200')") == "4302"
    conn.close()


def test_migrate_concurrently_applies_each_version_once():
    url = recreate_database("civgeo_migrate_race")
    results, errors = [], []

    def run():
        c = connect(url)
        try:
            results.append(migrate(c))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            c.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    applied = sorted(v for r in results for v in r.applied)
    assert applied == sorted(set(applied))  # nothing applied twice
    conn = connect(url)
    assert fetch_value(conn, "SELECT count(*) FROM schema_migrations") == len(applied)
    conn.close()


def test_schema_stores_cgcs2000(conn):
    srids = {r["srid"] for r in fetch_all(
        conn, "SELECT DISTINCT srid FROM geometry_columns WHERE f_table_schema = 'public'")}
    assert srids == {4490}


def test_missing_extension_is_one_clear_line(monkeypatch, tmp_path):
    from geo import migrate as migrate_module
    from geo.errors import SetupError

    (tmp_path / "0001_needs_more.sql").write_text("CREATE EXTENSION IF NOT EXISTS postgis_wished;")
    monkeypatch.setattr(migrate_module, "MIGRATIONS", tmp_path)
    monkeypatch.setattr(migrate_module, "FUNCTIONS", tmp_path / "none")
    conn = connect(recreate_database("civgeo_migrate_ext"))
    try:
        with pytest.raises(SetupError) as err:
            migrate(conn)
    finally:
        conn.close()
    text = str(err.value)
    assert "postgis_wished" in text and "make deps" in text and "\n" not in text
