"""``civgeo db …``: start, stop, migrate and inspect the database (DESIGN §3)."""

from __future__ import annotations

import argparse
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
        for n, r in localdb.replicas():
            if localdb.start(r):
                print(f"replica {n} started on 127.0.0.1:{r.port}")
    migrate(args)


def down(args) -> None:
    """Stop the embedded cluster; its data stays."""
    if _external():
        print("DATABASE_URL is set: civgeo does not manage that server")
        return
    for n, r in localdb.replicas():
        if localdb.stop(r):
            print(f"replica {n} stopped")
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
    register_replicas(db)


def replica_add(args) -> None:
    """Make a streaming replica of the embedded cluster (pg_basebackup -R over a
    replication slot) on its own port and start it; print its number and read URL."""
    n, c = localdb.add_replica(args.port)
    print(f"replica {n} streaming from 127.0.0.1:{localdb.cluster().port} on 127.0.0.1:{c.port} "
          f"(data in {c.data}, slot {localdb.slot_name(n)})")
    print(f"serve reads from it: DATABASE_URL_READ={mask_url(c.url())}")


def replica_ensure(args) -> None:
    """Make replicas until N exist (each made as `replica add` does), and start them."""
    for _, c in localdb.replicas():
        localdb.start(c)
    while len(localdb.replicas()) < args.n:
        replica_add(argparse.Namespace(port=None))
    print(f"{len(localdb.replicas())} replica(s) running")


def replica_list(args) -> None:
    """The replicas of the embedded cluster: port, running, replayed position, lag."""
    from geo.db import connect
    from geo.replicas import lsn_text, primary_lsn, standby_state

    found = []
    primary = None
    try:
        with session() as conn:
            primary = primary_lsn(conn)
    except Exception:   # noqa: BLE001 - the list still shows the replicas
        pass
    for n, c in localdb.replicas():
        row = {"replica": n, "port": c.port, "data_dir": str(c.data),
               "slot": localdb.slot_name(n), "running": localdb.server_pid(c) is not None}
        if row["running"]:
            conn = connect(c.url())
            try:
                state = standby_state(conn)
            finally:
                conn.close()
            row.update(replayed=lsn_text(state["replayed"]) if state["replayed"] else None,
                       replay_paused=state["paused"])
            if primary is not None and state["replayed"] is not None:
                row["behind_bytes"] = max(0, primary - state["replayed"])
        found.append(row)
    print_json(found)


def replica_remove(args) -> None:
    """Stop replica N, delete its data and drop its replication slot."""
    if not localdb.remove_replica(args.n):
        print(f"there is no replica {args.n}", file=sys.stderr)
        sys.exit(1)
    print(f"replica {args.n} removed")


def replica_urls(args) -> None:
    """The running replicas' URLs, comma-separated (for DATABASE_URL_READ)."""
    print(",".join(c.url() for _, c in localdb.replicas() if localdb.server_pid(c) is not None))


def register_replicas(db) -> None:
    rep = group(db, "replica", "streaming read replicas of the embedded cluster")
    command(rep, "add", replica_add).add_argument(
        "--port", type=int, help="its port (default: the first free one above the primary's)")
    command(rep, "ensure", replica_ensure).add_argument("n", type=int, help="how many")
    command(rep, "list", replica_list)
    command(rep, "remove", replica_remove).add_argument("n", type=int, help="its number")
    command(rep, "urls", replica_urls)
