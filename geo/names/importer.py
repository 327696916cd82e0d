"""Importing a department's existing place-name register in the shape of the national
place-name database's detail record, the shape ``GET /names/export`` writes
(``geo.names.export``): 标准名称, 罗马字母拼写, 类别 and its code, 所属政区 and its code, 位置描述,
含义, 来历, 历史沿革, 批准机关, 批准文号, 批准时间, 生效日期, the change (命名; 更名 with 原名称;
销名) and the place: a WKT or GeoJSON column, 经度/纬度 (or X/Y), or the features of a
GeoPackage or zipped Shapefile, converted to CGCS2000 as ``geo.registers`` reads them.

The key of a row is (source, 地名编号) where the register has ids, else (source, 标准名称 +
类别代码 + 所属政区代码). Importing the same file again changes nothing; a corrected file
updates the names its keys find and reports the fields that changed; fields the file has no
column for are left as they are. A file with a bad row (an empty name, an unknown category or
division, a bad date, a place outside China …) is refused whole, each bad row named with its
column and the reason (``geo.registers.import_rows``).

- 类别 is a code or a category's Chinese name (类别代码 a code), 所属政区 a code or a chain of
  names (湖南省株洲市荷塘区, 株洲市荷塘区, 荷塘区), resolved against ``place_categories`` and
  ``current_divisions``; where a code and a name are both given they must agree.
- 罗马字母拼写 is compared with the romanization civgeo computes (GB/T 16159, tone-less or
  tone-marked): another spelling is a warning, and the register's is kept, as entered by hand
  (``roman_manual``).
- 更名 with 原名称: the former name becomes a historical name leading to the new one (a
  standard name of that name, category and division already in civgeo is retired into it,
  with a warning); 销名: the name is kept as abolished from 生效日期 (or 批准时间).
- A name civgeo's workflow has renamed or abolished since it was imported is left as it is:
  its row is reported unchanged, with a warning.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo import audit, plausible, registers, text
from geo.audit import Actor
from geo.crs import geometry_gcj02_to_cgcs2000
from geo.db import execute, fetch_all, fetch_one, fetch_value, load_queries
from geo.divisions import check_code, division_prefix
from geo.errors import InvalidInput
from geo.names import export, gazetteer
from geo.names import romanize as rz
from geo.names.workflow import beijing_today
from geo.registers import Column, Coordinates, Report, Row, RowError

_Q = load_queries(__file__)

NAME_MAX = 100            # what place_names holds
ROMAN_MAX = 200
CHAIN_MAX = 100           # 所属政区 as a chain of names: province to community
EXAMPLE = "荷塘区标准地名录2024"
# The headings the export writes ("标准名称 name"), read as the columns they are.
_EXPORTED = {field: f"{zh} {field}" for field, zh in export.COLUMNS}


def _column(field: str, label: str, *aliases: str) -> Column:
    """A column read under its Chinese label, ``aliases``, the export's field name and the
    export's heading."""
    heading = (_EXPORTED[field],) if field in _EXPORTED else ()
    return Column(label, (*aliases, field, *heading))


