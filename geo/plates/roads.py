"""Roads to number and the doors (entrances) along them.

A road is a named line, possibly in pieces (a dual carriageway, a road interrupted by a
square). Numbering needs one line to measure along, the *axis*: the pieces are laid along
the road's main direction, parallel duplicates (the other carriageway) are dropped, and the
rest are joined end to start. Pieces farther apart than ``piece_gap_max_m`` are refused: that
is two roads with one name.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, shape

from geo import audit, plausible
from geo.audit import Actor
from geo.db import execute, fetch_all, fetch_one, fetch_value, load_queries
from geo.errors import Conflict, InvalidInput, NotFound
from geo.plates import rules

_Q = load_queries(__file__)
M_PER_DEG = 111_320.0
MAX_DOORS = 5_000


def _metric(coords: np.ndarray, lat0: float) -> np.ndarray:
    return np.column_stack([coords[:, 0] * M_PER_DEG * math.cos(math.radians(lat0)),
                            coords[:, 1] * M_PER_DEG])


def pieces_of(geometry: Any, field: str = "geometry") -> list[LineString]:
    """The pieces of a road geometry (GeoJSON dict or shapely), checked."""
    try:
        geom = shape(geometry) if isinstance(geometry, dict) else geometry
    except Exception as exc:  # shapely raises several types for bad GeoJSON
        raise InvalidInput(f"{field} is not a GeoJSON geometry: {exc}", field=field) from None
    if isinstance(geom, LineString):
        parts = [geom]
    elif isinstance(geom, MultiLineString):
        parts = list(geom.geoms)
    else:
        raise InvalidInput(f"{field} must be a LineString or MultiLineString, not "
                           f"{getattr(geom, 'geom_type', type(geom).__name__)}", field=field)
    if not parts:
        raise InvalidInput(f"{field} is empty", field=field)
    for i, part in enumerate(parts):
        coords = np.asarray(part.coords)
        if coords.ndim != 2 or len(coords) < 2 or not np.isfinite(coords).all():
            raise InvalidInput(f"{field}: piece {i + 1} needs at least two finite points",
                               field=field)
        plausible.coordinates(coords, field, f"piece {i + 1}, point")
        if np.ptp(_metric(coords, coords[0, 1]), axis=0).max() < 1.0:
            raise InvalidInput(f"{field}: piece {i + 1} is shorter than a metre", field=field)
        plausible.simple_line(part, field, f"piece {i + 1}")
    return parts


def build_axis(parts: list[LineString], gap_max_m: float, field: str = "geometry") -> LineString:
    """One line through the pieces, in their order along the road's main direction."""
    merged = shapely.line_merge(MultiLineString(parts))
    if isinstance(merged, LineString):
        return merged
    pieces = list(merged.geoms)
    lat0 = pieces[0].coords[0][1]
    allpts = _metric(np.concatenate([np.asarray(p.coords) for p in pieces]), lat0)
    centre = allpts.mean(axis=0)
    _, _, vt = np.linalg.svd(allpts - centre, full_matrices=False)
    direction = vt[0]
    spans = []
    for p in pieces:
        t = (_metric(np.asarray(p.coords), lat0) - centre) @ direction
        oriented = p if t[-1] >= t[0] else LineString(list(p.coords)[::-1])
        spans.append((min(t[0], t[-1]), max(t[0], t[-1]), oriented))
    # Longest pieces first; a piece mostly overlapping kept ones runs beside them.
    kept: list[tuple[float, float, LineString]] = []
    for lo, hi, piece in sorted(spans, key=lambda s: s[0] - s[1]):
        overlap = sum(max(0.0, min(hi, k_hi) - max(lo, k_lo)) for k_lo, k_hi, _ in kept)
        if not kept or overlap < 0.5 * (hi - lo):
            kept.append((lo, hi, piece))
    kept.sort(key=lambda s: s[0])
    coords: list[tuple[float, float]] = []
    for _lo, _hi, piece in kept:
        pts = list(piece.coords)
        if coords:
            a, b = np.array([coords[-1]]), np.array([pts[0]])
            gap = float(np.hypot(*(_metric(a, lat0) - _metric(b, lat0))[0]))
            if gap > gap_max_m:
                raise InvalidInput(f"{field}: the pieces are {gap:.0f} m apart; pieces of one "
                                   f"road must be within {gap_max_m:.0f} m (two roads with "
                                   "one name are two roads)", field=field, gap_m=round(gap))
            if gap < 1e-9:
                pts = pts[1:]
        coords.extend(pts)
    return LineString(coords)


