"""Importing road and door registers (门牌登记): counts, idempotence, changed rows, refusals
that write nothing, XLSX and GeoPackage doors."""

from __future__ import annotations

import math

import pytest
import shapely

from fixtures.grid import ZHUZHOU
from geo.db import fetch_value, held
from geo.errors import InvalidInput
from geo.plates import registry_import
from tests.factories import TEST_ACTOR
from tests.geo.plates.drawn import EAST_WEST, road, standard_street
from tests.registers import csv_bytes, gpkg_bytes, xlsx_bytes

SOURCE = "测试区门牌登记2024"
M_LON = 111_320.0 * math.cos(math.radians(ZHUZHOU[1]))


@pytest.fixture
def street(conn):
    grid, r = road(conn, EAST_WEST, "w", "e", name="测试路")
    return grid, r


def door_rows(grid, count: int = 8) -> list[dict]:
    """Doors 5 m north of the road, 10 m apart from 10 m east of its west end."""
    w = grid["w"]
    return [{"门牌编码": f"D{i + 1:03d}", "道路名称": "测试路", "门牌号": str(2 * i + 1),
             "经度": f"{w[0] + (10 + 10 * i) / M_LON:.8f}", "纬度": f"{w[1] + 5 / 110_574:.8f}",
             "名称": f"{i + 1}号楼" if i < 2 else ""} for i in range(count)]


def doors(conn, data: bytes, name: str = "门牌登记.csv", **kw):
    with held(conn):
        return registry_import.import_doors(conn, TEST_ACTOR, data, name, source=SOURCE, **kw)


def roads_(conn, data: bytes, name: str = "道路.csv"):
    with held(conn):
        return registry_import.import_roads(conn, TEST_ACTOR, data, name, source=SOURCE)


def count(conn, table: str) -> int:
    return fetch_value(conn, f"SELECT count(*) FROM {table}")


def test_doors_import_and_again_change_nothing(conn, street):
    report = doors(conn, csv_bytes(door_rows(street[0])))
    assert (report.added, report.changed, report.unchanged) == (8, 0, 0)
    assert fetch_value(conn, "SELECT civgeo_house_number(number, sub) || name FROM entrances "
                             "WHERE source = %s AND external_id = 'D002'", (SOURCE,)) == "3号2号楼"
    before = count(conn, "entrances"), count(conn, "audit_log")
    again = doors(conn, csv_bytes(door_rows(street[0])))
    assert (again.added, again.changed, again.unchanged) == (0, 0, 8)
    assert (count(conn, "entrances"), count(conn, "audit_log")) == before


def test_an_edited_door_is_changed_and_keeps_the_checks(conn, street):
    doors(conn, csv_bytes(door_rows(street[0])))
    rows = door_rows(street[0])
    rows[3]["门牌号"] = "7-1"
    report = doors(conn, csv_bytes(rows))
    [changed] = [r for r in report.rows if r["status"] == "changed"]
    assert changed["row"] == 5 and changed["fields"] == ["sub"]
    rows[4]["门牌号"] = "1"                                  # D001 has 1 already
    with pytest.raises(InvalidInput) as exc:
        doors(conn, csv_bytes(rows))
    assert exc.value.extra["errors"][0]["row"] == 6
    assert "测试路1号 already exists" in exc.value.extra["errors"][0]["reason"]


