"""tests/dbstate.py, on a small database of its own: what is committed between ``mark`` and
``restore`` is put back (rows, sequences, cascades, truncates); what was there before
``mark`` stays; rolled-back work leaves nothing behind and holds nobody up."""

import psycopg2
import pytest

from geo.db import connect, execute, fetch_value
from tests import conftest, dbstate

SCHEMA = """
CREATE TABLE parent (id serial PRIMARY KEY, name text UNIQUE NOT NULL);
CREATE TABLE child (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    parent_id int NOT NULL REFERENCES parent ON DELETE CASCADE,
                    n int NOT NULL, twice int GENERATED ALWAYS AS (n * 2) STORED);
INSERT INTO parent (name) VALUES ('first');
INSERT INTO child (parent_id, n) VALUES (1, 1);
"""


@pytest.fixture(scope="module")
def url():
    name = f"{conftest.test_db_name()}_dbstate"
    url = conftest.recreate_database(name)
    c = connect(url)
    with c.cursor() as cur:
        cur.execute(SCHEMA)
    c.commit()
    dbstate.install(c)
    c.close()
    yield url
    admin = connect(conftest.url_for("postgres"))
    admin.autocommit = True
    execute(admin, f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def db(url):
    """A connection that commits each statement (as the API's requests do), and one that
    marks and restores."""
    c, watch = connect(url), connect(url)
    c.autocommit = True
    yield c, watch
    c.close()
    watch.close()


def state(conn) -> str:
    """Every row of both tables and the next id of both sequences."""
    value = fetch_value(conn, """
        SELECT concat_ws(' | ', (SELECT string_agg(p::text, ',' ORDER BY id) FROM parent p),
                         (SELECT string_agg(c::text, ',' ORDER BY id) FROM child c),
                         (SELECT (last_value, is_called)::text FROM parent_id_seq),
                         (SELECT (last_value, is_called)::text FROM child_id_seq))""")
    conn.rollback()
    return value


def test_restore_puts_back_rows_sequences_and_cascades(db):
    c, watch = db
    execute(c, "INSERT INTO parent (name) VALUES ('before mark')")   # stays
    before = state(watch)
    dbstate.mark(watch)
    execute(c, "INSERT INTO child (parent_id, n) VALUES (2, 5)")
    execute(c, "UPDATE child SET n = 9 WHERE id = 1")
    execute(c, "DELETE FROM parent WHERE id = 1")                    # cascades to child
    execute(c, "INSERT INTO parent (name) VALUES ('after mark')")
    execute(c, "TRUNCATE child")
    assert state(watch) != before
    assert sorted(dbstate.restore(watch)) == ["child", "parent"]
    assert state(watch) == before
    execute(c, "DELETE FROM parent WHERE name = 'before mark'")


def test_a_rolled_back_first_write_takes_its_copy_with_it(db):
    c, watch = db
    before = state(watch)
    dbstate.mark(watch)
    c.autocommit = False
    execute(c, "UPDATE parent SET name = 'rolled back'")   # copies parent, in this transaction
    c.rollback()
    c.autocommit = True
    execute(c, "UPDATE parent SET name = 'committed'")     # so this write copies it again
    assert dbstate.restore(watch) == ["parent"]
    assert state(watch) == before


def test_a_second_writer_waits_for_the_first_copy(db, url):
    c, watch = db
    before = state(watch)
    dbstate.mark(watch)
    c.autocommit = False
    execute(c, "INSERT INTO parent (name) VALUES ('first writer')")
    other = connect(url)
    execute(other, "SET lock_timeout = '200ms'")
    with pytest.raises(psycopg2.errors.LockNotAvailable):
        execute(other, "INSERT INTO parent (name) VALUES ('second writer')")
    other.rollback()
    c.commit()
    execute(other, "INSERT INTO parent (name) VALUES ('second writer')")
    other.commit()
    other.close()
    assert dbstate.restore(watch) == ["parent"]
    assert state(watch) == before


def test_rolled_back_connections_are_not_copied_and_hold_nobody_up(db, url):
    c, watch = db
    before = state(watch)
    dbstate.mark(watch)
    never = connect(url, application_name=dbstate.ROLLED_BACK)   # as the `conn` fixture
    execute(never, "INSERT INTO parent (name) VALUES ('never committed')")
    execute(c, "SET lock_timeout = '200ms'")
    execute(c, "UPDATE parent SET name = 'committed' WHERE id = 1")   # no wait on `never`
    never.rollback()
    never.close()
    assert dbstate.restore(watch) == ["parent"]
    assert state(watch) == before
