"""House-number plates: numbering and validating 1,000,000 entrances on 50,000 roads, in SQL
(target ≤ 60 s each). Runs in a database of its own (``civgeo_bench_plates``: created,
migrated, dropped at the end). Figures are one run or medians of up to 3 (as many as fit in
BUDGET_S) on a shared 2-core machine; read them as orders.

The data are generated in SQL: 50,000 roads on a grid of 160 m blocks across a city-sized
area around central Wuhan (114.3E 30.6N, 40 × 32 km), east-west, north-south, diagonal and
bent (3–4 vertices), 40–400 m long, drawn in either direction, each with its own name in
420103; 20 doors per road, each on a random side, 5–15 m off the axis at a random place
along it (a seeded hash: the same data on every run).

1. ``number_roads`` over all 50,000 roads: the first numbering (no door has a number yet:
   every door numbered and its history row written; it can run once), then re-numbering
   (every number already right: nothing written).
2. A sanity check: on the first roads the numbers are worked out again from the geometry
   (shapely): odd on the right looking along the numbering direction (the north side of an
   east-west road, numbered from the east; the west side of a north-south one, numbered
   from the north), rising along each side, each door on its frontage slot (one number per
   ``spacing_m``) or the next free number; and validating 2,000 freshly numbered roads
   finds nothing.
3. Mistakes are seeded into the numbers (wrong parity, duplicates, swapped neighbours,
   doors moved 80 m off a straight road, a few unnumbered doors and 12A-style numbers) and
   ``count_findings`` runs over all roads: each seeded kind must be found at least as often
   as seeded (twice for a duplicate or a swap, which flag both doors).

Run alone with ``python -m tests.benchmarks.plates``.
"""

from __future__ import annotations

import math
import statistics
import time

import shapely
from shapely import affinity
from shapely.geometry import Point

from geo.audit import Actor
from geo.db import connect, execute, fetch_all, fetch_one, fetch_value, transaction
from geo.errors import SetupError
from geo.migrate import migrate
from geo.plates import rules
from geo.plates.numbering import number_roads
from geo.plates.validation import KINDS, count_findings
from tests.benchmarks import timed
from tests.conftest import recreate_database, url_for

DB = "civgeo_bench_plates"
CENTRE = (114.3, 30.6)            # central Wuhan
COLS, ROWS = 250, 200             # 50,000 blocks, one road each
CELL_M = 160.0
DOORS_PER_ROAD = 20
DIVISION = "420103"
TARGET_S = 60.0
M_PER_DEG = 111_320.0
MAX_RUNS = 3                      # repeated runs, while they fit in BUDGET_S seconds
BUDGET_S = 150.0
SANITY_ROADS = 199                # roads checked door by door in Python
CLEAN_ROADS = 2_000               # roads validated right after numbering: no findings

# A seeded uniform [0, 1) from an integer and a salt: the same data on every run, whatever
# order the planner visits rows in.
_RAND = """
CREATE FUNCTION bench_u(i bigint, salt bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT (hashint8extended(i, salt) & 2147483647)::double precision / 2147483648.0 $$
"""

