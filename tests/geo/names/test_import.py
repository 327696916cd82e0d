"""Import of a department's place-name register in the national record shape: the files the
export writes (XLSX opened by openpyxl, CSV in UTF-8 and GB18030, GeoPackage opened by GDAL)
imported into a state with no names give back the same names; the same file again changes
nothing; a corrected file changes the rows it corrects; a bad row refuses the file, naming
the row, the column and the reason, with nothing written."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from geo.db import execute, fetch_all, fetch_one, fetch_value, held
from geo.errors import InvalidInput
from geo.names import export, gazetteer, importer
from geo.names import workflow as wf
from tests.factories import TEST_ACTOR, add_division, add_name
from tests.geo.names.test_workflow import DISTRICT_1, DISTRICT_2, MAP, OFFICER, approve_path
from tests.registers import csv_bytes, xlsx_bytes

SPRING, SUMMER = dt.date(2026, 3, 2), dt.date(2026, 6, 1)
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
SOURCE = "荷风区标准地名录2024"
LINE = "LINESTRING (113.151 27.849, 113.156 27.849)"


@pytest.fixture
def districts(conn):
    return draw_districts(conn)


def draw_districts(conn):
    """A city, its two districts, a street office in each and a 新华社区 under both."""
    gazetteer.load_categories(conn)
    add_division(conn, "439900", MAP.polygon("A", "C", "F", "D"), name="荷城市",
                 level="prefecture")
    add_division(conn, DISTRICT_1, MAP.polygon("A", "B", "E", "D"), name="荷风区",
                 kind="市辖区", parent_code="439900")
    add_division(conn, DISTRICT_2, MAP.polygon("B", "C", "F", "E"), name="荷月区",
                 kind="市辖区", parent_code="439900")
    for district, street_office in ((DISTRICT_1, "清波街道"), (DISTRICT_2, "明月街道")):
        add_division(conn, district + "001", name=street_office, parent_code=district)
        add_division(conn, district + "001001", name="新华社区", parent_code=district + "001")
    return MAP


def run(conn, data: bytes, filename: str = "register.csv", source: str = SOURCE):
    with held(conn):          # the test's transaction, rolled back when it ends
        return importer.import_file(conn, TEST_ACTOR, data, filename, source=source)


def refused(conn, data: bytes, filename: str = "register.csv") -> list[dict]:
    with pytest.raises(InvalidInput) as bad:
        run(conn, data, filename)
    return bad.value.extra["errors"]


def count(conn) -> int:
    """The names of the test's city (the sample cities may be loaded beside it)."""
    return fetch_value(conn, "SELECT count(*) FROM place_names WHERE division_code LIKE '4399%%'")


def row(**extra) -> dict:
    """One row of a register with the national record's Chinese headings."""
    return {"地名编号": "HF-1", "标准名称": "荷香路", "罗马字母拼写": "Hexiang Lu",
            "类别": "街路巷", "所属政区代码": DISTRICT_1, "所属政区": "荷风区",
            "位置描述": "东起一号路，西至二号路",
            "含义": "荷花飘香", "批准机关": "荷城市人民政府", "批准文号": "荷政函〔2003〕5号",
            "批准时间": "2003-05-01", "几何": LINE, **extra}


def changes_of_a_year(conn, districts) -> list[dict]:
    """A naming, a renaming and an abolition approved through the workflow, exported."""
    line = {"type": "LineString", "coordinates": [list(MAP["1"]), list(MAP["2"])]}
    street = {"kind": "naming", "category_code": "0801", "division_code": DISTRICT_1,
              "applicant": "区住建局", "applicant_contact": "张三 138…", "geometry": line}
    approve_path(conn, wf.create_application(conn, OFFICER, {
        **street, "name": "荷香路", "location_description": "东起一号路，西至二号路",
        "meaning": "荷花飘香"}), on=SPRING)
    old = add_name(conn, "旧仓街", division=DISTRICT_1, geom=None)
    approve_path(conn, wf.create_application(conn, OFFICER, {
        **street, "name": "新仓街", "kind": "renaming", "target_id": old}), on=SUMMER)
    gone = add_name(conn, "废弃巷", division=DISTRICT_1)
    approve_path(conn, wf.create_application(conn, OFFICER, {
        "kind": "abolition", "target_id": gone, "division_code": DISTRICT_1,
        "applicant": "区民政局", "reason": "道路已拆除"}), on=SUMMER)
    rows = export.changes(conn, *YEAR, DISTRICT_1)       # the export of a division
    assert [r["change"] for r in rows] == ["命名", "更名", "销名"]
    return rows


