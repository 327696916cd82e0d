"""CQL2 filters (OGC API – Features Part 3) as parameterised SQL.

The text or JSON a client sends is read by ``cql2`` (Python bindings of cql2-rs, the
reference parser) into CQL2-JSON; this module walks that tree over the properties a layer
publishes as queryables and builds a ``psycopg2.sql.Composed`` in which every value the
client gave is a named parameter. Nothing the client writes is pasted into SQL: property
names are looked up, never quoted through.

Supported: comparisons, ``AND``/``OR``/``NOT``, ``LIKE``, ``IN``, ``BETWEEN``, ``IS NULL``,
``CASEI``, the spatial ``S_*`` predicates with a WKT/GeoJSON geometry or a ``BBOX``, and
``T_AFTER``/``T_BEFORE``/``T_DURING``/``T_EQUALS``/``T_INTERSECTS`` on a date property.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from psycopg2 import sql

from geo.errors import InvalidInput

FIELD = "filter"
_ILIKE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s+ILIKE\s+('(?:[^']|'')*')", re.IGNORECASE)
_COMPARE = {"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_SPATIAL = {"s_intersects": "ST_Intersects", "s_within": "ST_Within",
            "s_contains": "ST_Contains", "s_disjoint": "ST_Disjoint",
            "s_equals": "ST_Equals", "s_touches": "ST_Touches", "s_overlaps": "ST_Overlaps",
            "s_crosses": "ST_Crosses"}
_TEMPORAL = {"t_after", "t_before", "t_during", "t_equals", "t_intersects"}
_TYPES = {"string": (str,), "integer": (int, float), "number": (int, float),
          "boolean": (bool,)}


@dataclass(frozen=True)
class Queryable:
    """A property a filter may name: its SQL expression and JSON Schema type/format."""

    sql: str
    type: str = "string"
    format: str | None = None       # 'date' or 'date-time' for temporal properties


@dataclass
class Filter:
    """A filter's SQL and the parameters it uses."""

    where: sql.Composable
    params: dict[str, Any] = field(default_factory=dict)


def parse(text: str, lang: str = "cql2-text") -> dict:
    """CQL2 text or JSON → CQL2-JSON, or InvalidInput pointing at the character.

    >>> parse("name = 'a' AND beds > 10")["op"]
    'and'
    >>> parse("name = = 'a'")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: filter: cannot read the CQL2 at character 8 (expected a value)
    """
    import cql2

    if lang == "cql-text":       # the draft GDAL 3.6 writes: ILIKE for a case-blind LIKE
        text = _ILIKE.sub(r"CASEI(\1) LIKE CASEI(\2)", text)
    try:
        expr = cql2.parse_json(text) if lang == "cql2-json" else cql2.parse_text(text)
        return expr.to_json()
    except (cql2.ParseError, cql2.ValidationError, ValueError) as exc:
        raise InvalidInput(_explain(str(exc)), field=FIELD) from None


def _explain(message: str) -> str:
    where = re.search(r"-->\s*(\d+):(\d+)", message)
    if not where:
        return f"filter: not CQL2: {message.splitlines()[0][:200]}"
    return f"filter: cannot read the CQL2 at character {where.group(2)} (expected a value)" \
        if "expected" in message and ("Identifier" in message or "DECIMAL" in message) else \
        f"filter: cannot read the CQL2 at character {where.group(2)}"


def to_sql(tree: dict, queryables: dict[str, Queryable], geometry: str, *,
           srid: int = 4490, north_first: bool = False, layer: str = "") -> Filter:
    """The WHERE clause of a CQL2-JSON tree over ``queryables`` and the ``geometry``
    expression; geometry literals are in ``srid`` (lat/lon order when ``north_first``).

    >>> f = to_sql(parse("beds >= 50 AND name LIKE '荷塘%'"),
    ...            {"beds": Queryable("x.beds", "integer"), "name": Queryable("x.name")}, "x.geom")
    >>> sorted(f.params.items())
    [('q0', 50.0), ('q1', '荷塘%')]
    """
    walker = _Walker(queryables, geometry, srid, north_first, layer)
    try:
        return Filter(walker.node(tree), walker.params)
    except (KeyError, TypeError, IndexError, ValueError, AttributeError):
        raise InvalidInput("filter: this CQL2 is not a well-formed condition",
                           field=FIELD) from None


