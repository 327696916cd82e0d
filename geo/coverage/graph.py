"""Travel costs in metres between points: on a street network, or straight-line.

Coverage questions (isochrones, every community against every site, the what-if of one
more site, 2SFCA, site selection) run on the network held in memory as a sparse matrix,
because pgRouting rebuilds its graph from ``edges_sql`` on every call (PERF.md: 10–190×
slower for many sources). The graph is read once per network and process and kept until
the network changes; pgRouting stays for SQL users (``isochrone.reach``).

Questions bounded by a walking limit run on the part of the graph that can lie within it:
a path of cost C never strays farther than C ÷ ``stretch`` (straight line) from where it
starts, so the nodes within that radius of a source hold every path within the limit and
the answer is the same as on the whole graph, at a cost that does not grow with the city.

Points are snapped part-way along their nearest walkable edge; the straight leg from the
point to the street counts as walking. A point farther than ``snap_max_m`` from any street
is not on the network. Each snapped source becomes a virtual node joined to its edge's two
ends, so one Dijkstra run serves many sources at once (``min_only``).

Where no network covers a division, ``StraightLine`` answers the same questions with
straight-line distance × a detour factor, and says so in its ``method``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
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
CELL_M = 250.0               # grid cell for finding the nodes near a point


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
        self.lonlat = np.asarray(edges.geometry.values, dtype=object)   # as stored
        self.lines = to_metres(self.proj, self.lonlat)
        self.tree = shapely.STRtree(self.lines)
        self.node_xy = np.zeros((self.n, 2))
        self.node_xy[self.src] = shapely.get_coordinates(shapely.get_point(self.lines, 0))
        self.node_xy[self.tgt] = shapely.get_coordinates(shapely.get_point(self.lines, -1))
        r, c, d = self._coo(self.src, self.tgt, self.length)
        self.csr = sp.csr_matrix((d, (r, c)), shape=(self.n, self.n))
        self.csr.sort_indices()
        # Which edges touch each node (node × edge), to find the streets a walk reached.
        ends = np.concatenate([self.src, self.tgt])
        self.incidence = sp.csr_matrix(
            (np.ones(2 * m, dtype=np.int8), (ends, np.tile(np.arange(m), 2))), shape=(self.n, m))
        # No edge is shorter than ``stretch`` × the straight line between its ends, so a
        # path of cost C stays within C / stretch of its start (1 on a network whose costs
        # are the lengths of its lines; smaller where a cost undercuts the line).
        chord = np.hypot(*(self.node_xy[self.src] - self.node_xy[self.tgt]).T)
        long = chord > 0
        self.stretch = float(min(1.0, (self.length[long] / chord[long]).min())) if long.any() \
            else 1.0
        # Nodes sorted by grid cell, to find the nodes near a point without a tree walk.
        ij = np.floor(self.node_xy / CELL_M).astype(np.int64)
        self.cell_lo, self.cell_hi = ij.min(axis=0), ij.max(axis=0)
        cell = self._cell(ij)
        self.node_order = np.argsort(cell, kind="stable")
        self.cells, self.cell_start = np.unique(cell[self.node_order], return_index=True)
        self.cell_end = np.append(self.cell_start[1:], self.n)
        self._snaps: OrderedDict[str, Snapped] = OrderedDict()
        self._snap_lock = threading.Lock()

    @staticmethod
    def _cell(ij: np.ndarray) -> np.ndarray:
        return ij[..., 0] * (1 << 32) + ij[..., 1]

    def near(self, xy: np.ndarray, radius: np.ndarray) -> np.ndarray:
        """Sorted indices of the nodes in the grid cells within ``radius`` of each point of
        ``xy`` (a superset of the nodes within ``radius``)."""
        lo = np.maximum(np.floor((xy - radius[:, None]) / CELL_M), self.cell_lo).astype(np.int64)
        hi = np.minimum(np.floor((xy + radius[:, None]) / CELL_M), self.cell_hi).astype(np.int64)
        span = np.maximum(hi - lo + 1, 0)
        count = span[:, 0] * span[:, 1]
        if count.sum() > 4 * len(self.cells):           # most of the graph: all of it
            return np.arange(self.n)
        point = np.repeat(np.arange(len(xy)), count)
        k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        ij = lo[point] + np.column_stack([k // span[point, 1], k % span[point, 1]])
        cells = np.unique(self._cell(ij))
        pos = np.minimum(np.searchsorted(self.cells, cells), len(self.cells) - 1)
        pos = pos[self.cells[pos] == cells]
        start, length = self.cell_start[pos], self.cell_end[pos] - self.cell_start[pos]
        flat = np.arange(length.sum()) + np.repeat(start - (np.cumsum(length) - length), length)
        return np.sort(self.node_order[flat])

    def subgraph(self, nodes: np.ndarray) -> sp.csr_matrix:
        """The graph between the sorted ``nodes`` only, numbered by their position."""
        rows = self.csr[nodes]
        pos = np.minimum(np.searchsorted(nodes, rows.indices), len(nodes) - 1)
        keep = nodes[pos] == rows.indices
        kept = np.concatenate([[0], np.cumsum(keep)])
        return sp.csr_matrix((rows.data[keep], pos[keep], kept[rows.indptr]),
                             shape=(len(nodes), len(nodes)))

    def memory_bytes(self) -> int:
        """Bytes held by the graph's arrays and matrices (the lines and the STRtree live in
        GEOS, uncounted here; the benchmark measures them as process memory)."""
        arrays = [self.node_ids, self.src, self.tgt, self.length, self.edge_ids, self.node_xy,
                  self.csr.data, self.csr.indices, self.csr.indptr, self.incidence.data,
                  self.incidence.indices, self.incidence.indptr, self.node_order, self.cells,
                  self.cell_start, self.cell_end, self.lines, self.lonlat]
        return int(sum(a.nbytes for a in arrays))

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
        """The graph with ``extra`` virtual nodes after its own, whose outgoing edges are
        ``rows`` (ids from ``n``) → ``cols`` of ``data`` metres."""
        return _with_rows(self.csr, extra, np.asarray(rows, dtype=np.int64) - self.n,
                          np.asarray(cols, dtype=np.int64), np.asarray(data, dtype=float))

    def to_lonlat(self, xy: np.ndarray) -> np.ndarray:
        lon, lat = self.proj.transform(xy[:, 0], xy[:, 1], direction="INVERSE")
        return np.column_stack([lon, lat])

    def snap(self, lon, lat, snap_max_m: float) -> Snapped:
        """Place points on their nearest edge within ``snap_max_m`` (the last few answers
        are kept: the same communities and sites are placed on every click)."""
        lon = np.ascontiguousarray(lon, dtype=float)
        lat = np.ascontiguousarray(lat, dtype=float)
        key = hashlib.sha1(lon.tobytes() + b"|" + lat.tobytes() + repr(snap_max_m).encode()
                           ).hexdigest()
        with self._snap_lock:
            hit = self._snaps.get(key)
            if hit is not None:
                self._snaps.move_to_end(key)
                return hit
        out = self._snap(lon, lat, snap_max_m)
        for a in (out.edge, out.frac, out.leg):
            a.setflags(write=False)          # shared by every caller of the memo
        with self._snap_lock:
            self._snaps[key] = out
            while len(self._snaps) > 32:
                self._snaps.popitem(last=False)
        return out

    def _snap(self, lon, lat, snap_max_m: float) -> Snapped:
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
        """Edges from one virtual node per snapped source (``on``: a mask or indices) to its
        edge's two ends."""
        e = s.edge[on]
        k = len(e)
        virt = self.n + np.arange(k)
        to_src = s.leg[on] + s.frac[on] * self.length[e]
        to_tgt = s.leg[on] + (1 - s.frac[on]) * self.length[e]
        # On a loop (both ends one node) the two edges would share a matrix cell, whose
        # values the sparse matrix would add: keep only the shorter way round.
        loop = self.src[e] == self.tgt[e]
        to_src = np.where(loop, np.minimum(to_src, to_tgt), to_src)
        rows = np.concatenate([virt, virt[~loop]])
        cols = np.concatenate([self.src[e], self.tgt[e][~loop]])
        return k, rows, cols, np.maximum(np.concatenate([to_src, to_tgt[~loop]]), 1e-6)

    def _same_edge(self, s: Snapped, t: Snapped):
        """Sources and targets on one edge: (source, target, metres straight along it)."""
        on = np.flatnonzero(s.edge >= 0)
        order = on[np.argsort(s.edge[on], kind="stable")]
        edges = s.edge[order]
        tj = np.flatnonzero(t.edge >= 0)
        lo = np.searchsorted(edges, t.edge[tj], "left")
        count = np.searchsorted(edges, t.edge[tj], "right") - lo
        j = np.repeat(tj, count)
        i = order[np.arange(count.sum()) - np.repeat(np.cumsum(count) - count - lo, count)]
        return i, j, (np.abs(s.frac[i] - t.frac[j]) * self.length[s.edge[i]]
                      + s.leg[i] + t.leg[j])

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
        i, j, d = self._same_edge(s, t)
        if len(d):                          # the nearest (then first) source on each edge
            o = np.lexsort((i, d, j))
            first = np.ones(len(o), dtype=bool)
            first[1:] = j[o][1:] != j[o][:-1]
            i, j, d = i[o][first], j[o][first], d[o][first]
            better = d < best[j]
            best[j[better]], which[j[better]] = d[better], i[better]
        best[best > limit] = np.inf
        which[~np.isfinite(best)] = -1
        return best, which

    def _local(self, s: Snapped, which: np.ndarray, limit: float):
        """Distances within ``limit`` from the snapped sources ``which`` on the part of the
        graph that can hold them: (nodes, sources × nodes metres, inf beyond the limit)."""
        k, rows, cols, data = self._virtual(s, which)
        ok = data <= limit
        radius = (limit - data[ok]) / self.stretch * (1 + 1e-9) + 1e-6
        nodes = np.union1d(self.near(self.node_xy[cols[ok]], radius), cols)
        g = _with_rows(self.subgraph(nodes), k, rows - self.n, np.searchsorted(nodes, cols),
                       data)
        dist = dijkstra(g, directed=True, indices=len(nodes) + np.arange(k), limit=limit)
        return nodes, dist[:, : len(nodes)]

    def reach(self, s: Snapped, limit: float) -> tuple[np.ndarray, np.ndarray]:
        """Nodes within ``limit`` metres of the first snapped point and their distances,
        nearest first (the point must be on the network)."""
        nodes, dist = self._local(s, np.array([0]), limit)
        d = dist[0]
        keep = np.flatnonzero(np.isfinite(d))
        keep = keep[np.argsort(d[keep], kind="stable")]
        return nodes[keep], d[keep]

    def stretches(self, s: Snapped, nodes: np.ndarray, dist: np.ndarray, budget: float):
        """The streets walked within ``budget`` metres from the first snapped point (whose
        ``reach`` is ``nodes`` at ``dist``), as (edge, from, to) fractions along each edge:
        whole edges, the reached ends of edges walked into from one side, and the stretch
        of the start edge either side of the point (as ``isochrone.sql`` draws them)."""
        inside = dist <= budget
        reached, d = nodes[inside], dist[inside]
        edges = np.unique(self.incidence[reached].indices)
        start, frac, leg = int(s.edge[0]), float(s.frac[0]), float(s.leg[0])
        edges = edges[edges != start]
        lookup = np.full(len(edges) * 2, np.inf)
        ends = np.concatenate([self.src[edges], self.tgt[edges]])
        order = np.argsort(reached)
        reached_sorted = reached[order]
        pos = np.minimum(np.searchsorted(reached_sorted, ends), len(reached) - 1)
        found = reached_sorted[pos] == ends
        lookup[found] = d[order][pos[found]]
        cs, ct = lookup[: len(edges)], lookup[len(edges):]
        length = self.length[edges]
        left, right = np.maximum(budget - cs, 0), np.maximum(budget - ct, 0)
        whole = left + right >= length
        a_part = ~whole & (cs < budget)
        b_part = ~whole & (ct < budget)
        out_edge = [edges[whole], edges[a_part], edges[b_part]]
        out_from = [np.zeros(whole.sum()), np.zeros(a_part.sum()),
                    np.maximum(1 - right[b_part] / length[b_part], 0)]
        out_to = [np.ones(whole.sum()), np.minimum(left[a_part] / length[a_part], 1),
                  np.ones(b_part.sum())]
        walk = budget - leg
        if walk > 0:
            along = walk / self.length[start]
            out_edge.append(np.array([start]))
            out_from.append(np.array([max(frac - along, 0.0)]))
            out_to.append(np.array([min(frac + along, 1.0)]))
        return np.concatenate(out_edge), np.concatenate(out_from), np.concatenate(out_to)

    def pairs(self, s: Snapped, t: Snapped, limit: float, chunk: int = 32):
        """Every (source, target, metres) within ``limit``, in source then target order:
        sources in chunks of neighbours, each chunk on the part of the graph within its
        reach."""
        found = [self._same_edge(s, t)]
        on = np.flatnonzero(s.on_network)
        t_on = np.flatnonzero(t.on_network)
        if len(on) and len(t_on):
            xy = self.node_xy[self.src[s.edge[on]]]
            cell = np.floor(xy / max(2 * limit, 1.0)).astype(np.int64)
            on = on[np.lexsort((xy[:, 0], cell[:, 0], cell[:, 1]))]
            e = t.edge[t_on]
            # Each target reached through either end of its edge: the ends sorted by node,
            # so that a chunk finds the targets at its nodes by a search per node (many
            # thousands of targets, a few hundred nodes in a chunk's reach).
            t_ends = np.concatenate([self.src[e], self.tgt[e]])
            by_node = np.argsort(t_ends, kind="stable")
            ends_sorted = t_ends[by_node]
            target = np.tile(t_on, 2)[by_node]
            along = (np.concatenate([t.frac[t_on], 1 - t.frac[t_on]])
                     * np.tile(self.length[e], 2))[by_node]
            leg = np.tile(t.leg[t_on], 2)[by_node]
            for start in range(0, len(on), chunk):
                part = on[start:start + chunk]
                nodes, dist = self._local(s, part, limit)
                lo = np.searchsorted(ends_sorted, nodes, "left")
                count = np.searchsorted(ends_sorted, nodes, "right") - lo
                node_pos = np.repeat(np.arange(len(nodes)), count)
                end = np.arange(count.sum()) + np.repeat(lo - (np.cumsum(count) - count), count)
                d = (dist[:, node_pos] + along[end]) + leg[end]
                a, b = np.nonzero(d <= limit)
                found.append((part[a], target[end[b]], d[a, b]))
        i, j, d = (np.concatenate(x) for x in zip(*found, strict=True))
        keep = d <= limit
        i, j, d = i[keep], j[keep], d[keep]
        o = np.lexsort((d, j, i))                    # the shorter of a pair found twice
        first = np.ones(len(o), dtype=bool)
        first[1:] = (i[o][1:] != i[o][:-1]) | (j[o][1:] != j[o][:-1])
        return i[o][first], j[o][first], d[o][first]

    def costs(self, s: Snapped, t: Snapped, limit: float) -> np.ndarray:
        """(sources × targets) metres within ``limit`` (inf beyond)."""
        out = np.full((len(s.edge), len(t.edge)), np.inf)
        i, j, d = self.pairs(s, t, limit)
        out[i, j] = d
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

    def pairs(self, s: np.ndarray, t: np.ndarray, limit: float):
        """Every (source, target, metres) within ``limit``, in source then target order."""
        d = self.costs(s, t, limit)
        i, j = np.nonzero(np.isfinite(d))
        return i, j, d[i, j]

    def costs(self, s: np.ndarray, t: np.ndarray, limit: float) -> np.ndarray:
        d = np.hypot(s[:, None, 0] - t[None, :, 0], s[:, None, 1] - t[None, :, 1]) * self.detour
        d[d > limit] = np.inf
        return d


