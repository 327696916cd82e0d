"""Travel costs in metres between points: on a street network, or straight-line.

Whole-city questions (every community against every site, the what-if of one more site,
2SFCA, site selection) run on the network held in memory as a sparse matrix, because
pgRouting rebuilds its graph from ``edges_sql`` on every call (PERF.md: 10–190× slower for
many sources). The graph is read once per network and process and kept until the network
changes; single isochrones use pgRouting in SQL (``isochrone.py``).

Points are snapped part-way along their nearest walkable edge; the straight leg from the
point to the street counts as walking. A point farther than ``snap_max_m`` from any street
is not on the network. Each snapped source becomes a virtual node joined to its edge's two
ends, so one Dijkstra run serves many sources at once (``min_only``).

Where no network covers a division, ``StraightLine`` answers the same questions with
straight-line distance × a detour factor, and says so in its ``method``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo.crs import local_projection, project, to_metres
from geo.db import fetch_all, fetch_frame, load_queries

_Q = load_queries(__file__)

NETWORK = "network"
STRAIGHT = "straight-line"


@dataclass
class Snapped:
    """Points placed on the network: edge index, fraction along it, straight leg (m)."""

    edge: np.ndarray       # index into Graph edges, -1 where the point is off the network
    frac: np.ndarray
    leg: np.ndarray        # metres from the point to the street

    @property
    def on_network(self) -> np.ndarray:
        return self.edge >= 0


class Graph:
    """A network's walking (or road) graph in memory, with its edges for snapping."""

    method = NETWORK

    def __init__(self, network_id: int, name: str, attribution: str | None, edges) -> None:
        self.network_id = network_id
        self.name = name
        self.attribution = attribution
        ids = np.concatenate([edges["source"].to_numpy(), edges["target"].to_numpy()])
        self.node_ids, inverse = np.unique(ids, return_inverse=True)
        m = len(edges)
        self.src = inverse[:m].astype(np.int64)
        self.tgt = inverse[m:].astype(np.int64)
        self.length = np.maximum(edges["cost"].to_numpy(dtype=float), 1e-6)
        self.edge_ids = edges["id"].to_numpy()
        self.n = len(self.node_ids)
        centre = edges.total_bounds
        self.proj = local_projection((centre[0] + centre[2]) / 2, (centre[1] + centre[3]) / 2)
        self.lines = to_metres(self.proj, edges.geometry.values)
        self.tree = shapely.STRtree(self.lines)
        self.node_xy = np.zeros((self.n, 2))
        self.node_xy[self.src] = shapely.get_coordinates(shapely.get_point(self.lines, 0))
        self.node_xy[self.tgt] = shapely.get_coordinates(shapely.get_point(self.lines, -1))
        self._base = self._coo(self.src, self.tgt, self.length)

    @staticmethod
    def _coo(a, b, w):
        """Both directions, parallel edges reduced to the shortest, no self-loops."""
        rows = np.concatenate([a, b])
        cols = np.concatenate([b, a])
        data = np.concatenate([w, w])
        keep = rows != cols
        rows, cols, data = rows[keep], cols[keep], data[keep]
        order = np.lexsort((data, cols, rows))
        rows, cols, data = rows[order], cols[order], data[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        return rows[first], cols[first], data[first]

    def matrix(self, extra: int = 0, rows=(), cols=(), data=()) -> sp.csr_matrix:
        r, c, d = self._base
        size = self.n + extra
        return sp.csr_matrix((np.concatenate([d, data]),
                              (np.concatenate([r, rows]), np.concatenate([c, cols]))),
                             shape=(size, size))

    def to_lonlat(self, xy: np.ndarray) -> np.ndarray:
        lon, lat = self.proj.transform(xy[:, 0], xy[:, 1], direction="INVERSE")
        return np.column_stack([lon, lat])

    def snap(self, lon, lat, snap_max_m: float) -> Snapped:
        """Place points on their nearest edge within ``snap_max_m``."""
        pts = shapely.points(project(self.proj, lon, lat))
        edge = np.full(len(pts), -1, dtype=np.int64)
        frac = np.zeros(len(pts))
        leg = np.full(len(pts), np.inf)
        if len(pts):
            (which, hit), dist = self.tree.query_nearest(pts, max_distance=snap_max_m,
                                                         return_distance=True, all_matches=False)
            edge[which] = hit
            leg[which] = dist
            frac[which] = shapely.line_locate_point(self.lines[hit], pts[which], normalized=True)
        return Snapped(edge, frac, leg)

    def _virtual(self, s: Snapped, on: np.ndarray):
        """Edges from one virtual node per snapped source to its edge's two ends."""
        k = int(on.sum())
        virt = self.n + np.arange(k)
        e = s.edge[on]
        to_src = s.leg[on] + s.frac[on] * self.length[e]
        to_tgt = s.leg[on] + (1 - s.frac[on]) * self.length[e]
        # On a loop (both ends one node) the two edges would share a matrix cell, whose
        # values the sparse matrix would add: keep only the shorter way round.
        loop = self.src[e] == self.tgt[e]
        to_src = np.where(loop, np.minimum(to_src, to_tgt), to_src)
        rows = np.concatenate([virt, virt[~loop]])
        cols = np.concatenate([self.src[e], self.tgt[e][~loop]])
        return k, rows, cols, np.maximum(np.concatenate([to_src, to_tgt[~loop]]), 1e-6)

    def _to_targets(self, dist_nodes: np.ndarray, t: Snapped) -> np.ndarray:
        """Distances to snapped targets from node distances (any leading shape)."""
        out = np.full(dist_nodes.shape[:-1] + (len(t.edge),), np.inf)
        on = t.on_network
        e = t.edge[on]
        via_src = dist_nodes[..., self.src[e]] + t.frac[on] * self.length[e]
        via_tgt = dist_nodes[..., self.tgt[e]] + (1 - t.frac[on]) * self.length[e]
        out[..., on] = np.minimum(via_src, via_tgt) + t.leg[on]
        return out

    def _same_edge(self, s: Snapped, t: Snapped) -> np.ndarray:
        """Direct distances along a shared edge (sources × targets; inf elsewhere)."""
        out = np.full((len(s.edge), len(t.edge)), np.inf)
        same = (s.edge[:, None] == t.edge[None, :]) & (s.edge[:, None] >= 0)
        if same.any():
            i, j = np.nonzero(same)
            out[i, j] = (np.abs(s.frac[i] - t.frac[j]) * self.length[s.edge[i]]
                         + s.leg[i] + t.leg[j])
        return out

    def node_distances(self, s: Snapped, limit: float, *, min_only: bool = True):
        """Dijkstra from the snapped sources over the whole graph, within ``limit`` metres.

        With ``min_only``: (distance per node, index of the nearest source per node, -1 if
        none). Otherwise a (sources × nodes) array of distances.
        """
        on = s.on_network
        k, rows, cols, data = self._virtual(s, on)
        if k == 0:
            return (np.full(self.n, np.inf), np.full(self.n, -1)) if min_only else \
                np.full((len(s.edge), self.n), np.inf)
        g = self.matrix(k, rows, cols, data)
        virt = self.n + np.arange(k)
        source_index = np.flatnonzero(on)
        if min_only:
            dist, _, origin = dijkstra(g, directed=True, indices=virt, limit=limit,
                                       min_only=True, return_predecessors=True)
            nearest = np.where(origin >= 0, source_index[np.maximum(origin - self.n, 0)], -1)
            return dist[: self.n], nearest[: self.n]
        out = np.full((len(s.edge), self.n), np.inf)
        out[on] = dijkstra(g, directed=True, indices=virt, limit=limit)[:, : self.n]
        return out

    def nearest(self, s: Snapped, t: Snapped, limit: float) -> tuple[np.ndarray, np.ndarray]:
        """For each target: metres to its nearest source and that source's index (-1: none)."""
        dist_nodes, origin = self.node_distances(s, limit)
        best = np.full(len(t.edge), np.inf)
        which = np.full(len(t.edge), -1)
        on = t.on_network
        e = t.edge[on]
        for ends, along in ((self.src[e], t.frac[on]), (self.tgt[e], 1 - t.frac[on])):
            d = dist_nodes[ends] + along * self.length[e] + t.leg[on]
            better = d < best[on]
            best_on, which_on = best[on], which[on]
            best_on[better], which_on[better] = d[better], origin[ends][better]
            best[on], which[on] = best_on, which_on
        direct = self._same_edge(s, t)
        if np.isfinite(direct).any():
            j = direct.argmin(axis=0)
            d = direct[j, np.arange(len(t.edge))]
            better = d < best
            best[better], which[better] = d[better], j[better]
        best[best > limit] = np.inf
        which[~np.isfinite(best)] = -1
        return best, which

    def costs(self, s: Snapped, t: Snapped, limit: float, chunk: int = 32) -> np.ndarray:
        """(sources × targets) metres within ``limit`` (inf beyond), in chunks of sources."""
        out = np.full((len(s.edge), len(t.edge)), np.inf)
        for start in range(0, len(s.edge), chunk):
            part = Snapped(s.edge[start:start + chunk], s.frac[start:start + chunk],
                           s.leg[start:start + chunk])
            out[start:start + chunk] = self._to_targets(
                self.node_distances(part, limit, min_only=False), t)
        out = np.minimum(out, self._same_edge(s, t))
        out[out > limit] = np.inf
        return out


class StraightLine:
    """Straight-line distance × a detour factor, for divisions without a network."""

    method = STRAIGHT
    attribution = None
    name = None

    def __init__(self, lon: float, lat: float, detour: float) -> None:
        self.proj = local_projection(lon, lat)
        self.detour = detour

    def snap(self, lon, lat, snap_max_m: float = 0.0) -> np.ndarray:
        return project(self.proj, lon, lat)

    def to_lonlat(self, xy: np.ndarray) -> np.ndarray:
        lon, lat = self.proj.transform(xy[:, 0], xy[:, 1], direction="INVERSE")
        return np.column_stack([lon, lat])

    def nearest(self, s: np.ndarray, t: np.ndarray, limit: float):
        best = np.full(len(t), np.inf)
        which = np.full(len(t), -1)
        if len(s) and len(t):
            d, j = cKDTree(s).query(t, distance_upper_bound=limit / self.detour)
            ok = np.isfinite(d)
            best[ok], which[ok] = d[ok] * self.detour, j[ok]
        return best, which

    def costs(self, s: np.ndarray, t: np.ndarray, limit: float) -> np.ndarray:
        d = np.hypot(s[:, None, 0] - t[None, :, 0], s[:, None, 1] - t[None, :, 1]) * self.detour
        d[d > limit] = np.inf
        return d


_CACHE: dict[tuple[int, bool], tuple[object, Graph]] = {}
_LOCK = threading.Lock()


def load_graph(conn, network_id: int, *, walk: bool = True) -> Graph:
    """The in-memory graph of a network (walking edges, or every edge for road travel).

    Kept per process until the network's row changes (a re-import makes a new network).
    """
    stamp = fetch_all(conn, _Q["stamp"], {"id": network_id})
    key = (network_id, walk)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached and stamp and cached[0] == stamp[0]["imported_at"]:
            return cached[1]
    edges = fetch_frame(conn, _Q["edges"], {"id": network_id, "walk": walk})
    graph = Graph(network_id, stamp[0]["name"], stamp[0]["attribution"], edges)
    with _LOCK:
        if len(_CACHE) >= 6:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = (stamp[0]["imported_at"], graph)
    return graph
