"""Published layers as features, for OGC API – Features (DESIGN §4) and the exports.

Each layer is declared once (``LAYERS``): the SQL it is drawn from, its one geometry type,
the properties it publishes (which are also its queryables, sortable and selectable), the
tables its change counter follows, and who may read it. Queries are composed from those
declarations with ``psycopg2.sql``; every value a client sends is a parameter.

Coordinates are stored in CGCS2000 (EPSG:4490). They go out in CRS84 (lon, lat; CGCS2000
and WGS 84 agree to a few centimetres) unless a CRS is asked for: EPSG:4490 and EPSG:4326 in
their own lat, lon order, or a CGCS2000 Gauss–Krüger zone (northing, easting).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg2
from psycopg2 import sql

from geo import cql
from geo.cql import Queryable
from geo.db import fetch_all, fetch_one, transaction
from geo.errors import Forbidden, InvalidInput, NotFound

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 1_000
EXACT_BELOW = 50_000   # numberMatched is counted exactly when the planner expects fewer rows
OSM = "© OpenStreetMap contributors, ODbL"

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
# CGCS2000 3-degree Gauss–Krüger zones: central-meridian form and zone-number form.
GK_CM = range(4534, 4555)
GK_ZONE = range(4513, 4534)


def crs_uri(srid: int | None) -> str:
    """The URI of a CRS (None → CRS84).

    >>> crs_uri(None), crs_uri(4490)
    ('http://www.opengis.net/def/crs/OGC/1.3/CRS84', 'http://www.opengis.net/def/crs/EPSG/0/4490')
    """
    return CRS84 if srid is None else f"{EPSG}{srid}"


def crs_srid(uri: str | None, field_name: str = "crs") -> int | None:
    """The EPSG code a CRS URI names (None for CRS84), or InvalidInput.

    >>> crs_srid("http://www.opengis.net/def/crs/EPSG/0/4547"), crs_srid("EPSG:4490")
    (4547, 4490)
    """
    if uri is None or uri.strip() in (CRS84, "CRS84", "OGC:CRS84", "[OGC:CRS84]"):
        return None
    text = uri.strip().strip("[]")
    code = text.rsplit("/", 1)[-1] if text.startswith(EPSG) else \
        text[5:] if text.upper().startswith("EPSG:") else ""
    if code.isdigit() and (int(code) in (4490, 4326, 3857) or int(code) in GK_CM
                           or int(code) in GK_ZONE):
        return int(code)
    raise InvalidInput(f"{field_name}: {uri!r} is not offered; use CRS84, EPSG:4490 "
                       "(CGCS2000), EPSG:4326 or a CGCS2000 3-degree Gauss-Kruger zone "
                       "(EPSG:4534-4554)", field=field_name)


def north_first(srid: int | None) -> bool:
    """Whether a CRS lists northing/latitude first (EPSG:4490, 4326 and the GK zones)."""
    return srid is not None and srid != 3857


def gk_zones(bbox: list[float] | None) -> list[int]:
    """The central-meridian GK zones (EPSG:4534–4554) an extent lies in.

    >>> gk_zones([113.0, 27.8, 114.5, 30.8])
    [4547]
    """
    if not bbox:
        return []
    first, last = (round(lon / 3) for lon in (bbox[0], bbox[2]))
    return [4534 + z - 25 for z in range(first, last + 1) if 4534 + z - 25 in GK_CM]


@dataclass(frozen=True)
class Layer:
    """A published layer."""

    id: str
    title: str
    description: str
    geometry: str                     # the GeoJSON type of every feature
    source: str                       # FROM … (alias x), with its own WHERE if any
    key: str                          # the feature id
    props: dict[str, Queryable]
    tables: tuple[str, ...]           # whose change counters make the ETag
    geom: str = "x.geom"
    numeric_key: bool = True
    roles: tuple[str, ...] = ()       # who reads it when it is not public; () = public
    temporal: str | None = None       # the property ``datetime`` filters on
    filters: dict[str, str] = field(default_factory=dict)   # simple query parameters
    attribution: str = ""

    @property
    def public(self) -> bool:
        return not self.roles


def _q(sql_: str, type_: str = "string", fmt: str | None = None) -> Queryable:
    return Queryable(sql_, type_, fmt)


_STR, _INT, _NUM, _BOOL = "string", "integer", "number", "boolean"
_NAME_PROPS = {
    "name": _q("x.name"), "roman": _q("x.roman"), "proper": _q("x.proper"),
    "generic": _q("x.generic"), "category_code": _q("x.category_code"),
    "category_name": _q("c.name"), "division_code": _q("x.division_code"),
    "status": _q("x.status"), "approved_by": _q("x.approved_by"),
    "approved_on": _q("x.approved_on", _STR, "date"), "document_no": _q("x.document_no"),
    "source": _q("x.source")}
_NAME_FILTERS = {"category": "x.category_code LIKE %(category)s || '%%'",
                 "under": "x.division_code LIKE civgeo_division_prefix(%(under)s) || '%%'"}


def _names(suffix: str, geometry: str, dimension: int, what: str) -> Layer:
    return Layer(
        f"names_{suffix}", f"标准地名（{what}） Standard place names, {suffix}",
        f"Current standard names drawn as {suffix} ({geometry}), with their romanization, "
        "category and approval; names without a location are left out.",
        geometry,
        "place_names x JOIN place_categories c ON c.code = x.category_code "
        f"WHERE x.status = 'standard' AND x.geom IS NOT NULL "
        f"AND ST_Dimension(x.geom) = {dimension}",
        "x.id", _NAME_PROPS, ("place_names", "place_categories"), geom="ST_Multi(x.geom)",
        temporal="approved_on", filters=_NAME_FILTERS)


_DOOR_ADDRESS = """(SELECT string_agg(n, '' ORDER BY c) FROM (
    SELECT DISTINCT ON (d.level)
           array_position(ARRAY['province', 'prefecture', 'county', 'township',
                                'community'], d.level) AS c,
           CASE WHEN d.level = 'community' THEN d.short_name ELSE d.name END AS n
    FROM current_divisions d
    WHERE d.geom && x.geom AND ST_Intersects(d.geom, x.geom)
    ORDER BY d.level, length(d.code)) s) || r.name
    || coalesce(civgeo_house_number(x.number, x.sub), '')"""

LAYERS: dict[str, Layer] = {layer.id: layer for layer in [
    Layer("divisions", "行政区划 Administrative divisions",
          "Current divisions, province to community, with 2020 population. Check `source`: "
          "township and community areas and community populations of the sample data are "
          "synthetic.", "MultiPolygon",
          "current_divisions x LEFT JOIN population p "
          "ON p.division_code = x.code AND p.year = 2020 WHERE x.geom IS NOT NULL",
          "x.code", {
              "code": _q("x.code"), "name": _q("x.name"), "short_name": _q("x.short_name"),
              "level": _q("x.level"), "kind": _q("x.kind"), "parent_code": _q("x.parent_code"),
              "source": _q("x.source"), "name_source": _q("x.name_source"),
              "population": _q("p.total", _INT), "aged_60_plus": _q("p.aged_60_plus", _INT),
              "population_source": _q("p.source")},
          ("divisions", "population"), numeric_key=False,
          filters={"level": "x.level = %(level)s",
                   "under": "x.code LIKE civgeo_division_prefix(%(under)s) || '%%'"}),
    _names("points", "MultiPoint", 0, "点"),
    _names("lines", "MultiLineString", 1, "线"),
    _names("areas", "MultiPolygon", 2, "面"),
    Layer("network_edges", "步行路网 Street network edges",
          "pgRouting-ready street network; lengths in metres.", "LineString",
          "network_edges x JOIN networks n ON n.id = x.network_id", "x.id", {
              "network": _q("n.name"), "source_node": _q("x.source", _INT),
              "target_node": _q("x.target", _INT), "highway": _q("x.highway"),
              "name": _q("x.name"), "length_m": _q("round(x.length_m::numeric, 2)", _NUM),
              "walk": _q("x.walk", _BOOL)},
          ("network_edges", "networks"), attribution=OSM),
    Layer("facilities", "民政设施 Civil-affairs facilities",
          "Elder-care, funeral and relief sites with capacity and status.", "Point",
          "facilities x JOIN facility_types t ON t.code = x.type", "x.id", {
              "type": _q("x.type"), "type_name": _q("t.name"), "kind": _q("t.kind"),
              "name": _q("x.name"), "division_code": _q("x.division_code"),
              "address": _q("x.address"), "operator": _q("x.operator"),
              "ownership": _q("x.ownership"), "status": _q("x.status"),
              "opened": _q("x.opened", _STR, "date"), "beds": _q("x.beds", _INT),
              "nursing_beds": _q("x.nursing_beds", _INT), "places": _q("x.places", _INT),
              "area_m2": _q("x.area_m2", _NUM), "meals_per_day": _q("x.meals_per_day", _INT),
              "plots_total": _q("x.plots_total", _INT), "plots_used": _q("x.plots_used", _INT),
              "source": _q("x.source")},
          ("facilities", "facility_types"), temporal="opened",
          filters={"under": "x.division_code LIKE civgeo_division_prefix(%(under)s) || '%%'"}),
    Layer("boundary_lines", "行政区域界线 Boundary lines",
          "Boundary lines between neighbouring divisions, with their agreements.",
          "MultiLineString",
          "boundary_lines x LEFT JOIN current_divisions l ON l.code = x.left_code "
          "LEFT JOIN current_divisions r ON r.code = x.right_code", "x.id", {
              "number": _q("x.number"), "name": _q("x.name"), "level": _q("x.level"),
              "left_code": _q("x.left_code"), "left_name": _q("l.name"),
              "right_code": _q("x.right_code"), "right_name": _q("r.name"),
              "agreement": _q("x.agreement"), "length_m": _q("round(x.length_m::numeric)", _NUM),
              "source": _q("x.source")},
          ("boundary_lines", "divisions")),
    Layer("boundary_markers", "界桩 Boundary markers",
          "Registered boundary markers with their type and last condition; for inspectors "
          "(the lines of their teams), planners and admins.", "Point",
          "boundary_markers x JOIN boundary_lines l ON l.id = x.line_id "
          "WHERE (%(lines)s::bigint[] IS NULL OR x.line_id = ANY(%(lines)s::bigint[]))",
          "x.id", {
              "marker_no": _q("x.marker_no"), "line_id": _q("x.line_id", _INT),
              "line_number": _q("l.number"), "line_name": _q("l.name"),
              "seq": _q("x.seq", _INT), "type": _q("x.type"), "form": _q("x.form"),
              "elevation_m": _q("x.elevation_m", _NUM),
              "custodian_code": _q("x.custodian_code"), "condition": _q("x.condition"),
              "registered_on": _q("x.registered_on", _STR, "date"),
              "source_datum": _q("x.source_datum"), "source": _q("x.source")},
          ("boundary_markers", "boundary_lines"), roles=("inspector", "planner", "admin"),
          temporal="registered_on"),
    Layer("roads", "道路 Roads (for house numbering)",
          "Named roads and lanes that doors are numbered along, with their standard name.",
          "MultiLineString",
          "roads x LEFT JOIN place_names n ON n.id = x.name_id", "x.id", {
              "name": _q("x.name"), "roman": _q("n.roman"), "name_id": _q("x.name_id", _INT),
              "division_code": _q("x.division_code"), "kind": _q("x.kind"),
              "length_m": _q("round(x.length_m::numeric, 1)", _NUM), "status": _q("x.status"),
              "source": _q("x.source")},
          ("roads", "place_names"),
          filters={"under": "x.division_code LIKE civgeo_division_prefix(%(under)s) || '%%'"}),
    Layer("addresses", "门牌地址 Door addresses",
          "Current doors with their standard address (division, road, number).", "Point",
          "entrances x JOIN roads r ON r.id = x.road_id WHERE x.status = 'current'",
          "x.id", {
              "address": _q(_DOOR_ADDRESS), "road": _q("r.name"),
              "road_id": _q("x.road_id", _INT), "number": _q("x.number", _INT),
              "sub": _q("x.sub", _INT),
              "number_label": _q("civgeo_house_number(x.number, x.sub)"),
              "place": _q("x.name"), "division_code": _q("r.division_code"),
              "source": _q("x.source")},
          ("entrances", "roads", "divisions")),
    Layer("plates", "门牌 House-number plates",
          "Physical plates with their lifecycle status; for plates officers.", "Point",
          "plates x JOIN entrances e ON e.id = x.entrance_id JOIN roads r ON r.id = e.road_id",
          "x.id", {
              "kind": _q("x.kind"), "size": _q("x.size"), "status": _q("x.status"),
              "entrance_id": _q("x.entrance_id", _INT), "road": _q("r.name"),
              "number_label": _q("civgeo_house_number(e.number, e.sub)"),
              "unit": _q("x.unit", _INT), "printed_address": _q("x.printed_address"),
              "installed_on": _q("x.installed_on", _STR, "date"),
              "updated_at": _q("x.updated_at", _STR, "date-time")},
          ("plates", "entrances", "roads"), geom="coalesce(x.installed_geom, e.geom)",
          roles=("plates_officer", "admin"), temporal="installed_on"),
    Layer("signs", "地名标志 Place-name signs",
          "Street, village and compound signs (GB 17733): the text printed on each, the "
          "standard name it is linked to and its lifecycle status; for names officers.",
          "Point",
          "plates x JOIN place_names n ON n.id = x.name_id "
          "LEFT JOIN roads r ON r.id = x.road_id",
          "x.id", {
              "kind": _q("x.kind"), "size": _q("x.size"), "status": _q("x.status"),
              "printed_name": _q("x.printed_name"), "printed_roman": _q("x.printed_roman"),
              "name_id": _q("x.name_id", _INT), "linked_name": _q("n.name"),
              "linked_roman": _q("n.roman"), "linked_status": _q("n.status"),
              "road_id": _q("x.road_id", _INT), "road": _q("r.name"),
              "division_code": _q("n.division_code"),
              "installed_on": _q("x.installed_on", _STR, "date"),
              "updated_at": _q("x.updated_at", _STR, "date-time"), "source": _q("x.source")},
          ("plates", "place_names", "roads"), geom="coalesce(x.installed_geom, x.geom)",
          roles=("names_officer", "admin"), temporal="installed_on",
          filters={"under": "n.division_code LIKE civgeo_division_prefix(%(under)s) || '%%'"}),
    Layer("patrol_tracks", "巡线轨迹 Patrol tracks",
          "Cleaned GPS tracks of boundary patrols, one line per recorded segment (no line "
          "across a gap), no members' names; for inspectors (the lines of their teams) and "
          "admins.", "MultiLineString",
          "patrols x JOIN inspections i ON i.id = x.inspection_id "
          "WHERE x.track IS NOT NULL "
          "AND (%(lines)s::bigint[] IS NULL OR i.line_id = ANY(%(lines)s::bigint[]))",
          "x.id", {
              "inspection_id": _q("x.inspection_id", _INT), "line_id": _q("i.line_id", _INT),
              "year": _q("i.year", _INT), "side_code": _q("x.side_code"),
              "team_id": _q("x.team_id", _INT),
              "started_at": _q("x.started_at", _STR, "date-time"),
              "ended_at": _q("x.ended_at", _STR, "date-time"),
              "length_m": _q("round(x.length_m::numeric)", _NUM),
              "points": _q("x.track_points", _INT),
              "gaps": _q("jsonb_array_length(x.gaps)", _INT)},
          ("patrols",), geom="ST_Force2D(civgeo_track_segments(x.track, x.track_breaks))",
          roles=("inspector", "admin"),
          temporal="started_at"),
]}
LINE_SCOPED = {"boundary_markers", "patrol_tracks"}   # inspectors see their teams' lines


@dataclass(frozen=True)
class Reader:
    """Who reads: their role (None for the public), the lines an inspector works on
    (None = every line), and whether facilities are public here."""

    role: str | None = None
    lines: tuple[int, ...] | None = None
    facilities_public: bool = True

    def may_read(self, layer: Layer) -> bool:
        if layer.id == "facilities" and not self.facilities_public:
            return self.role in ("planner", "admin")
        return layer.public or self.role in layer.roles


def readable(reader: Reader) -> list[Layer]:
    """The layers a reader may list."""
    return [layer for layer in LAYERS.values() if reader.may_read(layer)]


def get_layer(layer_id: str, reader: Reader | None = None) -> Layer:
    """A layer the reader may read; NotFound for an unknown one, Forbidden otherwise."""
    layer = LAYERS.get(layer_id)
    if layer is None:
        raise NotFound(f"no collection {layer_id!r}; see /ogc/collections",
                       field="collectionId")
    if reader is not None and not reader.may_read(layer):
        raise Forbidden(f"the collection {layer_id} needs a token of "
                        f"{' or '.join(layer.roles or ('planner', 'admin'))}",
                        field="collectionId")
    return layer


# ---- change counters, for ETag / Last-Modified and caches -------------------------------

@dataclass(frozen=True)
class Version:
    """The state of a layer's tables: a tag that changes with any committed write."""

    tag: str
    changed_at: dt.datetime | None