# Shapes by u(i, 1): 30 % east-west, 30 % north-south, 20 % diagonal, 20 % bent (2 or 3
# pieces turning 15–40° each way); headings jittered, half of them drawn the other way.
_ROADS = """
INSERT INTO roads (name, division_code, geom, axis, length_m, source)
SELECT '测试路' || i, %(division)s, ST_Multi(axis), axis, ST_Length(axis::geography),
       'benchmark'
FROM (
    SELECT c.i, (
        SELECT ST_SetSRID(ST_MakeLine(array_agg(ST_MakePoint(
                   c.cx + (c.sx + v.px) / %(mlon)s, c.cy + (c.sy + v.py) / %(mlat)s)
                   ORDER BY v.k)), 4490)
        FROM (SELECT k, sum(CASE WHEN k = 0 THEN 0 ELSE c.seg * cos(c.h + (k - 1) * c.turn) END)
                            OVER (ORDER BY k) AS px,
                        sum(CASE WHEN k = 0 THEN 0 ELSE c.seg * sin(c.h + (k - 1) * c.turn) END)
                            OVER (ORDER BY k) AS py
              FROM generate_series(0, c.nseg) k) v) AS axis
    FROM (
        SELECT i, cx, cy, h, turn, nseg, len / nseg AS seg,
               -len / 2 * cos(h + turn * (nseg - 1) / 2.0) AS sx,
               -len / 2 * sin(h + turn * (nseg - 1) / 2.0) AS sy
        FROM (
            SELECT i,
                   %(x0)s + (((i - 1) %% %(cols)s) + 0.5) * %(cell)s / %(mlon)s
                       + (bench_u(i, 2) - 0.5) * 40 / %(mlon)s AS cx,
                   %(y0)s + (((i - 1) / %(cols)s) + 0.5) * %(cell)s / %(mlat)s
                       + (bench_u(i, 3) - 0.5) * 40 / %(mlat)s AS cy,
                   40 + 360 * bench_u(i, 4) AS len,
                   CASE WHEN shape < 0.3 THEN (CASE WHEN flip THEN pi() ELSE 0 END)
                                              + radians(6) * (bench_u(i, 6) - 0.5)
                        WHEN shape < 0.6 THEN (CASE WHEN flip THEN -pi() / 2 ELSE pi() / 2 END)
                                              + radians(6) * (bench_u(i, 6) - 0.5)
                        WHEN shape < 0.8 THEN pi() / 4 + floor(4 * bench_u(i, 7)) * pi() / 2
                                              + radians(20) * (bench_u(i, 6) - 0.5)
                        ELSE 2 * pi() * bench_u(i, 7) END AS h,
                   CASE WHEN shape < 0.8 THEN 0
                        ELSE (CASE WHEN flip THEN -1 ELSE 1 END)
                             * radians(15 + 25 * bench_u(i, 8)) END AS turn,
                   CASE WHEN shape < 0.8 THEN 1 WHEN bench_u(i, 9) < 0.5 THEN 2 ELSE 3 END AS nseg
            FROM generate_series(1, %(n)s::bigint) i
            CROSS JOIN LATERAL (SELECT bench_u(i, 1) AS shape, bench_u(i, 5) < 0.5 AS flip) s
        ) a
    ) c
) r
"""

# Doors at random fractions of the axis, left or right at random, 5–15 m off, along the
# local normal of the axis.
_DOORS = """
INSERT INTO entrances (road_id, geom, source)
SELECT d.road_id,
       ST_SetSRID(ST_MakePoint(ST_X(d.p) - d.side * d.off * d.ty / d.norm / %(mlon)s,
                               ST_Y(d.p) + d.side * d.off * d.tx / d.norm / %(mlat)s), 4490),
       'benchmark'
FROM (
    SELECT t.road_id, t.p, t.side, t.off, t.tx, t.ty,
           greatest(sqrt(t.tx ^ 2 + t.ty ^ 2), 1e-9) AS norm
    FROM (
        SELECT r.id AS road_id, s.side, s.off, ST_LineInterpolatePoint(r.axis, s.f) AS p,
               (ST_X(b) - ST_X(a)) * %(mlon)s AS tx, (ST_Y(b) - ST_Y(a)) * %(mlat)s AS ty
        FROM roads r
        CROSS JOIN generate_series(1, %(per_road)s) k
        CROSS JOIN LATERAL (
            SELECT 0.01 + 0.98 * bench_u(r.id * 100 + k, 11) AS f,
                   CASE WHEN bench_u(r.id * 100 + k, 12) < 0.5 THEN 1 ELSE -1 END AS side,
                   5 + 10 * bench_u(r.id * 100 + k, 13) AS off) s
        CROSS JOIN LATERAL (
            SELECT ST_LineInterpolatePoint(r.axis, greatest(s.f - 0.002, 0)) AS a,
                   ST_LineInterpolatePoint(r.axis, least(s.f + 0.002, 1)) AS b) ab
    ) t
) d
"""

