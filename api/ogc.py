"""OGC API – Features (Part 1: Core, GeoJSON) for the published layers, so QGIS and GDAL
read them directly (DESIGN §4, §4a). Public: the published layers hold no personal data."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api import geojson
from api.deps import Conn
from api.geojson import MEDIA_TYPE as GEOJSON
from api.params import BBox, paging
from geo import features

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])
Paged = paging(100, features.MAX_LIMIT)
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


@router.get("/collections/{collection_id}/items", summary="Features, paged")
def items(conn: Conn, request: Request, collection_id: str, bbox: BBox, page: Paged,
          level: Annotated[str | None, Query(description="divisions only")] = None,
          under: Annotated[str | None,
                           Query(description="features under a division code")] = None,
          category: Annotated[str | None,
                              Query(description="names: category code prefix")] = None,
          ) -> JSONResponse:
    """A GeoJSON FeatureCollection with numberMatched and next/prev links."""
    found = features.list_items(conn, collection_id, bbox=list(bbox) if bbox else None,
                                limit=page.limit, offset=page.offset, level=level, under=under,
                                category=category)
    return geojson.collection(found.features, request=request, page=page, matched=found.matched,
                      timeStamp=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))


@router.get("/collections/{collection_id}/items/{feature_id}", summary="One feature")
def item(conn: Conn, request: Request, collection_id: str, feature_id: str) -> JSONResponse:
    """A single GeoJSON Feature."""
    feature = features.get_item(conn, collection_id, feature_id)
    base = _base(request)
    feature["links"] = [
        _link(f"{base}/collections/{collection_id}/items/{feature_id}", "self", GEOJSON),
        _link(f"{base}/collections/{collection_id}", "collection")]
    return JSONResponse(feature, media_type=GEOJSON)