def version(conn, layer: Layer) -> Version:
    """The layer's version from ``layer_changes`` (one index lookup per table)."""
    rows = fetch_all(conn, "SELECT table_name, version, changed_at FROM layer_changes "
                           "WHERE table_name = ANY(%s) ORDER BY table_name",
                     (list(layer.tables),))
    raw = ";".join(f"{r['table_name']}:{r['version']}:{r['changed_at'].timestamp()}"
                   for r in rows)
    return Version(hashlib.sha256(raw.encode()).hexdigest()[:20],
                   max((r["changed_at"] for r in rows), default=None))


# ---- queries ----------------------------------------------------------------------------

@dataclass
class Query:
    """What a client asked of a layer's items."""

    bbox: list[float] | None = None
    bbox_srid: int | None = None
    crs: int | None = None
    filter: str | None = None
    filter_lang: str = "cql2-text"
    filter_srid: int | None = None
    datetime: str | None = None
    sortby: str | None = None
    properties: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    exact_count: bool = False
    after: str | None = None          # keyset paging: the last id of the previous page
    item_id: str | None = None
    simple: dict[str, str | None] = field(default_factory=dict)
    equals: dict[str, str] = field(default_factory=dict)   # queryable=value parameters


@dataclass(frozen=True)
class Page:
    """One page: the features as GeoJSON text (a comma-joined list), how many, and how
    many match in all (exact or the planner's estimate)."""

    features: str
    returned: int
    matched: int
    exact: bool
    last: Any = None                  # the last id on the page, for keyset paging


