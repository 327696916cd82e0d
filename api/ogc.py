"""OGC API – Features (Part 1: Core, GeoJSON) for the published layers, so QGIS and GDAL
read them directly (DESIGN §4, §4a). Public: the published layers hold no personal data."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.deps import Conn
from geo import features
from geo.errors import InvalidInput

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])
GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _link(href: str, rel: str, type_: str = "application/json", title: str = "") -> dict:
    return {"href": href, "rel": rel, "type": type_, **({"title": title} if title else {})}


@router.get("/", summary="Landing page")
def landing(request: Request) -> dict:
    """Links to the conformance declaration, the collections and the API definition."""
    base = _base(request)
    return {"title": "civgeo", "description": "Published civgeo layers (CGCS2000 ≈ CRS84)",
            "links": [_link(f"{base}/", "self"),
                      _link(str(request.base_url) + "openapi.json", "service-desc",
                            "application/vnd.oai.openapi+json;version=3.0"),
                      _link(f"{base}/conformance", "conformance"),
                      _link(f"{base}/collections", "data")]}


@router.get("/conformance", summary="Conformance classes")
def conformance() -> dict:
    """The OGC API – Features classes implemented."""
    return {"conformsTo": CONFORMANCE}


def _collection(conn, request: Request, col: features.Collection) -> dict:
    base = _base(request)
    bbox = features.extent(conn, col.id)
    return {"id": col.id, "title": col.title, "description": col.description,
            "itemType": "feature", "crs": [CRS84],
            "extent": {"spatial": {"bbox": [bbox] if bbox else [], "crs": CRS84}},
            "links": [_link(f"{base}/collections/{col.id}", "self"),
                      _link(f"{base}/collections/{col.id}/items", "items", GEOJSON)]}


@router.get("/collections", summary="Published collections")
def collections(conn: Conn, request: Request) -> dict:
    """Every published layer with its extent."""
    return {"collections": [_collection(conn, request, c)
                            for c in features.COLLECTIONS.values()],
            "links": [_link(f"{_base(request)}/collections", "self")]}


@router.get("/collections/{collection_id}", summary="One collection")
def collection(conn: Conn, request: Request, collection_id: str) -> dict:
    """A published layer's description and extent."""
    return _collection(conn, request, features.get_collection(collection_id))


def _bbox(raw: str | None) -> list[float] | None:
    if raw is None:
        return None
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        raise InvalidInput("bbox must be four numbers: minLon,minLat,maxLon,maxLat",
                           field="bbox") from None
    return values


@router.get("/collections/{collection_id}/items", summary="Features, paged")
def items(conn: Conn, request: Request, collection_id: str,
          bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
          limit: Annotated[int, Query(ge=1, le=features.MAX_LIMIT)] = 100,
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
          level: Annotated[str | None, Query(description="divisions only")] = None,
          under: Annotated[str | None, Query(description="features under a division code")] = None,
          category: Annotated[str | None, Query(description="names: category code prefix")] = None,
          ) -> JSONResponse:
    """A GeoJSON FeatureCollection with numberMatched and next/prev links."""
    page = features.list_items(conn, collection_id, bbox=_bbox(bbox), limit=limit,
                               offset=offset, level=level, under=under, category=category)
    links = [_link(str(request.url), "self", GEOJSON)]
    if offset + len(page.features) < page.matched:
        links.append(_link(str(request.url.include_query_params(offset=offset + limit)),
                           "next", GEOJSON))
    if offset > 0:
        links.append(_link(str(request.url.include_query_params(
            offset=max(0, offset - limit))), "prev", GEOJSON))
    body = {"type": "FeatureCollection", "features": page.features,
            "numberMatched": page.matched, "numberReturned": len(page.features),
            "timeStamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "links": links}
    return JSONResponse(body, media_type=GEOJSON)


@router.get("/collections/{collection_id}/items/{feature_id}", summary="One feature")
def item(conn: Conn, request: Request, collection_id: str, feature_id: str) -> JSONResponse:
    """A single GeoJSON Feature."""
    feature = features.get_item(conn, collection_id, feature_id)
    base = _base(request)
    feature["links"] = [
        _link(f"{base}/collections/{collection_id}/items/{feature_id}", "self", GEOJSON),
        _link(f"{base}/collections/{collection_id}", "collection")]
    return JSONResponse(feature, media_type=GEOJSON)