def test_a_letter_in_a_number_refuses_the_file_naming_row_7(conn, street):
    doors(conn, csv_bytes(door_rows(street[0])[:3]))
    before = count(conn, "entrances")
    rows = door_rows(street[0])
    rows[5]["门牌号"] = "12A"
    rows[7]["纬度"] = f"{float(rows[7]['纬度']) + 0.002:.8f}"      # 220 m off the road
    with pytest.raises(InvalidInput) as exc:
        doors(conn, csv_bytes(rows))
    errors = exc.value.extra["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(7, "门牌号"), (9, "经度")]
    assert "has a letter" in errors[0]["reason"]
    assert errors[1]["reason"].startswith("the door is 2") and "测试路" in errors[1]["reason"]
    assert count(conn, "entrances") == before


def test_an_unknown_road_and_a_repeated_id_are_named(conn, street):
    rows = door_rows(street[0], 3)
    rows[1]["道路名称"] = "不存在路"
    rows[2]["门牌编码"] = "D001"
    with pytest.raises(InvalidInput) as exc:
        doors(conn, csv_bytes(rows))
    assert [(e["row"], e["field"]) for e in exc.value.extra["errors"]] == [
        (3, "道路名称"), (4, "门牌编码")]
    assert "given twice (rows 2 and 4)" in exc.value.extra["errors"][1]["reason"]


def test_doors_from_xlsx(conn, street):
    report = doors(conn, xlsx_bytes(door_rows(street[0], 4), title="测试区门牌登记表"),
                   "门牌登记.xlsx")
    assert report.added == 4 and report.rows[0]["row"] == 3


def test_doors_from_a_geopackage(conn, street, tmp_path):
    rows = door_rows(street[0], 3)
    points = [(float(r.pop("经度")), float(r.pop("纬度"))) for r in rows]
    data = gpkg_bytes(rows, points, tmp_path)
    report = doors(conn, data, "门牌.gpkg")
    assert (report.added, report.unchanged) == (3, 0)
    again = doors(conn, data, "门牌.gpkg")
    assert (again.added, again.unchanged) == (0, 3)
    lon = fetch_value(conn, "SELECT ST_X(geom) FROM entrances WHERE external_id = 'D003'")
    assert lon == pytest.approx(points[2][0], abs=1e-9)


def _standard_names(conn, rows: list[dict]) -> None:
    """The gazetteer names the roads of a register are filed under (roads are only
    imported under standard names)."""
    for row in rows:
        line = shapely.from_wkt(row["WKT"])
        standard_street(conn, row["道路名称"], line.__geo_interface__)


def test_a_road_the_gazetteer_has_not_named_is_refused_with_its_row(conn):
    rows = [{"道路编码": "R1", "道路名称": "荷香路", "道路类型": "路",
             "WKT": "LINESTRING (113.15 27.85, 113.152 27.85)"},
            {"道路编码": "R9", "道路名称": "未命名路", "道路类型": "路",
             "WKT": "LINESTRING (113.15 27.851, 113.152 27.851)"}]
    _standard_names(conn, rows[:1])
    before = count(conn, "roads")
    with pytest.raises(InvalidInput) as exc:
        roads_(conn, csv_bytes(rows))
    (error,) = exc.value.extra["errors"]
    assert (error["row"], error["field"]) == (3, "道路名称")
    assert "未命名路 is not a standard name" in error["reason"]
    assert "naming application" in error["reason"]
    assert count(conn, "roads") == before


def test_roads_import_with_wkt_and_a_changed_line(conn):
    rows = [{"道路编码": "R1", "道路名称": "荷香路", "道路类型": "路",
             "WKT": "LINESTRING (113.15 27.85, 113.152 27.85)"},
            {"道路编码": "R2", "道路名称": "荷香一巷", "道路类型": "巷",
             "WKT": "LINESTRING (113.151 27.85, 113.151 27.849)"}]
    _standard_names(conn, rows)
    report = roads_(conn, csv_bytes(rows))
    assert (report.added, report.changed) == (2, 0)
    assert fetch_value(conn, "SELECT kind FROM roads WHERE external_id = 'R2'") == "lane"
    assert roads_(conn, csv_bytes(rows)).unchanged == 2
    rows[0]["WKT"] = "LINESTRING (113.15 27.85, 113.153 27.85)"
    report = roads_(conn, csv_bytes(rows))
    assert report.rows[0]["fields"] == ["geom"] and report.unchanged == 1
    assert fetch_value(conn, "SELECT round(length_m) FROM roads WHERE external_id = 'R1'") == \
        pytest.approx(295, abs=2)
    rows[1]["WKT"] = "POINT (113.151 27.85)"
    with pytest.raises(InvalidInput) as exc:
        roads_(conn, csv_bytes(rows))
    assert exc.value.extra["errors"][0]["row"] == 3
    assert "LineString" in exc.value.extra["errors"][0]["reason"]
