"""Place-name search with the national list (~660k names) loaded (issue 3's targets:
in-database p50 ≤ 5 ms and p99 ≤ 20 ms over a mixed query set; over HTTP with 16
concurrent clients p99 ≤ 30 ms and ≥ 500 requests/s; the ratio against ILIKE '%q%')."""

from __future__ import annotations

import random
import statistics
import time

import numpy as np
import opencc

from geo.db import connect, fetch_all, transaction
from geo.names.gazetteer import search_keys
from geo.names.search import search


def query_set(conn, n: int = 50, seed: int = 7) -> list[tuple[str, str]]:
    """(kind, query) pairs drawn from real names: characters, traditional, pinyin with and
    without spaces, initials, prefixes, one-character typos and pinyin typos."""
    rng = random.Random(seed)
    names = [r["name"] for r in fetch_all(
        conn, "SELECT name FROM place_names TABLESAMPLE SYSTEM (1) REPEATABLE (7) "
              "WHERE length(name) BETWEEN 2 AND 6 LIMIT 2000")]
    rng.shuffle(names)
    s2t = opencc.OpenCC("s2t")
    han = [c for name in names for c in name]
    out = []
    for name in names[:n]:
        keys = search_keys(name, name)
        i = rng.randrange(len(name))
        typo = name[:i] + rng.choice(han) + name[i + 1:]
        j = rng.randrange(len(keys.pinyin))
        ptypo = keys.pinyin[:j] + rng.choice("aeiougnhz") + keys.pinyin[j + 1:]
        spaced = " ".join(search_keys(c, c).pinyin for c in name)
        out += [("characters", name), ("traditional", s2t.convert(name)),
                ("pinyin", keys.pinyin), ("pinyin spaced", spaced), ("initials", keys.initials),
                ("prefix", name[:2]), ("typo", typo), ("pinyin typo", ptypo)]
    return out


def run(url: str) -> None:
    conn = connect(url)
    conn.autocommit = True
    queries = query_set(conn)
    for _kind, q in queries[:40]:  # warm the caches
        search(conn, q)
    times: dict[str, list[float]] = {}
    for kind, q in queries * 2:
        t = time.perf_counter()
        search(conn, q)
        times.setdefault(kind, []).append(time.perf_counter() - t)
    every = [t for ts in times.values() for t in ts]
    total = fetch_all(conn, "SELECT count(*) AS n FROM place_names")[0]["n"]
    print(f"names  search over {total:,} names, {len(every)} queries: p50 "
          f"{np.percentile(every, 50) * 1000:.1f} ms, p99 {np.percentile(every, 99) * 1000:.1f} ms")
    for kind, ts in times.items():
        print(f"         {kind:<14} p50 {np.percentile(ts, 50) * 1000:5.1f} ms  "
              f"p99 {np.percentile(ts, 99) * 1000:5.1f} ms")
    chinese = [q for kind, q in queries if kind == "characters"]
    naive = []
    for q in chinese:
        t = time.perf_counter()
        fetch_all(conn, "SELECT id, name FROM place_names WHERE name ILIKE %s LIMIT 10",
                  (f"%{q}%",))
        naive.append(time.perf_counter() - t)
    ours = times["characters"]
    print(f"names  naive ILIKE '%q%' on the same Chinese queries: median "
          f"{statistics.median(naive) * 1000:.1f} ms vs {statistics.median(ours) * 1000:.1f} ms "
          f"ranked search → {statistics.median(naive) / statistics.median(ours):.1f}× "
          "(ILIKE returns unranked substrings only)")
    conn.close()


def ensure_national(url: str) -> None:
    from fixtures.national import load_national

    conn = connect(url)
    with transaction(conn):
        summary = load_national(conn, progress=lambda m: print(f"  {m}"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE place_names")
    conn.close()
    how = "already loaded" if summary.get("skipped") else f"loaded in {summary['seconds']} s"
    print(f"names  national list: {summary['names']:,} names ({how})")


_WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("CIVGEO_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def run_http(url: str, clients: int = 16, seconds: int = 15) -> None:
    """wrk (closed loop) with ``clients`` connections against one `civgeo serve` worker (on
    two cores, a second worker only competes with PostgreSQL and wrk for CPU)."""
    import os
    import re
    import subprocess
    import tempfile
    from urllib.parse import urlencode

    from tests.serving import served

    conn = connect(url)
    conn.autocommit = True
    paths = [f"/names/search?{urlencode({'q': q})}" for _k, q in query_set(conn)]
    conn.close()
    with served(url, "--workers", "1", "--log-level", "warning", CIVGEO_POOL_MAX="8") as base, \
            tempfile.TemporaryDirectory() as tmp:
        time.sleep(1)
        lua = os.path.join(tmp, "paths.lua")
        with open(lua, "w") as fh:
            fh.write(_WRK_SCRIPT)
        with open(os.path.join(tmp, "paths.txt"), "w") as fh:
            fh.write("\n".join(paths) + "\n")
        run_env = {**os.environ, "CIVGEO_PATHS": os.path.join(tmp, "paths.txt")}
        wrk = ["wrk", "-t1", f"-c{clients}", "-s", lua, base]
        subprocess.run([*wrk, "-d3s"], env=run_env, capture_output=True)  # warm up
        out = subprocess.run([*wrk, f"-d{seconds}s", "--latency"], env=run_env,
                             capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = dict(re.findall(r"^\s+(50|90|99)%\s+([\d.]+\w+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    print(f"names  HTTP /names/search, {clients} concurrent clients, 1 worker: {rps:,.0f} "
          f"requests/s, latency p50 {pct.get('50')}, p90 {pct.get('90')}, p99 {pct.get('99')}"
          + (f", {errors.group(1)} errors" if errors else ", no errors"))
