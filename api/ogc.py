"""OGC API – Features (Part 1 Core with GeoJSON and HTML, Part 2 CRS, Part 3 filtering) for
every published layer, so QGIS, ArcGIS and GDAL read them directly (DESIGN §4, §4a).

Public layers hold no personal data; the officers' layers (markers, plates, patrol tracks)
need a bearer token, which GDAL sends with ``GDAL_HTTP_HEADERS="Authorization: Bearer …"``.
Items carry an ETag and Last-Modified from the layer's change counters, so a client asking
again with ``If-None-Match`` gets 304 until a write changes the layer.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security.http import HTTPAuthorizationCredentials
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.deps import SESSION_COOKIE, Credentials, _authenticate
from api.geojson import MEDIA_TYPE as GEOJSON
from api.geojson import also
from api.reads import PublicReadConn
from geo import export, features
from geo.features import DEFAULT_LIMIT, MAX_LIMIT, Layer, Reader
from geo.features import Query as ItemsQuery
from maps import basemap

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"])
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sortables",
    "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/property-selection",
]
EXPORTS = {"gpkg": ("application/geopackage+sqlite3", ".gpkg"),
           "csv": ("text/csv; charset=utf-8", ".csv"),
           "shp": ("application/zip", ".shp"),
           "fgb": ("application/flatgeobuf", ".fgb")}
FORMATS = "json, geojson, html, " + ", ".join(EXPORTS)
_HTML = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                    autoescape=select_autoescape(["html"]))


# ---- who reads, in which format ---------------------------------------------------------

def _reader(request: Request, conn, creds: HTTPAuthorizationCredentials | None) -> Reader:
    """The caller as a Reader: the public with no token or session; with one, its role (and
    an inspector's lines)."""
    public = request.app.state.settings.facilities_public
    if creds is None and not request.cookies.get(SESSION_COOKIE):
        return Reader(facilities_public=public)
    from geo.boundaries.inspections import visible_line_ids

    actor = _authenticate(conn, creds, request)
    lines = visible_line_ids(conn, actor) if actor.role == "inspector" else None
    return Reader(actor.role, tuple(lines) if lines is not None else None, public)


def _layer(layer_id: str, reader: Reader) -> Layer:
    """The layer, or 404; an officers' layer asked for with no token is 401."""
    layer = features.get_layer(layer_id)
    if reader.role is None and not reader.may_read(layer):
        from api.problems import Unauthorized

        raise Unauthorized(f"the collection {layer_id} needs a token: "
                           "Authorization: Bearer <token>")
    return features.get_layer(layer_id, reader)    # 403 for a role that may not read it


def _format(request: Request, f: str | None) -> str:
    """json, html or an export format: ``f`` first, else the Accept header."""
    if f is not None:
        f = f.lower()
        if f in ("json", "geojson", "html") or f in EXPORTS:
            return "json" if f == "geojson" else f
        from geo.errors import InvalidInput

        raise InvalidInput(f"f must be one of {FORMATS}", field="f")
    accept = request.headers.get("accept", "")
    return "html" if "text/html" in accept and "json" not in accept else "json"


F = Annotated[str | None, Query(description=f"the format: {FORMATS}", max_length=10)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _link(href: str, rel: str, type_: str = "application/json", title: str = "") -> dict:
    return {"href": href, "rel": rel, "type": type_, **({"title": title} if title else {})}


def _alternates(request: Request, kind: str) -> list[dict]:
    here = request.url.remove_query_params("f")
    other = "html" if kind == "json" else "json"
    media = "text/html" if other == "html" else "application/json"
    return [_link(str(request.url), "self", media if kind == other else
                  ("text/html" if kind == "html" else "application/json")),
            _link(str(here.include_query_params(f=other)), "alternate", media)]


def _page(title: str, template: str, **context) -> HTMLResponse:
    return HTMLResponse(_HTML.get_template(template).render(title=title, **context))


# ---- landing, conformance, collections -------------------------------------------------

@router.get("/", summary="Landing page", responses=also(200, "text/html"))
def landing(request: Request, f: F = None) -> Response:
    """Links to the conformance declaration, the collections and the API definition."""
    kind = _format(request, f)
    base = _base(request)
    body = {"title": "civgeo 民政地理信息服务",
            "description": "民政地理数据：行政区划、标准地名、路网、民政设施、界线界桩、门牌地址。"
                           "Published civgeo layers, in CRS84, CGCS2000 (EPSG:4490) and "
                           "Gauss-Kruger zones.",
            "links": [*_alternates(request, kind),
                      _link(f"{base}/api", "service-desc", "application/json",
                            "OpenAPI 3.1"),
                      _link(str(request.base_url) + "docs", "service-doc", "text/html"),
                      _link(f"{base}/conformance", "conformance"),
                      _link(f"{base}/collections", "data")]}
    if kind == "html":
        return _page("civgeo OGC API", "ogc_landing.html", body=body, base=base)
    return JSONResponse(body)


@router.get("/api", summary="The OGC API's own definition (OpenAPI 3)",
            )
def api_definition(request: Request) -> JSONResponse:
    """The OGC paths of /openapi.json relative to /ogc, with the path parameters named as
    the standard names them (``collectionId``), so that clients which look up
    ``/collections/{collectionId}/items`` (GDAL) find its parameters."""
    whole = request.app.openapi()
    paths = {}
    for path, ops in whole["paths"].items():
        if path.startswith("/ogc/"):
            paths[path[4:].replace("{collection_id}", "{collectionId}")
                  .replace("{feature_id}", "{featureId}")] = _renamed(ops)
    body = {"openapi": whole["openapi"],
            "info": {**whole["info"], "title": "civgeo OGC API – Features"},
            "servers": [{"url": _base(request)}], "paths": paths,
            "components": whole.get("components", {})}
    return JSONResponse(body)


def _renamed(ops: dict) -> dict:
    out = json.loads(json.dumps(ops).replace('"collection_id"', '"collectionId"')
                     .replace('"feature_id"', '"featureId"'))
    for op in out.values():
        for param in op.get("parameters", []):
            if param.get("name") == "filter-lang":   # GDAL 3.6 knows the draft's name
                param["schema"]["enum"] = ["cql2-text", "cql2-json", "cql-text"]
    return out


@router.get("/conformance", summary="Conformance classes")
def conformance() -> dict:
    """The OGC API classes implemented (Features here, Tiles in api.tiles)."""
    from api import tiles

    return {"conformsTo": CONFORMANCE + tiles.CONFORMANCE}


def _collection(conn, request: Request, layer: Layer, reader: Reader) -> dict:
    base = _base(request)
    bbox = _extent(conn, layer, reader)
    crs = [features.CRS84, features.crs_uri(4490), features.crs_uri(4326),
           *(features.crs_uri(z) for z in features.gk_zones(bbox)), features.crs_uri(3857)]
    items = f"{base}/collections/{layer.id}/items"
    return {
        "id": layer.id, "title": layer.title, "description": layer.description,
        "itemType": "feature", "crs": crs, "storageCrs": features.crs_uri(4490),
        **({"extent": {"spatial": {"bbox": [bbox], "crs": features.CRS84}}} if bbox else {}),
        **({"attribution": layer.attribution} if layer.attribution else {}),
        "geometryType": layer.geometry, "public": layer.public,
        "links": [_link(f"{base}/collections/{layer.id}", "self"),
                  _link(items, "items", GEOJSON, "GeoJSON"),
                  _link(f"{items}?f=html", "items", "text/html", "HTML"),
                  *(_link(f"{items}?f={k}", "alternate", media, f"下载 {k.upper()}")
                    for k, (media, _) in EXPORTS.items()),
                  _link(f"{base}/collections/{layer.id}/queryables",
                        "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                        "application/schema+json"),
                  _link(f"{base}/collections/{layer.id}/queryables", "queryables",
                        "application/schema+json"),
                  _link(f"{base}/collections/{layer.id}/schema", "describedBy",
                        "application/schema+json", "要素结构 feature schema"),
                  _link(f"{base}/collections/{layer.id}/tiles",
                        "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector")]}


_EXTENTS: dict[tuple[str, str, tuple | None], list[float] | None] = {}


def _extent(conn, layer: Layer, reader: Reader) -> list[float] | None:
    """A layer's extent, computed once per version of its data."""
    key = (layer.id, features.version(conn, layer).tag,
           reader.lines if layer.id in features.LINE_SCOPED else None)
    if key not in _EXTENTS:
        if len(_EXTENTS) > 256:
            _EXTENTS.clear()
        _EXTENTS[key] = features.extent(conn, layer, reader)
    return _EXTENTS[key]


@router.get("/collections", summary="Published collections",
            responses=also(200, "text/html"))
def collections(conn: PublicReadConn, request: Request, creds: Credentials,
                f: F = None) -> Response:
    """Every layer the caller may read, with its extent and CRSs (officers' layers need a
    token)."""
    kind = _format(request, f)
    reader = _reader(request, conn, creds)
    body = {"collections": [_collection(conn, request, layer, reader)
                            for layer in features.readable(reader)],
            "links": _alternates(request, kind)}
    if kind == "html":
        return _page("图层 Collections", "ogc_collections.html", body=body)
    return JSONResponse(body)


@router.get("/collections/{collection_id}", summary="One collection",
            responses=also(200, "text/html"))
def collection(conn: PublicReadConn, request: Request, collection_id: str, creds: Credentials,
               f: F = None) -> Response:
    """A layer's description, extent, CRSs and links."""
    kind = _format(request, f)
    reader = _reader(request, conn, creds)
    layer = _layer(collection_id, reader)
    body = _collection(conn, request, layer, reader)
    if kind == "html":
        return _page(layer.title, "ogc_collections.html", body={"collections": [body]})
    return JSONResponse(body)


@router.get("/collections/{collection_id}/queryables", summary="Queryable properties",
            responses=also(200, "application/schema+json"))
def queryables(conn: PublicReadConn, request: Request, collection_id: str,
               creds: Credentials) -> JSONResponse:
    """The properties a ``filter``, ``sortby`` and ``properties`` may name (JSON Schema)."""
    layer = _layer(collection_id, _reader(request, conn, creds))
    body = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{_base(request)}/collections/{layer.id}/queryables",
            "type": "object", "title": layer.title,
            "properties": features.queryables(layer), "additionalProperties": False,
            # the draft's list, which GDAL 3.6 reads to know what it may filter on
            "queryables": [{"id": name} for name in layer.props]}
    media = "application/schema+json" if "schema+json" in request.headers.get("accept", "") \
        or "json" not in request.headers.get("accept", "json") else "application/json"
    return JSONResponse(body, media_type=media)


@router.get("/collections/{collection_id}/schema", summary="The schema of a feature")
def schema(conn: PublicReadConn, request: Request, collection_id: str,
           creds: Credentials) -> JSONResponse:
    """JSON Schema of one feature: every property with its type, so GDAL and QGIS give
    fields the same types whatever the first page holds (sent as application/json, which
    GDAL 3.6 requires)."""
    layer = _layer(collection_id, _reader(request, conn, creds))
    return JSONResponse({"$id": f"{_base(request)}/collections/{layer.id}/schema",
                         **features.feature_schema(layer)})


# ---- items -----------------------------------------------------------------------------

Text = Annotated[str | None, Query(max_length=2000)]


@router.get("/collections/{collection_id}/items", summary="Features, paged",
            responses={**also(200, GEOJSON, "text/html", *(m for m, _ in EXPORTS.values())),
                       304: {"description": "Not modified since the ETag sent"}})
def items(conn: PublicReadConn, request: Request, collection_id: str, creds: Credentials,
          f: F = None,
          limit: Annotated[int, Query(ge=1, le=MAX_LIMIT,
                                      description="features per page")] = DEFAULT_LIMIT,
          offset: Annotated[int, Query(ge=0, le=2**53)] = 0,
          after: Annotated[str | None, Query(
              description="keyset paging: the last id of the previous page (the next links "
                          "carry it, so deep pages cost no more than the first)",
              max_length=64)] = None,
          bbox: Annotated[str | None, Query(
              description="minx,miny,maxx,maxy in bbox-crs (CRS84 lon/lat by default)",
              max_length=200)] = None,
          bbox_crs: Annotated[str | None, Query(alias="bbox-crs", max_length=200)] = None,
          crs: Annotated[str | None, Query(
              description="CRS of the answer: CRS84 (default), EPSG:4490, EPSG:4326 or a "
                          "CGCS2000 Gauss-Kruger zone", max_length=200)] = None,
          filter: Annotated[str | None, Query(description="CQL2 text (or JSON)",
                                              max_length=2000)] = None,
          filter_lang: Annotated[str, Query(
              alias="filter-lang", pattern="^(cql2-text|cql2-json|cql-text)$",
              description="cql2-text (default) or cql2-json; cql-text is the draft's name, "
                          "as GDAL 3.6 sends it")] = "cql2-text",
          filter_crs: Annotated[str | None, Query(alias="filter-crs", max_length=200)] = None,
          datetime: Text = None, sortby: Text = None, properties: Text = None,
          count: Annotated[str, Query(pattern="^(estimate|exact)$", description=(
              "numberMatched: the planner's estimate for large results (default) or "
              "counted"))] = "estimate",
          level: Annotated[str | None, Query(description="divisions only", max_length=20)
                           ] = None,
          under: Annotated[str | None, Query(description="features under a division code",
                                             max_length=12)] = None,
          category: Annotated[str | None, Query(description="names: category code prefix",
                                                max_length=12)] = None,
          ) -> Response:
    """A GeoJSON FeatureCollection with numberMatched and next/prev links; ``f=gpkg``,
    ``csv``, ``shp`` (zipped) or ``fgb`` download every matching feature instead."""
    kind = _format(request, f)
    reader = _reader(request, conn, creds)
    layer = _layer(collection_id, reader)
    q = ItemsQuery(
        bbox=_numbers(bbox), bbox_srid=features.crs_srid(bbox_crs, "bbox-crs"),
        crs=features.crs_srid(crs), filter=filter, filter_lang=filter_lang,
        filter_srid=features.crs_srid(filter_crs, "filter-crs"), datetime=datetime,
        sortby=sortby, properties=properties, limit=limit, offset=offset, after=after,
        exact_count=count == "exact",
        simple={"level": level, "under": under, "category": category},
        equals=_queryable_params(request, layer))
    if kind in EXPORTS:
        return _download(conn, layer, q, reader, kind)
    version = features.version(conn, layer)
    etag = _etag(version, request, kind, reader)
    headers = {"ETag": etag, "Vary": "Authorization, Accept",
               "Cache-Control": "no-cache" if reader.may_read(layer) and layer.public
               else "private, no-cache",
               "Content-Crs": f"<{features.crs_uri(q.crs)}>"}
    if version.changed_at is not None:
        headers["Last-Modified"] = email.utils.format_datetime(version.changed_at,
                                                               usegmt=True)
    if _not_modified(request, etag, version):
        return Response(status_code=304, headers=headers)
    page = features.items(conn, layer, q, reader, version)
    if kind == "html":
        return _items_page(request, layer, page, q, headers)
    return Response(_collection_text(request, page, q), media_type=GEOJSON, headers=headers)


_RESERVED = {"f", "limit", "offset", "after", "bbox", "bbox-crs", "crs", "filter",
             "filter-lang", "filter-crs", "datetime", "sortby", "properties", "count",
             "level", "under", "category"}


def _queryable_params(request: Request, layer: Layer) -> dict[str, str]:
    """``property=value`` query parameters (OGC Part 3 queryables as parameters); any other
    unknown parameter is refused by name, so a typo does not return everything."""
    from geo.errors import InvalidInput

    for k in request.query_params:
        if k not in _RESERVED and k not in layer.props:
            raise InvalidInput(f"{k}: not a parameter of these items nor a queryable of "
                               f"{layer.id} (see its /queryables)", field=k)
    return {k: v for k, v in request.query_params.items() if k not in _RESERVED}


def _numbers(raw: str | None) -> list[float] | None:
    from api.params import number_list

    return None if raw is None else number_list(raw, "bbox")


def _etag(version: features.Version, request: Request, kind: str, reader: Reader) -> str:
    seen = f"{version.tag}|{request.url.query}|{kind}|{reader.role}|{reader.lines}"
    return f'W/"{hashlib.sha256(seen.encode()).hexdigest()[:24]}"'


def _not_modified(request: Request, etag: str, version: features.Version) -> bool:
    sent = request.headers.get("if-none-match")
    if sent is not None:
        return etag in [t.strip() for t in sent.split(",")] or sent.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since and version.changed_at is not None:
        try:
            return version.changed_at.replace(microsecond=0) <= \
                email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _collection_text(request: Request, page: features.Page, q: ItemsQuery) -> bytes:
    """The FeatureCollection around the features the database wrote as text."""
    links = [_link(str(request.url), "self", GEOJSON),
             _link(str(request.url.include_query_params(f="html")), "alternate", "text/html")]
    if q.offset + page.returned < page.matched or (not page.exact
                                                   and page.returned == q.limit):
        nxt = request.url.include_query_params(offset=q.offset + q.limit, limit=q.limit)
        if not q.sortby and page.last is not None:
            # Walking a layer in id order (what GDAL and QGIS do to copy it): the next
            # page starts after the last id and is at least the default page, so a
            # client that asks for 10 at a time (GDAL 3.6's default) does not need
            # 9,000 requests for a street network.
            nxt = nxt.include_query_params(after=page.last,
                                           limit=max(q.limit, DEFAULT_LIMIT))
        links.append(_link(str(nxt), "next", GEOJSON))
    if q.offset > 0:
        links.append(_link(str(request.url.remove_query_params("after").include_query_params(
            offset=max(0, q.offset - q.limit), limit=q.limit)), "prev", GEOJSON))
    head = json.dumps({
        "type": "FeatureCollection", "numberMatched": page.matched,
        "numberReturned": page.returned,
        "timeStamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **({} if page.exact else {"numberMatchedEstimated": True}),
        "links": links}, ensure_ascii=False)
    return (head[:-1] + ',"features":[' + page.features + "]}").encode()


def _items_page(request: Request, layer: Layer, page: features.Page, q: ItemsQuery,
                headers: dict, single: bool = False) -> HTMLResponse:
    found = json.loads("[" + page.features + "]")
    columns = features.selected(layer, q.properties)
    nxt = str(request.url.include_query_params(offset=q.offset + q.limit)) \
        if q.offset + page.returned < page.matched else None
    prev = str(request.url.include_query_params(offset=max(0, q.offset - q.limit))) \
        if q.offset else None
    html = _HTML.get_template("ogc_items.html").render(
        title=layer.title, layer=layer, features=found, columns=columns, page=page, q=q,
        next=nxt, prev=prev, geojson=json.dumps(
            {"type": "FeatureCollection", "features": found}, ensure_ascii=False
        ).replace("</", "<\\/") if q.crs is None else "null",
        json_url=str(request.url.include_query_params(f="json")),
        basemap=basemap.page_script(),
        downloads={} if single else {k: str(request.url.include_query_params(f=k))
                                     for k in EXPORTS})
    return HTMLResponse(html, headers={k: v for k, v in headers.items()
                                       if k != "Content-Crs"})


def _download(conn, layer: Layer, q: ItemsQuery, reader: Reader, kind: str) -> Response:
    """Every matching feature (paging ignored) written by GDAL in the format asked."""
    media, suffix = EXPORTS[kind]
    with tempfile.TemporaryDirectory(prefix="civgeo-export-") as tmp:
        path = Path(tmp) / f"{layer.id}{suffix}"
        export.write_rows(features.rows(conn, layer, q, reader), path,
                          columns={c: layer.props[c] for c in
                                   features.selected(layer, q.properties)},
                          geometry_type=layer.geometry, srid=q.crs)
        if kind == "shp":
            data = _zipped(path)
            name = f"{layer.id}.zip"
        else:
            data, name = path.read_bytes(), path.name
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _zipped(shp: Path) -> bytes:
    out = shp.with_suffix(".zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for part in sorted(shp.parent.glob(shp.stem + ".*")):
            if part != out:
                z.write(part, part.name)
    return out.read_bytes()


@router.get("/collections/{collection_id}/items/{feature_id}", summary="One feature",
            responses=also(200, GEOJSON, "text/html"))
def item(conn: PublicReadConn, request: Request, collection_id: str, feature_id: str,
         creds: Credentials, f: F = None,
         crs: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """A single GeoJSON Feature."""
    kind = _format(request, f)
    reader = _reader(request, conn, creds)
    layer = _layer(collection_id, reader)
    srid = features.crs_srid(crs)
    text = features.item(conn, layer, feature_id, srid, reader)
    base = _base(request)
    feature = json.loads(text)
    feature["links"] = [
        _link(f"{base}/collections/{layer.id}/items/{feature_id}", "self", GEOJSON),
        _link(f"{base}/collections/{layer.id}", "collection")]
    if kind == "html":
        page = features.Page(text, 1, 1, True)
        return _items_page(request, layer, page, ItemsQuery(crs=srid, limit=1), {},
                           single=True)
    return JSONResponse(feature, media_type=GEOJSON,
                        headers={"Content-Crs": f"<{features.crs_uri(srid)}>"})

