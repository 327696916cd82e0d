"""Importing a department's road and door registers (门牌登记) from CSV, XLSX, GeoPackage or
Shapefile, through the plates domain (``geo.plates.roads``) so its checks apply: a road's
pieces joined into one axis, a door within its road's tolerance, house numbers read by
``rules.parse_number`` (no letters), no two current doors with one number on a road.

Roads are keyed by (source, 道路编码), or the road's name when the register has no code;
doors by (source, 门牌编码), the door's id in the register. A door names its road by 道路编码
(a road imported from the same source) or by name (with 行政区划代码 where two roads share
it). Importing the same file again changes nothing; a changed row reports its fields; a
file with a bad row is refused whole, every bad row named (``geo.registers``).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import shapely
from shapely.geometry import MultiLineString, mapping

from geo import audit, registers, text
from geo.audit import Actor
from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.divisions import check_code
from geo.errors import DomainError, InvalidInput
from geo.plates import roads, rules
from geo.registers import Column, Coordinates, Report, Row, RowError

_Q = load_queries(__file__)

_POSITION = registers.POSITION
ROAD_COLUMNS = {
    "external_id": Column("道路编码", ("道路编号", "道路代码", "road_id", "code", "id", "ext_id")),
    "name": Column("道路名称", ("路名", "街路巷名称", "标准名称", "name")),
    "kind": Column("道路类型", ("类型", "kind")),
    "division": Column("行政区划代码", ("区划代码", "division_code", "division")),
    "wkt": Column("几何", ("WKT", "geometry", "geom", "shape")),
    "crs": _POSITION["crs"],
}
DOOR_COLUMNS = {
    "external_id": Column("门牌编码", ("门牌编号", "登记编号", "地址编码", "door_id", "id",
                                      "ext_id")),
    "road": Column("道路名称", ("街路巷名称", "街路巷", "路名", "road", "road_name")),
    "road_id": Column("道路编码", ("道路编号", "road_code", "road_id")),
    "division": Column("行政区划代码", ("区划代码", "division_code", "division")),
    "number": Column("门牌号", ("门牌号码", "number", "house_number")),
    "name": Column("名称", ("建筑物名称", "小区名称", "单位名称", "name")),
    "note": Column("备注", ("说明", "note", "notes", "remark")),
    **_POSITION,
}
ROAD_REQUIRED = ("name", ("wkt", "geometry"))
DOOR_REQUIRED = ("external_id", ("road", "road_id"), "number", ("lon", "x", "geometry"))
_LANES = ("巷", "胡同", "弄", "里", "lane")
ROAD_NAME_MAX = 60          # what the roads table holds
DOOR_NAME_MAX = 100         # what roads.add_entrances takes


_EXAMPLE = "荷塘区门牌登记2024"


def import_roads(conn, actor: Actor, data: bytes, filename: str, *, source: str,
                 coords: Coordinates | None = None) -> Report:
    """Import a road register all or nothing; returns what each row did."""
    table = registers.read(data, filename, ROAD_COLUMNS, required=ROAD_REQUIRED)
    state = _Roads(conn, actor, registers.source_name(source, _EXAMPLE),
                   coords or Coordinates(), table.present)
    return registers.import_rows(conn, table, state.row, columns=ROAD_COLUMNS)


def import_doors(conn, actor: Actor, data: bytes, filename: str, *, source: str,
                 coords: Coordinates | None = None) -> Report:
    """Import a door register (门牌登记) all or nothing; returns what each row did."""
    table = registers.read(data, filename, DOOR_COLUMNS, required=DOOR_REQUIRED)
    state = _Doors(conn, actor, registers.source_name(source, _EXAMPLE),
                   coords or Coordinates(), table.present)
    return registers.import_rows(conn, table, state.row, columns=DOOR_COLUMNS)


class _Keys:
    """A file names each key once."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def once(self, row: Row, key: str, column: str) -> None:
        if key in self.seen:
            raise RowError(column, f"{key} is given twice (rows {self.seen[key]} and "
                                   f"{row.number})")
        self.seen[key] = row.number


