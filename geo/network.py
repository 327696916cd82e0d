"""Street networks: read a file, node it, and store it pgRouting-ready (DESIGN §3).

A network file may be a GeoPackage, GeoJSON, Shapefile or FlatGeobuf of edge lines
(with OSM-style ``u``/``v`` node ids, as OSMnx writes them, or without), a GeoParquet
file, or raw OpenStreetMap (``.osm``/``.pbf``, read through GDAL's OSM driver). Lines
without node ids are split where they share a vertex (an OSM way meets another at a
shared node) and their ends become nodes. Lengths are geodesic metres.
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
    if {"u", "v"} <= set(lines.columns) and len(lines) == len(gdf):
        out = lines[["u", "v", "highway", "name", "geometry"]].copy()
        out[["u", "v"]] = out[["u", "v"]].astype("int64")
        return out.reset_index(drop=True)
    return node_lines(lines[["highway", "name", "geometry"]])


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
