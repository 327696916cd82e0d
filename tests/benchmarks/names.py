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
from geo.names.search import _generic_chars, search


def query_set(conn, n: int = 50, seed: int = 7) -> list[tuple[str, str]]:
    """(kind, query) pairs drawn from real names: characters, traditional, pinyin with and
    without spaces, initials, prefixes, one-character typos and pinyin typos; and (issue 17)
    one character missing or too many, one pinyin syllable missing or too many, doubled
    generics written once (花楼街道) and former names (株洲县, where the division history
    made them)."""
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
        if len(name) >= 3:   # inside the name: at either end it is a prefix or contains hit
            k = rng.randrange(1, len(name) - 1)
            syllables = spaced.split()
            other = search_keys(rng.choice(han), "").pinyin or "an"
            out += [("missing", name[:k] + name[k + 1:]),
                    ("extra", name[:k] + rng.choice(han) + name[k:]),
                    ("pinyin missing", "".join(syllables[:k] + syllables[k + 1:])),
                    ("pinyin extra", "".join(syllables[:k] + [other] + syllables[k:]))]
    doubled = fetch_all(conn, """
        SELECT proper, generic FROM place_names TABLESAMPLE SYSTEM (5) REPEATABLE (7)
        WHERE generic <> '' AND length(proper) >= 3
          AND right(proper, 1) = ANY(%(chars)s) LIMIT %(n)s""",
        {"chars": list(_generic_chars()), "n": n})
    out += [("doubled generic", r["proper"][:-1] + r["generic"]) for r in doubled]
    former = fetch_all(conn, "SELECT name FROM place_names WHERE status = 'historical' "
                             "AND current_id IS NOT NULL ORDER BY id LIMIT %s", (n,))
    out += [("former name", r["name"]) for r in former]
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
        print(f"         {kind:<15} p50 {np.percentile(ts, 50) * 1000:5.1f} ms  "
              f"p99 {np.percentile(ts, 99) * 1000:5.1f} ms  ({len(ts)})")
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
    bench_audit(url)


def bench_audit(url: str) -> None:
    """The clean-up audit (清理不规范地名) of the national list, against the application's
    checks run one name at a time (timed on 300 names, then scaled to the list)."""
    from geo.names import audit, checks, gazetteer

    conn = connect(url)
    audit._KEPT.clear()
    t = time.perf_counter()
    found = audit.audit(conn, "000000")
    batch = time.perf_counter() - t
    totals = found["totals"]
    cats = gazetteer.categories(conn)
    sample = fetch_all(conn, "SELECT name, category_code, division_code FROM place_names "
                             "WHERE status = 'standard' AND division_code IS NOT NULL "
                             "ORDER BY id LIMIT 300")
    t = time.perf_counter()
    for row in sample:
        r = checks.rules(conn, row["division_code"])
        checks.check_wording(row["name"], r, None)
        checks.check_uniqueness(conn, row["name"], cats[row["category_code"]],
                                row["division_code"], r)
    one = (time.perf_counter() - t) / len(sample)
    conn.close()
    rules = ", ".join(f"{x['rule']} {x['findings']:,}" for x in totals["by_rule"])
    print(f"names  clean-up audit of the national list ({totals['names']:,} names): "
          f"{batch:.1f} s; the application's checks one name at a time {one * 1000:.1f} ms a "
          f"name, {one * totals['names'] / 60:.0f} min for the list (baseline) → "
          f"{one * totals['names'] / batch:.0f}× faster; {totals['names_with_findings']:,} names "
          f"with {totals['findings']:,} findings: {rules}")


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


def main() -> None:
    """``python -m tests.benchmarks.names [DBNAME]``: the in-database search figures alone,
    on a database of their own (default ``civgeo_bench_names``: migrated, the Zhuzhou
    sample for its division history, then the national list; kept between runs)."""
    import sys

    from fixtures.load import SAMPLES, load_city
    from geo.migrate import migrate
    from tests.conftest import url_for

    dbname = sys.argv[1] if len(sys.argv) > 1 else "civgeo_bench_names"
    from geo.db import connect as _connect

    admin = _connect(url_for("postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{dbname}"')
    admin.close()
    url = url_for(dbname)
    conn = _connect(url)
    migrate(conn)
    with transaction(conn):
        load_city(conn, SAMPLES["zhuzhou"], progress=lambda _m: None)
    conn.close()
    ensure_national(url)
    run(url)


if __name__ == "__main__":
    main()
