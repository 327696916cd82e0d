"""Vector tiles: ``/tiles/{layer}/{z}/{x}/{y}.mvt`` with a TileJSON per layer, and the same
tiles through OGC API – Tiles under ``/ogc`` (tile matrix set WebMercatorQuad).

An empty tile is ``204 No Content``. Every tile carries an ``ETag`` (``304`` on
``If-None-Match``) and ``Cache-Control: no-cache``: the server's cache follows the rows
under each tile (geo/tiles.py), so a client asks again and mostly gets a 304.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import Conn, Credentials, borrow, current_actor
from api.reads import PublicReadConn
from geo import tiles
from geo.db import transaction
from geo.errors import Forbidden, NotFound

router = APIRouter(tags=["Vector tiles"])

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
# The OGC collections served as tiles: the three names_* collections are the names layer
# split by geometry type; ``names`` and ``basemap`` are tile sources outside /ogc.
OGC_COLLECTIONS = ("divisions", "names_points", "names_lines", "names_areas", "network_edges",
                   "facilities", "boundary_lines", "boundary_markers", "roads", "addresses",
                   "plates")
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
]
_MVT_RESPONSES = {200: {"content": {tiles.MEDIA_TYPE: {}}, "description": "The tile"},
                  204: {"description": "The tile has no features"},
                  304: {"description": "Not modified since the ETag sent"}}


def _roles(request: Request, layer: tiles.Layer) -> tuple[str, ...] | None:
    if layer.id == "facilities" and not request.app.state.settings.facilities_public:
        return ("planner",)
    return layer.roles


def _admit(request: Request, conn, creds, layer: tiles.Layer) -> None:
    """401 without a token, 403 without a role, for layers that are not public."""
    roles = _roles(request, layer)
    if roles is None:
        return
    actor = current_actor(conn, creds, request)
    if actor.role != "admin" and actor.role not in roles:
        raise Forbidden(f"the {layer.id} tiles need the role {' or '.join(roles)}; "
                        f"{actor.name} has the role {actor.role}")


def _layer(request: Request, conn, creds, layer_id: str) -> tiles.Layer:
    layer = tiles.get_layer(layer_id)
    _admit(request, conn, creds, layer)
    return layer


def _drawn(conn, layer_id: str, z: int, x: int, y: int) -> tiles.Tile:
    with transaction(conn):
        return tiles.get_tile(conn, layer_id, z, x, y)


async def _served(request: Request, conn, find: Callable[[], tiles.Layer], z: int, x: int,
                  y: int, if_none_match: str | None) -> Response:
    """The tile of the layer ``find`` admits (one trip to the thread pool): on a read
    replica (api.reads) from the shared cache when it holds it, else drawn and cached on the
    primary; without replicas, drawn or taken from the cache on the request's connection."""
    on_replica = getattr(request.state, "read_from", "primary") != "primary"

    def layer_and_tile() -> tuple[tiles.Layer, tiles.Tile | None]:
        layer = find()
        if on_replica:
            return layer, tiles.cached_tile(conn, layer.id, z, x, y)
        return layer, _drawn(conn, layer.id, z, x, y)

    layer, tile = await run_in_threadpool(layer_and_tile)
    if tile is None:
        async with borrow(request) as primary:
            tile = await run_in_threadpool(_drawn, primary, layer.id, z, x, y)
    return _tile_response(layer, tile, if_none_match)


def _tile_response(layer: tiles.Layer, tile: tiles.Tile,
                   if_none_match: str | None) -> Response:
    etag = f'"{tile.etag}"'
    headers = {"ETag": etag, "Cache-Control": ("no-cache" if layer.public else
                                               "private, no-cache"),
               "X-Tile-Cache": "hit" if tile.cached else "miss"}
    if layer.public:    # maps saved to a file (origin null) draw the public tiles too
        headers["Access-Control-Allow-Origin"] = "*"
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    if not tile.data:
        return Response(status_code=204, headers=headers)
    return Response(tile.data, media_type=tiles.MEDIA_TYPE, headers=headers)


IfNoneMatch = Annotated[str | None, Header(include_in_schema=False)]


@router.get("/tiles/{layer}/{z}/{x}/{y}.mvt", response_class=Response,
            responses=_MVT_RESPONSES, summary="A vector tile")
async def tile(request: Request, conn: PublicReadConn, creds: Credentials, layer: str,
               z: int, x: int, y: int, if_none_match: IfNoneMatch = None) -> Response:
    """Tile z/x/y (WebMercatorQuad, XYZ order) of a layer as Mapbox Vector Tile; 204 when
    it holds nothing. ``boundary_markers`` needs an inspector or planner, ``plates`` a
    plates officer."""
    return await _served(request, conn, lambda: _layer(request, conn, creds, layer), z, x, y,
                         if_none_match)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _bounds(conn, layer: tiles.Layer) -> list[float]:
    return list(tiles.extent(conn, layer) or (-180.0, -85.051129, 180.0, 85.051129))