def no_names(conn) -> None:
    """The gazetteer emptied (in the test's transaction): divisions and categories stay."""
    execute(conn, "TRUNCATE place_names, name_applications CASCADE")


def comparable(rows: list[dict], geometry: bool) -> list[dict]:
    """Export rows without what another database numbers differently (ids) and, for the
    tables, the line (they carry its point)."""
    skip = {"id"} | (set() if geometry else {"geometry"})
    return [{k: v for k, v in r.items() if k not in skip} for r in rows]


# ---------------------------------------------------------------- round trip

@pytest.mark.parametrize("fmt", ["xlsx", "csv", "csv-gb18030", "gpkg"])
def test_an_export_imported_with_no_names_gives_back_the_same_names(conn, districts, fmt):
    rows = changes_of_a_year(conn, districts)
    data = export.render(rows, fmt.split("-")[0])
    if fmt == "csv-gb18030":                    # as Chinese Excel saves it
        data = data.decode("utf-8-sig").encode("gb18030")
    if fmt == "xlsx":                           # the file as a spreadsheet library reads it
        sheet = load_workbook(io.BytesIO(data))["地名变更"]
        assert sheet.cell(1, 3).value == "标准名称 name"
    no_names(conn)

    report = run(conn, data, f"changes.{fmt.split('-')[0]}")
    assert (report.added, report.changed, report.unchanged) == (3, 0, 0)
    assert [r["key"] for r in report.rows] == [str(r["id"]) for r in rows]
    again = export.changes(conn, *YEAR)
    assert comparable(again, fmt == "gpkg") == comparable(rows, fmt == "gpkg")
    if fmt == "gpkg":
        assert again[0]["geometry"].geom_type == "LineString"
    else:                                       # the tables carry the line's point
        assert again[0]["geometry"].geom_type == "Point"
    stored = fetch_one(conn, "SELECT location_description, roman_manual, source FROM "
                             "place_names WHERE name = '荷香路'")
    assert stored == {"location_description": "东起一号路，西至二号路", "roman_manual": False,
                      "source": SOURCE}
    former = fetch_one(conn, "SELECT f.name, f.status, upper(f.valid) AS until FROM "
                             "place_names f JOIN place_names n ON n.id = f.current_id "
                             "WHERE n.name = '新仓街'")
    assert former == {"name": "旧仓街", "status": "historical", "until": SUMMER}

    second = run(conn, data, f"changes.{fmt.split('-')[0]}")
    assert (second.added, second.changed, second.unchanged) == (0, 0, 3)
    assert count(conn) == 4                     # three names and the former name


# ---------------------------------------------------------------- idempotency, corrections

def test_the_same_file_twice_then_a_corrected_file(conn, districts):
    rows = [row(), row(地名编号="HF-2", 标准名称="莲塘路", 罗马字母拼写="Liantang Lu",
                   几何="LINESTRING (113.151 27.847, 113.156 27.847)")]
    first = run(conn, csv_bytes(rows))
    assert [r["status"] for r in first.rows] == ["added", "added"]
    assert first.rows[0] == {"row": 2, "key": "HF-1", "status": "added",
                             "id": first.rows[0]["id"]}
    assert [r["status"] for r in run(conn, csv_bytes(rows)).rows] == ["unchanged"] * 2
    assert count(conn) == 2

    rows[1]["含义"] = "莲花池塘"
    rows[1]["批准时间"] = "2003/5/2"
    third = run(conn, xlsx_bytes(rows, title="荷风区标准地名录"), "register.xlsx")
    assert [r["status"] for r in third.rows] == ["unchanged", "changed"]
    assert third.rows[1]["fields"] == ["approved_on", "effective_on", "meaning"]
    assert count(conn) == 2
    name = gazetteer.get_name(conn, third.rows[1]["id"])
    assert (name["meaning"], name["approved_on"], name["valid_from"]) == \
        ("莲花池塘", dt.date(2003, 5, 2), dt.date(2003, 5, 2))
    assert name["roman"] == "Liantang Lu" and name["category"] == "街路巷"


