"""The facility registry: elder care, funeral and disaster-relief sites (DOMAIN §E–F).

A facility is a point with a type (``facility_types``), capacities (beds, nursing beds,
places, area, meals; grave plots; relief stock), an operator, a status and a version.
Every change keeps the previous row in ``facility_history``. Imports read GeoJSON or CSV
(``lon``/``lat`` columns), are all-or-nothing, and are idempotent by (source, ``ext_id``):
re-importing the same file updates what changed and creates nothing twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from dataclasses import dataclass
from typing import Any

from geo import audit, plausible, text
from geo.audit import Actor
from geo.crs import gcj02_to_wgs84
from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.errors import Conflict, InvalidInput, NotFound

_Q = load_queries(__file__)

STATUSES = ("planned", "building", "open", "suspended", "closed")
OWNERSHIPS = ("public", "private", "public-private")
COUNTS = ("beds", "nursing_beds", "places", "meals_per_day", "plots_total", "plots_used")
TEXTS = ("address", "operator", "notes")
_TEXT_MAX = {"address": text.LINE_MAX, "operator": text.LINE_MAX}
EDITABLE = ("type", "name", "lon", "lat", "ownership", "status", "opened", "area_m2",
            *COUNTS, *TEXTS, "stock")
MAX_IMPORT = 50_000
MAX_COUNT = 2**31 - 1      # what the integer columns hold (beds, places, plots…)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def types(conn) -> dict[str, dict]:
    """Facility types by code."""
    return {r["code"]: r for r in fetch_all(conn, _Q["types"])}


def type_names(conn) -> dict[str, str]:
    """The name of each facility type, by code."""
    return {code: t["name"] for code, t in types(conn).items()}


def _count(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a whole number, not {value!r}", field=field) from None
    if not math.isfinite(number) or number != int(number):
        raise InvalidInput(f"{field} must be a whole number, not {value!r}", field=field)
    if number < 0:
        raise InvalidInput(f"{field} cannot be negative ({value})", field=field)
    if number > MAX_COUNT:
        raise InvalidInput(f"{field} cannot be more than {MAX_COUNT:,} ({value})", field=field)
    return int(number)


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{field} must be a date YYYY-MM-DD, not {value!r}",
                           field=field) from None


def _coord(value: Any, field: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a number, not {value!r}", field=field) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InvalidInput(f"{field}={number} is outside {low}..{high}", field=field)
    return number


def _position(lon: Any, lat: Any) -> tuple[float, float]:
    """A site's lon, lat as given: numbers inside China, not swapped."""
    lon = plausible.number(lon, "lon", minimum=None)
    lat = plausible.number(lat, "lat", minimum=None)
    plausible.point(lon, lat, "lon", "lat")
    return lon, lat


def _stock(items: Any) -> list[dict]:
    if items in (None, ""):
        return []
    if isinstance(items, str):
        try:
            items = json.loads(items)
        except json.JSONDecodeError:
            raise InvalidInput("stock must be a JSON list of items", field="stock") from None
    if not isinstance(items, list):
        raise InvalidInput("stock must be a list of {category, item, unit, quantity, expiry}",
                           field="stock")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidInput(f"stock[{i}] must be an object", field=f"stock[{i}]")
        row = {}
        for key in ("category", "item", "unit"):
            text = str(item.get(key) or "").strip()
            if not text:
                raise InvalidInput(f"stock[{i}].{key} is required", field=f"stock[{i}].{key}")
            row[key] = text
        row["quantity"] = plausible.number(item.get("quantity"), f"stock[{i}].quantity")
        row["expiry"] = _date(item.get("expiry"), f"stock[{i}].expiry")
        out.append(row)
    return out