@router.get("/tiles/{layer}.json", summary="TileJSON 3.0.0 of a layer")
def tilejson(request: Request, conn: Conn, creds: Credentials, layer: str) -> dict:
    """The layer's TileJSON: absolute tile URL, zoom range, bounds and the fields of each
    MVT layer inside its tiles."""
    found = _layer(request, conn, creds, layer)
    w, s, e, n = _bounds(conn, found)
    centre_zoom = max(found.minzoom, min(found.maxzoom, 10))
    return {"tilejson": "3.0.0", "name": found.id, "description": found.title,
            "version": "1.0.0", "attribution": found.attribution, "scheme": "xyz",
            "tiles": [f"{_base(request)}/tiles/{found.id}/{{z}}/{{x}}/{{y}}.mvt"],
            "minzoom": found.minzoom, "maxzoom": found.maxzoom, "bounds": [w, s, e, n],
            "center": [round((w + e) / 2, 6), round((s + n) / 2, 6), centre_zoom],
            "vector_layers": [{"id": m.id, "description": m.description, "fields": m.fields,
                               "minzoom": m.minzoom, "maxzoom": m.maxzoom}
                              for m in found.layers]}


# OGC API – Tiles ------------------------------------------------------------------------

def _link(href: str, rel: str, type_: str = "application/json", **extra) -> dict:
    return {"href": href, "rel": rel, "type": type_, **extra}


def _collection(conn, request: Request, creds, collection_id: str) -> tiles.Layer:
    if collection_id not in OGC_COLLECTIONS:
        raise NotFound(f"no tiled collection {collection_id!r}; the collections are "
                       f"{', '.join(OGC_COLLECTIONS)}", field="collectionId")
    return _layer(request, conn, creds, collection_id)


def _check_tms(tms: str) -> None:
    if tms != TMS_ID:
        raise NotFound(f"no tile matrix set {tms!r}; the one offered is {TMS_ID}",
                       field="tileMatrixSetId")


def _summary(base: str, title: str) -> dict:
    return {"title": title, "dataType": "vector", "crs": EPSG_3857,
            "tileMatrixSetURI": TMS_URI,
            "links": [_link(f"{base}/{TMS_ID}", "self"),
                      _link(f"{_root(base)}/tileMatrixSets/{TMS_ID}", TILING_SCHEME)]}


def _root(base: str) -> str:
    """The /ogc root of a tileset list URL (…/ogc/collections/x/tiles or …/ogc/tiles)."""
    return base.split("/ogc/", 1)[0] + "/ogc"


_DIMENSION = {"point": 0, "line": 1, "polygon": 2}
_JSON_TYPE = {"String": "string", "Number": "number", "Boolean": "boolean"}


def _tileset(conn, layer: tiles.Layer, base: str, geodata: str | None) -> dict:
    box = _bounds(conn, layer)
    limits = []
    for z in range(layer.minzoom, layer.maxzoom + 1):
        c0, r0, c1, r1 = tiles.tile_range(tuple(box), z)
        limits.append({"tileMatrix": str(z), "minTileRow": r0, "maxTileRow": r1,
                       "minTileCol": c0, "maxTileCol": c1})
    links = [_link(f"{base}/{TMS_ID}", "self"),
             _link(f"{_root(base)}/tileMatrixSets/{TMS_ID}", TILING_SCHEME),
             _link(f"{base}/{TMS_ID}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", "item",
                   tiles.MEDIA_TYPE, templated=True, title="Mapbox Vector Tile")]
    if geodata:
        links.append(_link(geodata, "http://www.opengis.net/def/rel/ogc/1.0/geodata"))
    return {"title": layer.title, "dataType": "vector", "crs": EPSG_3857,
            "tileMatrixSetURI": TMS_URI, "attribution": layer.attribution,
            "boundingBox": {"lowerLeft": box[:2], "upperRight": box[2:], "crs": CRS84},
            "tileMatrixSetLimits": limits,
            "layers": [{"id": m.id, "title": m.description, "dataType": "vector",
                        "minTileMatrix": str(m.minzoom), "maxTileMatrix": str(m.maxzoom),
                        **({"geometryDimension": _DIMENSION[m.geometry]}
                           if m.geometry in _DIMENSION else {}),
                        "propertiesSchema": {"type": "object", "properties": {
                            k: {"type": _JSON_TYPE[v]} for k, v in m.fields.items()}}}
                       for m in layer.layers],
            "links": links}


async def _ogc_tile(request: Request, conn, find: Callable[[], tiles.Layer], tms: str, z: int,
                    row: int, col: int, if_none_match: str | None) -> Response:
    _check_tms(tms)
    try:
        return await _served(request, conn, find, z, col, row, if_none_match)
    except NotFound as exc:
        names = {"z": "tileMatrix", "x": "tileCol", "y": "tileRow"}
        if exc.field in names:
            raise NotFound(exc.detail, field=names[exc.field]) from None
        raise


