"""Beyond one machine (issue 19), the part that runs on one: public lookups with one API
process, two, and two reading from a streaming replica, with the CPU each part used;
replica lag under a write load; and what partitioning the national names by province
gives (planning-time pruning) against the one table, on the same data in the same run.

``python -m tests.benchmarks.scale [DBNAME]`` runs it alone on a database holding the
samples and the national list (default ``civgeo_bench``, the one ``make bench`` builds)."""

from __future__ import annotations

import os
import statistics
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit, urlunsplit

import psutil

from geo import localdb, partitioning
from geo.db import connect, fetch_one, transaction
from tests.benchmarks.http import CLIENTS, api, wrk

LOOKUPS = [
    ("GET /names/search?q=荷塘", f"/names/search?{urlencode({'q': '荷塘'})}"),
    ("GET /names/reverse", "/names/reverse?lon=113.13&lat=27.83"),
    ("GET /addresses/search?q=上海路82号", f"/addresses/search?{urlencode({'q': '上海路82号'})}"),
]


def _tree(pid: int) -> list[psutil.Process]:
    """A process and every process below it (a server's workers or backends)."""
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def _cpu(processes: list[psutil.Process]) -> float:
    """CPU seconds (user + system) used so far by ``processes`` (gone ones count 0)."""
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def _server_pid(base: str) -> int:
    """The `civgeo serve` process listening on ``base``'s port."""
    port = urlsplit(base).port
    for p in psutil.process_iter(["cmdline"]):
        cmd = p.info["cmdline"] or []
        if "--port" in cmd and cmd[cmd.index("--port") + 1:][:1] == [str(port)]:
            return p.pid
    raise RuntimeError(f"no server process for {base}")


@contextmanager
def _replica():
    """A replica of the embedded cluster for the run (an existing one is used and kept)."""
    existing = [c for _, c in localdb.replicas() if localdb.server_pid(c) is not None]
    if existing:
        yield existing[0]
        return
    n, c = localdb.add_replica()
    try:
        yield c
    finally:
        localdb.remove_replica(n)