# Mistakes, each on its own doors (a seeded draw per door), only where the doors next to it
# on its side (and a swap partner's) carry none, so each gives its own findings. Taken from
# one snapshot of the numbers, in which a side's doors rise in number along the road.
_SEED = """
CREATE TEMP TABLE seeded ON COMMIT DROP AS
WITH k AS (
    SELECT e.id, e.road_id, e.number,
           CASE WHEN u < 0.020 THEN 'wrong_parity'
                WHEN u < 0.030 THEN 'duplicate'
                WHEN u < 0.035 THEN 'out_of_order'
                WHEN u < 0.0352 AND straight THEN 'too_far'
                WHEN u < 0.0362 THEN 'unnumbered'
                WHEN u < 0.0367 THEN 'bad_number' END AS kind
    FROM entrances e CROSS JOIN LATERAL (SELECT bench_u(e.id, 21) AS u) x
    -- moved off a straight road only: off a bend a door can come nearer the road's other leg
    JOIN (SELECT id, ST_NPoints(axis) = 2 AS straight FROM roads) r ON r.id = e.road_id
), n AS (
    SELECT k.*, lag(id) OVER w AS prev_id, lag(number) OVER w AS prev_number,
           lead(id) OVER w AS next_id, lead(number) OVER w AS next_number,
           lag(kind) OVER w AS prev_kind, lead(kind) OVER w AS next_kind,
           lead(kind, 2) OVER w AS after_next_kind
    FROM k WINDOW w AS (PARTITION BY road_id, number % 2 ORDER BY number, id)
)
SELECT id, road_id, kind, number, prev_number, next_id, next_number
FROM n
WHERE kind IS NOT NULL AND prev_kind IS NULL AND next_kind IS NULL
  AND (kind <> 'duplicate' OR prev_id IS NOT NULL)
  AND (kind <> 'out_of_order' OR (next_id IS NOT NULL AND after_next_kind IS NULL))
"""

_APPLY = [
    # an odd number on the even side or the reverse: the next number up
    "UPDATE entrances e SET number = e.number + 1 FROM seeded s "
    "WHERE s.kind = 'wrong_parity' AND e.id = s.id",
    # the number of the door before it on its side
    "UPDATE entrances e SET number = s.prev_number FROM seeded s "
    "WHERE s.kind = 'duplicate' AND e.id = s.id",
    # two neighbours on a side swap numbers
    "UPDATE entrances e SET number = s.next_number FROM seeded s "
    "WHERE s.kind = 'out_of_order' AND e.id = s.id",
    "UPDATE entrances e SET number = s.number FROM seeded s "
    "WHERE s.kind = 'out_of_order' AND e.id = s.next_id",
    # moved 80 m off the road, away from it on its side
    """UPDATE entrances e
       SET geom = ST_SetSRID(ST_MakePoint(ST_X(c.p) + 80 * c.dx / c.d / %(mlon)s,
                                          ST_Y(c.p) + 80 * c.dy / c.d / %(mlat)s), 4490)
       FROM (SELECT e2.id, q.p, (ST_X(e2.geom) - ST_X(q.p)) * %(mlon)s AS dx,
                    (ST_Y(e2.geom) - ST_Y(q.p)) * %(mlat)s AS dy,
                    greatest(sqrt(((ST_X(e2.geom) - ST_X(q.p)) * %(mlon)s) ^ 2
                                  + ((ST_Y(e2.geom) - ST_Y(q.p)) * %(mlat)s) ^ 2), 1e-9) AS d
             FROM seeded s JOIN entrances e2 ON e2.id = s.id JOIN roads r ON r.id = e2.road_id
             CROSS JOIN LATERAL (SELECT ST_ClosestPoint(r.axis, e2.geom) AS p) q
             WHERE s.kind = 'too_far') c
       WHERE e.id = c.id""",
    "UPDATE entrances e SET number = NULL FROM seeded s "
    "WHERE s.kind = 'unnumbered' AND e.id = s.id",
    "UPDATE entrances e SET number = NULL, number_raw = s.number || 'A' FROM seeded s "
    "WHERE s.kind = 'bad_number' AND e.id = s.id",
]