def create(conn, actor: Actor, record: dict, *, source: str = "officer",
           dataset: str | None = None) -> dict:
    """A new road from a name, a geometry and optionally a kind and a rule."""
    name = record.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 60:
        raise InvalidInput("name must be the road's name, 1 to 60 characters", field="name")
    kind = record.get("kind", "road")
    if kind not in ("road", "lane"):
        raise InvalidInput("kind must be road or lane (a dead-end lane numbered from its "
                           "entrance)", field="kind")
    rule = rules.check_rule(record.get("rule"))
    if kind == "lane":
        rule.setdefault("start", "first")
    parts = pieces_of(record.get("geometry"))
    axis = build_axis(parts, rules.defaults()["piece_gap_max_m"])
    division = record.get("division_code") or fetch_value(conn, _Q["county_of_line"],
                                                          {"axis": axis.wkb})
    standard = standard_name(conn, name.strip(), division, axis)
    # One standard name, one road: a second road of the same name would give every number
    # on it two addresses. Pieces of a road are one road (a MultiLineString).
    if (same := fetch_value(conn, _Q["road_of_name"], {"name_id": standard["id"]})) is not None:
        raise Conflict(f"road {name.strip()} already exists (id {same}): add the piece to it "
                       "or retire it first", field="name", road_id=same)
    row = fetch_one(conn, _Q["insert_road"], {
        "name": name.strip(), "name_id": standard["id"], "kind": kind,
        "geom": MultiLineString(parts).wkb, "axis": axis.wkb, "rule": _json(rule),
        "source": source, "dataset": dataset, "division": division})
    audit.record(conn, actor, "create", "road", row["id"], after={"name": name, "rule": rule})
    return get(conn, row["id"])


def standard_name(conn, name: str, division: str | None, line: Any = None,
                  field: str = "name") -> dict:
    """The standard street name (街路巷, status standard) a road is named by, filed in the
    road's division or one above or below it (nearest the road's line first).

    A road is always linked to its standard name: a name the gazetteer lacks there is
    refused (422 naming ``field``), and the officer is told to have it named first
    (地名申报, a naming application approved by the names officer), not guessed."""
    row = fetch_one(conn, _Q["standard_street"], {
        "name": name, "division": division,
        "line": None if line is None else shapely.to_wkb(line)})
    if row is not None:
        return row
    where = (fetch_value(conn, _Q["division_name"], {"code": division}) or division
             if division else None)
    place = f" in {where} ({division})" if where and where != division else (
        f" in {division}" if division else "")   # one of the two forms api.web.messages knows
    raise InvalidInput(f"{name} is not a standard name: the gazetteer has no street (街路巷) "
                       f"of this name{place}. Name the road first: file a naming application "
                       "(地名申报, POST /names/applications) and have it approved, then add "
                       "the road under its standard name", field=field, name=name,
                       division_code=division)


def _json(value: Any) -> str:
    import json
    return json.dumps(value, ensure_ascii=False)


def get(conn, road_id: int) -> dict:
    """A road with its rule in force, counts and geometry (GeoJSON)."""
    row = fetch_one(conn, _Q["road"], {"id": road_id, "defaults": rules.defaults_json()})
    if row is None:
        raise NotFound(f"no road {road_id}", field="id")
    return row


def list_roads(conn, *, division: str | None = None, q: str | None = None,
               limit: int = 100, offset: int = 0) -> tuple[list[dict], int]:
    """Current roads (under a division, with part of a name) and how many there are in
    all."""
    params = {"division": division, "q": q, "limit": limit, "offset": offset}
    return fetch_all(conn, _Q["roads"], params), fetch_value(conn, _Q["count_roads"], params)