def _on(url: str, dbname: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{dbname}"))


def bench_processes(url: str, replica: localdb.Cluster, seconds: int) -> None:
    dbname = urlsplit(url).path.lstrip("/")
    primary_pg = localdb.server_pid(localdb.cluster())
    replica_pg = localdb.server_pid(replica)
    configs = [("1 process", 1, {}), ("2 processes", 2, {}),
               ("2 processes + replica", 2, {"DATABASE_URL_READ": _on(replica.url(), dbname)})]
    print(f"scale  public lookups, wrk {CLIENTS} connections, {seconds} s each; CPU time per "
          "request (ms) of the API processes, the primary and the replica (2 cores):")
    first: dict[str, float] = {}
    for label, workers, env in configs:
        with api(url, workers=workers, **env) as base:
            api_pids = _tree(_server_pid(base))
            for name, path in LOOKUPS:
                wrk(base, [path], 2)   # every pooled connection open: its backend is counted
                parts = [api_pids, _tree(primary_pg), _tree(replica_pg)]
                before = [_cpu(p) for p in parts]
                got = wrk(base, [path], seconds, warm=0)   # the CPU is of these requests
                used = [_cpu(p) - b for p, b in zip(parts, before, strict=True)]
                n = got["rps"] * seconds / 1000
                first.setdefault(name, got["rps"])
                print(f"  {label:<22} {name:<34} {got['rps']:7,.0f}/s "
                      f"({got['rps'] / first[name]:.2f}× one process)  p99 {got['p99']:6.1f} ms"
                      f"  CPU API {used[0] / n:5.2f}, primary {used[1] / n:5.2f}, replica "
                      f"{used[2] / n:5.2f} ms" + (f"  ({got['errors']} errors)"
                                                  if got["errors"] else ""))
    print("  (two cores run wrk, the API processes and both servers: a replica adds "
          "no core here, it moves the reads' database work off the primary)")


def bench_lag(url: str, replica: localdb.Cluster, seconds: int = 10) -> None:
    """Replica lag while the primary takes a steady write load (PostgreSQL's own
    ``pg_stat_replication.replay_lag`` and bytes behind, sampled every 100 ms)."""
    conn = connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_writes")
        cur.execute("CREATE TABLE bench_writes (id bigserial PRIMARY KEY, at timestamptz "
                    "DEFAULT now(), body text)")
    stop = threading.Event()
    written = [0]

    def write() -> None:
        w = connect(url)
        while not stop.is_set():
            with transaction(w), w.cursor() as cur:
                cur.execute("INSERT INTO bench_writes (body) SELECT repeat('x', 200) "
                            "FROM generate_series(1, 100)")
            written[0] += 100
        w.close()

    writer = threading.Thread(target=write)
    writer.start()
    lags, behind = [], []
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            row = fetch_one(conn, """
                SELECT extract(epoch FROM replay_lag) * 1000 AS ms,
                       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS bytes
                FROM pg_stat_replication ORDER BY replay_lsn LIMIT 1""")
            if row and row["ms"] is not None:
                lags.append(float(row["ms"]))
                behind.append(float(row["bytes"]))
            time.sleep(0.1)
    finally:
        stop.set()
        writer.join()
        with conn.cursor() as cur:
            cur.execute("DROP TABLE bench_writes")
        conn.close()
    rate = written[0] / seconds
    lags.sort()
    print(f"scale  replica lag under {rate:,.0f} inserted rows/s ({rate * 230 / 1e6:.1f} MB/s "
          f"of rows) for {seconds} s: replay_lag median {statistics.median(lags):.1f} ms, "
          f"p99 {lags[int(len(lags) * 0.99) - 1]:.1f} ms, max {lags[-1]:.1f} ms; behind "
          f"median {statistics.median(behind) / 1024:.0f} KB, max {max(behind) / 1024:.0f} KB "
          f"({len(lags)} samples)")


QUERIES = [
    ("names in 荷塘区 starting 荷 (scoped)",
     "SELECT id, name FROM {t} WHERE division_code >= %(low)s AND division_code < %(high)s "
     "AND name LIKE '荷%%'", "430202"),
    ("count of one province's names (scoped)",
     "SELECT count(*) FROM {t} WHERE division_code >= %(low)s AND division_code < %(high)s",
     "430000"),
    ("one name in one county (duplicate check)",
     "SELECT id FROM {t} WHERE division_code >= %(low)s AND division_code < %(high)s "
     "AND name = '荷塘街道'", "430202"),
    ("one name anywhere (no division)", "SELECT id FROM {t} WHERE name = '新华街道'", None),
]


def bench_partitions(url: str, runs: int = 30) -> None:
    conn = connect(url)
    conn.autocommit = True
    started = time.perf_counter()
    made = partitioning.build(conn)
    built = time.perf_counter() - started
    print(f"scale  place names by province: {made['rows']:,} names into {made['partitions']} "
          f"partitions ({made['provinces']} provinces + default) in {built:.1f} s; "
          f"medians of {runs} EXPLAIN ANALYZE runs, one table → partitioned:")
    for label, sql, code in QUERIES:
        args = dict(zip(("low", "high"), partitioning.province_range(code), strict=True)) \
            if code else None
        figures = {}
        for table in ("public.place_names", f"{partitioning.SCHEMA}.place_names"):
            plans, execs = [], []
            for _ in range(runs):
                tables, plan_ms, run_ms = partitioning.scanned_partitions(
                    conn, sql.format(t=table), args)
                plans.append(plan_ms)
                execs.append(run_ms)
            figures[table] = (len(tables), statistics.median(plans), statistics.median(execs))
        (_, p0, e0), (n1, p1, e1) = figures.values()
        print(f"  {label:<42} plan {p0:5.2f} → {p1:5.2f} ms, run {e0:7.2f} → {e1:7.2f} ms "
              f"({e0 / e1 if e1 else float('inf'):.1f}×); partitions read {n1} of "
              f"{made['partitions']}")
    with conn.cursor() as cur:
        cur.execute(f"DROP SCHEMA {partitioning.SCHEMA} CASCADE")
    conn.close()


def run(url: str, seconds: int = 8) -> None:
    if os.environ.get("DATABASE_URL"):
        print("scale  skipped: the replica figures need the embedded cluster "
              "(DATABASE_URL is set)")
        return
    bench_partitions(url)
    with _replica() as replica:
        bench_lag(url, replica)
        bench_processes(url, replica, seconds)


def main() -> None:
    import sys

    from tests.conftest import url_for

    run(url_for(sys.argv[1] if len(sys.argv) > 1 else "civgeo_bench"))


if __name__ == "__main__":
    main()