_POSITION = registers.POSITION
COLUMNS = {
    "change": _column("change", "变更类型", "变更", "change_type"),
    "external_id": _column("id", "地名编号", "地名代码", "记录编号", "record_id", "ext_id"),
    "name": _column("name", "标准名称", "地名", "名称", "standard_name"),
    "roman": _column("roman", "罗马字母拼写", "罗马字母", "汉语拼音", "拼音", "pinyin"),
    "former_name": _column("former_name", "原名称", "原名", "曾用名"),
    "category_code": _column("category_code", "类别代码", "地名类别代码", "类别编码"),
    "category": _column("category_name", "类别", "地名类别", "category"),
    "division_code": _column("division_code", "所属政区代码", "行政区划代码", "区划代码",
                             "政区代码"),
    "division": _column("division_name", "所属政区", "所属行政区", "行政区划", "政区",
                        "division"),
    "location_description": _column("location_description", "位置描述", "地理位置", "位置"),
    "meaning": _column("meaning", "含义", "地名含义"),
    "origin": _column("origin", "来历", "地名来历"),
    "history": _column("history", "历史沿革", "沿革"),
    "approved_by": _column("approved_by", "批准机关", "命名机关", "审批机关"),
    "document_no": _column("document_no", "批准文号", "文号"),
    "approved_on": _column("approved_on", "批准时间", "批准日期", "命名时间"),
    "effective_on": _column("effective_on", "生效日期", "启用日期", "启用时间"),
    "wkt": Column("几何", ("WKT", "GeoJSON", "geometry", "geom", "shape", "空间位置")),
    **_POSITION,
    "lon": _column("lon", "经度", *_POSITION["lon"].aliases),
    "lat": _column("lat", "纬度", *_POSITION["lat"].aliases),
}
REQUIRED = ("name", ("category_code", "category"), ("division_code", "division"))
CHANGES = {"命名": "standard", "新增": "standard", "更名": "standard", "销名": "abolished",
           "撤销": "abolished", "注销": "abolished", "naming": "standard",
           "renaming": "standard", "abolition": "abolished"}
_TEXTS = {"location_description": text.NOTE_MAX, "meaning": text.NOTE_MAX,
          "origin": text.NOTE_MAX, "history": text.NOTE_MAX, "approved_by": text.LINE_MAX,
          "document_no": text.LINE_MAX}
_PLACE = ("wkt", "lon", "lat", "x", "y", "geometry")
# Stored fields compared with the file, and the field a change of each is reported as.
_REPORTED = {"name": "name", "roman": "roman", "roman_toned": "roman", "roman_manual": "roman",
             "category_code": "category_code", "division_code": "division_code",
             **{f: f for f in _TEXTS}, "approved_on": "approved_on", "status": "status",
             "valid_from": "effective_on", "valid_to": "effective_on", "geom": "geometry"}
_SPELLING = ("roman", "roman_toned", "roman_manual", "proper", "generic", "pinyin",
             "proper_pinyin", "initials")
_ROMAN = re.compile(r"[0-9A-Za-zÀ-ɏ'’ \-]+")


def import_file(conn, actor: Actor, data: bytes, filename: str, *, source: str,
                coords: Coordinates | None = None) -> Report:
    """Import a place-name register all or nothing; returns what each row did."""
    source = registers.source_name(source, EXAMPLE)
    table = registers.read(data, filename, COLUMNS, required=REQUIRED)
    state = _Import(conn, actor, source, coords or Coordinates(), table.present)
    return registers.import_rows(conn, table, state.row, columns=COLUMNS)


