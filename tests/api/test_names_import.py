"""``POST /names/import`` over HTTP, and ``civgeo names import``: a report of every row, the
same file again unchanged, a bad file refused as problem+json listing each bad row (row,
field, reason) with nothing written, names officers and admins only."""

from __future__ import annotations

import pytest

from geo.crs import to_cgcs2000
from geo.db import connect, fetch_one, fetch_value, transaction
from tests.cli import civgeo
from tests.factories import committed_token, problem
from tests.geo.names.test_import import SOURCE, draw_districts, row
from tests.registers import csv_bytes, xlsx_bytes

URL = f"/names/import?source={SOURCE}"


@pytest.fixture
def districts(db_url):
    conn = connect(db_url)
    try:
        with transaction(conn):
            draw_districts(conn)
    finally:
        conn.close()


def one(db_url: str, sql: str, value: bool = True):
    conn = connect(db_url)
    try:
        return fetch_value(conn, sql) if value else fetch_one(conn, sql)
    finally:
        conn.close()


def auth(db_url: str, role: str) -> dict:
    return {"Authorization": f"Bearer {committed_token(db_url, role)}"}


def register() -> list[dict]:
    return [row(), row(地名编号="HF-2", 标准名称="莲塘路", 罗马字母拼写="Liantang Road",
                       几何="LINESTRING (113.151 27.847, 113.156 27.847)")]


def test_an_officer_imports_a_register_then_again_unchanged_then_a_bad_file(app, db_url,
                                                                             districts):
    headers = {**auth(db_url, "names_officer"), "Content-Type": "text/csv"}
    first = app.post(URL, content=csv_bytes(register()), headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["added"], body["changed"], body["unchanged"]) == (2, 0, 0)
    assert body["rows"][0] == {"row": 2, "key": "HF-1", "status": "added",
                               "id": body["rows"][0]["id"]}
    [warning] = body["rows"][1]["warnings"]
    assert (warning["code"], warning["field"], warning["computed"]) == \
        ("roman_differs", "罗马字母拼写", "Liantang Lu")

    again = app.post(URL, content=csv_bytes(register()), headers=headers).json()
    assert (again["added"], again["changed"], again["unchanged"]) == (0, 0, 2)
    assert one(db_url, f"SELECT count(*) FROM place_names WHERE source = '{SOURCE}'") == 2

    rows = register()
    rows[0]["含义"] = "改了含义"                # a change in a refused file is not kept
    rows[1]["类别"] = "大道类"
    found = problem(app.post(URL, content=csv_bytes(rows, "gb18030"), headers=headers),
                    422, "file")
    assert found["errors"] == [{"row": 3, "field": "类别",
                                "reason": found["errors"][0]["reason"]}]
    assert "'大道类' is not a category" in found["errors"][0]["reason"]
    assert "row 3 (类别)" in found["detail"]
    assert one(db_url, f"SELECT count(*) FROM place_names WHERE source = '{SOURCE}'") == 2
    assert one(db_url, "SELECT meaning FROM place_names WHERE external_id = 'HF-1'") == \
        "荷花飘香"

    rows[1]["类别"] = "街路巷"                  # corrected: the changed row says what changed
    fixed = app.post(URL, content=xlsx_bytes(rows), headers={
        **headers, "Content-Type": "application/octet-stream"}).json()
    assert [(r["status"], r.get("fields")) for r in fixed["rows"]] == \
        [("changed", ["meaning"]), ("unchanged", None)]


def test_coordinates_in_gcj02_are_converted(app, db_url, districts):
    rows = [{k: v for k, v in row(经度="113.1580", 纬度="27.8460").items() if k != "几何"}]
    answer = app.post(f"{URL}&crs=GCJ02", content=csv_bytes(rows),
                      headers=auth(db_url, "admin"))
    assert answer.status_code == 200, answer.text
    point = one(db_url, "SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM place_names "
                f"WHERE source = '{SOURCE}'",
                value=False)
    lon, lat = to_cgcs2000(113.1580, 27.8460, "gcj02")
    assert abs(point["lon"] - lon) < 1e-9 and abs(point["lat"] - lat) < 1e-9
    assert abs(point["lon"] - 113.1580) > 0.003      # hundreds of metres from the figures


def test_only_names_officers_and_admins_import(app, db_url, districts):
    problem(app.post(URL, content=csv_bytes(register()), headers=auth(db_url, "planner")),
            403)
    officer = auth(db_url, "names_officer")
    problem(app.post(URL, content=b"", headers=officer), 422, "file")
    problem(app.post("/names/import", content=csv_bytes(register()), headers=officer), 422)
    assert one(db_url, f"SELECT count(*) FROM place_names WHERE source = '{SOURCE}'") == 0


def test_civgeo_names_import(db_url, districts, tmp_path):
    path = tmp_path / "荷风区标准地名录.csv"
    path.write_bytes(csv_bytes(register(), "gb18030"))
    first = civgeo(db_url, "names", "import", str(path), "--source", SOURCE)
    assert first.returncode == 0, first.stderr
    assert "2 added, 0 changed, 0 unchanged (place names" in first.stdout
    assert "row 3 HF-2: warning: 罗马字母拼写 Liantang Road differs" in first.stdout
    again = civgeo(db_url, "names", "import", str(path), "--source", SOURCE)
    assert "0 added, 0 changed, 2 unchanged" in again.stdout
    rows = register()
    rows[0]["批准时间"] = "2003-02-30"
    path.write_bytes(csv_bytes(rows))
    refused = civgeo(db_url, "names", "import", str(path), "--source", SOURCE)
    assert refused.returncode == 2
    assert "row 2, 批准时间: '2003-02-30' is not a date" in refused.stderr