def _parts(layer: Layer, q: Query, reader: Reader) -> tuple[sql.Composable, dict]:
    """FROM … WHERE … of a query, and its parameters."""
    params: dict[str, Any] = {"lines": list(reader.lines) if reader.lines is not None
                              and layer.id in LINE_SCOPED else None}
    conds: list[sql.Composable] = []
    if q.bbox is not None:
        conds.append(_bbox(layer, q.bbox, q.bbox_srid))
        params.update(zip(("bx0", "by0", "bx1", "by1"), q.bbox, strict=True))
    unknown = sorted(k for k, v in q.simple.items() if v is not None and k not in layer.filters)
    if unknown:
        raise InvalidInput(f"{layer.id} cannot be filtered by {unknown[0]}", field=unknown[0])
    for name, cond in layer.filters.items():
        if q.simple.get(name) is not None:
            conds.append(sql.SQL(cond))
            params[name] = q.simple[name]
    for i, (name, value) in enumerate(sorted(q.equals.items())):
        conds.append(sql.SQL(f"{layer.props[name].sql} = %(eq{i})s"))
        params[f"eq{i}"] = _typed(layer.props[name], name, value)
    if q.filter:
        tree = cql.parse(q.filter, q.filter_lang)
        found = cql.to_sql(tree, layer.props, layer.geom, srid=q.filter_srid or 4490,
                           north_first=north_first(q.filter_srid)
                           if q.filter_srid else False, layer=layer.id)
        conds.append(found.where)
        params.update(found.params)
    if q.datetime:
        conds.append(_datetime(layer, q.datetime, params))
    if q.after is not None:
        if q.sortby:
            raise InvalidInput("after pages in id order; leave out sortby or use offset",
                               field="after")
        conds.append(sql.SQL(f"{layer.key} > %(after)s"))
        params["after"] = _key(layer, q.after, "after")
    if q.item_id is not None:
        conds.append(sql.SQL(f"{layer.key} = %(item_id)s"))
        params["item_id"] = _key(layer, q.item_id, "featureId")
    source = sql.SQL(layer.source)
    if conds:
        glue = sql.SQL(" AND " if " WHERE " in layer.source else " WHERE ")
        source = sql.Composed([source, glue, sql.SQL(" AND ").join(conds)])
    return source, params


