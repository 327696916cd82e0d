"""Street networks: read a file, node it, and store it pgRouting-ready (DESIGN §3).

A network file may be a GeoPackage, GeoJSON, Shapefile or FlatGeobuf of edge lines
(with OSM-style ``u``/``v`` node ids, as OSMnx writes them, or without), a GeoParquet
file, or raw OpenStreetMap (``.osm``/``.pbf``, read through GDAL's OSM driver). Lines
without node ids are split where they share a vertex (an OSM way meets another at a
shared node) and their ends become nodes. Lengths are geodesic metres.

A file's ``u``/``v`` are kept only where they fit the lines: every node id must sit where
all its edges end (``orient_edges``). A line drawn from ``v`` to ``u`` is turned round, so
that every stored edge runs from its source node to its target node (graphs derived from
OSMnx, simplified by neatnet for one, often keep the ids but not the direction of the
lines). Where the ids do not fit, the lines are noded by their geometry instead. Ids that
fit are kept even where two of them share a point: OSM draws a flyover's node over the
street below it without joining them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import STORAGE_SRID
from geo.db import fetch_all, fetch_one, load_queries
from geo.errors import InvalidInput, NotFound

_Q = load_queries(__file__)

# Not part of the walking graph (the rule: no motorways or trunk roads), plus OSM
# values that are not (yet) usable ways.
NOT_WALKABLE = ("motorway", "motorway_link", "trunk", "trunk_link", "construction",
                "proposed", "abandoned", "raceway", "bus_guideway", "platform", "corridor",
                "elevator")
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
# How far an edge's end may lie from its node (metres). OSM ways that share a node end on
# its coordinates, so this only absorbs rounding.
ENDS_TOLERANCE_M = 0.5


@dataclass(frozen=True)
class NetworkSummary:
    """What is stored for one network."""

    id: int
    name: str
    source: str
    licence: str | None
    attribution: str | None
    nodes: int
    edges: int
    walk_edges: int
    length_km: float


def read_network_file(path: Path) -> gpd.GeoDataFrame:
    """Read edge lines from ``path`` into CGCS2000 with columns u, v, highway, name, geometry."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"network file {path} does not exist", field="network")
    suffix = "".join(path.suffixes[-2:]).lower()
    if suffix.endswith((".osm", ".pbf", ".osm.bz2")):
        gdf = gpd.read_file(path, layer="lines", engine="pyogrio")
        gdf = gdf[gdf["highway"].notna()]
    elif suffix.endswith(".parquet"):
        gdf = gpd.read_parquet(path)
    else:
        gdf = gpd.read_file(path, engine="pyogrio")
    if gdf.crs is None:
        raise InvalidInput(f"{path.name} has no coordinate reference system", field="network")
    gdf = gdf.to_crs(STORAGE_SRID)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    lines = gdf.explode(index_parts=False)
    lines = lines[lines.geom_type == "LineString"]
    if lines.empty:
        raise InvalidInput(f"{path.name} holds no line geometry", field="network")
    for col in ("highway", "name"):
        if col not in lines:
            lines[col] = None
    if ({"u", "v"} <= set(lines.columns) and len(lines) == len(gdf)
            and lines[["u", "v"]].notna().all(axis=None)):
        out = lines[["u", "v", "highway", "name", "geometry"]].copy()
        out[["u", "v"]] = out[["u", "v"]].astype("int64")
        fitted = orient_edges(out.reset_index(drop=True))
        if fitted is not None:
            return fitted
    return node_lines(lines[["highway", "name", "geometry"]])


def orient_edges(edges: gpd.GeoDataFrame,
                 tolerance_m: float = ENDS_TOLERANCE_M) -> gpd.GeoDataFrame | None:
    """``edges`` with every line running from its ``u`` node to its ``v`` node, or None
    where the ids do not fit the lines.

    The ids fit when each id can be given one position, where every edge that names it
    begins or ends (``_node_positions``), and every edge then runs from its u to its v, or
    from its v to its u, to within ``tolerance_m`` at both ends. Lines that run from ``v``
    to ``u`` are reversed; ids, attributes and row order are kept.
    """
    m = len(edges)
    if m == 0:
        return edges.copy()
    start, end = _ends(edges.geometry.values)
    pos, iu, iv = _node_positions(edges["u"].to_numpy(), edges["v"].to_numpy(), start, end)
    if pos is None:
        return None
    forward = np.maximum(_metres(start, pos[iu]), _metres(end, pos[iv]))
    backward = np.maximum(_metres(end, pos[iu]), _metres(start, pos[iv]))
    flip = backward < forward
    if not (np.where(flip, backward, forward) <= tolerance_m).all():
        return None
    out = edges.copy()
    if flip.any():
        geoms = out.geometry.to_numpy().copy()
        geoms[flip] = shapely.reverse(geoms[flip])
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=edges.crs))
    return out