def test_without_ids_the_key_is_name_category_and_division(conn, districts):
    rows = [{k: v for k, v in row(经度="113.152", 纬度="27.849").items()
             if k not in ("地名编号", "几何")}]
    first = run(conn, csv_bytes(rows))
    assert first.rows[0]["key"] == f"荷香路/0801/{DISTRICT_1}"
    assert fetch_one(conn, "SELECT ST_AsText(geom) AS wkt FROM place_names "
                           "WHERE source = %s", (SOURCE,))["wkt"] == \
        "POINT(113.152 27.849)"
    rows[0]["位置描述"] = "东起一号路"
    again = run(conn, csv_bytes(rows))
    assert (again.rows[0]["status"], again.rows[0]["fields"]) == \
        ("changed", ["location_description"])


def test_a_csv_with_bare_carriage_returns_as_old_excel_saves_it(conn, districts):
    data = csv_bytes([row(), row(地名编号="HF-2", 标准名称="莲塘路", 罗马字母拼写="Liantang Lu")])
    report = run(conn, data.replace(b"\r\n", b"\r"))
    assert [(r["row"], r["key"]) for r in report.rows] == [(2, "HF-1"), (3, "HF-2")]


def test_categories_and_divisions_as_codes_or_names(conn, districts):
    rows = [row(类别="801", 类别代码=""),                      # Excel dropped the zero
            row(地名编号="HF-2", 标准名称="新华路", 类别="", 类别代码="0801", 所属政区代码="",
                所属政区="荷城市荷风区清波街道新华社区"),
            row(地名编号="HF-3", 标准名称="明月桥", 类别="桥梁", 类别代码="", 所属政区代码="",
                所属政区="荷月区 明月街道"),
            row(地名编号="HF-4", 标准名称="清波巷", 类别代码="",   # named under its county's code
                所属政区代码=DISTRICT_1, 所属政区="荷风区清波街道")]
    assert run(conn, csv_bytes(rows)).added == 4
    stored = fetch_all(conn, "SELECT name, category_code, division_code FROM place_names "
                             "WHERE source = %s ORDER BY id", (SOURCE,))
    assert stored == [{"name": "荷香路", "category_code": "0801", "division_code": DISTRICT_1},
                      {"name": "新华路", "category_code": "0801",
                       "division_code": DISTRICT_1 + "001001"},
                      {"name": "明月桥", "category_code": "0802",
                       "division_code": DISTRICT_2 + "001"},
                      {"name": "清波巷", "category_code": "0801",
                       "division_code": DISTRICT_1 + "001"}]


def test_romanization_differing_from_civgeos_is_kept_with_a_warning(conn, districts):
    report = run(conn, csv_bytes([row(罗马字母拼写="Hexiang Road"),
                                  row(地名编号="HF-2", 标准名称="长安街",
                                      罗马字母拼写="Cháng'ān Jiē")]))
    warning = report.rows[0]["warnings"][0]
    assert (warning["code"], warning["given"], warning["computed"]) == \
        ("roman_differs", "Hexiang Road", "Hexiang Lu")
    assert "warnings" not in report.rows[1]       # the tone-marked form is civgeo's
    first, second = (gazetteer.get_name(conn, r["id"]) for r in report.rows)
    assert (first["roman"], first["roman_manual"]) == ("Hexiang Road", True)
    assert (second["roman"], second["roman_toned"], second["roman_manual"]) == \
        ("Chang'an Jie", "Cháng'ān Jiē", False)


