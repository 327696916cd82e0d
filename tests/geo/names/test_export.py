"""The names added, changed and abolished in a period, in the national database's record
shape, as XLSX, CSV and GeoPackage (opened here by openpyxl and by GDAL through pyogrio)."""

from __future__ import annotations

import datetime as dt
import io

import pyogrio
import pytest
from openpyxl import load_workbook

from geo.errors import InvalidInput
from geo.names import export
from geo.names import workflow as wf
from tests.factories import add_name
from tests.geo.names.test_workflow import DISTRICT_1, OFFICER, approve_path, area, street

__all__ = ["area"]   # the fixture, used by name below
SPRING, SUMMER = dt.date(2026, 3, 2), dt.date(2026, 6, 1)


def test_named_renamed_and_abolished_in_the_shape_of_the_national_record(conn, area,
                                                                         tmp_path):
    named = approve_path(conn, wf.create_application(conn, OFFICER, street(
        "荷香路", location_description="东起一号路，西至二号路", meaning="荷花飘香")),
        on=SPRING)
    old = add_name(conn, "旧仓街", division=DISTRICT_1 + "001")
    renamed = approve_path(conn, wf.create_application(conn, OFFICER, {
        **street("新仓街"), "kind": "renaming", "target_id": old}), on=SUMMER)
    gone = add_name(conn, "废弃巷", division=DISTRICT_1 + "001")
    approve_path(conn, wf.create_application(conn, OFFICER, {
        "kind": "abolition", "target_id": gone, "division_code": DISTRICT_1,
        "applicant": "区民政局", "reason": "道路已拆除"}), on=SUMMER)

    rows = export.changes(conn, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    by_change = {r["change"]: r for r in rows}
    assert [r["change"] for r in rows] == ["命名", "更名", "销名"]      # oldest first
    n = by_change["命名"]
    assert (n["name"], n["roman"], n["category_code"], n["category_name"]) == \
        ("荷香路", "Hexiang Lu", "0801", "街路巷")
    assert n["division_code"] == DISTRICT_1
    assert n["location_description"] == "东起一号路，西至二号路"
    assert (n["approved_by"], n["approved_on"], n["effective_on"]) == \
        ("市人民政府", SPRING, SPRING)
    assert n["meaning"] == "荷花飘香" and n["document_no"] == named["document_no"]
    assert n["lon"] is not None and n["geometry"].geom_type == "LineString"
    r = by_change["更名"]
    assert (r["name"], r["former_name"], r["id"]) == ("新仓街", "旧仓街",
                                                     renamed["result_name_id"])
    assert by_change["销名"]["name"] == "废弃巷" and by_change["销名"]["effective_on"] == SUMMER

    # A spring period holds only the naming; a period ending before it starts is refused.
    assert [r["change"] for r in export.changes(conn, SPRING, SPRING)] == ["命名"]
    with pytest.raises(InvalidInput) as bad:
        export.changes(conn, SUMMER, SPRING)
    assert bad.value.field == "until"

    book = load_workbook(io.BytesIO(export.render(rows, "xlsx")))
    sheet = [list(r) for r in book["地名变更"].iter_rows(values_only=True)]
    assert sheet[0][:4] == ["变更类型 change", "地名编号 id", "标准名称 name", "罗马字母拼写 roman"]
    assert [row[2] for row in sheet[1:]] == ["荷香路", "新仓街", "废弃巷"]
    assert "批准机关 approved_by" in sheet[0] and "所属政区代码 division_code" in sheet[0]
    text = export.render(rows, "csv").decode("utf-8-sig").splitlines()
    assert len(text) == 4 and text[2].startswith("更名,")
    gpkg = tmp_path / "changes.gpkg"
    gpkg.write_bytes(export.render(rows, "gpkg"))
    layer = pyogrio.read_dataframe(gpkg, layer=export.LAYER)
    assert layer.crs.to_epsg() == 4490 and list(layer["name"]) == ["荷香路", "新仓街", "废弃巷"]
    assert layer.geometry.iloc[0].geom_type == "LineString"
    assert pyogrio.read_info(gpkg, layer=export.LAYER)["features"] == 3