class _Roads(_Keys):
    def __init__(self, conn, actor: Actor, source: str, coords: Coordinates,
                 present: set[str]) -> None:
        super().__init__()
        self.conn, self.actor, self.source, self.coords = conn, actor, source, coords
        self.present = present

    def row(self, row: Row, report: Report) -> None:
        col = row.column
        name = registers.clean_text(row, "name", ROAD_COLUMNS, ROAD_NAME_MAX)
        if name is None:
            raise RowError(col("name", ROAD_COLUMNS), "the road's name is empty")
        key = row.text("external_id") or name
        self.once(row, key, col("external_id" if row.text("external_id") else "name",
                                ROAD_COLUMNS))
        parts = self.pieces(row)
        kind = self.kind(row, name)
        division = row.text("division")
        if division is not None:
            try:
                check_code(division, "division")
            except InvalidInput as exc:
                raise RowError(col("division", ROAD_COLUMNS), exc.detail) from None
        current = fetch_one(self.conn, _Q["road_by_key"], {"source": self.source, "key": key})
        if current is None:
            road = roads.create(self.conn, self.actor, {
                "name": name, "kind": kind, "geometry": mapping(MultiLineString(parts)),
                "division_code": division}, source=self.source)
            execute(self.conn, _Q["set_road_key"], {"source": self.source, "key": key,
                                                    "id": road["id"]})
            report.note(row.number, key, "added", entity_id=road["id"])
            return
        new = {"name": name, "kind": kind, "geom": MultiLineString(parts)}
        old = {"name": current["name"], "kind": current["kind"],
               "geom": shapely.from_wkb(bytes(current["geom"]))}
        if "division" in self.present:
            new["division_code"], old["division_code"] = division, current["division_code"]
        if "kind" not in self.present:
            new["kind"] = old["kind"]
        changed = [f for f in new if not _equal(old[f], new[f])]
        if not changed:
            report.note(row.number, key, "unchanged", entity_id=current["id"])
            return
        axis = roads.build_axis(parts, rules.defaults()["piece_gap_max_m"])
        division_code = new.get("division_code", current["division_code"])
        standard = roads.standard_name(self.conn, name, division_code, axis)
        execute(self.conn, _Q["update_road"], {
            "id": current["id"], "name": name, "name_id": standard["id"], "kind": new["kind"],
            "division_code": division_code, "geom": new["geom"].wkb, "axis": axis.wkb})
        audit.record(self.conn, self.actor, "road.import", "road", current["id"],
                     before={f: _shown(old[f]) for f in changed},
                     after={f: _shown(new[f]) for f in changed})
        report.note(row.number, key, "changed", changed, entity_id=current["id"])

    def pieces(self, row: Row) -> list:
        column = row.column("wkt", ROAD_COLUMNS)
        if row.text("wkt") is not None:
            try:
                geom = shapely.from_wkt(row.text("wkt"))
            except shapely.errors.GEOSException as exc:
                raise RowError(column, f"not WKT: {exc}") from None
            if row.text("crs") is not None or self.coords.crs is not None:
                d = registers.row_datum(row, self.coords)
                if d.name in registers.LEGACY or d.projected or d.name == "GCJ02":
                    raise RowError(row.column("crs", ROAD_COLUMNS),
                                   f"a WKT line is read in CGCS2000 or WGS 84 lon/lat, not "
                                   f"{d.label}")
        elif row.geometry is not None:
            column = "geometry"
            geom = registers.transform_geometry(row.geometry, row, self.coords)
        else:
            raise RowError(column, "the road has no line")
        try:
            return roads.pieces_of(geom, column)
        except InvalidInput as exc:
            raise RowError(column, exc.detail.split(": ", 1)[-1]) from None

    def kind(self, row: Row, name: str) -> str:
        value = row.text("kind")
        if value is None:
            return "road"
        value = unicodedata.normalize("NFKC", value).strip().lower()
        if value in ("road", "路", "街", "大道", "道路"):
            return "road"
        if value in _LANES:
            return "lane"
        raise RowError(row.column("kind", ROAD_COLUMNS),
                       f"{value!r} is not a road type: 路/街 (road) or 巷/胡同/弄 (a dead-end "
                       "lane, numbered from its entrance)")


