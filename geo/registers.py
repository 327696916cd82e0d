"""Reading the registers a department already keeps: CSV (UTF-8, with or without a BOM, or
GB18030 as Chinese Excel writes it), XLSX, GeoPackage and zipped Shapefiles; columns named
in Chinese as the registers have them (界桩编号, 经度, 道路名称, 门牌号 …) or in English; and
their coordinates, in any coordinate system civgeo can convert to CGCS2000 exactly.

Coordinates: CGCS2000 (EPSG:4490) and WGS 84 lon/lat are taken as they are (they differ
by centimetres); GCJ-02 is converted (``geo.crs``); CGCS2000 3-degree Gauss–Krüger X/Y
(EPSG:4513–4554) are projected back with pyproj. X is the northing and Y the easting (the
Chinese surveying order of a 界桩成果表), the zone from Y's prefix, a 带号 or 中央子午线
column, or the crs given. Xi'an 1980 and Beijing 1954 are refused: PROJ knows only a
ballpark (no-op) transformation to CGCS2000, and the official 7-parameter sets are
provincial and not public. Whoever holds them may give them (``datum_params``: dx, dy, dz
in metres, rx, ry, rz in arc-seconds, ds in ppm, position-vector, to CGCS2000).

An import (``import_rows``) stores every row or none: each row runs in a savepoint, a row
that fails is noted with its row number (as the spreadsheet shows it, the header being row 1)
and the column at fault, and if any failed the whole file is refused (InvalidInput with
``errors``) and the caller's transaction rolls back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pyproj
from shapely.geometry.base import BaseGeometry

from geo import plausible, text
from geo.crs import to_cgcs2000
from geo.db import transaction
from geo.errors import DomainError, InvalidInput

MAX_ROWS = 50_000
MAX_ERRORS = 1_000        # errors listed in a refusal; the count says how many in all


@dataclass(frozen=True)
class Column:
    """A field of a register: its name in Chinese (as errors name it) and the headers read
    as it (compared without case, spaces, full-width forms or a unit in brackets)."""

    label: str
    aliases: tuple[str, ...]


@dataclass
class Row:
    """One data row: its number as the spreadsheet shows it, values by field name (None
    when empty), the headers they came from, and the feature's geometry (GPKG, SHP)."""

    number: int
    values: dict[str, Any]
    headers: dict[str, str]
    geometry: BaseGeometry | None = None
    crs: str | None = None

    def get(self, key: str) -> Any:
        return self.values.get(key)

    def text(self, key: str) -> str | None:
        """The value as stripped text, None when empty (12.0 from a spreadsheet → '12')."""
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value).strip()
        return value or None

    def column(self, key: str, columns: dict[str, Column]) -> str:
        """The header of ``key`` in this file, or its Chinese name when it has none."""
        return self.headers.get(key) or columns[key].label


@dataclass
class Table:
    """The rows of a register file and the fields its header provides."""

    rows: list[Row]
    present: set[str]
    kind: str                  # csv, xlsx, gpkg, shp


