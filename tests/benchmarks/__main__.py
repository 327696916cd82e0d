"""Foundation benchmarks (``make bench``): figures are medians, with ratios against a
baseline measured in the same run; the machine is shared, so read them as orders.

1. GCJ-02 → CGCS2000 conversion: vectorised NumPy against a per-point loop (prcoords).
2. Building the sample cities into an empty database (divisions, census, network).
3. Point-in-division lookups (province → community) on the loaded sample.
4. A 15-minute walk (900 m) from one point with pgRouting: whole edge table against a
   bounding-box prefilter (PERF.md says the prefilter is ~12× faster).
5. ``GET /health`` through the full app stack.
6. Place-name search with the national list loaded (``tests/benchmarks/names.py``), and
   the public lookups over HTTP against the code before issue 18 (``http.py``).
6b. Beyond one machine: public lookups with 1 and 2 API processes and with a streaming
    replica (CPU split), replica lag under writes, names partitioned by province
    (``scale.py``).
7. Coverage: isochrones, city circle, what-if, multi-source vs networkx (``coverage.py``).
7b. Population grids: importing WorldPop's rasters of Wuhan (``population.py``), and the
    circle, what-if, suggestions and hot spots on its cells against the community-centroid
    method (``grid_demand.py``).
8. Boundaries: patrolled share of a 100 km line by a 10,000-point track, GPX reading, and
   topology checks on every real county of China against shapely (``boundaries*.py``).
9. House-number plates: numbering and validating 1,000,000 doors on 50,000 generated roads
   in SQL, in a database of their own (``plates.py``).
9b. Place-name signs: the ends and intersections without a street sign, on the Nanjing
    sample and on a generated district of 2,400 crossing roads (``signs.py``).
10. Reliability: a 50 MB body refused (413) from its headers, the JSON checks of the input
    boundary, the cost of an Idempotency-Key (``reliability.py``).
11. Vector tiles: z14 streets and basemap tiles over central Wuhan, cold and warm, against
    a hand-written ST_AsMVT query (``tiles.py``).
11b. Maps in headless Chromium: the coverage map and the Zhuzhou overview, size and load
    time before and after, against an empty map; same features by layer (``maps.py``).
12. OGC API – Features against tipg and pygeoapi on the same table (1,000-feature pages,
    8 clients), and ``ogr2ogr`` of ``network_edges`` over OAPIF (``ogc_peers.py``).
13. The field app's sync: ``/field/data``, a queue sent twice, a photo in parts, a day's
    patrol (``field.py``).
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np
import prcoords

from fixtures.load import SAMPLES, load_city
from geo import crs, divisions
from geo.db import connect, fetch_value, transaction
from geo.migrate import migrate
from tests.benchmarks import timed
from tests.conftest import recreate_database


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.2f} ms"


def bench_crs() -> None:
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(100, 120, 1_000_000), rng.uniform(20, 40, 1_000_000)
    vec = statistics.median(timed(lambda: crs.gcj02_to_wgs84(lon, lat), 5)) / 1_000_000
    pts = [prcoords.Coords(a, o) for o, a in zip(lon[:20_000], lat[:20_000], strict=True)]
    loop = statistics.median(timed(lambda: [prcoords.gcj_wgs_bored(p) for p in pts], 3)) / 20_000
    print(f"crs  gcj02→cgcs2000 (iterated to 1e-9°): {1 / vec:,.0f} points/s vectorised, "
          f"{1 / loop:,.0f} points/s per-point loop (prcoords) → {loop / vec:.0f}× faster")


def bench_load() -> str:
    url = recreate_database("civgeo_bench")
    conn = connect(url)
    migrate(conn)
    for name, spec in SAMPLES.items():
        t = time.perf_counter()
        with transaction(conn):
            s = load_city(conn, spec, progress=lambda _m: None)
        extra = f", {s['network_edges']:,} network edges" if "network_edges" in s else ""
        print(f"load {name}: {time.perf_counter() - t:.1f} s for {s['counties']} counties, "
              f"{s['townships']} townships, {s['communities']} communities{extra} (one run)")
    conn.close()
    return url


def bench_lookups(url: str) -> None:
    conn = connect(url)
    rng = np.random.default_rng(2)
    pts = np.column_stack([rng.uniform(113.0, 113.9, 500), rng.uniform(26.1, 28.0, 500)])
    it = iter(pts)
    times = timed(lambda: divisions.containing(conn, *next(it)), 500)
    print(f"reverse  point → divisions (province…community), 500 random points in Zhuzhou: "
          f"median {ms(times)}, p95 {np.percentile(times, 95) * 1000:.2f} ms")
    start = fetch_value(conn, """
        SELECT n.id FROM network_nodes n JOIN networks w ON w.id = n.network_id
        WHERE w.name = 'wuhan-walk'
        ORDER BY n.geom <-> ST_SetSRID(ST_MakePoint(114.2866, 30.5822), 4490) LIMIT 1""")
    whole = """SELECT count(*) FROM pgr_drivingDistance(
        'SELECT id, source, target, cost, reverse_cost FROM walk_edges', %s, 900, false)"""
    boxed = """SELECT count(*) FROM pgr_drivingDistance(format(
        'SELECT id, source, target, cost, reverse_cost FROM walk_edges
         WHERE geom && ST_Expand((SELECT geom FROM network_nodes WHERE id = %%s), 0.012)',
        %s), %s, 900, false)"""
    n_whole = fetch_value(conn, whole, (start,))
    n_boxed = fetch_value(conn, boxed, (start, start))
    t_whole = timed(lambda: fetch_value(conn, whole, (start,)), 7)
    t_boxed = timed(lambda: fetch_value(conn, boxed, (start, start)), 15)
    ratio = statistics.median(t_whole) / statistics.median(t_boxed)
    print(f"walk  900 m from Jianghan Road, pgRouting: whole table {ms(t_whole)}, bbox "
          f"prefilter {ms(t_boxed)} → {ratio:.0f}× faster; same nodes reached: "
          f"{n_whole == n_boxed} ({n_boxed})")
    conn.close()


def bench_health(url: str) -> None:
    warnings.filterwarnings("ignore", message="Using `httpx`")
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings

    with TestClient(create_app(Settings(database_url=url))) as client:
        client.get("/health")
        times = timed(lambda: client.get("/health"), 200)
    print(f"api  GET /health (pool, versions, datasets): median {ms(times)} over 200 calls")


def main() -> None:
    print("civgeo foundation benchmarks (medians; 2-core shared machine)")
    bench_crs()
    url = bench_load()
    bench_lookups(url)
    bench_health(url)
    from tests.benchmarks import names

    names.ensure_national(url)
    names.run(url)
    from tests.benchmarks import http
    http.run(url)
    from tests.benchmarks import scale
    scale.run(url)
    from tests.benchmarks import coverage
    coverage.run(url)
    from tests.benchmarks import population
    population.run(url)
    from tests.benchmarks import grid_demand
    grid_demand.run(url)
    from tests.benchmarks import boundaries, boundaries_topology
    boundaries.bench_patrolled_share()
    boundaries_topology.bench_topology(url)
    from tests.benchmarks import field
    field.run(url)
    from tests.benchmarks import reliability
    reliability.run(url)
    from tests.benchmarks import plates
    plates.run()
    from tests.benchmarks import signs
    signs.run(url)
    from tests.benchmarks import tiles
    tiles.run(url)
    from tests.benchmarks import maps
    maps.run(url)
    from tests.benchmarks import ogc_peers
    ogc_peers.run()  # the project's database (make fixtures), as the peers would serve it


if __name__ == "__main__":
    main()