def _ends(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last coordinates of each line, as two (n, 2) arrays."""
    return (shapely.get_coordinates(shapely.get_point(geoms, 0)),
            shapely.get_coordinates(shapely.get_point(geoms, -1)))


def _metres(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances in metres between lon/lat points (equirectangular: for short distances)."""
    lat = np.radians((a[:, 1] + b[:, 1]) / 2)
    return np.hypot((a[:, 0] - b[:, 0]) * 111_320.0 * np.cos(lat),
                    (a[:, 1] - b[:, 1]) * 110_574.0)


def _node_positions(u: np.ndarray, v: np.ndarray, start: np.ndarray, end: np.ndarray,
                    decimals: int = 7):
    """Where each node id sits, judged from the lines alone: (positions (k, 2), index of
    each edge's u and v into them), or (None, …) where some id has no end common to all
    its edges.

    A node is at the end shared by all its edges, ends being the same where they agree to
    ``decimals`` places (1e-7° ≈ 1 cm, as in ``node_lines``: OSM ways that share a node end
    on its coordinates). A dead end, or a node whose edges all join the same two points,
    could be at either end of its lines: it takes the end away from its neighbour.
    """
    m = len(u)
    ids, inverse = np.unique(np.concatenate([u, v]), return_inverse=True)
    iu, iv = inverse[:m], inverse[m:]
    ends = np.concatenate([start, end])
    _, key = np.unique(np.round(ends, decimals), axis=0, return_inverse=True)
    key = key.ravel()
    key_xy = np.empty((key.max() + 1, 2))
    key_xy[key] = ends
    edge = np.arange(m)
    # Each edge offers both its end points to both its nodes; a node's position is a
    # point every one of its edges offers.
    offers = pd.DataFrame({"node": np.concatenate([iu, iu, iv, iv]),
                           "key": np.concatenate([key[:m], key[m:], key[:m], key[m:]]),
                           "edge": np.tile(edge, 4)}).drop_duplicates()
    degree = pd.DataFrame({"node": inverse, "edge": np.tile(edge, 2)}).drop_duplicates() \
        .groupby("node").size().reindex(range(len(ids)), fill_value=0).to_numpy()
    counts = offers.groupby(["node", "key"]).size().reset_index(name="n")
    common = counts[counts["n"].to_numpy() == degree[counts["node"].to_numpy()]]
    choices = np.bincount(common["node"].to_numpy(), minlength=len(ids))
    if (choices == 0).any():
        return None, iu, iv
    pos = np.full((len(ids), 2), np.nan)
    one = common[choices[common["node"].to_numpy()] == 1]
    pos[one["node"].to_numpy()] = key_xy[one["key"].to_numpy()]
    pending = np.flatnonzero(np.isnan(pos[iu, 0]) | np.isnan(pos[iv, 0]))
    while len(pending):
        rest = []
        for i in pending:
            a, b = iu[i], iv[i]
            known_a, known_b = not np.isnan(pos[a, 0]), not np.isnan(pos[b, 0])
            if known_a and not known_b:
                pos[b] = _far_end(pos[a], start[i], end[i])
            elif known_b and not known_a:
                pos[a] = _far_end(pos[b], start[i], end[i])
            elif not known_a:
                rest.append(i)
        if len(rest) == len(pending):
            # Nothing known around these: take the first line's direction as given.
            i, rest = rest[0], rest[1:]
            pos[iu[i]] = start[i]
            if iv[i] != iu[i]:
                pos[iv[i]] = end[i]
        pending = np.asarray(rest, dtype=np.int64)
    return pos, iu, iv


def _far_end(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Of a line's two ends ``a`` and ``b``, the one farther from ``p``."""
    return a if np.hypot(*(a - p)) > np.hypot(*(b - p)) else b


def node_lines(lines: gpd.GeoDataFrame, decimals: int = 7) -> gpd.GeoDataFrame:
    """Split lines where they share a vertex and number the ends (u, v).

    Vertices are matched on coordinates rounded to ``decimals`` places (1e-7° ≈ 1 cm),
    which is how OSM ways that share a node meet.
    """
    coords, line_idx = shapely.get_coordinates(lines.geometry.values, return_index=True)
    keys = np.round(coords, decimals)
    _, vertex_id, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    vertex_id = vertex_id.ravel()
    first = np.r_[True, line_idx[1:] != line_idx[:-1]]
    last = np.r_[line_idx[1:] != line_idx[:-1], True]
    cut = (counts[vertex_id] > 1) | first | last
    rows = []
    attrs = lines[["highway", "name"]].to_numpy()
    cut_pos = np.flatnonzero(cut)
    for a, b in zip(cut_pos[:-1], cut_pos[1:], strict=True):
        if line_idx[a] != line_idx[b] or last[a]:
            continue
        if vertex_id[a] == vertex_id[b] and b - a < 2:
            continue
        highway, name = attrs[line_idx[a]]
        rows.append((int(vertex_id[a]), int(vertex_id[b]), highway, name,
                     shapely.linestrings(coords[a:b + 1])))
    return gpd.GeoDataFrame(rows, columns=["u", "v", "highway", "name", "geometry"],
                            geometry="geometry", crs=STORAGE_SRID)


def import_edges(conn, name: str, edges: gpd.GeoDataFrame, *, source: str,
                 licence: str | None = None, attribution: str | None = None,
                 dataset: str | None = None) -> NetworkSummary:
    """Store noded edges (u, v, highway, name, geometry in EPSG:4490) as network ``name``."""
    if edges.crs is None or edges.crs.to_epsg() != STORAGE_SRID:
        raise InvalidInput("edges must be in EPSG:4490", field="network")
    # A node is stored where its edges end, so the ids must fit the lines (lines that run
    # from v to u are turned round): a graph whose ids point elsewhere would route from
    # the wrong places.
    fitted = orient_edges(edges)
    if fitted is None:
        raise InvalidInput("the edges' u and v do not match where their lines end; node the "
                           "lines by their geometry (network.node_lines)", field="network")
    edges = fitted
    network_id = fetch_one(conn, _Q["create_network"], {
        "name": name, "source": source, "licence": licence, "attribution": attribution,
        "dataset": dataset})["id"]
    columns = zip(edges["u"].to_numpy(), edges["v"].to_numpy(), _copy_text(edges["highway"]),
                  _copy_text(edges["name"]), shapely.to_wkb(edges.geometry.values, hex=True),
                  strict=True)
    buf = io.StringIO("".join(f"{u}\t{v}\t{h}\t{n}\t\\\\x{w}\n" for u, v, h, n, w in columns))
    with conn.cursor() as cur:
        cur.execute(_Q["stage"])
        cur.copy_expert("COPY network_stage (u, v, highway, name, wkb) FROM STDIN", buf)
        cur.execute(_Q["insert_nodes"], {"network_id": network_id})
        # The edges join the nodes just inserted: with statistics from before (a network of
        # five nodes, say) the planner picks a nested loop that runs for hours.
        cur.execute("ANALYZE network_stage; ANALYZE network_nodes")
        cur.execute(_Q["insert_edges"], {"network_id": network_id,
                                         "not_walkable": list(NOT_WALKABLE)})
        cur.execute("DROP TABLE network_stage")
        cur.execute(_Q["set_extent"], {"network_id": network_id})
        # Fresh statistics, or the planner scans a whole network for one snap (30× slower).
        cur.execute("ANALYZE network_nodes; ANALYZE network_edges")
    return get_network(conn, name)


def _copy_text(values: pd.Series) -> pd.Series:
    """Escape a text column for COPY's text format (NULL as \\N)."""
    text = values.astype("string").str.replace("\\", "\\\\", regex=False)
    return text.str.replace(r"[\t\r\n]", " ", regex=True).fillna("\\N")


def get_network(conn, name: str) -> NetworkSummary:
    """Return the stored network called ``name``."""
    row = fetch_one(conn, _Q["network_summary"], {"name": name})
    if row is None:
        raise NotFound(f"no network called {name!r}", field="network")
    return NetworkSummary(**{**row, "length_km": float(row["length_km"])})


def walk_node_coords(conn, network_id: int) -> np.ndarray:
    """(lon, lat) of every node on the walking graph of a network, as an (n, 2) array."""
    rows = fetch_all(conn, _Q["walk_node_coords"], {"network_id": network_id})
    return np.array([(r["x"], r["y"]) for r in rows]).reshape(-1, 2)


def nearest_node(conn, network_id: int, lon: float, lat: float) -> tuple[int, float]:
    """The network node nearest a point, and its distance in metres."""
    row = fetch_one(conn, _Q["nearest_node"], {"network_id": network_id, "lon": lon, "lat": lat})
    if row is None:
        raise NotFound("the network has no nodes", field="network")
    return row["id"], row["distance_m"]