@dataclass
class Report:
    """What an import did, row by row."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    rows: list[dict] = field(default_factory=list)

    def note(self, row: int, key: str, status: str, changed: Iterable[str] = (),
             warnings: list[dict] | None = None, entity_id: int | None = None) -> None:
        setattr(self, status, getattr(self, status) + 1)
        item: dict[str, Any] = {"row": row, "key": key, "status": status, "id": entity_id}
        if status == "changed":
            item["fields"] = sorted(changed)
        if warnings:
            item["warnings"] = warnings
        self.rows.append(item)

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "changed": self.changed, "unchanged": self.unchanged,
                "rows": self.rows}


class RowError(Exception):
    """A row refused: its column and the reason (raised by a row's check)."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


# ------------------------------------------------------------------ reading files

def _norm(header: Any) -> str:
    text = unicodedata.normalize("NFKC", str(header or "")).strip().lower()
    text = re.sub(r"[(\[].*?[)\]]$", "", text)          # 高程(m), 经度(°)
    return re.sub(r"[\s_\-./]", "", text)


def decode_text(data: bytes) -> str:
    """A text file's content: UTF-8 (a BOM is dropped), else GB18030 (which Chinese Excel
    writes and which includes GBK and GB2312), else InvalidInput naming the file."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise InvalidInput("the file is neither UTF-8 nor GB18030 text", field="file") from None


def sniff(data: bytes, filename: str = "") -> str:
    """The file's format from its first bytes (and its name for a CSV): csv, xlsx, gpkg,
    shp (a zip holding a .shp)."""
    if data.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            raise InvalidInput("the file looks like a zip archive but cannot be read",
                               field="file") from None
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.lower().endswith(".shp") for n in names):
            return "shp"
        raise InvalidInput("a zip must be an .xlsx workbook or a zipped Shapefile "
                           "(.shp, .dbf, .shx, .prj)", field="file")
    if filename.lower().endswith((".xls",)) or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidInput("old Excel .xls files are not read: save the sheet as .xlsx or "
                           "CSV", field="file")
    return "csv"


Cells = list[tuple[int, list[Any]]]
Features = list[tuple[BaseGeometry | None, str | None]]


def raw_rows(data: bytes, filename: str = "") -> tuple[str, Cells, Features]:
    """The file's rows as (row number, cells), a spreadsheet's or CSV's header among them,
    and for a GeoPackage or Shapefile each feature's geometry and CRS (header first)."""
    kind = sniff(data, filename)
    if kind == "csv":
        text = decode_text(data)
        first = text.split("\n", 1)[0]
        dialect = "excel-tab" if first.count("\t") > first.count(",") else "excel"
        # newline="": the csv module reads a bare CR (old Mac Excel) as a line end itself
        rows = [(i, cells) for i, cells in enumerate(csv.reader(io.StringIO(text, newline=""),
                                                                dialect=dialect), 1)]
        return kind, rows, []
    if kind == "xlsx":
        return kind, _xlsx_rows(data), []
    return kind, *_feature_rows(data, kind)


def _xlsx_rows(data: bytes) -> list[tuple[int, list[Any]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise InvalidInput(f"the workbook cannot be read: {exc}", field="file") from None
    sheet = book.worksheets[0]
    rows = [(i, list(cells)) for i, cells in enumerate(sheet.iter_rows(values_only=True), 1)]
    book.close()
    return rows


def _feature_rows(data: bytes, kind: str) -> tuple[Cells, Features]:
    import tempfile
    from pathlib import Path

    import pyogrio

    with tempfile.TemporaryDirectory(prefix="civgeo-import-") as folder:
        try:
            if kind == "shp":
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    for name in archive.namelist():
                        if not name.endswith("/"):
                            (Path(folder) / Path(name).name).write_bytes(archive.read(name))
                path = next(Path(folder).glob("*.shp"))
            else:
                path = Path(folder) / "register.gpkg"
                path.write_bytes(data)
            frame = pyogrio.read_dataframe(path)
        except Exception as exc:  # GDAL's errors come as several types
            raise InvalidInput(f"the {kind.upper()} file cannot be read: {exc}",
                               field="file") from None
    crs = frame.crs.to_wkt() if frame.crs is not None else None
    columns = [c for c in frame.columns if c != frame.geometry.name]
    rows: Cells = [(1, columns)]
    geoms: Features = [(None, None)]
    for i, (_, record) in enumerate(frame.iterrows(), 2):
        rows.append((i, [_plain(record[c]) for c in columns]))
        geom = record[frame.geometry.name]
        geoms.append((None if geom is None or geom.is_empty else geom, crs))
    return rows, geoms


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):           # numpy scalars
        return value.item()
    return value


def read(data: bytes, filename: str, columns: dict[str, Column], *,
         required: Iterable[str | tuple[str, ...]] = ()) -> Table:
    """The rows of a register file, values by field. The header is the first row (of the
    first ten) naming one of ``columns``; a title above it is skipped. ``required`` lists
    fields, or tuples of alternatives (one of which must be there); a GeoPackage's or
    Shapefile's geometry stands for the coordinates."""
    kind, rows, geoms = raw_rows(data, filename)
    lookup = {_norm(alias): key for key, col in columns.items()
              for alias in (col.label, key, *col.aliases)}
    header_at = next((i for i, (_, cells) in enumerate(rows[:10])
                      if sum(_norm(c) in lookup for c in cells) >= 2), None)
    if header_at is None:
        raise InvalidInput(f"row 1: no header found; the columns are {_columns_help(columns)}",
                           field="file", errors=[{"row": 1, "field": "header",
                                                  "reason": "no known column"}])
    header_number, header = rows[header_at]
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    for i, cell in enumerate(header):
        key = lookup.get(_norm(cell))
        if key and key not in positions:
            positions[key], names[key] = i, str(cell).strip()
    present = set(positions) | ({"geometry"} if geoms else set())
    missing = [need for need in required
               if not (set(need) if isinstance(need, tuple) else {need}) & present]
    if missing:
        wanted = ["/".join(columns[k].label for k in need) if isinstance(need, tuple)
                  else columns[need].label for need in missing]
        reason = (f"the header (row {header_number}) lacks {', '.join(wanted)}; the columns "
                  f"are {_columns_help(columns)}")
        raise InvalidInput(reason, field="file", errors=[
            {"row": header_number, "field": w, "reason": "required column missing"}
            for w in wanted])
    out = []
    for index, (number, cells) in enumerate(rows[header_at + 1:], header_at + 1):
        values = {key: _cell(cells, pos) for key, pos in positions.items()}
        geom, crs = geoms[index] if geoms else (None, None)
        if all(v is None for v in values.values()) and geom is None:
            continue                                     # a blank line
        out.append(Row(number, values, names, geom, crs))
    if len(out) > MAX_ROWS:
        raise InvalidInput(f"at most {MAX_ROWS:,} rows per import, not {len(out):,}",
                           field="file")
    if not out:
        raise InvalidInput("the file has a header but no rows", field="file")
    return Table(out, present, kind)


def _cell(cells: list[Any], pos: int) -> Any:
    value = cells[pos] if pos < len(cells) else None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _columns_help(columns: dict[str, Column]) -> str:
    return "; ".join(f"{c.label} ({', '.join(a for a in c.aliases if a != c.label)})"
                     for c in columns.values())


# ------------------------------------------------------------------ coordinate systems

@dataclass(frozen=True)
class Datum:
    """What a coordinate label names: a datum and, if given, the EPSG code of the system."""

    name: str                  # CGCS2000, WGS84, GCJ02, Xian1980, Beijing1954
    epsg: int | None = None
    projected: bool | None = None
    label: str = ""


# Where a register gives a position: longitude/latitude, or Gauss–Krüger X (northing) and
# Y (easting) with the zone, and the coordinate system it is in.
POSITION = {
    "lon": Column("经度", ("东经", "lon", "lng", "longitude")),
    "lat": Column("纬度", ("北纬", "lat", "latitude")),
    "x": Column("X", ("X坐标", "北坐标", "纵坐标", "northing")),
    "y": Column("Y", ("Y坐标", "东坐标", "横坐标", "easting")),
    "crs": Column("坐标系", ("坐标系统", "crs", "srs", "datum")),
    "zone": Column("带号", ("投影带号", "zone")),
    "central_meridian": Column("中央子午线", ("中央经线", "central_meridian", "cm")),
}


LEGACY = {"Xian1980": "Xi'an 1980 (西安80)", "Beijing1954": "Beijing 1954 (北京54)"}
_LABELS = {
    "CGCS2000": ("cgcs2000", "cgcs", "2000", "国家2000", "2000国家大地坐标系", "cgcs2000坐标系",
                 "中国2000", "2000坐标系"),
    "WGS84": ("wgs84", "wgs1984", "gps", "wgs84坐标系"),
    "GCJ02": ("gcj02", "gcj", "火星坐标", "高德", "amap"),
    "Xian1980": ("xian1980", "xian80", "xi'an1980", "xi'an80", "西安80", "西安1980",
                 "1980西安坐标系", "西安80坐标系", "1980西安"),
    "Beijing1954": ("beijing1954", "beijing54", "北京54", "北京1954", "1954北京坐标系",
                    "北京54坐标系", "1954北京"),
}
_BY_LABEL = {_norm(a): name for name, aliases in _LABELS.items() for a in aliases}


@lru_cache(maxsize=256)
def datum(label: str) -> Datum:
    """The datum a label names: 'CGCS2000', '西安80', 'EPSG:4547', 'WGS84', 'gcj02' …

    >>> datum("EPSG:2383").name, datum("北京54").name, datum("EPSG:4547").projected
    ('Xian1980', 'Beijing1954', True)
    """
    text = str(label).strip()
    m = re.fullmatch(r"(?:epsg:?)?(\d{4,5})", _norm(text))
    if m and m.group(1) != "2000":
        code = int(m.group(1))
        try:
            crs = pyproj.CRS.from_epsg(code)
        except pyproj.exceptions.CRSError:
            raise ValueError(f"EPSG:{code} is not a coordinate system PROJ knows") from None
        geodetic = crs.geodetic_crs.name if crs.geodetic_crs else ""
        name = next((n for n, words in (("CGCS2000", ("China Geodetic Coordinate System 2000",
                                                      "CGCS2000")),
                                        ("WGS84", ("WGS 84",)),
                                        ("Xian1980", ("Xian 1980",)),
                                        ("Beijing1954", ("Beijing 1954",)))
                     if any(w in geodetic for w in words)), None)
        if name is None:
            raise ValueError(f"EPSG:{code} ({crs.name}) is not CGCS2000, WGS 84, Xi'an 1980 "
                             "or Beijing 1954")
        return Datum(name, code, crs.is_projected, text)
    name = _BY_LABEL.get(_norm(text))
    if name is None:
        raise ValueError(f"{text!r} is not a coordinate system civgeo knows (CGCS2000, "
                         "WGS84, GCJ02, EPSG:4513–4554, 西安80, 北京54)")
    return Datum(name, label=text)


@dataclass(frozen=True)
class Position:
    """A converted point, with the coordinates as given and their datum kept beside it."""

    lon: float
    lat: float
    source_x: float
    source_y: float
    datum: str


@dataclass(frozen=True)
class Coordinates:
    """How a file's coordinates are read: the crs the user gave (None: CGCS2000 unless a
    row says otherwise) and, for a legacy datum, its 7 parameters to CGCS2000."""

    crs: str | None = None
    datum_params: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.crs is not None:
            try:
                datum(self.crs)
            except ValueError as exc:
                raise InvalidInput(str(exc), field="crs") from None
        if self.datum_params is not None and len(self.datum_params) != 7:
            raise InvalidInput("datum_params are 7 numbers: dx,dy,dz (m), rx,ry,rz (″), "
                               "ds (ppm)", field="datum_params")


def parse_params(text: str | None) -> tuple[float, ...] | None:
    """'dx,dy,dz,rx,ry,rz,ds' as 7 numbers, or None."""
    if text in (None, ""):
        return None
    try:
        values = tuple(float(v) for v in re.split(r"[,\s]+", text.strip()))
    except ValueError:
        raise InvalidInput("datum_params must be 7 numbers separated by commas",
                           field="datum_params") from None
    if len(values) != 7 or not all(math.isfinite(v) for v in values):
        raise InvalidInput("datum_params are 7 numbers: dx,dy,dz (m), rx,ry,rz (″), ds (ppm)",
                           field="datum_params")
    return values


def degrees(value: Any, column: str) -> float:
    """A longitude or latitude: a number, or degrees, minutes and seconds (113°08′12.5″).

    >>> degrees("113°09′36″", "经度"), degrees("27度51分", "纬度")
    (113.16, 27.85)
    """
    if isinstance(value, str) and ("°" in value or "度" in value):
        text = unicodedata.normalize("NFKC", value).strip()
        parts = [float(p) for p in re.findall(r"\d+(?:\.\d+)?", text)]
        if not 1 <= len(parts) <= 3 or re.search(r"[^\d.\s°度′'’分″\"”秒NSEWnsew东西南北-]", text):
            raise RowError(column, f"{value!r} is not degrees, minutes and seconds")
        deg, minutes, seconds = (parts + [0.0, 0.0])[:3]
        if minutes >= 60 or seconds >= 60:
            raise RowError(column, f"{value!r}: minutes and seconds are below 60")
        sign = -1.0 if text.startswith("-") or re.search(r"[SWsw西南]", text) else 1.0
        return sign * round(deg + minutes / 60 + seconds / 3600, 10)
    return number(value, column)


def number(value: Any, column: str) -> float:
    """A finite number from a cell, or RowError naming the column."""
    try:
        return plausible.number(value, column, minimum=None)
    except InvalidInput:
        raise RowError(column, f"{value!r} is not a number") from None


def date(value: Any, column: str) -> dt.date | None:
    """A date from a cell: a spreadsheet date, 2003-05-01, 2003/5/1, 2003.5.1 or
    2003年5月1日; None when empty."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                     r"(?:[ T]00:00(?::00)?)?", text)
    try:
        if m is None:
            raise ValueError
        return dt.date(*(int(g) for g in m.groups()))
    except ValueError:
        raise RowError(column, f"{value!r} is not a date (2003-05-01, 2003/5/1, "
                               "2003年5月1日)") from None


def clean_text(row: Row, key: str, columns: dict[str, Column], max_length: int) -> str | None:
    """A text cell within the limits of ``geo.text`` (no control characters, at most
    ``max_length``), or None when empty."""
    value = row.text(key)
    if value is None:
        return None
    column = row.column(key, columns)
    try:
        return text.clean(value, column, max_length)
    except InvalidInput as exc:
        raise RowError(column, exc.detail.split(": ", 1)[-1]) from None


def _legacy_refusal(d: Datum) -> str:
    return (f"the coordinates are in {LEGACY[d.name]}"
            f"{f' (EPSG:{d.epsg})' if d.epsg else ''}: no official transformation to "
            "CGCS2000 is available (the 7-parameter sets are provincial and not public, and "
            "PROJ has only a ballpark one that can be metres off). Convert the register with "
            "your province's official parameters first, or give them (datum_params / "
            "--datum-params dx,dy,dz,rx,ry,rz,ds)")


def row_datum(row: Row, coords: Coordinates, crs_key: str = "crs") -> Datum:
    """The datum of a row: its 坐标系 cell, else the crs given, else CGCS2000. A row that
    names only the datum keeps the EPSG code given for the file; a row naming another datum
    than the one given is refused."""
    given = datum(coords.crs) if coords.crs else None
    cell = row.text(crs_key)
    column = row.headers.get(crs_key) or "坐标系"
    if cell is None:
        return given or Datum("CGCS2000")
    try:
        d = datum(cell)
    except ValueError as exc:
        raise RowError(column, str(exc)) from None
    if given is not None and given.name != d.name:
        raise RowError(column, f"the row says {d.label} but the file was given as "
                                f"{given.label}: say one")
    if d.epsg is None and given is not None:
        return given
    return d


def position(row: Row, coords: Coordinates, columns: dict[str, Column]) -> Position:
    """The row's point in CGCS2000: from 经度/纬度, from X/Y, or from the feature's point."""
    d = row_datum(row, coords)
    name = row.column
    if d.name in LEGACY and coords.datum_params is None:
        raise RowError(name("crs", columns), _legacy_refusal(d))
    if row.get("lon") is not None or row.get("lat") is not None:
        lon_col, lat_col = name("lon", columns), name("lat", columns)
        if row.get("lon") is None or row.get("lat") is None:
            raise RowError(lon_col if row.get("lon") is None else lat_col,
                           "give both 经度 and 纬度")
        lon, lat = degrees(row.get("lon"), lon_col), degrees(row.get("lat"), lat_col)
        if d.projected:
            raise RowError(name("crs", columns), f"{d.label} is projected (X/Y in metres), "
                                                 "but the row gives 经度/纬度")
        x, y = _geographic(lon, lat, d, coords)
        _inside(x, y, lon, lat, lon_col, lat_col)
        return Position(x, y, lon, lat, d.name)
    if row.get("x") is not None or row.get("y") is not None:
        x_col, y_col = name("x", columns), name("y", columns)
        if row.get("x") is None or row.get("y") is None:
            raise RowError(x_col if row.get("x") is None else y_col, "give both X and Y")
        north, east = number(row.get("x"), x_col), number(row.get("y"), y_col)
        lon, lat = _projected(row, north, east, d, coords, columns)
        if not plausible.in_china(lon, lat):
            raise RowError(x_col, f"X={north}, Y={east} give ({lon:.6f}, {lat:.6f}), outside "
                                  "China: check the zone and that X is the northing (北) and "
                                  "Y the easting (东)")
        return Position(lon, lat, north, east, d.name)
    if row.geometry is not None:
        return _feature_point(row, d, coords)
    raise RowError(name("lon", columns), "no coordinates: give 经度/纬度 or X/Y")


def _inside(x: float, y: float, lon: float, lat: float, lon_col: str, lat_col: str) -> None:
    try:
        plausible.point(x, y, lon_col, lat_col)
    except InvalidInput as exc:
        raise RowError(exc.field or lon_col, exc.detail.split(": ", 1)[-1]) from None


def _geographic(lon: float, lat: float, d: Datum, coords: Coordinates) -> tuple[float, float]:
    if d.name == "GCJ02":
        if not plausible.in_china(lon, lat):
            return lon, lat               # refused by the caller as outside China
        return to_cgcs2000(lon, lat, "gcj02")
    if d.name in LEGACY:
        x, y = _transformer(_legacy_proj(d.name, None, coords.datum_params)).transform(lon, lat)
        return float(x), float(y)
    return lon, lat


def _projected(row: Row, north: float, east: float, d: Datum, coords: Coordinates,
               columns: dict[str, Column]) -> tuple[float, float]:
    name = row.column
    if d.projected is False:
        raise RowError(name("crs", columns), f"{d.label} is geographic (degrees), but the row "
                                             "gives X/Y")
    if d.name in ("WGS84", "GCJ02"):
        raise RowError(name("crs", columns), f"X/Y in {d.name} are not read; give 经度/纬度")
    if north >= 1e7 > east:
        raise RowError(name("x", columns), f"X={north} and Y={east} look swapped: X is the "
                                           "northing (北), Y the easting (东) with its zone "
                                           "prefix")
    zone, prefixed = _zone(row, east, d, columns)
    if d.name in LEGACY:
        tr = _transformer(_legacy_proj(d.name, (zone, prefixed), coords.datum_params))
    else:
        tr = _transformer(f"EPSG:{(4513 if prefixed else 4534) + zone - 25}")
    lon, lat = tr.transform(east, north)
    return float(lon), float(lat)


def _zone(row: Row, east: float, d: Datum, columns: dict[str, Column]) -> tuple[int, bool]:
    """The 3-degree zone (25–45) and whether Y carries it as a prefix."""
    name = row.column
    if d.epsg is not None and d.projected:
        crs = pyproj.CRS.from_epsg(d.epsg)
        cm = next((p.value for p in crs.coordinate_operation.params
                   if "longitude of natural origin" in p.name.lower()), None)
        false_e = next((p.value for p in crs.coordinate_operation.params
                        if "false easting" in p.name.lower()), 500_000)
        if cm is None or cm % 3 or "3-degree" not in crs.name:
            raise RowError(name("crs", columns), f"EPSG:{d.epsg} ({crs.name}) is not a "
                                                 "3-degree Gauss–Krüger zone")
        prefixed = false_e > 1e6
        if prefixed and east < 1e6:
            raise RowError(name("y", columns), f"Y={east} has no zone prefix, but EPSG:{d.epsg} "
                                               "expects one")
        return int(cm // 3), prefixed
    if east >= 1e7:
        zone = int(east // 1e6)
        if not 25 <= zone <= 45:
            raise RowError(name("y", columns), f"Y={east}: zone {zone} is not a 3-degree zone "
                                               "of China (25–45)")
        return zone, True
    if row.get("zone") is not None:
        zone_value = number(row.get("zone"), name("zone", columns))
        if zone_value != int(zone_value) or not 25 <= zone_value <= 45:
            raise RowError(name("zone", columns), f"{row.get('zone')!r} is not a 3-degree zone "
                                                  "of China (25–45)")
        return int(zone_value), False
    if row.get("central_meridian") is not None:
        cm = degrees(row.get("central_meridian"), name("central_meridian", columns))
        if cm % 3 or not 75 <= cm <= 135:
            raise RowError(name("central_meridian", columns),
                           f"{cm} is not the central meridian of a 3-degree zone (75…135, "
                           "multiples of 3)")
        return int(cm // 3), False
    raise RowError(name("y", columns), "X/Y without a zone: give Y with its zone prefix "
                                       "(38xxxxxx), a 带号 or 中央子午线 column, or the crs "
                                       "(EPSG:4513–4554)")


_ELLIPSOIDS = {"Xian1980": "+a=6378140 +rf=298.257", "Beijing1954": "+ellps=krass"}


def _legacy_proj(name: str, zone: tuple[int, bool] | None, params) -> str:
    towgs84 = ",".join(f"{v:g}" for v in params)
    base = f"{_ELLIPSOIDS[name]} +towgs84={towgs84} +no_defs +type=crs"
    if zone is None:
        return f"+proj=longlat {base}"
    number, prefixed = zone
    false_e = 500_000 + (number * 1_000_000 if prefixed else 0)
    return f"+proj=tmerc +lat_0=0 +lon_0={3 * number} +k=1 +x_0={false_e} +y_0=0 {base}"


@lru_cache(maxsize=64)
def _transformer(source: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, "EPSG:4490", always_xy=True)


def _feature_point(row: Row, d: Datum, coords: Coordinates) -> Position:
    geom = row.geometry
    if geom.geom_type == "MultiPoint" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if geom.geom_type != "Point":
        raise RowError("geometry", f"a {geom.geom_type}, not a point")
    lon, lat = transform_geometry(geom, row, coords).coords[0][:2]
    _inside(lon, lat, lon, lat, "geometry", "geometry")
    return Position(lon, lat, geom.x, geom.y, _file_datum(row, coords).name)


def _file_datum(row: Row, coords: Coordinates) -> Datum:
    if row.crs is None:
        return datum(coords.crs) if coords.crs else Datum("CGCS2000")
    crs = pyproj.CRS.from_user_input(row.crs)
    epsg = crs.to_epsg()
    if epsg is not None:
        try:
            return datum(f"EPSG:{epsg}")
        except ValueError:
            pass
    geodetic = crs.geodetic_crs.name if crs.geodetic_crs else crs.name
    for name, words in (("Xian1980", ("Xian 1980", "Xian_1980", "Xi'an")),
                        ("Beijing1954", ("Beijing 1954", "Beijing_1954"))):
        if any(w in geodetic for w in words):
            return Datum(name, label=crs.name)
    return Datum("CGCS2000" if "2000" in geodetic else "WGS84", label=crs.name)


def transform_geometry(geom: BaseGeometry, row: Row, coords: Coordinates) -> BaseGeometry:
    """A feature's geometry (GPKG, SHP) in CGCS2000 lon/lat, from the layer's CRS."""
    import shapely

    d = _file_datum(row, coords)
    if d.name in LEGACY:
        if coords.datum_params is None:
            raise RowError("geometry", _legacy_refusal(d))
        source = pyproj.CRS.from_user_input(row.crs)
        if source.is_projected:
            raise RowError("geometry", "projected Xi'an 1980 / Beijing 1954 layers are not "
                                       "read: reproject the layer to CGCS2000 first")
        tr = _transformer(_legacy_proj(d.name, None, coords.datum_params))
    elif row.crs is None or d.epsg == 4490 or (d.name in ("CGCS2000", "WGS84")
                                               and not pyproj.CRS(row.crs).is_projected):
        if d.name == "GCJ02":
            from geo.crs import geometry_gcj02_to_cgcs2000
            return geometry_gcj02_to_cgcs2000(geom)
        return geom
    else:
        tr = _transformer(pyproj.CRS.from_user_input(row.crs).to_wkt())
    return shapely.transform(geom, lambda xy: _stack(tr.transform(xy[:, 0], xy[:, 1])))


def _stack(xy):
    import numpy as np
    return np.column_stack(xy)


# ------------------------------------------------------------------ importing

def import_rows(conn, table: Table, one: Callable[[Row, Report], None], *,
                columns: dict[str, Column]) -> Report:
    """Run ``one(row, report)`` for every row, each in a savepoint of one transaction for
    the file; if any row fails, refuse the file with every failure (InvalidInput with
    ``errors: [{row, field, reason}]``) and keep nothing."""
    report = Report()
    errors: list[dict] = []
    with transaction(conn):
        for row in table.rows:
            try:
                with transaction(conn):
                    one(row, report)
            except RowError as exc:
                errors.append({"row": row.number, "field": exc.column, "reason": exc.reason})
            except DomainError as exc:
                errors.append({"row": row.number, "field": _column_of(exc.field, row, columns),
                               "reason": _reason(exc.detail)})
        if errors:
            raise refusal(errors)
    return report


def _column_of(field: str | None, row: Row, columns: dict[str, Column]) -> str:
    key = (field or "").split(".")[-1].split("[")[0]
    if key in columns:
        return row.column(key, columns)
    return field or "row"


def _reason(detail: str) -> str:
    # Domain messages name their own field first ("doors[0].number: …"): the row says it.
    head, _, rest = detail.partition(": ")
    return rest if rest and re.fullmatch(r"[\w\[\].]+", head) else detail


def refusal(errors: list[dict]) -> InvalidInput:
    """The InvalidInput that refuses a file: every bad row, nothing written."""
    shown = "; ".join(f"row {e['row']} ({e['field']}): {e['reason']}" for e in errors[:3])
    more = f"; and {len(errors) - 3} more" if len(errors) > 3 else ""
    return InvalidInput(f"{len(errors)} bad row{'s' if len(errors) > 1 else ''}, nothing was "
                        f"imported: {shown}{more}", field="file", errors=errors[:MAX_ERRORS],
                        bad_rows=len(errors))


def source_name(source: str, example: str) -> str:
    """The name of the register a file is from (the key of its rows with their ids), or
    InvalidInput asking for one."""
    from geo import text

    name = text.clean(str(source or "").strip(), "source", 200)
    if not name:
        raise InvalidInput(f"source is required: say which register the file is (e.g. "
                           f"{example})", field="source")
    return name
