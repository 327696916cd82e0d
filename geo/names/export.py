"""The names added, changed or abolished in a period, in the shape of the national
place-name database's detail record (国家地名信息库 详查记录: 标准名称, 罗马字母拼写, 类别,
所属政区 with its code, 位置描述, 含义, 来历, 历史沿革, 批准机关, 批准时间, geometry in
CGCS2000), as XLSX, CSV (UTF-8 with a BOM) or GeoPackage (issue 21).

A change is dated by when it took effect: a naming or renaming on the day its name came into
force (a renaming also gives the name it replaced), an abolition on the day the name ended.
The approval's authority, document and date come from the application (``位置描述`` too),
else from the name's own record.

The 备案公告 of the approvals of a period (``announcements``): each approval's record of the
six fields the 2023 filing rules require (标准名称, 罗马字母拼写, 所属政区, 位置描述,
批准机关, 批准时间; ``workflow.announcement_record``) with its text, as XLSX or CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

import shapely

from geo.db import fetch_all, load_queries
from geo.divisions import check_code, division_prefix
from geo.errors import InvalidInput
from geo.names import workflow

_Q = load_queries(__file__)

FORMATS = ("xlsx", "csv", "gpkg")
# field -> the national record's heading
COLUMNS = (("change", "变更类型"), ("id", "地名编号"), ("name", "标准名称"),
           ("roman", "罗马字母拼写"), ("former_name", "原名称"), ("category_code", "类别代码"),
           ("category_name", "类别"), ("division_code", "所属政区代码"),
           ("division_name", "所属政区"), ("location_description", "位置描述"),
           ("meaning", "含义"), ("origin", "来历"), ("history", "历史沿革"),
           ("approved_by", "批准机关"), ("document_no", "批准文号"),
           ("approved_on", "批准时间"), ("effective_on", "生效日期"), ("lon", "经度"),
           ("lat", "纬度"))
LAYER = "place_name_changes"
ANNOUNCEMENT_FORMATS = ("xlsx", "csv")
# The 备案公告 record's fields -> headings: the six the filing rules require first.
ANNOUNCEMENT_COLUMNS = (("application_id", "申请编号"), ("change", "变更类型"),
                        *workflow.ANNOUNCEMENT_FIELDS, ("division_code", "所属政区代码"),
                        ("document_no", "批准文号"), ("former_name", "原名称"),
                        ("meaning", "地名含义"), ("effective_on", "启用时间"),
                        ("announced_on", "公告日期"), ("text", "公告文本"))


def _period(since: dt.date | None, until: dt.date | None,
            division: str | None) -> dict:
    """The query parameters of a period (both days included) under a division."""
    if since is None:
        raise InvalidInput("since: the first day of the period is required", field="since")
    until = until or dt.date.today()
    if until < since:
        raise InvalidInput(f"the period ends ({until}) before it starts ({since})",
                           field="until")
    prefix = division_prefix(check_code(division)) if division else ""
    return {"since": since, "until": until, "prefix": prefix}


def changes(conn, since: dt.date | None, until: dt.date | None,
            division: str | None = None) -> list[dict]:
    """The changes between ``since`` and ``until`` (both days included) under
    ``division`` (all divisions when None), oldest first."""
    rows = fetch_all(conn, _Q["changes"], _period(since, until, division))
    for r in rows:
        geom = shapely.from_wkb(bytes(r.pop("wkb"))) if r["wkb"] is not None else None
        r["geometry"] = geom
        point = geom.representative_point() if geom is not None else None
        r["lon"] = None if point is None else round(point.x, 7)
        r["lat"] = None if point is None else round(point.y, 7)
    return rows


def announcements(conn, since: dt.date | None, until: dt.date | None,
                  division: str | None = None) -> list[dict]:
    """The 备案公告 of the naming, renaming and abolition applications approved between
    ``since`` and ``until`` (both days included) under ``division``, by approval date."""
    ids = fetch_all(conn, _Q["approvals"], _period(since, until, division))
    return [workflow.announcement_record(conn, r["id"]) for r in ids]


def headers(columns=COLUMNS) -> list[str]:
    return [f"{zh} {field}" for field, zh in columns]


def _cell(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def to_xlsx(rows: list[dict], columns=COLUMNS, title: str = "地名变更") -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(headers(columns))
    for r in rows:
        sheet.append([_cell(r[f]) for f, _ in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(rows: list[dict], columns=COLUMNS) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(headers(columns))
    for r in rows:
        w.writerow(["" if r[f] is None else _cell(r[f]) for f, _ in columns])
    return out.getvalue().encode("utf-8-sig")


def to_gpkg(rows: list[dict]) -> bytes:
    """A GeoPackage with one layer in EPSG:4490, the national record's fields in Chinese
    aliases' order (field names as the API names them)."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        [{f: _cell(r[f]) for f, _ in COLUMNS} for r in rows],
        columns=[f for f, _ in COLUMNS],
        geometry=[r["geometry"] for r in rows], crs=4490)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "changes.gpkg"
        frame.to_file(path, layer=LAYER, driver="GPKG")
        return path.read_bytes()


def render(rows: list[dict], fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}", field="format")
    return {"xlsx": to_xlsx, "csv": to_csv, "gpkg": to_gpkg}[fmt](rows)


def render_announcements(rows: list[dict], fmt: str) -> bytes:
    """The 备案公告 of a period as a workbook (sheet 备案公告) or a CSV (UTF-8 with a BOM)."""
    if fmt not in ANNOUNCEMENT_FORMATS:
        raise InvalidInput(f"format must be one of json, {', '.join(ANNOUNCEMENT_FORMATS)}",
                           field="format")
    if fmt == "xlsx":
        return to_xlsx(rows, ANNOUNCEMENT_COLUMNS, "备案公告")
    return to_csv(rows, ANNOUNCEMENT_COLUMNS)
