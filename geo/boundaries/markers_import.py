"""Importing a 界桩登记表 (boundary-marker register) from CSV, XLSX, GeoPackage or Shapefile.

Each row is a marker: its number (界桩编号: the line number, a 3-digit sequence and the type
Q, A–E, GB/T 17796), where it stands (经度/纬度, or X/Y in a 3-degree Gauss–Krüger zone, in
the datum its 坐标系 names; see ``geo.registers``) and optionally its line, type, height,
custodian, condition, date and a note. A marker must lie within ``marker_tolerance_m`` of its
line. The key is (source, 界桩编号): importing the register again changes only the markers
whose row changed. A file with a bad row is refused whole, every bad row named.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from geo import audit, plausible, registers, text
from geo.audit import Actor
from geo.boundaries import inspections
from geo.boundaries.settings import defaults
from geo.db import execute, fetch_one, fetch_value, load_queries
from geo.registers import Column, Coordinates, Report, Row, RowError

_Q = load_queries(__file__)

COLUMNS = {
    "marker_no": Column("界桩编号", ("界桩号", "桩号", "编号", "marker_no", "marker", "number")),
    "line": Column("界线", ("界线名称", "界线编号", "所属界线", "line")),
    "type": Column("类型", ("界桩类型", "形式", "type", "form")),
    **registers.POSITION,
    "elevation": Column("高程", ("elevation", "elevation_m", "height")),
    "custodian": Column("保管方", ("管护方", "保管单位", "custodian")),
    "condition": Column("状况", ("现状", "状态", "condition")),
    "registered_on": Column("登记日期", ("埋设日期", "registered_on", "date")),
    "note": Column("备注", ("说明", "note", "notes", "remark")),
}
REQUIRED = ("marker_no", ("lon", "x", "geometry"))

_NUMBER = re.compile(r"(\d{2,12})(\d{3})([QABCDE])")
CONDITIONS = {"完好": "intact", "损坏": "damaged", "丢失": "lost", "移位": "displaced",
              "方位物不全": "reference_incomplete", "受威胁": "threatened"}
_KIND_TYPES = {"单立": "Q", "同号双立": "AB", "双立": "AB", "同号三立": "CDE", "三立": "CDE"}
_FORMS = {"双面型": "双面型", "双面": "双面型", "三面型": "三面型", "三面": "三面型"}
# Stored fields a file may give; fields it has no column for are left as they are.
_BY_COLUMN = {"type": ("form",), "elevation": ("elevation_m",), "custodian": ("custodian_code",),
              "condition": ("condition",), "registered_on": ("registered_on",),
              "note": ("note",)}
_ALWAYS = ("line_id", "seq", "type", "lon", "lat", "source_x", "source_y", "source_datum")


def import_file(conn, actor: Actor, data: bytes, filename: str, *, source: str,
                coords: Coordinates | None = None) -> Report:
    """Import a marker register all or nothing; returns what each row did."""
    source = registers.source_name(source, "株洲市民政局界桩登记表2024")
    table = registers.read(data, filename, COLUMNS, required=REQUIRED)
    state = _Import(conn, actor, source, coords or Coordinates(), table.present)
    return registers.import_rows(conn, table, state.row, columns=COLUMNS)


class _Import:
    """The state of one file's import: lines seen, the lines the actor may write."""

    def __init__(self, conn, actor: Actor, source: str, coords: Coordinates,
                 present: set[str]) -> None:
        self.conn, self.actor, self.source, self.coords = conn, actor, source, coords
        self.present = present
        self.lines: dict[str, dict | None] = {}
        self.visible = inspections.visible_line_ids(conn, actor)
        self.tolerance = float(defaults()["marker_tolerance_m"])

    def col(self, row: Row, key: str) -> str:
        return row.column(key, COLUMNS)

    def row(self, row: Row, report: Report) -> None:
        new, warnings = self.read(row)
        current = fetch_one(self.conn, _Q["marker"], {"marker_no": new["marker_no"]})
        if current is None:
            marker_id = fetch_value(self.conn, _Q["insert_marker"], {
                **new, "source": self.source, "external_id": new["marker_no"]})
            audit.record(self.conn, self.actor, "marker.import", "boundary_marker", marker_id,
                         after=new)
            report.note(row.number, new["marker_no"], "added", warnings=warnings,
                        entity_id=marker_id)
            return
        if current["source"] != self.source:
            raise RowError(self.col(row, "marker_no"),
                           f"{new['marker_no']} is already registered from "
                           f"{current['source']!r}; a marker is imported from one register")
        given = set(_ALWAYS) | {f for c, fs in _BY_COLUMN.items() if c in self.present
                                for f in fs}
        changed = [f for f in sorted(given) if not _same(f, current[f], new[f])]
        if not changed:
            report.note(row.number, new["marker_no"], "unchanged", entity_id=current["id"])
            return
        merged = {**current, **{f: new[f] for f in given}}
        execute(self.conn, _Q["update_marker"], merged)
        audit.record(self.conn, self.actor, "marker.import", "boundary_marker", current["id"],
                     before={f: current[f] for f in changed},
                     after={f: new[f] for f in changed})
        report.note(row.number, new["marker_no"], "changed", changed, warnings,
                    entity_id=current["id"])

    def read(self, row: Row) -> tuple[dict[str, Any], list[dict]]:
        """The row as a marker to store, checked; and its warnings."""
        raw = row.text("marker_no") or ""
        marker_no = unicodedata.normalize("NFKC", raw).strip().upper()
        m = _NUMBER.fullmatch(marker_no)
        if not m or m.group(2) == "000":
            raise RowError(self.col(row, "marker_no"),
                           f"{raw!r} is not a marker number: the line number (digits), a "
                           "3-digit sequence 001–999 and the type Q, A–E (GB/T 17796), e.g. "
                           "43024304001Q")
        line_number, seq, kind = m.group(1), int(m.group(2)), m.group(3)
        line = self.line(row, line_number)
        form, kind = self.kind(row, kind)
        pos = registers.position(row, self.coords, COLUMNS)
        warnings = self.near_line(row, line, pos.lon, pos.lat)
        elevation = row.get("elevation")
        marker = {
            "marker_no": marker_no, "line_id": line["id"], "seq": seq, "type": kind,
            "form": form, "lon": pos.lon, "lat": pos.lat, "source_x": pos.source_x,
            "source_y": pos.source_y, "source_datum": pos.datum,
            "elevation_m": None if elevation is None else self.elevation(row, elevation),
            "custodian_code": self.custodian(row, line, kind),
            "condition": self.condition(row),
            "registered_on": registers.date(row.get("registered_on"),
                                            self.col(row, "registered_on")),
            "note": registers.clean_text(row, "note", COLUMNS, text.NOTE_MAX)}
        return marker, warnings

    def line(self, row: Row, line_number: str) -> dict:
        key = row.text("line") or line_number
        if key not in self.lines:
            self.lines[key] = fetch_one(self.conn, _Q["line"], {"key": key})
        line = self.lines[key]
        column = self.col(row, "line" if row.text("line") else "marker_no")
        if line is None:
            raise RowError(column, f"no boundary line {key} is registered (by number or name)")
        if line["number"] != line_number:
            raise RowError(self.col(row, "marker_no"),
                           f"the number starts with {line_number}, but {line['name']}'s "
                           f"number is {line['number']}")
        if self.visible is not None and line["id"] not in self.visible:
            raise RowError(column, f"{line['name']} is not a line your teams work on")
        return line

    def kind(self, row: Row, kind: str) -> tuple[str | None, str]:
        """The marker's form (双面型/三面型) and its checked type letter."""
        value = row.text("type")
        if value is None:
            return None, kind
        value = unicodedata.normalize("NFKC", value).strip()
        if value in _FORMS:
            return _FORMS[value], kind
        allowed = _KIND_TYPES.get(value, value.upper() if len(value) == 1 else None)
        if allowed is None:
            raise RowError(self.col(row, "type"),
                           f"{value!r} is not a marker type: Q, A–E, 单立, 同号双立, "
                           "同号三立, 双面型 or 三面型")
        if kind not in allowed:
            raise RowError(self.col(row, "type"),
                           f"{value} does not match the number's type letter {kind}")
        return None, kind

    def near_line(self, row: Row, line: dict, lon: float, lat: float) -> list[dict]:
        def metres(x: float, y: float) -> float:
            return fetch_value(self.conn, _Q["distance_to_line"],
                               {"line_id": line["id"], "lon": x, "lat": y})

        distance = metres(lon, lat)
        gcj02 = plausible.gcj02_warning(lon, lat, distance, metres, line["name"])
        if distance > self.tolerance:
            hint = "" if gcj02 is None else (
                f"; read as GCJ-02 (Amap, Tencent) it would be "
                f"{gcj02['if_gcj02_distance_m']:.0f} m from it: give crs gcj02")
            column = self.col(row, "lon" if row.get("lon") is not None else
                              "x" if row.get("x") is not None else "marker_no")
            raise RowError(column, f"the marker is {distance:.0f} m from {line['name']}; "
                                   f"markers must be within {self.tolerance:.0f} m of their "
                                   f"line{hint}")
        return [gcj02] if gcj02 else []

    def elevation(self, row: Row, value: Any) -> float:
        height = registers.number(value, self.col(row, "elevation"))
        if not -500 <= height <= 9000:
            raise RowError(self.col(row, "elevation"), f"{value!r} m is not a height in China "
                                                       "(-500 to 9000 m)")
        return height

    def custodian(self, row: Row, line: dict, kind: str) -> str:
        """The side that keeps the marker: the 保管方 cell (a party's code or name), else A
        and C the side with the smaller code, B and D the other, Q and E the smaller."""
        value = row.text("custodian")
        if value is None:
            return line["right_code"] if kind in "BD" else line["left_code"]
        names = fetch_one(self.conn, _Q["parties"], {"left": line["left_code"],
                                                     "right": line["right_code"]})
        for code, name in ((line["left_code"], names["left_name"]),
                           (line["right_code"], names["right_name"])):
            if value in (code, name) or (name and value.removesuffix("民政局") == name):
                return code
        raise RowError(self.col(row, "custodian"),
                       f"{value!r} is neither party of {line['name']} ({line['left_code']} "
                       f"{names['left_name']}, {line['right_code']} {names['right_name']})")

    def condition(self, row: Row) -> str:
        value = row.text("condition")
        if value is None:
            return "intact"
        if value in CONDITIONS.values():
            return value
        if value in CONDITIONS:
            return CONDITIONS[value]
        raise RowError(self.col(row, "condition"),
                       f"{value!r} is not a condition: {', '.join(CONDITIONS)}")


def _same(field: str, old: Any, new: Any) -> bool:
    if isinstance(old, float) or isinstance(new, float):
        if old is None or new is None:
            return old is new
        return abs(float(old) - float(new)) <= (1e-8 if field in ("lon", "lat") else 1e-4)
    return old == new
