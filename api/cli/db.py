"""``civgeo db …``: start, stop, migrate and inspect the database (DESIGN §3)."""

from __future__ import annotations

import os
import sys

from api.cli import command, group, print_json, session
from geo import localdb
from geo.db import mask_url


def _external() -> str | None:
    return os.environ.get("DATABASE_URL")


def up(args) -> None:
    """Start the embedded cluster (or check DATABASE_URL) and migrate."""
    if _external():
        print(f"using DATABASE_URL ({mask_url(_external())}); no embedded server is started")
    else:
        c = localdb.cluster()
        localdb.init(c)
        started = localdb.start(c)
        localdb.ensure_database(c)
        print(f"embedded PostgreSQL {'started' if started else 'already running'} on "
              f"127.0.0.1:{c.port} (data in {c.data})")
    migrate(args)


def down(args) -> None:
    """Stop the embedded cluster; its data stays."""
    if _external():
        print("DATABASE_URL is set: civgeo does not manage that server")
        return
    stopped = localdb.stop(localdb.cluster())
    print("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")


def migrate(args) -> None:
    """Apply pending migrations and re-apply the SQL functions."""
    from geo.migrate import migrate as run_migrations

    with session() as conn:
        result = run_migrations(conn)
    print(f"migrations: applied {', '.join(result.applied) or 'none'}; level {result.level}; "
          f"{result.functions} function files re-applied")


def status(args) -> None:
    """Where the database is, whether it runs, versions and data loaded (as JSON); exits 1
    when the embedded cluster is not running."""
    from geo.health import database_status

    found: dict = {"mode": "external" if _external() else "embedded"}
    if found["mode"] == "embedded":
        c = localdb.cluster()
        found.update(data_dir=str(c.data), port=c.port, initialised=localdb.initialised(c),
                     pid=localdb.server_pid(c))
        if found["pid"] is None:
            print_json({**found, "running": False})
            sys.exit(1)
    found["url"] = mask_url(localdb.database_url())
    with session() as conn:
        found.update(running=True, **database_status(conn))
    print_json(found)


def register(subparsers) -> None:
    """Add ``civgeo db up|down|status|migrate``."""
    db = group(subparsers, "db", "the database")
    for name, fn in (("up", up), ("down", down), ("status", status), ("migrate", migrate)):
        command(db, name, fn)