def register(conn, *, division: str | None = None, q: str | None = None,
             ids: list[int] | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
    """Current roads (under a division, with part of a name, or by id) with their rule in
    force, their door counts and the ends their numbering runs from and to (``from_lon``,
    ``from_lat``, ``to_lon``, ``to_lat``)."""
    return fetch_all(conn, _Q["register"], {
        "division": division, "q": q, "ids": ids, "limit": limit, "offset": offset,
        "defaults": rules.defaults_json()})


def divisions_with_roads(conn) -> list[dict]:
    """The divisions that have current roads: code, name and how many roads."""
    return fetch_all(conn, _Q["road_divisions"], {})


def positions(conn, road_id: int, rule: dict | None = None) -> list[dict]:
    """Each current door of a road: measure along it, side, parity it takes, offset."""
    get(conn, road_id)
    return fetch_all(conn, _Q["positions"], {"roads": [road_id], "defaults": rules.defaults_json(),
                                             "override": _json(rule or {})})


def add_entrances(conn, actor: Actor, road_id: int, doors: Any) -> list[dict]:
    """Doors (points, optionally with a number and a name) on a road; each stored door
    carries ``warnings`` (a position that looks like GCJ-02, ``geo.plausible``)."""
    road = get(conn, road_id)
    execute(conn, _Q["lock_road"], {"id": road_id})  # duplicate checks see every door
    if not isinstance(doors, list) or not doors:
        raise InvalidInput("doors must be a non-empty list of {lon, lat, number?, name?}",
                           field="doors")
    if len(doors) > MAX_DOORS:
        raise InvalidInput(f"at most {MAX_DOORS} doors at a time", field="doors")
    tolerance = road["rule_in_force"]["door_tolerance_m"]
    rows, warnings = [], []
    for i, door in enumerate(doors):
        where = f"doors[{i}]"
        if not isinstance(door, dict):
            raise InvalidInput(f"{where} must be an object", field=where)
        lon, lat = door.get("lon"), door.get("lat")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                   for v in (lon, lat)):
            raise InvalidInput(f"{where}: lon and lat must be numbers", field=f"{where}.lon")
        plausible.point(lon, lat, f"{where}.lon")
        number, sub = (None, None)
        if door.get("number") not in (None, ""):
            number, sub = rules.parse_number(door["number"], field=f"{where}.number")
        gcj02 = _near_road(conn, road, lon, lat, tolerance, where)
        warnings.append([gcj02] if gcj02 else [])
        name = door.get("name")
        if name is not None and (not isinstance(name, str) or len(name) > 100):
            raise InvalidInput(f"{where}.name must be text up to 100 characters",
                               field=f"{where}.name")
        rows.append({"road": road_id, "lon": lon, "lat": lat, "number": number, "sub": sub,
                     "name": name})
    refuse_duplicates(conn, road, [(r["number"], r["sub"]) for r in rows if r["number"]],
                      field="doors")
    ids = [fetch_value(conn, _Q["insert_entrance"], r) for r in rows]
    audit.record(conn, actor, "add_entrances", "road", road_id, after={"entrances": ids})
    stored = fetch_all(conn, _Q["entrances"], {"ids": ids})       # in the order of ids
    return [{**row, "warnings": w} for row, w in zip(stored, warnings, strict=True)]


def _near_road(conn, road: dict, lon: float, lat: float, tolerance: float,
               where: str) -> dict | None:
    """Refuse a door farther than ``tolerance`` from its road (saying when it looks like
    GCJ-02, which explains most such doors); the GCJ-02 warning of one within it."""
    def metres(x: float, y: float) -> float:
        return fetch_value(conn, _Q["distance_to_road"], {"id": road["id"], "lon": x, "lat": y})

    distance = metres(lon, lat)
    gcj02 = plausible.gcj02_warning(lon, lat, distance, metres, road["name"])
    if distance > tolerance:
        hint = {} if gcj02 is None else {"if_gcj02": gcj02["if_gcj02"]}
        raise InvalidInput(f"{where} is {distance:.0f} m from {road['name']}; doors must be "
                           f"within {tolerance:.0f} m of their road"
                           + ("" if gcj02 is None else
                              f"; read as GCJ-02 (Amap, Tencent) it would be "
                              f"{gcj02['if_gcj02_distance_m']:.0f} m from it: send CGCS2000 "
                              "coordinates, or say crs=gcj02"),
                           field=where, distance_m=round(distance, 1), **hint)
    return gcj02


def entrances(conn, road_id: int) -> list[dict]:
    """The current doors of a road with their numbers and positions."""
    get(conn, road_id)
    return fetch_all(conn, _Q["road_entrances"], {"id": road_id})


def resolve(conn, road: str | int) -> int:
    """A road's id from its id or its exact name (the one current road with that name)."""
    if isinstance(road, int) or str(road).isdigit():
        return get(conn, int(road))["id"]
    ids = [r["id"] for r in fetch_all(conn, _Q["roads_named"], {"name": road})]
    if not ids:
        raise NotFound(f"no current road named {road}", field="road")
    if len(ids) > 1:
        raise InvalidInput(f"{len(ids)} current roads are named {road} (ids "
                           f"{', '.join(map(str, ids))}); give the id", field="road")
    return ids[0]


def refuse_duplicates(conn, road: dict, numbers: list[tuple[int, int | None]],
                      field: str) -> None:
    """Refuse new doors whose numbers repeat each other or a door there is."""
    seen = set()
    for number, sub in numbers:
        if (number, sub) in seen:
            raise Conflict(f"{road['name']}{rules.label(number, sub)} is given twice",
                           field=field)
        seen.add((number, sub))
    if not numbers:
        return
    clash = fetch_one(conn, _Q["existing_numbers"], {
        "name": road["name"], "division": road["division_code"], "id": road["id"],
        "numbers": [n for n, _ in numbers], "subs": [s or 0 for _, s in numbers]})
    if clash:
        raise Conflict(f"{road['name']}{clash['label']} already exists (entrance "
                       f"{clash['id']}); nothing was written", field=field,
                       entrance=clash["id"])