def _typed(prop: Queryable, name: str, value: str) -> Any:
    """A ``property=value`` parameter as its property's type, or InvalidInput naming it.

    >>> _typed(Queryable("x.walk", "boolean"), "walk", "1")
    True
    >>> _typed(Queryable("x.beds", "integer"), "beds", "7")
    7
    """
    try:
        if prop.type == "integer":
            return int(value)
        if prop.type == "number":
            return float(value)
        if prop.type == "boolean":
            return {"true": True, "1": True, "false": False, "0": False}[value.lower()]
        if prop.format == "date":
            return dt.date.fromisoformat(value)
        if prop.format == "date-time":
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, KeyError):
        raise InvalidInput(f"{name}: {value!r} is not of type {prop.format or prop.type}",
                           field=name) from None
    return value


def _key(layer: Layer, value: str, name: str) -> int | str:
    if not layer.numeric_key:
        return value
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise InvalidInput(f"{name} must be a feature id of {layer.id}", field=name)
    return int(value)


def _bbox(layer: Layer, bbox: list[float], srid: int | None) -> sql.Composable:
    """The geometry (not only its box) meets the bbox, given in ``srid``'s axis order."""
    if len(bbox) != 4:
        raise InvalidInput("bbox takes 4 numbers: minLon,minLat,maxLon,maxLat", field="bbox")
    x0, y0, x1, y1 = ("by0", "bx0", "by1", "bx1") if north_first(srid) else \
        ("bx0", "by0", "bx1", "by1")
    if bbox[0] > bbox[2] or bbox[1] > bbox[3]:
        raise InvalidInput("bbox: the lower corner must come first (min before max)",
                           field="bbox")
    box_srid = 4490 if srid in (None, 4326) else srid   # WGS 84 and CGCS2000: same numbers
    env = f"ST_MakeEnvelope(%({x0})s, %({y0})s, %({x1})s, %({y1})s, {box_srid})"
    if srid not in (None, 4490, 4326):
        env = f"ST_Transform({env}, 4490)"
    return sql.SQL(f"ST_Intersects({layer.geom}, {env})")


