"""The 15-minute circle of central Wuhan on WorldPop's 100 m grid of people aged 60+ (issue
20), on the in-memory walking graph, each figure beside the community-centroid method (the
same people summed per community and counted at its centre) measured in the same run.

Targets: the circles of the seven core districts at cell level ≤ 1 s together; the what-if
of one added site ≤ 50 ms. Also timed: the first context on the grid (reading and placing
the cells), suggestions (k = 3) per district, hot spots and the cell–centroid comparison,
whose figures (covered share per district by both methods) are printed as a table.

``python -m tests.benchmarks.grid_demand [DBNAME]`` runs it alone (default ``civgeo``).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from geo.coverage import circle as circles
from geo.coverage import context as contexts
from geo.coverage import gain, hotspots, suggest, versions
from geo.db import connect
from tests.benchmarks import timed

CITY = "420100"
CORE = ["420102", "420103", "420104", "420105", "420106", "420107", "420111"]
CELLS, CENTRES = contexts.CELLS, contexts.COMMUNITIES


def med(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def verdict(seconds: float, target: float) -> str:
    return "met" if seconds <= target else "NOT met"


def circle_time(conn, code: str, demand: str, n: int = 3) -> tuple[float, dict]:
    """Median seconds of a division's full circle with its context kept (a planner's next
    question after a change of sites: nothing of the last answer reused)."""
    def once():
        circles._SERVED.clear()
        return circles.circle(conn, code, demand=demand)
    once()
    return med(timed(once, n)), circles.circle(conn, code, demand=demand)


def run(url: str) -> None:
    started = time.perf_counter()
    conn = connect(url)
    versions.forget()
    t = time.perf_counter()
    ctx = contexts.build(conn, CITY, demand=CELLS)      # InvalidInput: no grid loaded
    cold = time.perf_counter() - t
    print(f"grid  first context of {CITY} on the grid: {len(ctx.demand):,} populated cells in "
          f"{len(ctx.communities):,} communities read and placed on the walking graph in "
          f"{cold:.2f} s ({ctx.demand.grid['source']}; {ctx.demand.as_dict()['population_note']})")

    cells_t, centre_t, parts = {}, {}, []
    for code in CORE:
        cells_t[code], r = circle_time(conn, code, CELLS)
        centre_t[code], _ = circle_time(conn, code, CENTRES)
        parts.append(f"{r['division']['name']} {ms(cells_t[code])} ({r['summary']['cells']:,} "
                     f"cells; centres {ms(centre_t[code])})")
    total, base = sum(cells_t.values()), sum(centre_t.values())
    print(f"grid  circles of the seven core districts at cell level: {ms(total)} together "
          f"(target ≤ 1 s: {verdict(total, 1.0)}); at community centres {ms(base)} "
          f"(baseline) → {total / base:.1f}× the centroid method's time; " + "; ".join(parts))
    city_t, city = circle_time(conn, CITY, CELLS)
    city_c, _ = circle_time(conn, CITY, CENTRES)
    print(f"grid  circle of the whole sample ({CITY}, {city['summary']['cells']:,} cells, "
          f"{city['summary']['sites']} sites): {ms(city_t)}; at centres {ms(city_c)}")

    # What-if at the uncovered cells' places and at random cells, as a planner clicks.
    u = hotspots.uncovered(conn, CITY)
    rng = np.random.default_rng(20)
    near_street = u.ctx.targets.on_network & (u.ctx.targets.leg < 50)
    far = np.flatnonzero((u.left > 0) & near_street)
    pick = np.concatenate([rng.choice(far, 10, replace=False),
                           rng.choice(np.flatnonzero(near_street), 10, replace=False)])
    pts = np.column_stack([u.ctx.demand.lon[pick], u.ctx.demand.lat[pick]])
    for p in pts[:2]:
        gain.what_if(conn, CITY, *p)
        gain.what_if(conn, CITY, *p, demand=CENTRES)
    it = iter(pts)
    t_cells = timed(lambda: gain.what_if(conn, CITY, *next(it)), len(pts))
    it = iter(pts)
    t_centres = timed(lambda: gain.what_if(conn, CITY, *next(it), demand=CENTRES), len(pts))
    got = [gain.what_if(conn, CITY, *p)["newly_covered_elderly"] for p in pts[:10]]
    print(f"grid  what-if of one added site in {CITY}, {len(pts)} points: {ms(med(t_cells))} "
          f"median at cell level (target ≤ 50 ms: {verdict(med(t_cells), 0.05)}); at centres "
          f"{ms(med(t_centres))} (baseline); elderly newly covered by a site at an "
          f"uncovered cell: {got}")

    for code in ("420103", "420111"):
        t = time.perf_counter()
        s_cells = suggest.suggest(conn, code, k=3)
        t_s = time.perf_counter() - t
        t = time.perf_counter()
        s_centres = suggest.suggest(conn, code, k=3, demand=CENTRES)
        t_c = time.perf_counter() - t
        clients = s_cells["clients"]
        blocks = (f", merged into {clients['block_cells']}×{clients['block_cells']}-cell blocks"
                  if clients["block_cells"] else "")
        print(f"grid  suggestions k=3 in {code}: {t_s:.2f} s at cell level ({clients['units']:,}"
              f" uncovered cells → {clients['clients']:,} clients{blocks}, {s_cells['candidates']}"
              f" candidates), newly covering {s_cells['newly_covered_elderly']:,} elderly "
              f"({s_cells['share_before']:.1%} → {s_cells['share_after']:.1%}); at centres "
              f"{t_c:.2f} s, newly covering {s_centres['newly_covered_elderly']:,} "
              f"({s_centres['share_before']:.1%} → {s_centres['share_after']:.1%})")

    times, rows = [], []
    for code in CORE:
        t = time.perf_counter()
        h = hotspots.hotspots(conn, code)
        times.append(time.perf_counter() - t)
        top = h["features"][0]["properties"] if h["features"] else None
        rows.append(f"{h['division']['name']}: {h['summary']['hotspot_elderly']:,} of "
                    f"{h['summary']['uncovered_elderly']:,} uncovered in 10 hot spots"
                    + (f", #1 {top['uncovered_elderly']:,} ({'、'.join(top['townships'])})"
                       if top else ""))
    print(f"grid  hot spots (500 m discs) per core district: median {ms(med(times))}; "
          + "; ".join(rows))

    t = time.perf_counter()
    found = hotspots.compare(conn, CITY)
    print(f"grid  covered share, 15 minutes with capacity, per district of the city's circle "
          f"({time.perf_counter() - t:.2f} s): cells against community centres")
    print(f"      {'district':<8} {'elderly':>9} {'cells':>7} {'by cell':>8} {'by centre':>9} "
          f"{'diff':>7} {'hidden':>7} {'≤15 min by cell':>16} {'by centre':>9}")
    for d in found["districts"]:
        print(f"      {d['name']:<8} {d['elderly']:>9,} {d['cells']:>7,} "
              f"{d['covered_share_cells']:>8.1%} {d['covered_share_centroids']:>9.1%} "
              f"{d['difference_pp']:>+6.1f}pp {d['hidden_elderly']:>7,} "
              f"{d['within_share_cells']:>16.1%} {d['within_share_centroids']:>9.1%}")
    conn.close()
    print(f"grid  grid benchmarks took {time.perf_counter() - started:.0f} s")


def main() -> None:
    import sys

    from tests.conftest import url_for

    run(url_for(sys.argv[1] if len(sys.argv) > 1 else "civgeo"))


if __name__ == "__main__":
    main()
