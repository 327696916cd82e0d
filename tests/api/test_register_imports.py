"""The register imports over HTTP: a report of every row, the same file again unchanged, a
bad file refused as problem+json listing each bad row, with nothing written."""

from __future__ import annotations

import pytest

from geo.db import connect, fetch_value
from tests.factories import committed_token, problem
from tests.geo.plates.drawn import standard_street
from tests.registers import committed_line, csv_bytes, gpkg_bytes, marker_rows

ROADS = [{"道路编码": "R1", "道路名称": "荷香路",
          "WKT": "LINESTRING (113.15 27.85, 113.152 27.85)"}]


@pytest.fixture
def grid(db_url):
    return committed_line(db_url)


def value(db_url: str, sql: str):
    conn = connect(db_url)
    try:
        return fetch_value(conn, sql)
    finally:
        conn.close()


def count(db_url: str, table: str) -> int:
    return value(db_url, f"SELECT count(*) FROM {table}")


def auth(db_url: str, role: str) -> dict:
    return {"Authorization": f"Bearer {committed_token(db_url, role)}"}


def test_markers_import_then_again_unchanged_then_a_bad_row_refused(app, db_url, grid):
    headers = {**auth(db_url, "admin"), "Content-Type": "text/csv"}
    url = "/boundaries/markers/import?source=甲乙线界桩登记表"
    first = app.post(url, content=csv_bytes(marker_rows(grid)), headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["added"], body["changed"], body["unchanged"]) == (8, 0, 0)
    assert body["rows"][0] == {"row": 2, "key": "990601990602001Q", "status": "added",
                               "id": body["rows"][0]["id"]}
    again = app.post(url, content=csv_bytes(marker_rows(grid)), headers=headers).json()
    assert (again["added"], again["unchanged"]) == (0, 8)
    before = count(db_url, "boundary_markers")
    rows = marker_rows(grid)
    rows[5]["界桩编号"] = "99060199060X006Q"
    rows[6]["备注"] = "改了备注"          # a change in a refused file is not kept either
    found = problem(app.post(url, content=csv_bytes(rows), headers=headers), 422, "file")
    assert found["errors"] == [{"row": 7, "field": "界桩编号",
                                "reason": found["errors"][0]["reason"]}]
    assert "row 7 (界桩编号)" in found["detail"]
    assert count(db_url, "boundary_markers") == before
    assert value(db_url, "SELECT note FROM boundary_markers WHERE marker_no = "
                         "'990601990602007Q'") == "第7号桩"


def test_xian_1980_is_refused_naming_why(app, db_url, grid):
    headers = auth(db_url, "admin")
    found = problem(app.post("/boundaries/markers/import?source=s&crs=西安80",
                             content=csv_bytes(marker_rows(grid, 2)), headers=headers), 422)
    assert [e["row"] for e in found["errors"]] == [2, 3]
    assert "no official transformation to CGCS2000" in found["errors"][0]["reason"]
    problem(app.post("/boundaries/markers/import?source=s&crs=EPSG:9999",
                     content=csv_bytes(marker_rows(grid, 2)), headers=headers), 422, "crs")


def test_an_inspector_imports_only_on_the_lines_of_its_teams(app, db_url, grid):
    found = problem(app.post("/boundaries/markers/import?source=s",
                             content=csv_bytes(marker_rows(grid, 1)),
                             headers=auth(db_url, "inspector")), 422)
    assert "not a line your teams work on" in found["errors"][0]["reason"]
    problem(app.post("/boundaries/markers/import?source=s", content=b"x",
                     headers=auth(db_url, "planner")), 403)


def test_roads_then_doors_from_a_geopackage(app, db_url, tmp_path):
    headers = auth(db_url, "plates_officer")
    conn = connect(db_url)       # roads are imported under their standard names
    try:
        standard_street(conn, "荷香路", {"type": "LineString",
                                       "coordinates": [[113.15, 27.85], [113.152, 27.85]]})
        conn.commit()
    finally:
        conn.close()
    roads = app.post("/roads/import?source=区门牌登记", content=csv_bytes(ROADS),
                     headers=headers)
    assert roads.status_code == 200, roads.text
    assert roads.json()["added"] == 1
    rows = [{"门牌编码": f"M{i}", "道路编码": "R1", "门牌号": str(2 * i + 1)} for i in range(3)]
    points = [(113.1505 + 0.0003 * i, 27.85005) for i in range(3)]
    data = gpkg_bytes(rows, points, tmp_path)
    first = app.post("/roads/doors/import?source=区门牌登记", content=data, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["added"] == 3
    again = app.post("/roads/doors/import?source=区门牌登记", content=data, headers=headers)
    assert again.json()["unchanged"] == 3
    assert value(db_url, "SELECT count(*) FROM entrances WHERE source = '区门牌登记'") == 3
    problem(app.post("/roads/doors/import?source=区门牌登记", content=b"",
                     headers=headers), 422, "file")