def _datetime(layer: Layer, text: str, params: dict) -> sql.Composable:
    """OGC ``datetime``: an instant or an interval with ``..`` for an open end."""
    if layer.temporal is None:
        raise InvalidInput(f"{layer.id} has no dates to filter by", field="datetime")
    col = layer.props[layer.temporal].sql
    lo, sep, hi = text.partition("/")
    try:
        ends = [None if v in ("", "..") else dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
                for v in ((lo, hi) if sep else (lo, lo))]
    except ValueError:
        raise InvalidInput("datetime: an RFC 3339 date or time, or an interval a/b with .. "
                           "for an open end", field="datetime") from None
    params["dt0"], params["dt1"] = ends
    return sql.SQL(f"(%(dt0)s::timestamptz IS NULL OR {col} >= %(dt0)s::timestamptz) AND "
                   f"(%(dt1)s::timestamptz IS NULL OR {col} <= %(dt1)s::timestamptz)")


def _order(layer: Layer, sortby: str | None) -> sql.Composable:
    if not sortby:
        return sql.SQL(layer.key)
    keys = []
    for item in sortby.split(","):
        item = item.strip()
        desc = item.startswith("-")
        name = item.lstrip("+-").strip()
        if name == "id":
            expr = layer.key
        elif name in layer.props:
            expr = layer.props[name].sql
        else:
            raise InvalidInput(f"sortby: {layer.id} has no property {name!r}", field="sortby")
        keys.append(f"{expr} {'DESC' if desc else 'ASC'} NULLS LAST")
    return sql.SQL(", ".join([*keys, layer.key]))


