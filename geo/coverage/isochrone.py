"""Walking isochrones (5/10/15-minute tiers, GB 50180) from one point.

The point is snapped part-way along its nearest walkable edge (never farther than
``snap_max_m``; the straight leg to the street is walked too). ``isochrone`` walks the
network held in memory (``geo.coverage.graph``: a Dijkstra on the part of the graph within
the budget, well under a millisecond). The same walk in SQL, for SQL users and as the
reference the in-memory one is checked against: a virtual node joined to the snapped
edge's two ends is the root of ``pgr_drivingDistance`` (``pgr_withPointsDD`` gives the
same costs three times slower), run on the edges inside a box that holds every path within
the budget, so one isochrone costs the same on a district or a province (PEERS §4.4);
``reach`` gives its nodes, ``network_polygons`` its polygons in one round trip.

The polygon follows the streets reached, partial edges included. ``shape='hull'`` (the
default, a few milliseconds) is the concave hull of points every 25 m along the reached
stretches, widened by 20 m; ``shape='streets'`` buffers the reached stretches by
``isochrone_buffer_m`` and fills the blocks they enclose (holes up to
``isochrone_hole_max_m2``): exact, and 5–10× slower. The default direction is inbound
(people walking *to* the site); on the walking graph every street is two-way, so both
directions give the same answer.

Where no network is loaded, the isochrone is a circle of radius budget ÷ detour factor,
labelled as a straight-line estimate.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

from geo.coverage import graph as graphs
from geo.coverage import method as methods
from geo.coverage import settings as cs
from geo.coverage import versions
from geo.crs import local_projection, project, to_metres
from geo.db import fetch_all, fetch_one, load_queries
from geo.errors import InvalidInput

_Q = load_queries(__file__)

M_PER_DEG_LAT = 110_574.0


def box(lat: float, metres: float) -> tuple[float, float]:
    """Half-widths in degrees (lon, lat) of a box holding a disc of ``metres``."""
    return (metres / (111_320.0 * math.cos(math.radians(lat))) * 1.01,
            metres / M_PER_DEG_LAT * 1.01)


def snap(conn, network_id: int, lon: float, lat: float, snap_max_m: float,
         field: str = "lon") -> dict:
    """The edge, fraction and leg of a point on the network; InvalidInput when too far from
    a street."""
    row = fetch_one(conn, _Q["snap"], {"network_id": network_id, "lon": lon, "lat": lat})
    if row is None or row["leg_m"] > snap_max_m:
        leg = f"{row['leg_m']:.0f} m" if row else "any distance"
        raise InvalidInput(f"no walkable street within {snap_max_m:g} m of {lon:.6f}, {lat:.6f} "
                           f"(nearest at {leg})", field=field, snap_max_m=snap_max_m)
    return row


def reach(conn, network_id: int, lon: float, lat: float, metres: float, *,
          snap_max_m: float, inbound: bool = True, snapped: dict | None = None) -> dict[int, float]:
    """Node id → network metres from (or, inbound, to) the point, within ``metres``."""
    s = snapped or snap(conn, network_id, lon, lat, snap_max_m)
    budget = metres - s["leg_m"]
    if budget <= 0:
        return {}
    dx, dy = box(lat, metres)
    rows = fetch_all(conn, _Q["reach"], {
        "network_id": network_id, "lon": lon, "lat": lat, "dx": dx, "dy": dy,
        "edge_id": s["id"], "fraction": s["fraction"], "budget": budget, "reverse": inbound})
    return {r["node"]: r["agg_cost"] + s["leg_m"] for r in rows}


def fill_holes(poly, hole_max_m2: float):
    """Fill holes smaller than ``hole_max_m2`` (blocks enclosed by reached streets)."""
    parts = poly.geoms if isinstance(poly, MultiPolygon) else [poly]
    out = [Polygon(p.exterior, [r for r in p.interiors if Polygon(r).area > hole_max_m2])
           for p in parts if not p.is_empty]
    return MultiPolygon(out) if len(out) > 1 else (out[0] if out else Polygon())


def _outline(metric, shape: str, s: dict):
    """The polygon around reached streets (a geometry in metres)."""
    if shape == "streets":
        pieces = shapely.buffer(shapely.get_parts(metric), float(s["isochrone_buffer_m"]),
                                quad_segs=2)
        return fill_holes(shapely.union_all(pieces), float(s["isochrone_hole_max_m2"]))
    points = shapely.extract_unique_points(shapely.segmentize(metric, 25.0))
    hull = shapely.concave_hull(points, float(s["isochrone_hull_ratio"]))
    return shapely.buffer(hull, 20.0, quad_segs=2)


def _to_lonlat(tr, poly):
    return shapely.transform(poly, lambda xy: np.column_stack(
        tr.transform(xy[:, 0], xy[:, 1], direction="INVERSE")))


def network_polygons(conn, network_id: int, lon: float, lat: float, budgets: list[float],
                     s: dict, *, shape: str = "hull", inbound: bool = True):
    """(polygon per budget, nodes reached per budget, metres walked to the street) of an
    isochrone on a network, in one round trip to the database."""
    snapped = snap(conn, network_id, lon, lat, float(s["snap_max_m"]))
    leg = snapped["leg_m"]
    dx, dy = box(lat, budgets[-1])
    rows = fetch_all(conn, _Q["pieces"], {
        "network_id": network_id, "lon": lon, "lat": lat, "dx": dx, "dy": dy,
        "edge_id": snapped["id"], "fraction": snapped["fraction"],
        "budget": max(budgets[-1] - leg, 0.0), "reverse": inbound,
        "budgets": [b - leg for b in budgets]})
    tr = local_projection(lon, lat)
    pieces = {r["tier"] - 1: bytes(r["geom"]) for r in rows}
    reached = {r["tier"] - 1: r["nodes"] for r in rows}
    polys = [_to_lonlat(tr, _outline(to_metres(tr, shapely.from_wkb(pieces[i])), shape, s))
             if i in pieces else Polygon() for i in range(len(budgets))]
    return polys, [reached.get(i, 0) for i in range(len(budgets))], leg


def graph_polygons(graph: graphs.Graph, lon: float, lat: float, budgets: list[float],
                   s: dict, *, shape: str = "hull"):
    """What ``network_polygons`` gives, from the network held in memory, by the same
    construction: the point's place along its edge and the cut ends of the reached streets
    are fractions of the stored lines in degrees (as ST_LineLocatePoint and
    ST_LineSubstring take them), the outline is drawn in the metres of a projection centred
    on the point. InvalidInput (``lon``) when no walkable street is within ``snap_max_m``."""
    snap_max = float(s["snap_max_m"])
    p = graph.snap(np.array([lon]), np.array([lat]), snap_max)
    if not p.on_network[0]:
        nearest = graph.snap(np.array([lon]), np.array([lat]), math.inf).leg[0]
        leg = f"{nearest:.0f} m" if np.isfinite(nearest) else "any distance"
        raise InvalidInput(f"no walkable street within {snap_max:g} m of {lon:.6f}, {lat:.6f} "
                           f"(nearest at {leg})", field="lon", snap_max_m=snap_max)
    frac = shapely.line_locate_point(graph.lonlat[p.edge[0]], shapely.Point(lon, lat),
                                     normalized=True)
    p = graphs.Snapped(p.edge, np.array([frac]), p.leg)
    nodes, dist = graph.reach(p, budgets[-1])
    tr = local_projection(lon, lat)
    polys, reached = [], []
    for b in budgets:
        edge, start, end = graph.stretches(p, nodes, dist, b)
        reached.append(int((dist <= b).sum()))
        if not len(edge):
            polys.append(Polygon())
            continue
        lines = shapely.multilinestrings(graphs.substrings(graph.lonlat[edge], start, end))
        polys.append(_to_lonlat(tr, _outline(to_metres(tr, lines), shape, s)))
    return polys, reached, float(p.leg[0])


def isochrone(conn, lon: float, lat: float, *, minutes: list[float] | None = None,
              speed: float | None = None, profile: str | None = None,
              direction: str = "inbound", shape: str = "hull",
              population: bool = True) -> dict:
    """Isochrone polygons (one per tier, largest first) as a GeoJSON FeatureCollection."""
    lon = cs.check_range(float(lon), "lon", (-180, 180), "degrees")
    lat = cs.check_range(float(lat), "lat", (-90, 90), "degrees")
    division = methods.division_at(conn, lon, lat)
    s = cs.for_division(conn, division)
    tiers = sorted({cs.check_range(float(m), "minutes", cs.MINUTES_RANGE, "minutes")
                    for m in (minutes or s["tiers_min"])})
    if len(tiers) > 6:
        raise InvalidInput("at most 6 tiers", field="minutes")
    if direction not in ("inbound", "outbound"):
        raise InvalidInput("direction must be inbound or outbound", field="direction")
    if shape not in ("hull", "streets"):
        raise InvalidInput("shape must be hull or streets", field="shape")
    v = cs.walk_speed(s, speed, profile)
    budgets = [m * v for m in tiers]
    county = division[:6]                                 # the county's travel model
    how = versions.keep(("method", county, versions.data_version(conn),
                         float(s["network_min_share"]), float(s["detour_factor"])),
                        lambda: methods.for_division(conn, county, s))
    tr = local_projection(lon, lat)
    extra: dict = {}
    if how.kind == "network":
        # Every walking street is two-way, so inbound and outbound walks are the same.
        polys, nodes, leg = graph_polygons(graphs.load_graph(conn, how.network_id), lon, lat,
                                           budgets, s, shape=shape)
        extra = {"snapped_leg_m": round(leg, 1)}
    else:
        centre = shapely.points(project(tr, lon, lat))[0]
        polys = [_to_lonlat(tr, centre.buffer(b / how.detour, quad_segs=16)) for b in budgets]
        nodes = [None] * len(budgets)
    counts, grid = _population(conn, polys, division) if population else \
        ([None] * len(polys), None)
    features = []
    for i in reversed(range(len(budgets))):
        area = _to_metric_area(tr, polys[i])
        props = {"minutes": tiers[i], "metres": round(budgets[i]), "area_km2": round(area / 1e6, 3),
                 "nodes_reached": nodes[i], "method": how.kind}
        if counts[i]:
            props.update(counts[i])
        features.append({"type": "Feature", "geometry": mapping(polys[i]), "properties": props})
    return {"type": "FeatureCollection", "features": features,
            "origin": {"lon": lon, "lat": lat, "division": division},
            "speed_m_per_min": v, "direction": direction, "shape": shape, **how.as_dict(), **extra,
            "population_source": grid["source"] if grid else "census",
            "population_credit": f"Population: {grid['source']}, {grid['licence']}" if grid
            else None}


def _to_metric_area(tr, poly) -> float:
    if poly.is_empty:
        return 0.0
    return to_metres(tr, poly).area


def _population(conn, polys, division: str) -> tuple[list[dict | None], dict | None]:
    """Per polygon: the communities whose centre it holds and the elderly inside, from the
    cells of a population grid where one covers the county (and their count), else the
    communities' census figures; and the grid used (None)."""
    from geo.coverage import context

    wkbs = [shapely.to_wkb(p, hex=True) for p in polys]
    rows = fetch_all(conn, _Q["elderly_within"], {"polygons": wkbs})
    out = [{"communities": r["communities"], "elderly": int(r["elderly"])} for r in rows]
    grid = fetch_one(conn, context._Q["grid"], {"county": division[:6]})
    if grid is not None:
        cells = fetch_all(conn, _Q["grid_elderly_within"], {"polygons": wkbs,
                                                             "dataset": grid["dataset"]})
        for o, r in zip(out, cells, strict=True):
            o.update(elderly=round(float(r["elderly"])), cells=r["cells"])
    return out, grid