def validate(conn, record: dict, known_types: dict | None = None, *,
             crs: str = "cgcs2000") -> dict:
    """Check one facility record and return the row to store; InvalidInput names the field."""
    known_types = known_types or types(conn)
    unknown = set(record) - set(EDITABLE) - {"id", "ext_id", "version", "kind", "division_code",
                                             "type_name"}
    if unknown:
        raise InvalidInput(f"unknown field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    code = record.get("type")
    if code not in known_types:
        raise InvalidInput(f"type {code!r} is not a facility type; one of "
                           f"{', '.join(known_types)}", field="type")
    name = text.clean(str(record.get("name") or "").strip(), "name", text.NAME_MAX)
    if not name:
        raise InvalidInput("name is required", field="name")
    lon, lat = _position(record.get("lon"), record.get("lat"))
    if crs == "gcj02":
        x, y = gcj02_to_wgs84(lon, lat)
        lon, lat = float(x), float(y)
    row: dict[str, Any] = {"type": code, "name": name, "wkt": f"POINT({lon!r} {lat!r})"}
    for key in COUNTS:
        row[key] = _count(record.get(key), key)
    if row["nursing_beds"] is not None and row["nursing_beds"] > (row["beds"] or 0):
        raise InvalidInput(f"nursing_beds ({row['nursing_beds']}) exceed beds ({row['beds']})",
                           field="nursing_beds")
    if row["plots_used"] is not None and row["plots_used"] > (row["plots_total"] or 0):
        raise InvalidInput(f"plots_used ({row['plots_used']}) exceed plots_total "
                           f"({row['plots_total']})", field="plots_used")
    area = record.get("area_m2")
    row["area_m2"] = None if area in (None, "") else _coord(area, "area_m2", 0, 1e9)
    status = record.get("status") or "open"
    if status not in STATUSES:
        raise InvalidInput(f"status {status!r} is not one of {', '.join(STATUSES)}",
                           field="status")
    row["status"] = status
    ownership = record.get("ownership") or None
    if ownership is not None and ownership not in OWNERSHIPS:
        raise InvalidInput(f"ownership {ownership!r} is not one of {', '.join(OWNERSHIPS)}",
                           field="ownership")
    row["ownership"] = ownership
    row["opened"] = _date(record.get("opened"), "opened")
    for key in TEXTS:   # files and the CLI reach here without the API's checks
        value = record.get(key)
        row[key] = text.clean(str(value).strip(), key, _TEXT_MAX.get(key, text.NOTE_MAX)) \
            if value not in (None, "") else None
    row["stock"] = _stock(record.get("stock"))
    if row["stock"] and known_types[code]["kind"] != "relief":
        raise InvalidInput("only relief warehouses hold stock", field="stock")
    division = fetch_one(conn, _Q["containing_division"], {"p": f"SRID=4490;{row['wkt']}"})
    if division is None:
        raise InvalidInput(f"the site at {lon:.6f}, {lat:.6f} lies outside every loaded "
                           "division", field="lon")
    row["division_code"] = division["code"]
    return row


def _write_stock(conn, facility_id: int, stock: list[dict]) -> None:
    execute(conn, _Q["delete_stock"], {"id": facility_id})
    for item in stock:
        execute(conn, _Q["insert_stock"], {"id": facility_id, **item})


def create(conn, actor: Actor, record: dict, *, source: str = "api", ext_id: str | None = None,
           dataset: str | None = None, crs: str = "cgcs2000") -> dict:
    """Validate and store one facility; return it."""
    row = validate(conn, record, crs=crs)
    facility_id = fetch_one(conn, _Q["insert"], {**row, "source": source, "ext_id": ext_id,
                                                 "dataset": dataset})["id"]
    _write_stock(conn, facility_id, row["stock"])
    stored = get(conn, facility_id)
    audit.record(conn, actor, "facility.create", "facility", facility_id, after=stored)
    return stored


def update(conn, actor: Actor, facility_id: int, changes: dict, version: int | None, *,
           crs: str = "cgcs2000") -> dict:
    """Apply ``changes`` to a facility based on ``version``; a stale version is a Conflict."""
    current = get(conn, facility_id)
    if version is None:
        raise InvalidInput("version is required: send the version your change is based on",
                           field="version")
    if version != current["version"]:
        raise Conflict(f"facility {facility_id} is at version {current['version']}, "
                       f"your change is based on {version}", current=current)
    if crs == "gcj02" and ("lon" in changes or "lat" in changes):
        changes = {**changes, **_from_gcj02(changes, current)}
    merged = {k: current.get(k) for k in EDITABLE} | changes
    row = validate(conn, merged)
    if fetch_one(conn, _Q["update"], {**row, "id": facility_id, "version": version}) is None:
        raise Conflict(f"facility {facility_id} changed while you were editing it")
    execute(conn, _Q["keep_history"], {"id": facility_id, "version": version,
                                       "actor": actor.name,
                                       "row": json.dumps(current, ensure_ascii=False,
                                                         default=str)})
    _write_stock(conn, facility_id, row["stock"])
    stored = get(conn, facility_id)
    audit.record(conn, actor, "facility.update", "facility", facility_id, before=current,
                 after=stored)
    return stored


def _from_gcj02(changes: dict, current: dict) -> dict:
    lon, lat = _position(changes.get("lon", current["lon"]), changes.get("lat", current["lat"]))
    x, y = gcj02_to_wgs84(lon, lat)
    return {"lon": float(x), "lat": float(y)}


def get(conn, facility_id: int) -> dict:
    """One facility with its stock; NotFound if there is none."""
    rows = select(conn, facility_id=facility_id)
    if not rows:
        raise NotFound(f"no facility {facility_id}", field="id")
    return rows[0]


def history(conn, facility_id: int) -> list[dict]:
    """Earlier versions of a facility, oldest first."""
    get(conn, facility_id)
    return fetch_all(conn, _Q["history"], {"id": facility_id})


def detail(conn, facility_id: int) -> dict:
    """One facility as a GeoJSON Feature, its earlier versions under ``history``."""
    feature = to_feature(get(conn, facility_id))
    feature["properties"]["history"] = history(conn, facility_id)
    return feature


def select(conn, *, facility_id: int | None = None, division: str | None = None,
           kind: str | None = None, type_codes: list[str] | None = None,
           status: str | None = None, bbox: tuple[float, float, float, float] | None = None,
           limit: int | None = 10_000) -> list[dict]:
    """Facilities matching every given filter (``division`` is a code prefix); at most
    ``limit``, or all when it is None."""
    from geo.divisions import check_code, division_prefix

    return fetch_all(conn, _Q["select"], {
        "id": facility_id, "prefix": division_prefix(check_code(division)) if division else None,
        "kind": kind, "types": type_codes, "status": status,
        "bbox": list(bbox) if bbox else None, "limit": limit})


_PLAIN = ("id", "type", "kind", "type_name", "name", "division_code", "address", "operator",
          "ownership", "status", "opened", "beds", "nursing_beds", "places", "area_m2",
          "meals_per_day", "plots_total", "plots_used", "notes", "source", "ext_id", "version",
          "stock")


def to_feature(row: dict) -> dict:
    """A facility as a GeoJSON Feature (CGCS2000 lon/lat)."""
    props = {k: row.get(k) for k in _PLAIN}
    for key in ("opened",):
        if props[key] is not None:
            props[key] = str(props[key])
    if props["area_m2"] is not None:
        props["area_m2"] = float(props["area_m2"])
    return {"type": "Feature", "id": row["id"],
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
            "properties": props}


def feature_collection(rows: list[dict]) -> dict:
    """Facility rows as a GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": [to_feature(r) for r in rows]}


def parse_upload(data: bytes, filename: str = "upload.geojson") -> list[dict]:
    """Records from a GeoJSON FeatureCollection, or a CSV (UTF-8 or GB18030) or XLSX sheet
    with type, name, lon, lat columns (read by ``geo.registers``)."""
    from geo import registers

    if registers.sniff(data, filename) == "xlsx":
        _, rows, _ = registers.raw_rows(data, filename)
        header = [str(c or "").strip() for c in rows[0][1]] if rows else []
        if not {"lon", "lat", "type", "name"} <= set(header):
            raise InvalidInput("a sheet needs the columns type, name, lon, lat", field="file")
        return [{k: v.date() if isinstance(v, dt.datetime) else v
                 for k, v in zip(header, cells, strict=False) if k and v not in (None, "")}
                for _, cells in rows[1:] if any(v not in (None, "") for v in cells)]
    text = registers.decode_text(data)
    if filename.lower().endswith(".csv") or not text.lstrip().startswith("{"):
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or not {"lon", "lat", "type", "name"} <= set(reader.fieldnames):
            raise InvalidInput("a CSV needs the columns type, name, lon, lat", field="file")
        return [{k: v for k, v in r.items() if k and v not in (None, "")} for r in reader]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not valid JSON: {exc.msg} at line {exc.lineno}",
                           field="file") from None
    return records_from_geojson(doc)


def records_from_geojson(doc: object) -> list[dict]:
    """Records from a GeoJSON FeatureCollection (or one Feature) of points."""
    features = doc.get("features") if isinstance(doc, dict) else None
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        features = [doc]
    if not isinstance(features, list) or doc.get("type") not in ("FeatureCollection",
                                                                 "Feature"):
        raise InvalidInput("expected a GeoJSON FeatureCollection", field="file")
    records = []
    for i, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") != "Point" \
                or not isinstance(coords, list) or len(coords) < 2:
            raise InvalidInput(f"feature {i} must be a Point", field=f"features[{i}].geometry")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise InvalidInput(f"feature {i}: properties must be an object",
                               field=f"features[{i}].properties")
        props = dict(props)
        for derived in ("id", "kind", "type_name", "division_code", "source", "version"):
            props.pop(derived, None)
        lon, lat = geometry["coordinates"][:2]
        records.append({**props, "lon": lon, "lat": lat,
                        "ext_id": props.get("ext_id") or feature.get("id")})
    return records


def import_file(conn, actor: Actor, data: bytes, filename: str, *, source: str,
                crs: str = "cgcs2000") -> ImportResult:
    """``import_records`` of a GeoJSON or CSV file (``parse_upload``)."""
    return import_records(conn, actor, parse_upload(data, filename), source=source, crs=crs)


def import_records(conn, actor: Actor, records: list[dict], *, source: str,
                   crs: str = "cgcs2000") -> ImportResult:
    """Store records all-or-nothing; rows with an ext_id already seen from ``source`` update.

    The caller's transaction holds the whole import: one bad record raises InvalidInput
    naming the record and field, and nothing is kept.
    """
    if len(records) > MAX_IMPORT:
        raise InvalidInput(f"at most {MAX_IMPORT} facilities per import", field="file")
    known = types(conn)
    result = ImportResult()
    for i, record in enumerate(records):
        record = dict(record)
        ext_id = record.pop("ext_id", None)
        ext_id = None if ext_id in (None, "") else str(ext_id)
        try:
            validate(conn, record, known, crs=crs)
            existing = ext_id and fetch_one(conn, _Q["by_ext_id"],
                                            {"source": source, "ext_id": ext_id})
            if existing:
                current = get(conn, existing["id"])
                if _same(current, validate(conn, {k: current.get(k) for k in EDITABLE}, known),
                         validate(conn, record, known, crs=crs)):
                    result.unchanged += 1
                    continue
                update(conn, actor, existing["id"], record, current["version"], crs=crs)
                result.updated += 1
            else:
                create(conn, actor, record, source=source, ext_id=ext_id, crs=crs)
                result.created += 1
        except InvalidInput as exc:
            raise InvalidInput(f"record {i + 1}: {exc.detail}",
                               field=f"records[{i}].{exc.field}") from None
    return result


def _same(current: dict, old: dict, new: dict) -> bool:
    return all(old[k] == new[k] for k in new if k != "wkt") and _close(old["wkt"], new["wkt"])


def _close(a: str, b: str) -> bool:
    pa = [float(v) for v in a[6:-1].split()]
    pb = [float(v) for v in b[6:-1].split()]
    return all(abs(x - y) < 1e-9 for x, y in zip(pa, pb, strict=True))


def bulk_insert(conn, rows: list[dict], stock: list[dict], *, source: str,
                dataset: str | None) -> int:
    """Insert trusted rows (sample data) in one statement; existing (source, ext_id) stay."""
    params = {"source": source, "dataset": dataset}
    with conn.cursor() as cur:
        cur.execute(_Q["bulk_insert"], {**params, "rows": json.dumps(rows, ensure_ascii=False)})
        count = cur.rowcount
        cur.execute(_Q["bulk_stock"], {**params, "rows": json.dumps(stock, ensure_ascii=False)})
    return count
