"""Place-name signs (地名标志): where roads need a street sign and which spots have none.

1. The Nanjing sample (116 real OSM roads, 410 ends and intersections, the seeded signs):
   ``signs.check`` of the city in one pass, against the same spots asked road by road (as
   each road's map asks them): median of 5.
2. A generated district of 2,400 roads crossing on a 120 m grid (1,200 east-west and 1,200
   north-south, each 15 blocks long along a diagonal band: each crosses about 15 others,
   two spots per crossing, one on each road), one street
   sign at three spots in four, in a rolled-back transaction: ``signs.spots`` of the
   division, median of 3, and the count of gaps against the count of spots left unsigned.

Run alone with ``python -m tests.benchmarks.signs`` (after ``make fixtures``).
"""

from __future__ import annotations

import statistics

from geo.db import connect, execute, fetch_value
from geo.localdb import database_url
from geo.names import signs
from tests.benchmarks import timed

NANJING = "320100"
GENERATED = "320104"       # the roads are filed under 秦淮区, the plates of the sample's district
ORIGIN = (118.60, 31.80)   # south-west of the sample, clear of its roads
STEP_DEG = 120 / 111_320   # 120 m blocks (longitude scaled at the origin's latitude)
LINES, BLOCKS = 1_200, 15


def _nanjing(conn) -> None:
    whole = timed(lambda: signs.check(conn, NANJING), 5)
    roads = _road_ids(conn)
    one_by_one = timed(lambda: [signs.spots(conn, road=r) for r in roads], 5)
    found = signs.check(conn, NANJING)
    print(f"  Nanjing sample: {found['spots']} spots on {found['roads']} roads, "
          f"{len(found['gaps'])} without a sign, {len(found['outdated'])} outdated signs")
    print(f"    check of the city in one pass  {statistics.median(whole) * 1000:8.1f} ms")
    print(f"    the same spots road by road    {statistics.median(one_by_one) * 1000:8.1f} ms "
          f"({statistics.median(one_by_one) / statistics.median(whole):.1f}x)")


def _road_ids(conn) -> list[int]:
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM roads WHERE division_code LIKE '3201%%' "
                    "AND status = 'current' AND name_id IS NOT NULL ORDER BY id")
        return [r[0] for r in cur.fetchall()]


_GENERATE = """
WITH lines AS (
    SELECT i, d, format('测%%s%%s路', CASE d WHEN 0 THEN '东' ELSE '北' END, i) AS name,
           GREATEST(i - 7 + (i * 3) %% 5 - 2, 0) AS start
    FROM generate_series(0, %(lines)s - 1) i, (VALUES (0), (1)) v(d)
), geo AS (
    SELECT name, CASE d
        WHEN 0 THEN ST_MakeLine(ST_MakePoint(%(x0)s + start * %(step)s / 0.85,
                                             %(y0)s + i * %(step)s),
                                ST_MakePoint(%(x0)s + (start + %(blocks)s) * %(step)s / 0.85,
                                             %(y0)s + i * %(step)s))
        ELSE ST_MakeLine(ST_MakePoint(%(x0)s + i * %(step)s / 0.85, %(y0)s + start * %(step)s),
                         ST_MakePoint(%(x0)s + i * %(step)s / 0.85,
                                      %(y0)s + (start + %(blocks)s) * %(step)s))
        END AS line
    FROM lines
), named AS (
    INSERT INTO place_names (name, proper, generic, roman, category_code, division_code, geom,
                             source, pinyin, proper_pinyin, initials)
    SELECT name, left(name, -1), '路', 'Ce Lu', '0801', %(division)s,
           ST_SetSRID(line, 4490), 'benchmark', 'ce', 'ce', 'c'
    FROM geo
    RETURNING id, name, geom
)
INSERT INTO roads (name, name_id, division_code, geom, axis, length_m, source)
SELECT name, id, %(division)s, ST_Multi(geom), geom, ST_Length(geom::geography), 'benchmark'
FROM named
"""


def _generated(conn) -> None:
    execute(conn, "DELETE FROM roads WHERE division_code LIKE '3201%%'")   # only the grid
    execute(conn, _GENERATE, {"lines": LINES, "blocks": BLOCKS, "x0": ORIGIN[0],
                              "y0": ORIGIN[1], "step": STEP_DEG, "division": GENERATED})
    spots = signs.spots(conn, division=GENERATED)
    execute(conn, """
        INSERT INTO plates (kind, name_id, road_id, geom, printed_name, status, token,
                            created_by)
        SELECT 'street', r.name_id, r.id,
               ST_SetSRID(ST_MakePoint(s.lon + 0.00005, s.lat), 4490), r.name, 'installed',
               md5(random()::text || s.n::text), 'benchmark'
        FROM unnest(%(road)s::bigint[], %(lon)s::float8[], %(lat)s::float8[])
             WITH ORDINALITY s(road, lon, lat, n)
        JOIN roads r ON r.id = s.road
        WHERE s.n %% 4 <> 0""", {"road": [s["road_id"] for s in spots],
                                  "lon": [s["lon"] for s in spots],
                                  "lat": [s["lat"] for s in spots]})
    runs = timed(lambda: signs.spots(conn, division=GENERATED), 3)
    again = signs.spots(conn, division=GENERATED)
    gaps = sum(s["sign_id"] is None for s in again)
    roads = fetch_value(conn, "SELECT count(*) FROM roads WHERE division_code = %s",
                        (GENERATED,))
    print(f"  generated district: {roads:,} roads, {len(again):,} spots "
          f"({sum(s['why'] == 'intersection' for s in again):,} intersections)")
    print(f"    spots and gaps of the division {statistics.median(runs):8.2f} s; "
          f"{gaps:,} gaps found, {len(spots) // 4:,} left unsigned")


def run(url: str | None = None) -> None:
    """Both figures, on the project's database; nothing is kept."""
    print("place-name signs (地名标志): ends and intersections without a street sign")
    conn = connect(url or database_url())
    try:
        _nanjing(conn)
        _generated(conn)
    finally:
        conn.rollback()
        conn.close()


if __name__ == "__main__":
    run()