def substrings(lines: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The stretch of each line between the fractions ``start`` and ``end`` of its length
    (ST_LineSubstring for arrays of lines): its vertices in between and the two cut points."""
    xy, which = shapely.get_coordinates(lines, return_index=True)
    step = np.hypot(*np.diff(xy, axis=0).T)
    step[which[1:] != which[:-1]] = 0.0
    along = np.concatenate([[0.0], np.cumsum(step)])
    first = np.searchsorted(which, np.arange(len(lines)))
    along -= along[first][which]                       # metres from each line's start
    length = shapely.length(lines)
    a, b = (start * length)[which], (end * length)[which]
    inner = (along > a) & (along < b)
    cuts = [shapely.line_interpolate_point(lines, f, normalized=True) for f in (start, end)]
    pts = np.concatenate([shapely.get_coordinates(cuts[0]), xy[inner],
                          shapely.get_coordinates(cuts[1])])
    line = np.concatenate([np.arange(len(lines)), which[inner], np.arange(len(lines))])
    rank = np.concatenate([np.zeros(len(lines)), np.ones(inner.sum()), np.full(len(lines), 2)])
    pos = np.concatenate([start * length, along[inner], end * length])
    order = np.lexsort((rank, pos, line))
    return shapely.linestrings(pts[order], indices=line[order])


def _with_rows(base: sp.csr_matrix, extra: int, rows: np.ndarray, cols: np.ndarray,
               data: np.ndarray) -> sp.csr_matrix:
    """``base`` with ``extra`` rows (and columns) appended: row ``rows[i]`` (0 is the first
    new row) gets an edge to ``cols[i]`` of ``data[i]``. The base arrays are copied once,
    never re-sorted, so adding sources costs what the graph's size costs to copy."""
    if extra == 0:
        return base
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=extra)
    indptr = np.concatenate([base.indptr, base.indptr[-1] + np.cumsum(counts)])
    size = base.shape[0] + extra
    return sp.csr_matrix((np.concatenate([base.data, data[order]]),
                          np.concatenate([base.indices, cols[order]]), indptr),
                         shape=(size, size))


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


def warm(url: str, max_edges: int) -> list[int]:
    """Load the walking graphs of the newest networks, up to ``max_edges`` edges in all (about
    50 MB per 100k edges), so that a planner's first isochrone or circle does not wait a
    second or two for its network. The ids loaded; a failure is logged, never raised."""
    from geo.db import connect

    loaded, total = [], 0
    try:
        conn = connect(url)
        try:
            for row in fetch_all(conn, _Q["networks_newest"]):
                total += row["edges"]
                if total > max_edges:
                    break
                load_graph(conn, row["id"])
                loaded.append(row["id"])
        finally:
            conn.close()
    except Exception:   # a warm-up only: the first request loads what this could not
        logging.getLogger("civgeo.coverage").warning("warming the network graphs failed",
                                                      exc_info=True)
    return loaded