def test_a_renaming_retires_the_standard_name_it_replaced(conn, districts):
    old = add_name(conn, "旧仓街", division=DISTRICT_1)
    renamed = csv_bytes([row(标准名称="新仓街", 变更类型="更名", 原名称="旧仓街", 罗马字母拼写="")])
    report = run(conn, renamed)
    assert report.rows[0]["warnings"][0]["code"] == "former_retired"
    retired = gazetteer.get_name(conn, old)
    assert (retired["status"], retired["current"]["name"], retired["valid_to"]) == \
        ("historical", "新仓街", dt.date(2003, 5, 1))
    assert [r["status"] for r in run(conn, renamed).rows] == ["unchanged"]
    assert count(conn) == 2


def test_a_name_renamed_in_civgeo_since_is_not_changed_back(conn, districts):
    first = run(conn, csv_bytes([row()]))
    line = {"type": "LineString", "coordinates": [list(MAP["1"]), list(MAP["2"])]}
    approve_path(conn, wf.create_application(conn, OFFICER, {
        "kind": "renaming", "target_id": first.rows[0]["id"], "name": "荷韵路",
        "category_code": "0801", "division_code": DISTRICT_1, "applicant": "区住建局",
        "applicant_contact": "张三", "geometry": line}), on=SPRING)
    again = run(conn, csv_bytes([row(含义="改过的含义")]))
    assert again.rows[0]["status"] == "unchanged"
    assert again.rows[0]["warnings"][0]["code"] == "renamed_in_civgeo"
    assert gazetteer.get_name(conn, first.rows[0]["id"])["meaning"] == "荷花飘香"


# ---------------------------------------------------------------- bad rows

def test_a_file_with_bad_rows_writes_nothing_and_names_each(conn, districts):
    run(conn, csv_bytes([row()]))
    before = count(conn)
    rows = [row(含义="这一行本身没错，但文件被拒绝"),
            row(地名编号="HF-2", 类别="大道类"),
            row(地名编号="HF-3", 批准时间="2003-13-45"),
            row(地名编号="HF-4", 几何="POINT (2.35 48.85)"),
            row(地名编号="HF-5", 标准名称=""),
            row(地名编号="HF-6", 所属政区代码=None, 所属政区="新华社区"),
            row(地名编号="HF-7", 所属政区="荷月区"),
            row(地名编号="HF-1")]
    errors = refused(conn, csv_bytes(rows))
    assert [(e["row"], e["field"]) for e in errors] == [
        (3, "类别"), (4, "批准时间"), (5, "几何"), (6, "标准名称"), (7, "所属政区"),
        (8, "所属政区"), (9, "地名编号")]
    reasons = [e["reason"] for e in errors]
    assert "'大道类' is not a category" in reasons[0]
    assert "is not a date" in reasons[1]
    assert "outside China" in reasons[2]
    assert reasons[3] == "the standard name is empty"
    assert "divisions are called 新华社区" in reasons[4]
    assert reasons[5] == f"荷月区 is not division {DISTRICT_1} (荷风区) nor under it"
    assert reasons[6] == "HF-1 is given twice (rows 2 and 9)"
    assert count(conn) == before
    assert gazetteer.get_name(conn, fetch_value(
        conn, "SELECT id FROM place_names WHERE external_id = 'HF-1'"))["meaning"] == "荷花飘香"


def test_a_file_without_the_required_columns_is_refused(conn, districts):
    errors = refused(conn, csv_bytes([{"标准名称": "荷香路", "类别": "街路巷"}]))
    assert errors == [{"row": 1, "field": "所属政区代码/所属政区",
                       "reason": "required column missing"}]


def test_unknown_division_code_future_date_bad_romanization_and_change(conn, districts):
    errors = refused(conn, csv_bytes([
        row(所属政区代码="439999", 所属政区=None, 变更类型=None),
        row(地名编号="HF-2", 批准时间="2999-01-01", 变更类型=None),
        row(地名编号="HF-3", 罗马字母拼写="荷香路", 变更类型=None),
        row(地名编号="HF-4", 变更类型="迁移")]))
    assert [(e["row"], e["field"]) for e in errors] == [
        (2, "所属政区代码"), (3, "批准时间"), (4, "罗马字母拼写"), (5, "变更类型")]
    assert errors[0]["reason"] == "no current division has the code 439999"
    assert "in the future" in errors[1]["reason"]
