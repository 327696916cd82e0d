"""Registers for the import tests: a boundary line drawn with the grid helper and 界桩登记表
rows along it; a road and 门牌登记 rows beside it; writers for CSV, XLSX and GPKG."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fixtures.grid import Grid
from geo.boundaries import lines
from tests.factories import add_division

FILES = Path(__file__).parent / "fixtures" / "registers"

# Two counties side by side; their shared edge b–e (300 m, north → south) is the line.
ART = """
a---------b---------c
|         |         |
|         |         |
d---------e---------f
"""
LINE_NUMBER = "990601990602"
ORIGIN = (110.0, 46.0)      # zone 37 (central meridian 111°E) of the 3-degree grid


def draw_line(conn) -> tuple[Grid, dict]:
    """The two counties and their boundary line (甲乙线, number 990601990602)."""
    grid = Grid(ART, origin=ORIGIN, step_m=100)
    add_division(conn, "990601", grid.polygon("a", "b", "e", "d"), name="甲县", level="county")
    add_division(conn, "990602", grid.polygon("b", "c", "f", "e"), name="乙县", level="county")
    lines.derive(conn, "9906", dataset=None, source="test", tolerance_m=5)
    return grid, lines.get_line(conn, LINE_NUMBER)


def committed_line(db_url: str) -> Grid:
    """A boundary line drawn and committed on its own connection (for API and CLI tests)."""
    from geo.db import connect, transaction

    conn = connect(db_url)
    try:
        with transaction(conn):
            return draw_line(conn)[0]
    finally:
        conn.close()


def on_line(grid: Grid, metres_south: float) -> tuple[float, float]:
    """The point ``metres_south`` of b on the line b–e."""
    (lon, lat_b), (_, lat_e) = grid["b"], grid["e"]
    return lon, lat_b + (lat_e - lat_b) * metres_south / 300.0


def marker_rows(grid: Grid, count: int = 8) -> list[dict]:
    """Rows of a marker register along the line, 35 m apart."""
    rows = []
    for i in range(count):
        lon, lat = on_line(grid, 20 + 35 * i)
        rows.append({"界桩编号": f"{LINE_NUMBER}{i + 1:03d}Q", "界线": "甲乙线", "类型": "单立",
                     "经度": f"{lon:.8f}", "纬度": f"{lat:.8f}", "高程": "312.5",
                     "状况": "完好", "埋设日期": "2003-05-01", "备注": f"第{i + 1}号桩"})
    return rows


def csv_bytes(rows: list[dict], encoding: str = "utf-8-sig") -> bytes:
    """Rows as a CSV file (CRLF line ends, as Excel writes them)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict], title: str | None = None) -> bytes:
    """Rows as an XLSX workbook written by openpyxl, with a title row above the header."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def gpkg_bytes(rows: list[dict], points: list[tuple[float, float]], tmp_path: Path,
               crs: str = "EPSG:4490") -> bytes:
    """Rows with point geometries as a GeoPackage written by pyogrio."""
    import geopandas as gpd
    import pyogrio
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(rows, geometry=[Point(p) for p in points], crs=crs)
    path = tmp_path / "register.gpkg"
    pyogrio.write_dataframe(frame, path, layer="doors", driver="GPKG")
    return path.read_bytes()
