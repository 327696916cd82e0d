"""Importing a 界桩登记表: counts, idempotence, a changed row, refusals that write nothing,
GB18030 CSV, XLSX with Gauss–Krüger X/Y, Xi'an 1980 refused unless parameters are given."""

from __future__ import annotations

import pyproj
import pytest

from geo.boundaries import markers_import
from geo.db import fetch_value, held
from geo.errors import InvalidInput
from geo.registers import Coordinates
from tests.factories import TEST_ACTOR
from tests.registers import FILES, LINE_NUMBER, csv_bytes, draw_line, marker_rows, xlsx_bytes

SOURCE = "甲乙线界桩登记表2003"


@pytest.fixture
def grid(conn):
    return draw_line(conn)[0]


def run(conn, data: bytes, name: str = "界桩登记表.csv", **kw):
    with held(conn):
        return markers_import.import_file(conn, TEST_ACTOR, data, name,
                                          source=kw.pop("source", SOURCE), **kw)


def counts(conn) -> tuple[int, int]:
    return (fetch_value(conn, "SELECT count(*) FROM boundary_markers"),
            fetch_value(conn, "SELECT count(*) FROM audit_log"))


def test_a_register_imports_and_again_changes_nothing(conn, grid):
    report = run(conn, csv_bytes(marker_rows(grid)))
    assert (report.added, report.changed, report.unchanged) == (8, 0, 0)
    assert [r["row"] for r in report.rows] == list(range(2, 10))
    stored = fetch_value(conn, "SELECT row_to_json(m) FROM (SELECT marker_no, seq, type, "
                               "elevation_m, condition, registered_on, note, source, "
                               "external_id, source_datum FROM boundary_markers "
                               "WHERE marker_no = %s) m", (f"{LINE_NUMBER}003Q",))
    assert stored == {"marker_no": f"{LINE_NUMBER}003Q", "seq": 3, "type": "Q",
                      "elevation_m": 312.5, "condition": "intact",
                      "registered_on": "2003-05-01", "note": "第3号桩", "source": SOURCE,
                      "external_id": f"{LINE_NUMBER}003Q", "source_datum": "CGCS2000"}
    before = counts(conn)
    again = run(conn, csv_bytes(marker_rows(grid)))
    assert (again.added, again.changed, again.unchanged) == (0, 0, 8)
    assert {r["status"] for r in again.rows} == {"unchanged"}
    assert counts(conn) == before                      # no new markers, no audit rows


def test_an_edited_row_is_changed_with_its_fields(conn, grid):
    run(conn, csv_bytes(marker_rows(grid)))
    rows = marker_rows(grid)
    rows[2]["备注"] = "2024年联检时补漆"
    rows[2]["状况"] = "损坏"
    report = run(conn, csv_bytes(rows))
    assert (report.added, report.changed, report.unchanged) == (0, 1, 7)
    changed = next(r for r in report.rows if r["status"] == "changed")
    assert changed["row"] == 4 and changed["fields"] == ["condition", "note"]
    assert fetch_value(conn, "SELECT condition FROM boundary_markers WHERE marker_no = %s",
                       (f"{LINE_NUMBER}003Q",)) == "damaged"


def test_a_bad_row_refuses_the_file_and_writes_nothing(conn, grid):
    run(conn, csv_bytes(marker_rows(grid)[:2]))
    before = counts(conn)
    rows = marker_rows(grid)
    rows[5]["界桩编号"] = f"99060199060X{6:03d}Q"           # row 7: a letter in the number
    rows[6]["经度"] = rows[6]["纬度"]                        # row 8: lon = lat
    with pytest.raises(InvalidInput) as exc:
        run(conn, csv_bytes(rows))
    errors = exc.value.extra["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(7, "界桩编号"), (8, "经度")]
    assert "not a marker number" in errors[0]["reason"]
    assert "row 7 (界桩编号)" in exc.value.detail and "nothing was imported" in exc.value.detail
    assert counts(conn) == before                      # the first six rows were not kept


def test_a_marker_off_its_line_is_refused_with_the_distance(conn, grid):
    rows = marker_rows(grid, 2)
    rows[1]["经度"] = f"{float(rows[1]['经度']) + 0.001:.8f}"     # about 77 m east
    with pytest.raises(InvalidInput) as exc:
        run(conn, csv_bytes(rows))
    [error] = exc.value.extra["errors"]
    assert error["row"] == 3 and "m from 甲乙线" in error["reason"]


def test_xian_1980_is_refused_with_the_reason_unless_parameters_are_given(conn, grid):
    rows = [{**r, "坐标系": "西安80"} for r in marker_rows(grid, 3)]
    before = counts(conn)
    with pytest.raises(InvalidInput) as exc:
        run(conn, csv_bytes(rows))
    errors = exc.value.extra["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "坐标系"), (3, "坐标系"), (4, "坐标系")]
    assert "no official transformation to CGCS2000" in errors[0]["reason"]
    assert counts(conn) == before
    with pytest.raises(InvalidInput, match="Beijing 1954"):       # the same said on the command
        run(conn, csv_bytes(marker_rows(grid, 1)), coords=Coordinates(crs="北京54"))
    report = run(conn, csv_bytes(rows), coords=Coordinates(datum_params=(0,) * 7))
    assert report.added == 3
    assert fetch_value(conn, "SELECT DISTINCT source_datum FROM boundary_markers "
                             "WHERE source = %s", (SOURCE,)) == "Xian1980"


def test_gb18030_csv_as_chinese_excel_writes_it(conn, grid):
    data = (FILES / "markers_gb18030.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = run(conn, data)
    assert report.added == 3
    assert fetch_value(conn, "SELECT note FROM boundary_markers WHERE marker_no = %s",
                       (f"{LINE_NUMBER}002Q",)) == "位于山脊，方位物：古樟树"


def test_xlsx_with_gauss_kruger_x_y_and_a_title_row(conn, grid):
    to_gk = pyproj.Transformer.from_crs(4490, 4525, always_xy=True)   # zone 37, prefixed
    rows = []
    for r in marker_rows(grid, 4):
        east, north = to_gk.transform(float(r["经度"]), float(r["纬度"]))
        rows.append({"界桩编号": r["界桩编号"], "X": round(north, 3), "Y": round(east, 3),
                     "坐标系": "CGCS2000", "高程(m)": 300})
    report = run(conn, xlsx_bytes(rows, title="甲乙线界桩成果表"), "成果表.xlsx")
    assert report.added == 4 and [r["row"] for r in report.rows] == [3, 4, 5, 6]
    x = fetch_value(conn, "SELECT source_y FROM boundary_markers WHERE marker_no = %s",
                    (f"{LINE_NUMBER}001Q",))
    assert x == pytest.approx(rows[0]["Y"])
    rows[1]["X"], rows[1]["Y"] = rows[1]["Y"], rows[1]["X"]
    with pytest.raises(InvalidInput) as exc:
        run(conn, xlsx_bytes(rows, title="甲乙线界桩成果表"), "成果表.xlsx")
    [error] = exc.value.extra["errors"]
    assert error["row"] == 4 and "swapped" in error["reason"]


def test_a_missing_column_is_named_with_the_columns_read(conn, grid):
    rows = [{"界线": "甲乙线", "经度": "110.1", "纬度": "46.0"}]
    with pytest.raises(InvalidInput) as exc:
        run(conn, csv_bytes(rows))
    assert "lacks 界桩编号" in exc.value.detail and "marker_no" in exc.value.detail
    assert exc.value.extra["errors"][0] == {"row": 1, "field": "界桩编号",
                                            "reason": "required column missing"}
