"""Building and compound names (建筑物名称备案): a filing goes draft → checked → filed with the
naming checks, or is returned with the findings and submitted again once corrected; the
filed name enters the register with its filing record. And the 备案公告 of an approval as a
record of the six fields the 2023 filing rules require."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from fixtures.grid import Grid
from geo.audit import Actor
from geo.db import fetch_one
from geo.errors import Conflict, Forbidden, InvalidInput, NotFound
from geo.names import export, gazetteer
from geo.names import workflow as wf
from tests.factories import add_division, add_name

OFFICER = Actor("王科长", "names_officer")
MAP = Grid("""
    A . . . . B . . . . C
    .         .         .
    .   1 . 2 .   3 . 4 .
    .         .         .
    D . . . . E . . . . F
""", step_m=500)
# Two city districts (市辖区): one built-up area, where 住宅区 and 楼宇 names are unique.
DISTRICT_1, DISTRICT_2 = "439901", "439902"
TODAY = wf.beijing_today()


@pytest.fixture
def area(conn):
    gazetteer.load_categories(conn)
    add_division(conn, DISTRICT_1, MAP.polygon("A", "B", "E", "D"), kind="市辖区")
    add_division(conn, DISTRICT_2, MAP.polygon("B", "C", "F", "E"), kind="市辖区")
    return MAP


def compound(name, division=DISTRICT_1, at="1", **extra):
    """A filing of a 小区 (住宅区, 1101) at a point of the map."""
    return {"kind": "filing", "name": name, "category_code": "1101", "division_code": division,
            "applicant": "株洲荷韵置业有限公司", "applicant_contact": "赵六 13900000000",
            "location_description": "红旗路以东、新华路以北",
            "geometry": {"type": "Point", "coordinates": list(MAP[at])}, **extra}


def submitted(conn, data):
    app = wf.create_application(conn, OFFICER, data)
    return wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))


def codes(app):
    return {f["code"]: f["severity"] for f in app["findings"]}


# ---------------------------------------------------------------- filed end to end

def test_a_compound_name_is_filed_into_the_register(conn, area):
    app = wf.create_application(conn, OFFICER, compound("荷韵小区"))
    assert app["state"] == "draft" and app["kind"] == "filing"
    app = wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    assert app["state"] == "checked" and app["findings"] == []
    assert wf.refusal(app, "submit") is None
    app = wf.act(conn, OFFICER, app["id"], "file", wf.Step(app["version"]))
    assert app["state"] == "filed" and app["filed_on"] == TODAY
    assert app["filing_no"] == f"439901建名备〔{TODAY.year}〕1号"
    assert app["filed_by"] == "王科长" and app["took_effect_at"] is not None
    steps = [(e["action"], e["from_state"], e["to_state"]) for e in app["events"]]
    assert steps == [("create", None, "draft"), ("submit", "draft", "submitted"),
                     ("check", "submitted", "checked"), ("file", "checked", "filed")]

    name = gazetteer.get_name(conn, app["result_name_id"])
    assert (name["name"], name["category_code"], name["status"]) == ("荷韵小区", "1101",
                                                                    "standard")
    assert name["roman"] == "Heyun Xiaoqu" and name["valid_from"] == TODAY
    assert name["filing_no"] == app["filing_no"] and name["filed_on"] == TODAY
    assert name["source"] == f"filed: {app['filing_no']}" and name["approved_by"] is None
    assert fetch_one(conn, "SELECT filed_by FROM place_names WHERE id = %s",
                     (name["id"],))["filed_by"] == "王科长"
    assert wf.list_applications(conn, kind="filing")[0]["filing_no"] == app["filing_no"]
    assert wf.count_by_state(conn, kind="filing") == {"filed": 1}


def test_filing_numbers_run_per_county_and_year_or_are_given(conn, area):
    first = submitted(conn, compound("荷韵小区"))
    first = wf.act(conn, OFFICER, first["id"], "file", wf.Step(first["version"]))
    second = submitted(conn, compound("枫林大厦", category_code="1102", at="2"))
    second = wf.act(conn, OFFICER, second["id"], "file", wf.Step(second["version"]))
    assert second["filing_no"] == f"439901建名备〔{TODAY.year}〕2号"
    given = submitted(conn, compound("松涛苑", at="2"))
    with pytest.raises(Conflict) as taken:
        wf.act(conn, OFFICER, given["id"], "file", wf.Step(given["version"],
                                                         filing_no=first["filing_no"]))
    assert taken.value.field == "filing_no"
    given = wf.act(conn, OFFICER, given["id"], "file", wf.Step(given["version"],
                                                             filing_no="株民地备〔2026〕7号"))
    assert given["filing_no"] == "株民地备〔2026〕7号"


# ---------------------------------------------------------------- returned and corrected

def test_a_filing_the_checks_block_is_returned_with_the_findings(conn, area):
    app = submitted(conn, compound("帝王华府"))            # 帝王: a banned word (怪)
    assert app["state"] == "returned" and codes(app)["banned-word"] == "block"
    assert [e["action"] for e in app["events"]][-1] == "check"
    refused = wf.refusal(app, "submit")
    assert isinstance(refused, InvalidInput) and refused.field == "name"
    assert refused.extra["state"] == "returned" and "帝王" in refused.detail
    assert [f["field"] for f in refused.extra["findings"]] == ["name"]
    with pytest.raises(Conflict):        # returned: nothing to file
        wf.act(conn, OFFICER, app["id"], "file", wf.Step(app["version"]))

    app = wf.act(conn, OFFICER, app["id"], "correct", wf.Step(
        app["version"], corrections={"name": "荷韵华府"}, note="开发商更名"))
    assert app["state"] == "returned" and app["name"] == "荷韵华府"
    assert app["events"][-1]["note"] == "帝王华府 → 荷韵华府; 开发商更名"
    app = wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    assert app["state"] == "checked" and app["findings"] == []
    app = wf.act(conn, OFFICER, app["id"], "file", wf.Step(app["version"]))
    assert app["state"] == "filed"
    assert [e["action"] for e in app["events"]] == [
        "create", "submit", "check", "correct", "submit", "check", "file"]


def test_a_duplicate_in_the_built_up_area_and_a_place_outside_are_returned(conn, area):
    add_name(conn, "荷韵小区", "1101", division=DISTRICT_2 + "001")
    dup = submitted(conn, compound("荷韵小区"))
    assert dup["state"] == "returned" and codes(dup)["duplicate"] == "block"
    outside = submitted(conn, compound("松涛苑", at="3"))   # 3 lies in the other district
    assert codes(outside)["outside-jurisdiction"] == "block"
    assert wf.refusal(outside, "submit").field == "geometry"
    fixed = wf.act(conn, OFFICER, outside["id"], "correct", wf.Step(
        outside["version"], corrections={"geometry": {"type": "Point",
                                                      "coordinates": list(MAP["2"])}}))
    assert wf.act(conn, OFFICER, fixed["id"], "submit",
                  wf.Step(fixed["version"]))["state"] == "checked"


def test_the_second_of_two_checked_filings_of_a_name_is_returned_when_filed(conn, area):
    one, two = submitted(conn, compound("荷韵小区")), submitted(conn, compound("荷韵小区", at="2"))
    assert one["state"] == two["state"] == "checked"
    wf.act(conn, OFFICER, one["id"], "file", wf.Step(one["version"]))
    two = wf.act(conn, OFFICER, two["id"], "file", wf.Step(two["version"]))
    assert two["state"] == "returned" and codes(two)["duplicate"] == "block"
    assert two["filing_no"] is None and two["filed_by"] is None and two["result_name_id"] is None
    assert wf.refusal(two, "file").field == "name"


def test_warnings_are_acknowledged_with_a_reason_before_filing(conn, area):
    add_name(conn, "禾韵小区", "1101", division=DISTRICT_2)    # heyun, like 荷韵
    app = submitted(conn, compound("荷韵花园"))
    assert app["state"] == "checked" and codes(app) == {"homophone": "warn"}
    with pytest.raises(InvalidInput) as unacknowledged:
        wf.act(conn, OFFICER, app["id"], "file", wf.Step(app["version"]))
    assert unacknowledged.value.field == "acknowledgements"
    app = wf.act(conn, OFFICER, app["id"], "file", wf.Step(
        app["version"], acknowledgements={"homophone": "两小区相距较远，群众无异议"}))
    assert app["state"] == "filed"
    assert app["findings"][0]["acknowledgement"] == "两小区相距较远，群众无异议"


def test_an_officer_returns_a_checked_filing_with_a_note(conn, area):
    app = submitted(conn, compound("荷韵小区"))
    with pytest.raises(InvalidInput) as bare:
        wf.act(conn, OFFICER, app["id"], "return", wf.Step(app["version"]))
    assert bare.value.field == "note"
    app = wf.act(conn, OFFICER, app["id"], "return", wf.Step(
        app["version"], note="“雅苑”与楼盘规模不符，请补充说明"))
    assert app["state"] == "returned" and wf.refusal(app, "return") is None


# ---------------------------------------------------------------- refusals and roles

def test_a_filing_takes_a_building_category_and_no_target(conn, area):
    with pytest.raises(InvalidInput) as street:
        wf.create_application(conn, OFFICER, compound("荷韵路", category_code="0801"))
    assert street.value.field == "category_code" and "1101 住宅区" in street.value.detail
    with pytest.raises(InvalidInput) as target:
        wf.create_application(conn, OFFICER, compound("荷韵小区", target_id=1))
    assert target.value.field == "target_id"
    app = wf.create_application(conn, OFFICER, compound("荷韵小区"))
    with pytest.raises(InvalidInput) as wrong:
        wf.act(conn, OFFICER, app["id"], "correct", wf.Step(
            app["version"], corrections={"category_code": "0801"}))
    assert wrong.value.field == "corrections.category_code"
    with pytest.raises(Conflict) as approve:
        wf.act(conn, OFFICER, app["id"], "approve", wf.Step(app["version"]))
    assert approve.value.field == "action"
    with pytest.raises(NotFound):
        wf.act(conn, OFFICER, app["id"], "merge", wf.Step(app["version"]))


def test_the_filing_date_is_never_in_the_future_nor_before_the_filing(conn, area):
    app = submitted(conn, compound("荷韵小区"))
    for day in (TODAY + dt.timedelta(days=1), TODAY - dt.timedelta(days=3)):
        with pytest.raises(InvalidInput) as bad:
            wf.act(conn, OFFICER, app["id"], "file", wf.Step(app["version"], on=day))
        assert bad.value.field == "on"


def test_only_names_officers_file(conn, area):
    app = submitted(conn, compound("荷韵小区"))
    for role in ("plates_officer", "planner", "planning_liaison"):
        with pytest.raises(Forbidden):
            wf.act(conn, Actor("张三", role), app["id"], "file", wf.Step(app["version"]))
    assert wf.act(conn, Actor("管理员", "admin"), app["id"], "file",
                  wf.Step(app["version"]))["state"] == "filed"


# ---------------------------------------------------------------- 备案公告

def approved_street(conn, name="荷香路", **extra):
    data = {"kind": "naming", "name": name, "category_code": "0801",
            "division_code": DISTRICT_1, "applicant": "区住建局",
            "location_description": "东起红旗路，西至建设路",
            "geometry": {"type": "LineString", "coordinates": [list(MAP["1"]), list(MAP["2"])]},
            **extra}
    a = wf.create_application(conn, OFFICER, data)
    a = wf.act(conn, OFFICER, a["id"], "submit", wf.Step(a["version"]))
    a = wf.act(conn, OFFICER, a["id"], "assess", wf.Step(
        a["version"], reports=[{"type": "expert_review", "title": "专家论证报告"}]))
    return wf.act(conn, OFFICER, a["id"], "approve", wf.Step(
        a["version"], approving_authority="测试市人民政府", document_no="测政函〔2026〕1号"))


def test_the_announcement_record_has_the_six_fields_of_the_filing_rules(conn, area):
    add_name(conn, "测试市", "0402", division="439900")
    add_name(conn, "一区", "0403", division=DISTRICT_1)
    app = approved_street(conn)
    record = wf.announcement_record(conn, app["id"])
    assert record["division"].endswith("测试市一区")   # 湖南省 first when the sample is loaded
    assert {k: record[k] for k, _ in wf.ANNOUNCEMENT_FIELDS} == {
        "name": "荷香路", "roman": "Hexiang Lu", "division": record["division"],
        "location_description": "东起红旗路，西至建设路",
        "approving_authority": "测试市人民政府", "approved_on": TODAY}
    assert record["labels"] == {"name": "标准名称", "roman": "罗马字母拼写",
                                "division": "所属政区", "location_description": "位置描述",
                                "approving_authority": "批准机关", "approved_on": "批准时间"}
    assert (record["change"], record["division_code"], record["document_no"]) == (
        "命名", DISTRICT_1, "测政函〔2026〕1号")
    assert record["text"] == app["announcement"] == wf.announcement(conn, app)
    assert "标准名称：荷香路" in record["text"]
    assert f"所属政区：{record['division']}" in record["text"]


def test_no_announcement_before_approval_nor_for_a_filing(conn, area):
    draft = wf.create_application(conn, OFFICER, {
        "kind": "naming", "name": "荷香路", "category_code": "0801",
        "division_code": DISTRICT_1, "applicant": "区住建局"})
    with pytest.raises(Conflict) as early:
        wf.announcement_record(conn, draft["id"])
    assert early.value.field == "state"
    filed = submitted(conn, compound("荷韵小区"))
    filed = wf.act(conn, OFFICER, filed["id"], "file", wf.Step(filed["version"]))
    with pytest.raises(Conflict) as building:
        wf.announcement_record(conn, filed["id"])
    assert building.value.field == "kind"
    with pytest.raises(NotFound):
        wf.announcement_record(conn, 10**9)


def test_the_announcements_of_a_period_as_a_workbook(conn, area):
    app = approved_street(conn)
    filed = submitted(conn, compound("荷韵小区"))
    wf.act(conn, OFFICER, filed["id"], "file", wf.Step(filed["version"]))
    rows = export.announcements(conn, TODAY, TODAY, DISTRICT_1)
    assert [r["application_id"] for r in rows] == [app["id"]]      # the filing has none
    assert export.announcements(conn, TODAY - dt.timedelta(days=9),
                                TODAY - dt.timedelta(days=1)) == []
    sheet = load_workbook(io.BytesIO(export.render_announcements(rows, "xlsx")))["备案公告"]
    head, first = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert head[2:8] == ["标准名称 name", "罗马字母拼写 roman", "所属政区 division",
                         "位置描述 location_description", "批准机关 approving_authority",
                         "批准时间 approved_on"]
    assert first[2:4] == ["荷香路", "Hexiang Lu"] and first[7] == TODAY.isoformat()
    csv = export.render_announcements(rows, "csv").decode("utf-8-sig")
    assert csv.startswith("申请编号 application_id,变更类型 change,标准名称 name")
    with pytest.raises(InvalidInput) as backwards:
        export.announcements(conn, TODAY, TODAY - dt.timedelta(days=1))
    assert backwards.value.field == "until"