class _Walker:
    def __init__(self, queryables, geometry, srid, north_first, layer) -> None:
        self.queryables, self.geometry = queryables, geometry
        self.srid, self.north_first, self.layer = srid, north_first, layer
        self.params: dict[str, Any] = {}

    def value(self, v: Any, cast: str = "") -> sql.Composable:
        name = f"q{len(self.params)}"
        self.params[name] = v
        return sql.SQL("{}{}").format(sql.Placeholder(name), sql.SQL(cast))

    def node(self, n: Any) -> sql.Composable:
        if isinstance(n, bool):
            return sql.SQL("TRUE" if n else "FALSE")
        if not isinstance(n, dict) or "op" not in n:
            raise InvalidInput("filter: a condition is expected here", field=FIELD)
        op, args = n["op"].lower(), n.get("args", [])
        if op in ("and", "or"):
            joined = sql.SQL(f" {op.upper()} ").join(self.node(a) for a in args)
            return sql.SQL("({})").format(joined)
        if op == "not":
            return sql.SQL("NOT ({})").format(self.node(args[0]))
        if op in _COMPARE:
            return self.compare(op, args)
        if op == "like":
            lhs = self.scalar(args[0])
            if self.kind(args[0]) not in (None, "string"):
                lhs = sql.SQL("({})::text").format(lhs)
            return sql.SQL("{} LIKE {}").format(lhs, self.scalar(args[1], "string"))
        if op == "between":
            lhs = self.scalar(args[0])
            kind = self.kind(args[0])
            return sql.SQL("{} BETWEEN {} AND {}").format(
                lhs, self.scalar(args[1], kind), self.scalar(args[2], kind))
        if op == "in":
            kind = self.kind(args[0])
            items = args[1] if isinstance(args[1], list) else [args[1]]
            for item in items:
                self.check(item, kind)
            cast = "::text[]" if kind == "string" else "::float8[]"
            return sql.SQL("{} = ANY({})").format(self.scalar(args[0]),
                                                  self.value(list(items), cast))
        if op == "isnull":
            return sql.SQL("{} IS NULL").format(self.scalar(args[0]))
        if op in _SPATIAL:
            return sql.SQL(f"{_SPATIAL[op]}({{}}, {{}})").format(
                self.spatial(args[0]), self.spatial(args[1]))
        if op in _TEMPORAL:
            return self.temporal(op, args)
        raise InvalidInput(f"filter: the operator {n['op']!r} is not supported here",
                           field=FIELD)

    def compare(self, op: str, args: list) -> sql.Composable:
        kind = self.kind(args[0]) or self.kind(args[1])
        return sql.SQL(f"{{}} {_COMPARE[op]} {{}}").format(
            self.scalar(args[0], kind), self.scalar(args[1], kind))

    def kind(self, a: Any) -> str | None:
        """The type of a property (or of the property inside CASEI), else None."""
        if isinstance(a, dict) and "property" in a:
            q = self.queryable(a["property"])
            return q.format or q.type
        if isinstance(a, dict) and a.get("op", "").lower() in ("casei", "accenti"):
            return "string"
        return None

    def queryable(self, name: str) -> Queryable:
        try:
            return self.queryables[name]
        except KeyError:
            raise InvalidInput(f"filter: {name!r} is not a queryable property of "
                               f"{self.layer or 'this collection'}; see its /queryables",
                               field=FIELD) from None

    def check(self, v: Any, kind: str | None) -> None:
        if kind is None or v is None:
            return
        ok = _TYPES.get(kind)
        if ok is None:      # date / date-time: a string or a date literal
            ok = (str, dict)
        if not isinstance(v, ok) or (kind in ("integer", "number") and isinstance(v, bool)):
            raise InvalidInput(f"filter: {v!r} cannot be compared with a property of type {kind}",
                               field=FIELD)

    def scalar(self, a: Any, kind: str | None = None) -> sql.Composable:
        if isinstance(a, dict) and "property" in a:
            return sql.SQL(self.queryable(a["property"]).sql)
        if isinstance(a, dict) and a.get("op", "").lower() in ("casei", "accenti"):
            inner = self.scalar(a["args"][0], "string")
            return sql.SQL("lower({})").format(inner) if a["op"].lower() == "casei" else inner
        if isinstance(a, dict) and ("date" in a or "timestamp" in a):
            return self.instant(a)
        if isinstance(a, dict | list):
            raise InvalidInput("filter: a property or a value is expected here", field=FIELD)
        if kind == "boolean" and not isinstance(a, bool) and a in (0, 1):
            a = bool(a)          # GDAL keeps booleans as integers: walk = 1
        self.check(a, kind)
        if kind in ("date", "date-time") and isinstance(a, str):
            return self.value(a.rstrip("T"), "::date" if kind == "date" else "::timestamptz")
        if a is None:
            return sql.SQL("NULL")
        return self.value(a)

    def instant(self, a: dict) -> sql.Composable:
        if "date" in a:
            return self.value(a["date"], "::date")
        return self.value(a["timestamp"], "::timestamptz")

    def spatial(self, a: Any) -> sql.Composable:
        if isinstance(a, dict) and "property" in a:
            if a["property"] not in ("geometry", "geom"):
                raise InvalidInput(f"filter: {a['property']!r} is not a geometry; "
                                   "use 'geometry'", field=FIELD)
            return sql.SQL(self.geometry)
        if isinstance(a, dict) and "bbox" in a:
            box = a["bbox"]
            if len(box) != 4:
                raise InvalidInput("filter: a BBOX takes 4 numbers", field=FIELD)
            shape = {"type": "Polygon", "coordinates": [[
                [box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]],
                [box[0], box[1]]]]}
            return self.shape(shape)
        if isinstance(a, dict) and "type" in a:
            return self.shape(a)
        raise InvalidInput("filter: a spatial predicate takes the geometry and a WKT or "
                           "GeoJSON geometry", field=FIELD)

    def shape(self, geojson: dict) -> sql.Composable:
        import json

        import shapely
        from shapely.geometry import shape

        try:
            geom = shape(geojson)
        except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
            raise InvalidInput("filter: the geometry cannot be read", field=FIELD) from None
        if not geom.is_valid:
            raise InvalidInput(f"filter: the geometry is not valid ("
                               f"{shapely.is_valid_reason(geom)})", field=FIELD)

        g = sql.SQL("ST_SetSRID(ST_GeomFromGeoJSON({}), {})").format(
            self.value(json.dumps(geojson)), sql.Literal(self.srid))
        if self.north_first:
            g = sql.SQL("ST_FlipCoordinates({})").format(g)
        if self.srid != 4490:
            g = sql.SQL("ST_Transform({}, 4490)").format(g)
        return g

    def temporal(self, op: str, args: list) -> sql.Composable:
        prop = args[0]
        if self.kind(prop) not in ("date", "date-time"):
            raise InvalidInput(f"filter: {op.upper()} needs a date property", field=FIELD)
        p = self.scalar(prop)
        other = args[1]
        if isinstance(other, dict) and "interval" in other:
            lo, hi = other["interval"]
            start = sql.SQL("'-infinity'::timestamptz") if lo in ("..", None) else \
                self.instant(_instant(lo))
            end = sql.SQL("'infinity'::timestamptz") if hi in ("..", None) else \
                self.instant(_instant(hi))
        elif isinstance(other, dict) and ("date" in other or "timestamp" in other):
            start = end = self.instant(other)
        else:
            raise InvalidInput(f"filter: {op.upper()} takes a DATE, TIMESTAMP or INTERVAL",
                               field=FIELD)
        template = {"t_after": "{p} > {end}", "t_before": "{p} < {start}",
                    "t_during": "({p} > {start} AND {p} < {end})",
                    "t_intersects": "({p} >= {start} AND {p} <= {end})",
                    "t_equals": "({p} = {start} AND {p} = {end})"}[op]
        return sql.SQL(template).format(p=p, start=start, end=end)


def _instant(v: Any) -> dict:
    """An interval end as a date or timestamp literal."""
    if isinstance(v, dict):
        return v
    return {"date": v} if len(str(v)) == 10 else {"timestamp": v}