def selected(layer: Layer, properties: str | None) -> list[str]:
    """The properties to return: all, or those listed (``properties=a,b``)."""
    if properties is None:
        return list(layer.props)
    names = [p.strip() for p in properties.split(",") if p.strip()]
    for name in names:
        if name not in layer.props:
            raise InvalidInput(f"properties: {layer.id} has no property {name!r}",
                               field="properties")
    return names


def _geometry_sql(layer: Layer, srid: int | None) -> str:
    g = layer.geom if srid in (None, 4490, 4326) else f"ST_Transform({layer.geom}, {srid})"
    if north_first(srid):
        g = f"ST_FlipCoordinates({g})"
    return f"ST_AsGeoJSON({g}, {7 if srid in (None, 4490, 4326) else 2}, 0)"


def _feature_sql(layer: Layer, q: Query) -> sql.Composable:
    """A feature as GeoJSON text, built in the database."""
    names = selected(layer, q.properties)
    pairs = ", ".join(f"'{n}', {layer.props[n].sql}" for n in names)
    props = f"json_build_object({pairs})" if names else "'{}'::json"
    return sql.SQL(
        f"""'{{"type":"Feature","id":' || to_json({layer.key})::text || """
        f"""',"geometry":' || coalesce({_geometry_sql(layer, q.crs)}, 'null') || """
        f"""',"properties":' || {props}::text || '}}'""")