class _Doors(_Keys):
    def __init__(self, conn, actor: Actor, source: str, coords: Coordinates,
                 present: set[str]) -> None:
        super().__init__()
        self.conn, self.actor, self.source, self.coords = conn, actor, source, coords
        self.present = present
        self.roads: dict[tuple, dict] = {}

    def col(self, row: Row, key: str) -> str:
        return row.column(key, DOOR_COLUMNS)

    def row(self, row: Row, report: Report) -> None:
        key = registers.clean_text(row, "external_id", DOOR_COLUMNS, text.CODE_MAX)
        if key is None:
            raise RowError(self.col(row, "external_id"), "the door's register id is empty")
        self.once(row, key, self.col(row, "external_id"))
        road = self.road(row)
        raw = row.text("number")
        number, sub = (None, None)
        if raw is not None:
            try:
                number, sub = rules.parse_number(raw, "number")
            except InvalidInput as exc:
                raise RowError(self.col(row, "number"), exc.detail.split(": ", 1)[-1]) from None
        pos = registers.position(row, self.coords, DOOR_COLUMNS)
        name = registers.clean_text(row, "name", DOOR_COLUMNS, DOOR_NAME_MAX)
        note = registers.clean_text(row, "note", DOOR_COLUMNS, text.NOTE_MAX)
        current = fetch_one(self.conn, _Q["door_by_key"], {"source": self.source, "key": key})
        if current is None:
            door = self.add(row, road, pos, raw, name)
            execute(self.conn, _Q["set_door_key"], {"source": self.source, "key": key,
                                                    "note": note, "id": door["id"]})
            report.note(row.number, key, "added", warnings=door["warnings"],
                        entity_id=door["id"])
            return
        new = {"road_id": road["id"], "number": number, "sub": sub, "lon": pos.lon,
               "lat": pos.lat}
        for field in ("name", "note"):
            new[field] = name if field == "name" else note
            if field not in self.present:
                new[field] = current[field]
        changed = [f for f in new if not _equal(current[f], new[f])]
        if not changed:
            report.note(row.number, key, "unchanged", entity_id=current["id"])
            return
        warnings = self.check_change(row, road, current["id"], pos, number, sub)
        execute(self.conn, _Q["update_door"], {**new, "id": current["id"]})
        audit.record(self.conn, self.actor, "entrance.import", "entrance", current["id"],
                     before={f: current[f] for f in changed}, after={f: new[f] for f in changed})
        report.note(row.number, key, "changed", changed, warnings, entity_id=current["id"])

    def road(self, row: Row) -> dict:
        code, name, division = row.text("road_id"), row.text("road"), row.text("division")
        cache_key = (code, name, division)
        if cache_key in self.roads:
            return self.roads[cache_key]
        road_id = None
        if code is not None:
            found = fetch_one(self.conn, _Q["road_by_key"], {"source": self.source, "key": code})
            if found is None and name is None:
                raise RowError(self.col(row, "road_id"), f"no road {code} was imported from "
                                                         f"{self.source!r}")
            road_id = found and found["id"]
        if road_id is None:
            if name is None:
                raise RowError(self.col(row, "road"), "the door names no road")
            ids = [r["id"] for r in fetch_all(self.conn, _Q["roads_named"],
                                              {"name": name, "division": division})]
            if not ids:
                raise RowError(self.col(row, "road"), f"no current road named {name}"
                                                      f"{f' in {division}' if division else ''}"
                                                      "; import the roads first")
            if len(ids) > 1:
                raise RowError(self.col(row, "road"),
                               f"{len(ids)} current roads are named {name}: give "
                               f"{DOOR_COLUMNS['division'].label} or "
                               f"{DOOR_COLUMNS['road_id'].label}")
            road_id = ids[0]
        self.roads[cache_key] = roads.get(self.conn, road_id)
        return self.roads[cache_key]

    def add(self, row: Row, road: dict, pos, raw: str | None, name: str | None) -> dict:
        door: dict[str, Any] = {"lon": pos.lon, "lat": pos.lat}
        if raw is not None:
            door["number"] = raw
        if name is not None:
            door["name"] = name
        try:
            return roads.add_entrances(self.conn, self.actor, road["id"], [door])[0]
        except DomainError as exc:
            raise self._as_row_error(row, exc) from None

    def check_change(self, row: Row, road: dict, door_id: int, pos, number, sub) -> list:
        """The checks ``add_entrances`` makes, for a door that moves or changes number."""
        try:
            gcj02 = roads._near_road(self.conn, road, pos.lon, pos.lat,
                                     road["rule_in_force"]["door_tolerance_m"], "door")
        except DomainError as exc:
            raise self._as_row_error(row, exc) from None
        if number is not None:
            clash = fetch_one(self.conn, _Q["number_taken"], {
                "id": door_id, "number": number, "sub": sub or 0, "road_id": road["id"],
                "road_name": road["name"], "division": road["division_code"]})
            if clash:
                raise RowError(self.col(row, "number"), f"{road['name']}{clash['label']} "
                                                        f"already exists (entrance "
                                                        f"{clash['id']})")
        return [gcj02] if gcj02 else []

    def _as_row_error(self, row: Row, exc: DomainError) -> RowError:
        field = exc.field or ""
        if "number" in field or field == "doors":         # a bad or repeated number
            column = self.col(row, "number")
        elif "name" in field:
            column = self.col(row, "name")
        else:                                             # too far from the road
            column = self.col(row, "lon" if row.get("lon") is not None else
                              "x" if row.get("x") is not None else "number")
            if row.geometry is not None and row.get("lon") is None and row.get("x") is None:
                column = "geometry"
        detail = re.sub(r"^(doors\[0\]|door) is ", "the door is ", exc.detail)
        detail = re.sub(r"^[\w\[\].]+: ", "", detail)
        return RowError(column, detail)


def _equal(old: Any, new: Any) -> bool:
    if hasattr(old, "geom_type"):
        return old.equals_exact(new, 1e-9)
    if isinstance(old, float) or isinstance(new, float):
        return old is not None and new is not None and abs(float(old) - float(new)) <= 1e-8
    return old == new


def _shown(value: Any) -> Any:
    return value.wkt if hasattr(value, "geom_type") else value