# Findings each seeded door must give at least: its own, plus the partner's for a duplicate
# (both doors carry the number) and a swap (both doors break the order).
_FACTOR = {"wrong_parity": 1, "duplicate": 2, "out_of_order": 2, "too_far": 1,
           "unnumbered": 1, "bad_number": 1}


def _scales() -> dict[str, float]:
    mlon = M_PER_DEG * math.cos(math.radians(CENTRE[1]))
    return {"mlon": mlon, "mlat": M_PER_DEG, "x0": CENTRE[0] - COLS * CELL_M / 2 / mlon,
            "y0": CENTRE[1] - ROWS * CELL_M / 2 / M_PER_DEG}


def _vacuum(conn, *tables: str) -> None:
    conn.commit()
    conn.autocommit = True
    try:
        execute(conn, f"VACUUM ANALYZE {', '.join(tables)}")
    finally:
        conn.autocommit = False


def generate(conn) -> dict:
    """The roads and doors, committed and analysed; returns their counts and seconds."""
    t = time.perf_counter()
    with transaction(conn):
        execute(conn, _RAND)
        execute(conn, _ROADS, {**_scales(), "n": COLS * ROWS, "cols": COLS, "cell": CELL_M,
                               "division": DIVISION})
        execute(conn, _DOORS, {**_scales(), "per_road": DOORS_PER_ROAD})
    _vacuum(conn, "roads", "entrances")
    counts = fetch_one(conn, """
        SELECT (SELECT count(*) FROM roads) AS roads, (SELECT count(*) FROM entrances) AS doors,
               (SELECT round(avg(length_m)) FROM roads) AS mean_m,
               (SELECT count(*) FROM roads WHERE ST_NPoints(axis) > 2) AS bent""")
    conn.rollback()
    return {**counts, "seconds": time.perf_counter() - t}


def _numbered(conn, road_ids: list[int]) -> tuple[float, dict]:
    t = time.perf_counter()
    with transaction(conn):
        row = number_roads(conn, Actor("bench", "admin"), road_ids, "benchmark")
    return time.perf_counter() - t, row


# ------------------------------------------------------------------ the sanity check

