"""The shared answers of the API: JSON responses, GeoJSON features and FeatureCollections
with paging links (``next`` and ``prev``), in one place for every router."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api.params import Page

MEDIA_TYPE = "application/geo+json"


class FastJSONResponse(JSONResponse):
    """A JSON response serialised by orjson: dicts, lists, dataclasses, dates, times and
    NumPy values directly, anything else (Decimal, sets, models) through FastAPI's
    ``jsonable_encoder``. The same text as ``JSONResponse`` (UTF-8, compact), several times
    faster on large GeoJSON; a NaN is written null where ``JSONResponse`` would fail."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_encodable,
                            option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


def _encodable(value: Any) -> Any:
    if isinstance(value, Decimal):   # as jsonable_encoder: 30 stays an integer, 3.0 a float
        return int(value) if value.as_tuple().exponent >= 0 else float(value)
    return jsonable_encoder(value)


def json_response(body: Any, status: int = 200,
                  media_type: str = "application/json") -> JSONResponse:
    """``body`` (dicts, lists, dataclasses, dates…) as a JSON response."""
    return FastJSONResponse(body, status_code=status, media_type=media_type)


class GeoJSONResponse(JSONResponse):
    """``application/geo+json``: as ``response_class`` of a route, it documents what the
    route answers (the routes build their answers with ``geojson_response``)."""

    media_type = MEDIA_TYPE


def also(status: int, *media_types: str, description: str = "Successful Response") -> dict:
    """For a route's ``responses``: ``status`` answered as ``media_types`` too (beside what
    its ``response_class`` says).

    >>> also(200, "image/png")
    {200: {'description': 'Successful Response', 'content': {'image/png': {}}}}
    """
    return {status: {"description": description, "content": {m: {} for m in media_types}}}


def geojson_response(body: Any, status: int = 200) -> JSONResponse:
    """``body`` as ``application/geo+json``."""
    return json_response(body, status, MEDIA_TYPE)


def point(lon: float | None, lat: float | None) -> dict | None:
    """A GeoJSON Point, or None when there is no position."""
    return None if lon is None else {"type": "Point", "coordinates": [lon, lat]}


def feature(properties: dict, geometry: dict | None, feature_id: Any = None) -> dict:
    """A GeoJSON Feature."""
    out: dict[str, Any] = {"type": "Feature"}
    if feature_id is not None:
        out["id"] = feature_id
    return {**out, "geometry": geometry, "properties": properties}


def point_features(rows: list[dict], id_key: str | None = "id") -> list[dict]:
    """Rows with ``lon`` and ``lat`` as Point features (every column a property)."""
    return [feature(r, point(r["lon"], r["lat"]), r[id_key] if id_key else None) for r in rows]


def geometry_feature(row: dict, id_key: str = "id") -> dict:
    """A row with a GeoJSON ``geometry`` column as a feature (the other columns properties)."""
    return feature({k: v for k, v in row.items() if k != "geometry"}, row["geometry"],
                   row[id_key])


def geometry_features(rows: list[dict], id_key: str = "id") -> list[dict]:
    """Rows with a GeoJSON ``geometry`` column as features."""
    return [geometry_feature(r, id_key) for r in rows]


def page_links(request: Request, page: Page, matched: int | None, returned: int) -> list[dict]:
    """``self``, ``next`` when there is more (or may be, with ``matched`` unknown) and
    ``prev`` past the first page: the request's own URL with another offset."""
    links = [{"rel": "self", "type": MEDIA_TYPE, "href": str(request.url)}]
    more = returned == page.limit if matched is None else page.offset + returned < matched
    if more:
        links.append(_link(request, "next", page.offset + page.limit))
    if page.offset > 0:
        links.append(_link(request, "prev", max(0, page.offset - page.limit)))
    return links


def _link(request: Request, rel: str, offset: int) -> dict:
    return {"rel": rel, "type": MEDIA_TYPE,
            "href": str(request.url.include_query_params(offset=offset))}


def collection(features: list[dict], *, request: Request | None = None,
               page: Page | None = None, matched: int | None = None, status: int = 200,
               **extra: Any) -> JSONResponse:
    """A GeoJSON FeatureCollection with ``numberReturned`` (and ``numberMatched`` and paging
    links when paged); ``extra`` members (summaries, the query) go before the features."""
    body: dict[str, Any] = {"type": "FeatureCollection", **extra}
    if matched is not None:
        body["numberMatched"] = matched
    body["numberReturned"] = len(features)
    if request is not None and page is not None:
        body["links"] = page_links(request, page, matched, len(features))
    body["features"] = features
    return geojson_response(body, status)