class _Import:
    """One file's import: the categories and divisions looked up, the keys seen."""

    def __init__(self, conn, actor: Actor, source: str, coords: Coordinates,
                 present: set[str]) -> None:
        self.conn, self.actor, self.source, self.coords = conn, actor, source, coords
        self.present = present
        self.categories = gazetteer.categories(conn)
        if not self.categories:
            raise InvalidInput("no place-name categories are loaded (civgeo fixtures load "
                               "loads them)", field="file")
        self.category_names = {c["name"]: code for code, c in self.categories.items()}
        self.divisions: dict[str, str | None] = {}
        self.chains: dict[str, list[str]] = {}
        self.seen: dict[str, int] = {}
        self.today = beijing_today()

    def col(self, row: Row, key: str) -> str:
        return row.column(key, COLUMNS)

    # -------------------------------------------------------------- one row

    def row(self, row: Row, report: Report) -> None:
        new, key, former, warnings = self.read(row)
        current = fetch_one(self.conn, _Q["by_key"], {"source": self.source, "key": key},
                            prepared=True)
        if current is None:
            name_id = self.add(new, key, former, warnings)
            report.note(row.number, key, "added", warnings=warnings, entity_id=name_id)
        elif (why := _superseded(current)) is not None:
            report.note(row.number, key, "unchanged", warnings=[why], entity_id=current["id"])
        else:
            fields = self.update(current, new, former, warnings)
            report.note(row.number, key, "changed" if fields else "unchanged", fields,
                        warnings if fields else None, entity_id=current["id"])

    def add(self, new: dict, key: str, former: str | None, warnings: list[dict]) -> int:
        name_id = fetch_value(self.conn, _Q["insert_name"], {
            **new, "wkb": _wkb(new["geom"]), "source": self.source, "external_id": key})
        if new["status"] == "standard":
            warnings += self.duplicates(new, name_id)
        if former:
            warnings += self.write_former(name_id, new, former, ("add",))
        audit.record(self.conn, self.actor, "names.import", "place_name", name_id,
                     after=_shown({k: v for k, v in new.items() if k in _REPORTED}
                                  | ({"former_name": former} if former else {})))
        return name_id

    def update(self, current: dict, new: dict, former: str | None,
               warnings: list[dict]) -> list[str]:
        """Write what the row changes of a name imported before; the fields changed."""
        old = _stored(current)
        given = self.given(new, old)
        merged = {**old, **{f: new[f] for f in given}}
        if merged["status"] == "abolished" and "valid_to" in given:
            merged["valid_from"] = old["valid_from"]     # the day it was named stays
            if merged["valid_from"] is not None and merged["valid_from"] >= merged["valid_to"]:
                merged["valid_from"] = None
        changed = {f for f in _REPORTED if not _same(old[f], merged[f])}
        step = (self.former_step(current["id"], former, merged["valid_from"])
                if former and merged["status"] == "standard" and merged["valid_from"]
                else None)
        fields = sorted({_REPORTED[f] for f in changed} | ({"former_name"} if step else set()))
        if changed:
            execute(self.conn, _Q["update_name"], {**merged, "wkb": _wkb(merged["geom"]),
                                                   "id": current["id"]})
        if step:
            warnings += self.write_former(current["id"], merged, former, step)
        if fields:
            audit.record(self.conn, self.actor, "names.import", "place_name", current["id"],
                         before=_shown({f: old[f] for f in changed}),
                         after=_shown({f: merged[f] for f in changed}
                                      | ({"former_name": former} if step else {})))
        return fields

    def given(self, new: dict, old: dict) -> set[str]:
        """The stored fields the file gives (columns it lacks leave theirs as they are)."""
        fields = {"name", "category_code", "division_code", "proper", "generic", "pinyin",
                  "proper_pinyin", "initials"}
        fields |= {f for f in (*_TEXTS, "approved_on") if f in self.present}
        if "roman" in self.present or new["name"] != old["name"]:
            fields |= set(_SPELLING)
        if "change" in self.present:
            fields.add("status")
        # Without 变更类型 a name keeps its status, and an abolished one its dates.
        if self.present & {"change", "approved_on", "effective_on"} and (
                "change" in self.present or old["status"] == "standard"):
            fields |= {"valid_from", "valid_to"}
        if self.present & set(_PLACE):
            fields.add("geom")
        return fields

    def read(self, row: Row) -> tuple[dict[str, Any], str, str | None, list[dict]]:
        """The row as a name to store, checked; its key, its former name and warnings."""
        name = registers.clean_text(row, "name", COLUMNS, NAME_MAX)
        if name is None:
            raise RowError(self.col(row, "name"), "the standard name is empty")
        category = self.category(row)
        division = self.division(row)
        status, former = self.change(row, name)
        approved_on = self.day(row, "approved_on")
        effective_on = self.day(row, "effective_on") or approved_on
        if effective_on is None and (status == "abolished" or former):
            raise RowError(self.col(row, "effective_on" if "effective_on" in self.present
                                    else "approved_on"),
                           "a 销名 needs the day the name ended" if status == "abolished" else
                           f"a renaming (原名称 {former}) needs the day it took effect: "
                           "生效日期 or 批准时间")
        record: dict[str, Any] = {
            "name": name, "category_code": category, "division_code": division,
            "status": status, "approved_on": approved_on,
            "valid_from": effective_on if status == "standard" else None,
            "valid_to": effective_on if status == "abolished" else None,
            **{f: registers.clean_text(row, f, COLUMNS, limit) for f, limit in _TEXTS.items()}}
        spelling, warnings = self.spelling(row, name, category)
        record.update(spelling)
        record["geom"] = self.place(row)
        if record["geom"] is None and status == "standard":
            warnings.append({"code": "no_location", "message": "no location: the national "
                             "record needs the name's geometry"})
        key_column = "external_id" if row.text("external_id") else "name"
        key = (registers.clean_text(row, "external_id", COLUMNS, text.CODE_MAX)
               or f"{name}/{category}/{division}")
        if key in self.seen:
            raise RowError(self.col(row, key_column), f"{key} is given twice (rows "
                                                      f"{self.seen[key]} and {row.number})")
        self.seen[key] = row.number
        return record, key, former, warnings

    # -------------------------------------------------------------- fields

    def category(self, row: Row) -> str:
        """The category's code, from 类别代码 and/or 类别 (a code or a name)."""
        code = None
        if (cell := row.text("category_code")) is not None:
            code = self.category_code(cell)
            if code is None:
                raise RowError(self.col(row, "category_code"), self.unknown_category(cell))
        if (cell := row.text("category")) is not None:
            plain = unicodedata.normalize("NFKC", cell).strip()
            named = (self.category_code(plain) if plain.isdigit()
                     else self.category_names.get(re.sub(r"\s+", "", plain)))
            if named is None:
                raise RowError(self.col(row, "category"), self.unknown_category(cell))
            if code is not None and named != code:
                raise RowError(self.col(row, "category"),
                               f"{cell} is category {named}, but {self.col(row, 'category_code')}"
                               f" says {code}: make them agree")
            code = named
        if code is None:
            raise RowError(self.col(row, "category_code" if "category_code" in self.present
                                    else "category"), "the category is empty")
        return code

    def category_code(self, cell: str) -> str | None:
        code = unicodedata.normalize("NFKC", cell).strip()
        if code.isdigit() and len(code) % 2:      # a spreadsheet drops the leading zero
            code = "0" + code
        return code if code in self.categories else None

    def unknown_category(self, cell: str) -> str:
        known = "、".join(f"{c} {self.categories[c]['name']}" for c in ("0801", "0403", "0502")
                         if c in self.categories)
        return f"{cell!r} is not a category code or name civgeo knows (e.g. {known})"

    def division(self, row: Row) -> str:
        """The division's code, from 所属政区代码 and/or 所属政区 (a code or a chain of names)."""
        code = None
        if (cell := row.text("division_code")) is not None:
            code = self.division_code(row, "division_code", cell)
        if (cell := row.text("division")) is not None:
            plain = unicodedata.normalize("NFKC", cell).strip()
            column = self.col(row, "division")
            if plain.isdigit():
                found = [self.division_code(row, "division", plain)]
            else:
                found = self.resolve(plain)
            if code is not None:
                code = self.agreeing(row, code, found, cell)
            elif not found:
                raise RowError(column, f"no current division is called {cell}")
            elif len(found) > 1:
                raise RowError(column, f"{len(found)} divisions are called {cell} "
                                       f"({', '.join(found[:5])}): give "
                                       f"{COLUMNS['division_code'].label} or the divisions "
                                       f"above it (株洲市荷塘区)")
            else:
                code = found[0]
        if code is None:
            raise RowError(self.col(row, "division_code" if "division_code" in self.present
                                    else "division"), "the division is empty")
        return code

    def agreeing(self, row: Row, code: str, found: list[str], cell: str) -> str:
        """The division where 所属政区代码 and 所属政区 agree: the code, or the division the
        name means when it lies under the code (a township named under its county's code)."""
        if code in found or any(code.startswith(division_prefix(f)) for f in found):
            return code
        inner = [f for f in found if f.startswith(division_prefix(code))]
        if len(inner) == 1:
            return inner[0]
        raise RowError(self.col(row, "division"), f"{cell} is not division {code} "
                                                  f"({self.divisions[code]}) nor under it")

    def division_code(self, row: Row, key: str, cell: str) -> str:
        code = unicodedata.normalize("NFKC", cell).strip()
        try:
            check_code(code, key)
        except InvalidInput as exc:
            raise RowError(self.col(row, key), exc.detail) from None
        if code not in self.divisions:
            found = fetch_one(self.conn, _Q["division"], {"code": code})
            self.divisions[code] = found and found["name"]
        if self.divisions[code] is None:
            raise RowError(self.col(row, key), f"no current division has the code {code}")
        return code

    def resolve(self, chain: str) -> list[str]:
        """The codes of the current divisions a chain of names can mean: the last name a
        division's (or without its generic: 荷塘 for 荷塘区), each name before it one of the
        divisions above, in order, any of them left out."""
        plain = re.sub(r"[\s/\\>＞,，、·\-—]+", "", chain)
        if len(plain) > CHAIN_MAX:
            return []
        if plain not in self.chains:
            found = []
            rows = fetch_all(self.conn, _Q["divisions_named"],
                             {"texts": [plain[i:] for i in range(len(plain))]})
            for d in rows:
                self.divisions.setdefault(d["code"], d["name"])
                for ending in (d["name"], d["short"]):
                    if ending and plain.endswith(ending) and _above(
                            plain[:-len(ending)], d["above"], d["above_short"]):
                        found.append(d["code"])
                        break
            self.chains[plain] = found
        return self.chains[plain]

    def change(self, row: Row, name: str) -> tuple[str, str | None]:
        """The name's status from 变更类型, and its former name (原名称) if renamed."""
        status = "standard"
        if (cell := row.text("change")) is not None:
            status = CHANGES.get(unicodedata.normalize("NFKC", cell).strip().lower(), "")
            if not status:
                raise RowError(self.col(row, "change"), f"{cell!r} is not a change: 命名, 更名 "
                                                        "(with 原名称) or 销名")
        former = registers.clean_text(row, "former_name", COLUMNS, NAME_MAX)
        if former is not None and status == "abolished":
            raise RowError(self.col(row, "former_name"), "a 销名 has no 原名称: the name "
                                                         "abolished is 标准名称")
        if former == name:
            raise RowError(self.col(row, "former_name"), "原名称 is the standard name itself")
        return status, former

    def day(self, row: Row, key: str) -> dt.date | None:
        column = self.col(row, key)
        day = registers.date(row.get(key), column)
        if day is not None and day > self.today:
            raise RowError(column, f"{day} is in the future: the register records names "
                                   "in force (a later name goes through an application)")
        return day

    def spelling(self, row: Row, name: str, category: str) -> tuple[dict, list[dict]]:
        """The romanization stored, and a warning where the register's differs from
        civgeo's."""
        computed = self.spelled(name, category)
        given = registers.clean_text(row, "roman", COLUMNS, ROMAN_MAX)
        column = self.col(row, "roman")
        warnings: list[dict] = []
        if given is not None:
            given = re.sub(r"\s+", " ", unicodedata.normalize("NFC", given)).strip()
            if not _ROMAN.fullmatch(given):
                raise RowError(column, f"{given!r}: a romanization is Latin letters (with "
                                       "tone marks), digits, spaces, apostrophes and hyphens")
        if given is None or given in (computed["roman"], computed["roman_toned"]):
            if computed["roman"] is None:
                warnings.append({"code": "roman_needed", "field": column, "message": (
                    f"{name} is not romanized by rule (a minority-language or non-Chinese "
                    f"name): give its {COLUMNS['roman'].label}")})
            return {**computed, "roman_manual": False}, warnings
        if computed["roman"] is not None:
            warnings.append({"code": "roman_differs", "field": column, "given": given,
                             "computed": computed["roman"], "message": (
                                 f"{COLUMNS['roman'].label} {given} differs from civgeo's "
                                 f"romanization {computed['roman']} (GB/T 16159); the "
                                 "register's spelling is kept")})
        return {**computed, "roman": given, "roman_toned": given, "roman_manual": True}, warnings

    def spelled(self, name: str, category: str) -> dict[str, Any]:
        """What civgeo computes from a name: romanization (None where it is entered by
        hand), 专名 and 通名, search keys."""
        generic = rz.split(name, category=category).generic
        proper = name[: len(name) - len(generic)]
        try:
            roman = rz.romanize(name, joined=self.categories[category]["joined"],
                                category=category)
            plain, toned = roman.plain, roman.toned
        except InvalidInput:
            plain = toned = None
        keys = gazetteer.search_keys(name, proper)
        return {"roman": plain, "roman_toned": toned, "proper": proper, "generic": generic,
                "pinyin": keys.pinyin, "proper_pinyin": keys.proper_pinyin,
                "initials": keys.initials}

    def place(self, row: Row) -> BaseGeometry | None:
        """The name's geometry in CGCS2000: a WKT/GeoJSON cell, the feature's geometry, or
        the point of 经度/纬度 (X/Y); None when the row gives none."""
        if row.text("wkt") is not None:
            column = self.col(row, "wkt")
            geom = self.drawn(row, column)
        elif row.geometry is not None:
            column = "geometry"
            geom = registers.transform_geometry(row.geometry, row, self.coords)
        elif any(row.get(k) is not None for k in ("lon", "lat", "x", "y")):
            pos = registers.position(row, self.coords, COLUMNS)
            return Point(pos.lon, pos.lat)
        else:
            return None
        return _checked(shapely.force_2d(geom), column)

    def drawn(self, row: Row, column: str) -> BaseGeometry:
        value = row.text("wkt")
        try:
            geom = (shapely.from_geojson(value) if value.startswith("{")
                    else shapely.from_wkt(value))
        except (shapely.errors.ShapelyError, ValueError) as exc:
            raise RowError(column, f"neither WKT nor GeoJSON: {exc}") from None
        d = registers.row_datum(row, self.coords)
        if d.name == "GCJ02":
            return geometry_gcj02_to_cgcs2000(_checked(shapely.force_2d(geom), column))
        if d.name in registers.LEGACY or d.projected:
            raise RowError(self.col(row, "crs"), f"a {column} cell is read in CGCS2000, WGS 84 "
                                                 f"or GCJ-02 lon/lat, not {d.label or d.name}")
        return geom

    # -------------------------------------------------------------- related names

    def duplicates(self, new: dict, name_id: int) -> list[dict]:
        """A warning when the name is already a standard name of its category and division."""
        others = fetch_all(self.conn, _Q["standard_named"], {
            "name": new["name"], "category_code": new["category_code"],
            "division_code": new["division_code"], "id": name_id}, prepared=True)
        if not others:
            return []
        listed = ", ".join(f"id {o['id']} from {o['source']}" for o in others[:3])
        return [{"code": "duplicate", "message": f"{new['name']} is already a standard name "
                                                 f"of category {new['category_code']} in "
                                                 f"{new['division_code']} ({listed})"}]

    def former_step(self, name_id: int, former: str, on: dt.date) -> tuple | None:
        """What recording the former name needs: nothing (None), ("update", id) of the
        former name this register gave, or ("add",)."""
        found = fetch_one(self.conn, _Q["former_of"], {"id": name_id, "name": former})
        if found is not None and found["name"] == former:
            if found["valid_to"] == on or found["source"] != self.source:
                return None
            return ("update", found["id"])
        if found is not None and found["source"] == self.source:
            return ("update", found["id"])       # 原名称 corrected
        return ("add",)

    def write_former(self, name_id: int, new: dict, former: str, step: tuple | None
                     ) -> list[dict]:
        """Record the former name: update it, retire the standard name it was, or add it."""
        if step is None:
            return []
        spelled = self.spelled(former, new["category_code"])
        on = new["valid_from"]
        if step[0] == "update":
            execute(self.conn, _Q["update_former"], {**spelled, "id": step[1], "on": on})
            return []
        for other in fetch_all(self.conn, _Q["standard_named"], {
                "name": former, "category_code": new["category_code"],
                "division_code": new["division_code"], "id": name_id}):
            if fetch_one(self.conn, _Q["retire"], {"id": other["id"], "on": on,
                                                   "current_id": name_id}):
                audit.record(self.conn, self.actor, "names.import.retire", "place_name",
                             other["id"], after={"status": "historical", "valid_to": on,
                                                 "current_id": name_id})
                return [{"code": "former_retired", "message": (
                    f"{former} (id {other['id']}, from {other['source']}) was a standard name:"
                    f" it is now the former name of {new['name']}, historical from {on}")}]
        execute(self.conn, _Q["insert_former"], {**spelled, "name": former, "on": on,
                                                 "current_id": name_id, "source": self.source})
        return []