def check_road(conn, road_id: int) -> str:
    """Check one road's numbers from its geometry alone (shapely); return its shape, or
    raise. Doors are placed along the axis as the SQL does it: projected with longitude
    scaled by cos(latitude) of the road's first vertex, the fraction times the length."""
    road = fetch_one(conn, "SELECT ST_AsText(axis) AS wkt, length_m FROM roads WHERE id = %s",
                     (road_id,))
    drawn = shapely.from_wkt(road["wkt"])
    k = math.cos(math.radians(drawn.coords[0][1]))
    line = affinity.scale(drawn, xfact=k, yfact=1.0, origin=(0, 0))
    doors = fetch_all(conn, "SELECT id, number, sub, number_raw, ST_X(geom) AS x, "
                            "ST_Y(geom) AS y FROM entrances WHERE road_id = %s", (road_id,))
    (x0, y0), (x1, y1) = drawn.coords[0], drawn.coords[-1]
    dx, dy = (x1 - x0) * math.cos(math.radians(y0)), y1 - y0
    # the defaults' 'auto' start: an east-west road from its east end, north-south from north
    ew = abs(dx) >= abs(dy)
    reverse = (dx > 0) if ew else (dy > 0)
    shape = ("bent" if len(line.coords) > 2 else "east-west" if abs(dy) < 0.2 * abs(dx)
             else "north-south" if abs(dx) < 0.2 * abs(dy) else "diagonal")
    spacing = rules.defaults()["spacing_m"]
    sides: dict[bool, list[tuple[float, int]]] = {True: [], False: []}
    for d in doors:
        if d["number"] is None or d["sub"] is not None or d["number_raw"] is not None:
            raise AssertionError(f"road {road_id}: door {d['id']} is numbered {d['number']} "
                                 f"sub {d['sub']} raw {d['number_raw']}")
        p = Point(d["x"] * k, d["y"])
        f = line.project(p, normalized=True)
        a = line.interpolate(max(f - 1e-6, 0), normalized=True)
        b = line.interpolate(min(f + 1e-6, 1), normalized=True)
        left = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x) > 0  # of the axis as drawn
        right = left if reverse else not left   # looking along the numbering direction
        along = (1 - f) if reverse else f
        sides[right].append((along * road["length_m"], d["number"], p, a))
    for right, seq in sides.items():
        seq.sort(key=lambda t: t[0])
        numbers = [n for _, n, _, _ in seq]
        base = 1 if right else 2                # odd on the right (defaults: odd_side right)
        where = f"road {road_id} ({shape}), {'right' if right else 'left'} side"
        if any(n % 2 != base % 2 for n in numbers):
            raise AssertionError(f"{where}: numbers {numbers}, expected all "
                                 f"{'odd' if right else 'even'}")
        if any(n2 <= n1 for n1, n2 in zip(numbers, numbers[1:], strict=False)):
            raise AssertionError(f"{where}: numbers do not rise along the road: {numbers}")
        for k, (m, n, _, _) in enumerate(seq):  # on its frontage slot, or after the door before
            slot = base + 2 * int(m // spacing)
            want = slot if k == 0 else max(slot, numbers[k - 1] + 2)
            if n != want:
                raise AssertionError(f"{where}: {n}号 at {m:.1f} m, expected {want}号 "
                                     f"(slot {slot}, one number per {spacing} m)")
        if shape in ("east-west", "north-south"):  # Beijing: odd north, odd west
            for _, n, p, a in seq:
                odd_side = p.y > a.y if shape == "east-west" else p.x < a.x
                if (n % 2 == 1) != odd_side:
                    raise AssertionError(f"{where}: {n}号 is on the "
                                         f"{'north' if p.y > a.y else 'south'}/"
                                         f"{'west' if p.x < a.x else 'east'} side")
    return shape


def sanity(conn) -> list[str]:
    """Check the first roads of each shape (and both drawing directions)."""
    shapes: dict[str, int] = {}
    for road_id in range(1, SANITY_ROADS + 1):
        shape = check_road(conn, road_id)
        shapes[shape] = shapes.get(shape, 0) + 1
    conn.rollback()
    return [f"{n} {s}" for s, n in sorted(shapes.items())]


# ------------------------------------------------------------------ validation

def seed_mistakes(conn) -> dict[str, int]:
    """Put the mistakes into the numbers (committed); return the doors seeded per kind."""
    with transaction(conn):
        execute(conn, _SEED)  # no parameters: % is the operator here
        seeded = {r["kind"]: r["n"] for r in fetch_all(
            conn, "SELECT kind, count(*) AS n FROM seeded GROUP BY kind")}
        for sql in _APPLY:
            execute(conn, sql, _scales())
    _vacuum(conn, "entrances")
    return seeded


# ------------------------------------------------------------------ run

def _runs(fn, budget_s: float) -> list[float]:
    """Seconds of up to MAX_RUNS calls, stopping when another would pass ``budget_s``."""
    times = timed(fn, 1)
    while len(times) < MAX_RUNS and sum(times) + times[-1] <= budget_s:
        times += timed(fn, 1)
    return times


def _rates(label: str, seconds: list[float], doors: int, roads: int) -> None:
    med = statistics.median(seconds)
    runs = (f"median of {len(seconds)} runs: {', '.join(f'{s:.1f}' for s in seconds)} s"
            if len(seconds) > 1 else "one run")
    print(f"plates  {label}: {doors:,} doors on {roads:,} roads in {med:.1f} s ({runs}) → "
          f"{doors / med:,.0f} doors/s, {roads / med:,.0f} roads/s; {med / TARGET_S:.2f}× the "
          f"{TARGET_S:.0f} s target: {'met' if med <= TARGET_S else 'MISSED'}")


def run() -> None:
    url = recreate_database(DB)
    conn = connect(url)
    try:
        migrate(conn)
        g = generate(conn)
        print(f"plates  generated in SQL: {g['roads']:,} roads ({g['bent']:,} bent, mean "
              f"{g['mean_m']:.0f} m) with {g['doors']:,} doors in {g['seconds']:.1f} s")
        road_ids = [r["id"] for r in fetch_all(conn, "SELECT id FROM roads ORDER BY id")]
        conn.rollback()
        roads, doors = len(road_ids), g["doors"]

        # 1. Numbering: the first run numbers every door and writes its history; it can run
        # only once on these data. Vacuumed after, as autovacuum would; the runs after it
        # find every number right and write nothing.
        first, row = _numbered(conn, road_ids)
        if (row["doors"], row["changed"], row["roads"]) != (doors, doors, roads):
            raise AssertionError(f"the first numbering returned {row}, expected all "
                                 f"{doors:,} doors on {roads:,} roads changed")
        _vacuum(conn, "roads", "entrances", "renumberings", "renumbering_items")
        history = fetch_value(conn, "SELECT count(*) FROM renumbering_items")
        conn.rollback()
        if history != doors:
            raise AssertionError(f"{history:,} history rows for {doors:,} numbered doors")
        _rates("number_roads, first numbering (no door had a number: every number and "
               "its history row written)", [first], doors, roads)

        def renumber() -> None:
            _took, again = _numbered(conn, road_ids)
            if (again["doors"], again["changed"], again["roads"]) != (doors, 0, 0):
                raise AssertionError(f"re-numbering returned {again}, expected no change")

        _rates("number_roads, re-numbering (every number already right: nothing written)",
               _runs(renumber, BUDGET_S), doors, roads)

        shapes = sanity(conn)
        clean = count_findings(conn, road_ids[:CLEAN_ROADS])
        conn.rollback()
        if clean:
            raise AssertionError(f"freshly numbered roads have findings: {clean}")
        print(f"plates  sanity: numbers re-derived from the geometry (shapely) on roads "
              f"1–{SANITY_ROADS} ({', '.join(shapes)}): odd on the right looking along the "
              "numbering direction (north of east-west roads, west of north-south ones), "
              "rising along each side, each on its frontage slot or the next free number; "
              f"validation of roads 1–{CLEAN_ROADS:,} as numbered: no findings")

        # 2. Validation, after seeding mistakes.
        seeded = seed_mistakes(conn)
        counts: dict[str, int] = {}

        def validate() -> None:
            counts.clear()
            counts.update(count_findings(conn, road_ids))
            conn.rollback()

        _rates("count_findings (seeded mistakes)", _runs(validate, BUDGET_S), doors, roads)
        print("plates  findings by kind: " + ", ".join(
            f"{k} {counts.get(k, 0):,}" for k in KINDS)
            + f" (total {sum(counts.values()):,})")
        print("plates  seeded (doors): " + ", ".join(
            f"{k} {seeded.get(k, 0):,} (expect ≥ {seeded.get(k, 0) * f:,})"
            for k, f in _FACTOR.items())
            + "; the rest follow from them (a number moved leaves a gap, a door 80 m off "
              "may be nearer another road, a wrong-parity number may repeat one across "
              "the road)")
        short = {k: (counts.get(k, 0), n * _FACTOR[k]) for k, n in seeded.items()
                 if counts.get(k, 0) < n * _FACTOR[k]}
        if short:
            raise AssertionError(f"validation found fewer than seeded (found, expected): "
                                 f"{short}")
    finally:
        conn.close()
        _drop()


def _drop() -> None:
    """Drop the benchmark's database; say so when the server cannot be reached, so that
    the error that ended the run stays the one reported."""
    try:
        admin = connect(url_for("postgres"))
    except SetupError as exc:
        print(f"plates  {DB} not dropped: {exc}")
        return
    admin.autocommit = True
    execute(admin, f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    admin.close()


if __name__ == "__main__":
    run()