@router.get("/ogc/collections/{collectionId}/tiles", summary="Tilesets of a collection")
def collection_tilesets(request: Request, conn: Conn, creds: Credentials,
                        collectionId: str) -> dict:
    """The collection's vector tilesets (one: WebMercatorQuad)."""
    layer = _collection(conn, request, creds, collectionId)
    base = f"{_base(request)}/ogc/collections/{layer.id}/tiles"
    return {"tilesets": [_summary(base, layer.title)], "links": [_link(base, "self")]}


@router.get("/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}",
            summary="Tileset metadata of a collection")
def collection_tileset(request: Request, conn: Conn, creds: Credentials, collectionId: str,
                       tileMatrixSetId: str) -> dict:
    """The tileset: tile URL template, tile matrix limits over the data, MVT layers."""
    layer = _collection(conn, request, creds, collectionId)
    _check_tms(tileMatrixSetId)
    base = f"{_base(request)}/ogc/collections/{layer.id}/tiles"
    return _tileset(conn, layer, base, f"{_base(request)}/ogc/collections/{layer.id}")


@router.get("/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/"
            "{tileRow}/{tileCol}", response_class=Response, responses=_MVT_RESPONSES,
            summary="A vector tile of a collection")
async def collection_tile(request: Request, conn: PublicReadConn, creds: Credentials,
                          collectionId: str, tileMatrixSetId: str, tileMatrix: int,
                          tileRow: int, tileCol: int,
                          if_none_match: IfNoneMatch = None) -> Response:
    """A tile of the collection (row = y, column = x); 204 when it holds nothing."""
    return await _ogc_tile(request, conn, lambda: _collection(conn, request, creds, collectionId),
                           tileMatrixSetId, tileMatrix, tileRow, tileCol, if_none_match)


@router.get("/ogc/tiles", summary="Tilesets of the whole dataset (the basemap)")
def dataset_tilesets(request: Request) -> dict:
    """The dataset tileset: civgeo's basemap, every basemap layer in one tile."""
    base = f"{_base(request)}/ogc/tiles"
    return {"tilesets": [_summary(base, tiles.LAYERS["basemap"].title)],
            "links": [_link(base, "self")]}


@router.get("/ogc/tiles/{tileMatrixSetId}", summary="Tileset metadata of the basemap")
def dataset_tileset(request: Request, conn: Conn, tileMatrixSetId: str) -> dict:
    """The basemap tileset (the same tiles as /tiles/basemap)."""
    _check_tms(tileMatrixSetId)
    return _tileset(conn, tiles.LAYERS["basemap"], f"{_base(request)}/ogc/tiles", None)


@router.get("/ogc/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            response_class=Response, responses=_MVT_RESPONSES, summary="A basemap tile")
async def dataset_tile(request: Request, conn: PublicReadConn, tileMatrixSetId: str,
                       tileMatrix: int, tileRow: int, tileCol: int,
                       if_none_match: IfNoneMatch = None) -> Response:
    """A basemap tile; 204 when it holds nothing."""
    return await _ogc_tile(request, conn, lambda: tiles.LAYERS["basemap"], tileMatrixSetId,
                           tileMatrix, tileRow, tileCol, if_none_match)


def _matrix(z: int) -> dict:
    side = 1 << z
    return {"id": str(z), "scaleDenominator": 559082264.0287178 / side,
            "cellSize": 156543.03392804097 / side, "cornerOfOrigin": "topLeft",
            "pointOfOrigin": [-20037508.3427892, 20037508.3427892],
            "tileWidth": 256, "tileHeight": 256, "matrixWidth": side, "matrixHeight": side}


@router.get("/ogc/tileMatrixSets", summary="Tile matrix sets")
def tile_matrix_sets(request: Request) -> dict:
    """The tile matrix sets offered (WebMercatorQuad)."""
    href = f"{_base(request)}/ogc/tileMatrixSets/{TMS_ID}"
    return {"tileMatrixSets": [{"id": TMS_ID, "title": "Google Maps Compatible for the World",
                                "uri": TMS_URI, "links": [_link(href, "self")]}],
            "links": [_link(f"{_base(request)}/ogc/tileMatrixSets", "self")]}


@router.get("/ogc/tileMatrixSets/{tileMatrixSetId}", summary="A tile matrix set")
def tile_matrix_set(request: Request, tileMatrixSetId: str) -> dict:
    """WebMercatorQuad as OGC Two Dimensional Tile Matrix Set 2.0 JSON (zooms 0–24)."""
    _check_tms(tileMatrixSetId)
    return {"id": TMS_ID, "title": "Google Maps Compatible for the World", "uri": TMS_URI,
            "crs": EPSG_3857, "orderedAxes": ["X", "Y"],
            "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
            "tileMatrices": [_matrix(z) for z in range(25)],
            "links": [_link(f"{_base(request)}/ogc/tileMatrixSets/{TMS_ID}", "self")]}