def _above(prefix: str, names: list[str], shorts: list[str]) -> bool:
    """Whether ``prefix`` is made of the divisions above, in order, any left out."""
    for name, short in zip(names, shorts, strict=True):
        for form in (name, short):
            if form and prefix.startswith(form):
                prefix = prefix[len(form):]
                break
    return prefix == ""


def _checked(geom: BaseGeometry, column: str) -> BaseGeometry:
    """``geom`` if it is valid, not empty and in China, else RowError naming ``column``."""
    try:
        plausible.geometry(geom, column)
    except InvalidInput as exc:
        raise RowError(column, exc.detail.removeprefix(f"{column}: ")) from None
    return geom


def _superseded(current: dict) -> dict | None:
    """Why an imported name is no longer the register's to change, or None."""
    if current["status"] == "historical" and current["renamed_to_id"] is not None:
        return {"code": "renamed_in_civgeo", "message": (
            f"{current['name']} was renamed in civgeo to {current['renamed_to']} (id "
            f"{current['renamed_to_id']}) after it was imported: the row is not applied")}
    if current["status"] == "abolished" and current["abolished_by"] is not None:
        return {"code": "abolished_in_civgeo", "message": (
            f"{current['name']} was abolished in civgeo (application "
            f"{current['abolished_by']}) after it was imported: the row is not applied")}
    return None


def _stored(current: dict) -> dict[str, Any]:
    """A stored name in the fields an import writes."""
    out = {k: current[k] for k in ("name", "roman", "roman_toned", "roman_manual",
                                   "category_code", "division_code", "approved_on", "status",
                                   "valid_from", "valid_to", *_TEXTS)}
    out["geom"] = None if current["wkb"] is None else shapely.from_wkb(bytes(current["wkb"]))
    return out


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, BaseGeometry) or isinstance(new, BaseGeometry):
        return (old is not None and new is not None and old.geom_type == new.geom_type
                and old.equals_exact(new, 1e-9))
    return old == new


def _wkb(geom: BaseGeometry | None) -> bytes | None:
    return None if geom is None else shapely.to_wkb(geom)


def _shown(values: dict) -> dict:
    return {k: v.wkt if isinstance(v, BaseGeometry) else v for k, v in values.items()}
