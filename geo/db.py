"""Connections, transactions and named SQL blocks (DESIGN §2, STYLE §7.3)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import psycopg2
import psycopg2.extras

from geo.errors import SetupError

_NAME_LINE = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)

# NumPy scalars reach queries from analyses; psycopg2 would write them as "np.float64(…)".
# Adapt them as the Python values they hold, so quoting (negatives, NaN) stays psycopg2's.
for _type in (np.float64, np.float32, np.int64, np.int32, np.bool_):
    psycopg2.extensions.register_adapter(_type, lambda v: psycopg2.extensions.adapt(v.item()))


def mask_url(url: str) -> str:
    """Return ``url`` with its password replaced by ``***`` (for messages and logs)."""
    if "://" not in url:  # key=value form
        return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", url)
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def connect(url: str, *, statement_timeout_ms: int | None = None,
            application_name: str = "civgeo") -> psycopg2.extensions.connection:
    """Open a connection, or raise SetupError with one line saying what to fix."""
    options = f"-c statement_timeout={statement_timeout_ms}" if statement_timeout_ms else ""
    try:
        return psycopg2.connect(url, options=options, application_name=application_name,
                                connect_timeout=10)
    except psycopg2.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SetupError(
            f"cannot connect to {mask_url(url)}: {first}. Check DATABASE_URL, or unset it "
            "and run `civgeo db up` to use the embedded cluster."
        ) from None


# Connections whose transaction is owned by an outer block (``held``), by id, with the depth
# of the ``transaction`` blocks open inside it. A connection serves one thread at a time.
_DEPTH: dict[int, int] = {}


@contextmanager
def transaction(conn) -> Iterator[Any]:
    """Commit what the block did, or roll it all back if it raised.

    Inside another ``transaction`` or ``held`` block on the same connection, the block is a
    savepoint: its work is undone alone if it raises, and committed with the outer block.
    A rollback on a connection that has died is skipped: the error that killed it is the one
    raised (the API answers it 503). A connection in autocommit (the API's, whose reads then
    cost no BEGIN and no ROLLBACK) is in one transaction for the block and back after it.
    """
    depth = _DEPTH.get(id(conn))
    if depth is not None:
        yield from _savepoint(conn, depth)
        return
    autocommit = conn.autocommit   # the API's connections: one statement, one transaction
    if autocommit:
        conn.autocommit = False
    _DEPTH[id(conn)] = 0
    try:
        yield conn
    except BaseException:
        _rollback(conn)
        if autocommit and not conn.closed and conn.status == psycopg2.extensions.STATUS_READY:
            conn.autocommit = True
        raise
    finally:
        del _DEPTH[id(conn)]
    conn.commit()
    if autocommit:
        conn.autocommit = True


@contextmanager
def held(conn) -> Iterator[Any]:
    """Open a transaction that the ``transaction`` blocks run inside commit with: the caller
    commits or rolls back ``conn`` itself when the block ends (the API holds a request's
    writes this way until it has stored the answer of an ``Idempotency-Key``)."""
    if id(conn) in _DEPTH:
        raise RuntimeError("the connection's transaction is owned already")
    if conn.autocommit:
        conn.autocommit = False   # the caller ends the transaction, and sets it back
    _DEPTH[id(conn)] = 0
    try:
        yield conn
    finally:
        _DEPTH.pop(id(conn), None)


def _savepoint(conn, depth: int) -> Iterator[Any]:
    name = f"civgeo_{depth + 1}"
    _DEPTH[id(conn)] = depth + 1
    try:
        with conn.cursor() as cur:
            cur.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            try:
                with conn.cursor() as cur:
                    cur.execute(f"ROLLBACK TO SAVEPOINT {name}")
            except (psycopg2.InterfaceError, psycopg2.OperationalError):
                pass  # the connection died: the outer block fails with the first error
            raise
        with conn.cursor() as cur:
            cur.execute(f"RELEASE SAVEPOINT {name}")
    finally:
        _DEPTH[id(conn)] = depth


def _rollback(conn) -> None:
    if conn.closed:
        return
    try:
        conn.rollback()
    except (psycopg2.InterfaceError, psycopg2.OperationalError):
        pass  # the connection died; the server has ended the transaction already


def load_queries(module_file: str) -> dict[str, str]:
    """Read the ``-- name: <fn>`` blocks of the ``.sql`` file beside ``module_file``."""
    text = Path(module_file).with_suffix(".sql").read_text(encoding="utf-8")
    pieces = _NAME_LINE.split(text)
    return {name: body.strip() for name, body in zip(pieces[1::2], pieces[2::2], strict=True)}


def fetch_all(conn, sql: str, params: Any = None, *,
              prepared: bool = False) -> list[dict[str, Any]]:
    """Run ``sql`` and return every row as a dict; ``prepared``: see ``run_prepared``."""
    with conn.cursor() as cur:
        if prepared:
            run_prepared(cur, sql, params)
        else:
            cur.execute(sql, params)
        names = [c.name for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def fetch_one(conn, sql: str, params: Any = None, *,
              prepared: bool = False) -> dict[str, Any] | None:
    """Run ``sql`` and return its first row as a dict, or None."""
    with conn.cursor() as cur:
        if prepared:
            run_prepared(cur, sql, params)
        else:
            cur.execute(sql, params)
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([c.name for c in cur.description], row, strict=True))


# Server-side prepared statements, per connection: the SQL text (with its %(name)s
# parameters) → the statement's name and its parameters in order.
_PREPARED: weakref.WeakKeyDictionary[Any, dict[str, tuple[str, list[str]]]] = \
    weakref.WeakKeyDictionary()
PREPARED_MAX = 200   # statements kept per connection; beyond, statements run as text
_PARAMETER = re.compile(r"%\((\w+)\)s|%%")


def run_prepared(cur, sql: str, params: dict[str, Any]) -> None:
    """Run ``sql`` (``%(name)s`` parameters) as a prepared statement of the cursor's
    connection: PREPARE the first time, EXECUTE after. PostgreSQL then parses each text
    once per connection and, when the plan does not depend on the values (no ``LIKE`` on a
    parameter: write prefixes as ``~>=~``/``~<~`` ranges), plans it once: a public lookup's
    query is planned in 0.4 ms and run in 0.1 ms. A prepared statement outlives the
    transaction it was made in, as the cache here does."""
    statements = _PREPARED.setdefault(cur.connection, {})
    found = statements.get(sql)
    if found is None:
        if len(statements) >= PREPARED_MAX:
            cur.execute(sql, params)
            return
        order: list[str] = []

        def numbered(m: re.Match) -> str:
            if m.group(1) is None:
                return "%"
            if m.group(1) not in order:
                order.append(m.group(1))
            return f"${order.index(m.group(1)) + 1}"

        name = f"civgeo_{len(statements) + 1}"
        cur.execute(f"PREPARE {name} AS {_PARAMETER.sub(numbered, sql)}")
        found = statements[sql] = (name, order)
    name, order = found
    cur.execute(f"EXECUTE {name}({', '.join(['%s'] * len(order))})" if order
                else f"EXECUTE {name}", [params[k] for k in order])


def fetch_value(conn, sql: str, params: Any = None) -> Any:
    """Run ``sql`` and return the first column of its first row (None when no row)."""
    with conn.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
        return row[0] if row is not None else None


def execute(conn, sql: str, params: Any = None) -> int:
    """Run a statement and return its row count."""
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def fetch_frame(conn, sql: str, params: Any = None, geom_col: str = "geom", srid: int = 4490):
    """Run ``sql`` (its ``geom_col`` selected as WKB) and return a GeoDataFrame.

    Used instead of ``geopandas.read_postgis``, which wants an SQLAlchemy engine.
    """
    import geopandas as gpd
    import shapely

    rows = fetch_all(conn, sql, params)
    wkb = [None if r[geom_col] is None else bytes(r.pop(geom_col)) for r in rows]
    return gpd.GeoDataFrame(rows, geometry=shapely.from_wkb(wkb), crs=srid)