def items(conn, layer: Layer, q: Query, reader: Reader = Reader(),
          seen: Version | None = None) -> Page:
    """A page of a layer's features, with numberMatched (``seen``: the layer's version, when
    the caller has just read it)."""
    if not 1 <= q.limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be from 1 to {MAX_LIMIT}", field="limit")
    source, params = _parts(layer, q, reader)
    # The page's ids first (index order, no JSON for the rows skipped), then a feature
    # built for each of them alone.
    glue = " AND " if " WHERE " in layer.source else " WHERE "
    query = sql.SQL(
        "WITH page AS MATERIALIZED (SELECT {key} AS k, row_number() OVER (ORDER BY {order}) "
        "AS r FROM {source} ORDER BY {order} LIMIT %(limit)s OFFSET %(skip)s) "
        "SELECT coalesce(string_agg(f, ',' ORDER BY r), '') AS features, count(*) AS n, "
        "max(k) AS last FROM page, LATERAL (SELECT {feature} AS f FROM {base}{glue}"
        "{key} = page.k) one").format(
        feature=_feature_sql(layer, q), key=sql.SQL(layer.key), source=source,
        order=_order(layer, q.sortby), base=sql.SQL(layer.source), glue=sql.SQL(glue))
    skip = 0 if q.after is not None else q.offset
    try:
        row = fetch_one(conn, query, {**params, "limit": q.limit, "skip": skip})
    except psycopg2.errors.DataError as exc:      # a date or number PostgreSQL cannot read
        conn.rollback()
        reason = str(exc).splitlines()[0]
        raise InvalidInput(f"filter: {reason}", field="filter" if q.filter else "datetime"
                           ) from None
    returned = row["n"]
    # a short page ends the layer: what came before it and on it is all there is (with
    # ``after``, only when the offset came with it, as in the next links)
    if q.after is None and (returned and returned < q.limit or (q.offset == 0 and not returned)):
        return Page(row["features"], returned, q.offset + returned, True, row["last"])
    matched, exact = _matched(conn, layer, q, reader, seen or version(conn, layer))
    return Page(row["features"], returned, matched, exact, row["last"])


_MATCHED: dict[tuple, tuple[int, bool]] = {}


def _matched(conn, layer: Layer, q: Query, reader: Reader,
             seen: Version) -> tuple[int, bool]:
    """How many rows match, remembered for the pages of one query on one version of the
    data (a client paging through a layer asks once)."""
    key = (layer.id, seen.tag, q.bbox and tuple(q.bbox), q.bbox_srid,
           q.filter, q.filter_lang, q.filter_srid, q.datetime, q.exact_count,
           tuple(sorted((k, v) for k, v in q.simple.items() if v is not None)),
           tuple(sorted(q.equals.items())),
           reader.lines if layer.id in LINE_SCOPED else None)
    if key not in _MATCHED:
        if len(_MATCHED) > 1024:
            _MATCHED.clear()
        source, params = _parts(layer, replace(q, after=None, item_id=None), reader)
        _MATCHED[key] = _count(conn, source, params, q.exact_count)
    return _MATCHED[key]


