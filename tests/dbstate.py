"""Put back every table a test committed to, with no list of tables to keep up (STYLE §7.6).

Domain tests roll back; API tests cannot, because the app, the uvicorn child, ``civgeo``
commands and helpers such as ``committed_token`` commit. So in the test database only:

- ``install`` (once, after migrate) puts a statement-level ``BEFORE INSERT OR UPDATE OR
  DELETE OR TRUNCATE`` trigger on every table of the public schema (extension tables such
  as PostGIS's ``spatial_ref_sys`` left out), with an empty unlogged copy of each table in
  the schema ``dbstate_copy``.
- ``mark`` (start of a test) arms the triggers and notes every sequence's value.
- While armed, the first statement that writes a table (foreign-key cascades included)
  copies the table, as it was before that statement, into its copy and notes it in
  ``dbstate.touched``. That note's primary key is the lock: a second transaction writing
  the same table waits for the first, then sees its note (or, if the first rolled back,
  its copy went too, and makes its own). Later statements find the note: one index lookup.
- ``restore`` (end of the test), with triggers and foreign-key checks off
  (``session_replication_role = replica``, so rows come back in any order and nothing
  cascades), empties each noted table, re-inserts its copy and puts every sequence back,
  so ids are the same from one test to the next; then it disarms.

Only what was written after ``mark`` is undone: data a session fixture commits (the sample
cities, loaded lazily in the middle of the session) stays. Disarmed, the trigger costs
about 8 µs a statement. Connections named ``ROLLED_BACK`` (the ``conn`` fixture's, always
rolled back) are never copied from, so a test that writes through ``conn`` and then through
the API cannot make a request wait for its own open transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from geo.db import fetch_all, transaction

ROLLED_BACK = "civgeo-tests-rolled-back"  # application_name of connections never committed

_SQL = """
CREATE SCHEMA dbstate;
CREATE SCHEMA dbstate_copy;
CREATE TABLE dbstate.armed (since timestamptz NOT NULL);
CREATE TABLE dbstate.touched (tbl regclass PRIMARY KEY, name text NOT NULL);
CREATE TABLE dbstate.sequences (seq regclass PRIMARY KEY, last_value bigint, is_called bool);

CREATE FUNCTION dbstate.keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('application_name') = %(rolled_back)s
       OR NOT EXISTS (SELECT FROM dbstate.armed)
       OR EXISTS (SELECT FROM dbstate.touched WHERE tbl = TG_RELID) THEN
        RETURN NULL;
    END IF;
    INSERT INTO dbstate.touched VALUES (TG_RELID, TG_TABLE_NAME) ON CONFLICT DO NOTHING;
    IF FOUND THEN
        EXECUTE format('INSERT INTO dbstate_copy.%%I SELECT * FROM %%s',
                       TG_TABLE_NAME, TG_RELID::regclass);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION dbstate.mark() RETURNS void LANGUAGE plpgsql AS $$
DECLARE s regclass;
BEGIN
    PERFORM dbstate.clear();  -- what an interrupted restore left
    FOR s IN SELECT oid FROM pg_class WHERE relkind = 'S'
                                        AND relnamespace = 'public'::regnamespace LOOP
        EXECUTE format('INSERT INTO dbstate.sequences SELECT %%L, last_value, is_called '
                       'FROM %%s', s, s);
    END LOOP;
    INSERT INTO dbstate.armed VALUES (now());
END $$;

CREATE FUNCTION dbstate.clear() RETURNS void LANGUAGE plpgsql AS $$
DECLARE copy text;
BEGIN
    FOR copy IN SELECT name FROM dbstate.touched LOOP
        EXECUTE format('TRUNCATE dbstate_copy.%%I', copy);
    END LOOP;
    DELETE FROM dbstate.touched;
    DELETE FROM dbstate.sequences;
    DELETE FROM dbstate.armed;
END $$;

-- Replica mode fires no ordinary trigger and no foreign-key check (it needs a superuser,
-- or GRANT SET ON PARAMETER session_replication_role).
CREATE FUNCTION dbstate.restore() RETURNS SETOF regclass LANGUAGE plpgsql
SET session_replication_role = replica AS $$
DECLARE t record; cols text;
BEGIN
    DELETE FROM dbstate.armed;
    FOR t IN SELECT tbl, name FROM dbstate.touched ORDER BY name LOOP
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
          FROM pg_attribute WHERE attrelid = t.tbl AND attnum > 0 AND NOT attisdropped
                              AND attgenerated = '';  -- generated columns compute again
        EXECUTE format('DELETE FROM %%s', t.tbl);
        EXECUTE format('INSERT INTO %%s (%%s) OVERRIDING SYSTEM VALUE SELECT %%s '
                       'FROM dbstate_copy.%%I', t.tbl, cols, cols, t.name);
        RETURN NEXT t.tbl;
    END LOOP;
    PERFORM setval(seq, s.last_value, s.is_called) FROM dbstate.sequences s;
    PERFORM dbstate.clear();
END $$;

DO $$
DECLARE t record;
BEGIN
    FOR t IN SELECT c.oid::regclass AS tbl, c.relname FROM pg_class c
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
                AND NOT EXISTS (SELECT FROM pg_depend d  -- PostGIS's spatial_ref_sys &c.
                                 WHERE d.objid = c.oid AND d.deptype = 'e') LOOP
        EXECUTE format('CREATE UNLOGGED TABLE dbstate_copy.%%I (LIKE %%s)', t.relname, t.tbl);
        EXECUTE format('CREATE TRIGGER dbstate_keep BEFORE INSERT OR UPDATE OR DELETE '
                       'OR TRUNCATE ON %%s EXECUTE FUNCTION dbstate.keep()', t.tbl);
    END LOOP;
END $$;
"""


def install(conn) -> None:
    """The triggers and copies, on a freshly migrated test database."""
    with conn.cursor() as cur:
        cur.execute(_SQL, {"rolled_back": ROLLED_BACK})
    conn.commit()


def mark(conn) -> None:
    """From now on, keep each table as it is before its first write."""
    with transaction(conn):
        fetch_all(conn, "SELECT dbstate.mark()")


def restore(conn) -> list[str]:
    """Put back every table written since ``mark``; return their names."""
    with transaction(conn):
        return [r["restore"] for r in fetch_all(conn, "SELECT dbstate.restore()::text")]


@contextmanager
def restored(conn) -> Iterator[None]:
    """``mark`` on entry, ``restore`` on exit (also when the block raised)."""
    mark(conn)
    try:
        yield
    finally:
        restore(conn)