def _count(conn, source: sql.Composable, params: dict, exact: bool) -> tuple[int, bool]:
    """How many rows match: the planner's estimate, counted when small or asked for."""
    count = sql.SQL("SELECT 1 FROM {}").format(source)
    if not exact:
        plan = fetch_one(conn, sql.SQL("EXPLAIN (FORMAT JSON) {}").format(count), params)
        estimate = int(plan["QUERY PLAN"][0]["Plan"]["Plan Rows"])
        if estimate >= EXACT_BELOW:
            return estimate, False
    total = fetch_one(conn, sql.SQL("SELECT count(*) AS n FROM ({}) c").format(count), params)
    return total["n"], True


def item(conn, layer: Layer, item_id: str, crs: int | None = None,
         reader: Reader = Reader()) -> str:
    """One feature as GeoJSON text; NotFound when there is none."""
    numeric = item_id.isascii() and item_id.isdigit() and len(item_id) <= 18
    if layer.numeric_key and not numeric:
        raise NotFound(f"no feature {item_id!r} in {layer.id}", field="featureId")
    page = items(conn, layer, Query(item_id=item_id, crs=crs, limit=1), reader)
    if not page.returned:
        raise NotFound(f"no feature {item_id!r} in {layer.id}", field="featureId")
    return page.features


def extent(conn, layer: Layer, reader: Reader = Reader()) -> list[float] | None:
    """Bounding box [minx, miny, maxx, maxy] (CRS84) of a layer, or None when empty."""
    source, params = _parts(layer, Query(), reader)
    row = fetch_one(conn, sql.SQL(
        "SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1 "
        "FROM (SELECT ST_Extent({geom}) AS e FROM {source}) s").format(
        geom=sql.SQL(layer.geom), source=source), params)
    return None if row["x0"] is None else [round(row[k], 7) for k in ("x0", "y0", "x1", "y1")]


def rows(conn, layer: Layer, q: Query, reader: Reader = Reader()) -> Iterator[dict]:
    """Every matching feature as a row (``geom`` as WKB in CGCS2000, and the selected
    properties), in id order, for exports; read in batches on a server-side cursor."""
    source, params = _parts(layer, q, reader)
    names = selected(layer, q.properties)
    geom = layer.geom if q.crs in (None, 4490, 4326) else f"ST_Transform({layer.geom}, {q.crs})"
    cols = ", ".join([f"ST_AsBinary({geom}) AS geom",
                      *(f"{layer.props[n].sql} AS \"{n}\"" for n in names)])
    query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        sql.SQL(cols), source, _order(layer, q.sortby))
    # A server-side cursor lives in a transaction (the API's connections are in autocommit).
    with transaction(conn), conn.cursor(name="civgeo_export") as cur:
        cur.execute(query, params)
        while batch := cur.fetchmany(5_000):
            names_out = [d[0] for d in cur.description]
            for r in batch:
                yield dict(zip(names_out, r, strict=True))


def feature_schema(layer: Layer) -> dict:
    """JSON Schema of one feature of a layer (its properties with their types), which GDAL
    reads to give fields stable types whatever the first page holds."""
    props = {name: {"type": q.type, **({"format": q.format} if q.format else {})}
             for name, q in layer.props.items()}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "title": layer.title, "required": ["type", "geometry", "properties"],
            "properties": {"type": {"type": "string", "enum": ["Feature"]},
                           "id": {"type": "integer" if layer.numeric_key else "string"},
                           "geometry": {"$ref": _GEOMETRY_SCHEMA[layer.geometry]},
                           "properties": {"type": "object", "properties": props}}}


def queryables(layer: Layer) -> dict[str, dict]:
    """JSON Schema of a layer's queryable properties."""
    out: dict[str, dict] = {"geometry": {"$ref": _GEOMETRY_SCHEMA[layer.geometry]}}
    for name, q in layer.props.items():
        out[name] = {"type": q.type, **({"format": q.format} if q.format else {})}
    return out


_GEOMETRY_SCHEMA = {t: f"https://geojson.org/schema/{t}.json" for t in (
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon")}
