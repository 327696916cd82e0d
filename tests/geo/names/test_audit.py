"""The clean-up of non-standard names (清理不规范地名): the naming checks over every standard
name of a division, duplicates and homophones in each category's legal scope, totals, the
workbook, and campaigns that draft renaming applications and rename nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from geo.audit import Actor
from geo.db import fetch_one
from geo.errors import Forbidden, InvalidInput
from geo.names import audit, cleanup, gazetteer
from geo.names import workflow as wf
from tests.factories import add_division, add_name

OFFICER = Actor("王科长", "names_officer")
# Two districts of one city (one built-up area) and a county of another prefecture.
DISTRICT_1, DISTRICT_2, OTHER_COUNTY = "439901", "439902", "439821"


@pytest.fixture
def names(conn):
    gazetteer.load_categories(conn)
    for code, kind in ((DISTRICT_1, "市辖区"), (DISTRICT_2, "市辖区"), (OTHER_COUNTY, "县")):
        add_division(conn, code, None, kind=kind)
    return {
        "clean": add_name(conn, "荷香路", division=DISTRICT_1 + "001"),
        "dup_a": add_name(conn, "建设路", division=DISTRICT_1 + "001"),
        "dup_b": add_name(conn, "建设路", division=DISTRICT_2 + "002"),     # same built-up area
        "dup_far": add_name(conn, "建设路", division=OTHER_COUNTY + "001"),  # another scope
        "sound_a": add_name(conn, "花惠路", division=DISTRICT_1 + "001"),
        "sound_b": add_name(conn, "华汇路", division=DISTRICT_2 + "001"),
        "letters": add_name(conn, "CBD大道", division=DISTRICT_1 + "001"),
        "digits": add_name(conn, "3号路", division=DISTRICT_1 + "001"),
        "traditional": add_name(conn, "東風路", division=DISTRICT_1 + "001"),
        "grand": add_name(conn, "中华大道", division=DISTRICT_2 + "001"),
        "community": add_name(conn, "建设社区", "0501", division=DISTRICT_1 + "001001"),
    }


def _rules(result) -> dict[int, set[str]]:
    return {n["id"]: {f["rule"] for f in n["findings"]} for n in result["names"]}


def test_every_name_is_checked_as_an_application_would_be(conn, names):
    r = audit.audit(conn, "439900")
    found = _rules(r)
    assert names["clean"] not in found and names["community"] not in found
    assert found[names["dup_a"]] == found[names["dup_b"]] == {"duplicate"}
    assert names["dup_far"] not in found            # another county: not in the same scope
    assert found[names["sound_a"]] == found[names["sound_b"]] == {"homophone"}
    assert "foreign-script" in found[names["letters"]]
    assert found[names["digits"]] == {"digits"}
    assert "traditional" in found[names["traditional"]]     # 東 is outside GB 2312 too
    assert found[names["grand"]] == {"grand-word"}
    t = r["totals"]
    assert t["names"] == 10 and t["names_with_findings"] == 8
    by_rule = {x["rule"]: x["findings"] for x in t["by_rule"]}
    assert by_rule["duplicate"] == 2 and by_rule["homophone"] == 2
    dup = next(n for n in r["names"] if n["id"] == names["dup_a"])["findings"][0]
    assert dup["severity"] == "block"
    assert dup["reason"].startswith(f"建设路 ({DISTRICT_2}002, id {names['dup_b']}) already")
    assert dup["rule_name"] == "重名"
    assert {"category_code": "0801", "category_name": "街路巷", "rule": "duplicate",
            "rule_name": "重名", "findings": 2} in t["by_category"]
    # One county only: the other district's names are outside, so no clash is seen.
    only = _rules(audit.audit(conn, DISTRICT_1))
    assert names["dup_a"] not in only and "digits" in only[names["digits"]]


def test_a_page_of_findings_and_the_workbook(conn, names):
    r = audit.audit(conn, "439900")
    dup = audit.page(r, rule="duplicate")
    assert dup["matched"] == 2 and {n["id"] for n in dup["names"]} == {names["dup_a"],
                                                                        names["dup_b"]}
    assert audit.page(r, limit=3, offset=3)["names"] == r["names"][3:6]
    with pytest.raises(InvalidInput) as bad:
        audit.page(r, rule="ugly")
    assert bad.value.field == "rule"
    book = load_workbook(io.BytesIO(audit.to_xlsx(r)))
    assert book.sheetnames == ["汇总", "按类别", "问题地名"]
    rows = list(book["问题地名"].iter_rows(values_only=True))
    assert rows[0][:2] == ("地名编号 id", "标准名称 name")
    assert len(rows) - 1 == r["totals"]["findings"]
    assert ("3号路" in {row[1] for row in rows[1:]})


def test_a_campaign_drafts_renamings_and_renames_nothing(conn, names):
    c = cleanup.create_campaign(conn, OFFICER, "439900", "2026年清理不规范地名",
                                [names["traditional"], names["digits"]])
    assert [i["name_id"] for i in c["items"]] == sorted([names["traditional"], names["digits"]])
    by_name = {i["name_id"]: i for i in c["items"]}
    # Traditional characters: drafted in the simplified form; others under their own name.
    assert by_name[names["traditional"]]["proposed_name"] == "东风路"
    assert by_name[names["digits"]]["proposed_name"] == "3号路"
    app = wf.get_application(conn, by_name[names["digits"]]["application_id"])
    assert (app["kind"], app["state"], app["target_id"]) == ("renaming", "draft",
                                                             names["digits"])
    assert app["reason"] == "清理不规范地名（2026年清理不规范地名）：含阿拉伯数字"
    # Nothing renamed: the names stand as they were.
    assert fetch_one(conn, "SELECT name, status FROM place_names WHERE id = %s",
                     (names["digits"],)) == {"name": "3号路", "status": "standard"}
    # The officer proposes the new name; the draft is then checked as any application.
    app = wf.act(conn, OFFICER, app["id"], "propose-name", wf.Step(app["version"], name="三号路"))
    assert app["name"] == "三号路" and app["state"] == "draft"
    assert "digits" not in {f["code"] for f in wf.current_findings(conn, app["id"])}
    # A name drafted already, a name without a finding, a name of another division.
    with pytest.raises(InvalidInput) as again:
        cleanup.create_campaign(conn, OFFICER, "439900", "再次", [names["grand"],
                                                               names["digits"]])
    assert again.value.field == "name_ids[1]"
    with pytest.raises(InvalidInput) as clean:
        cleanup.create_campaign(conn, OFFICER, "439900", "无问题", [names["clean"]])
    assert clean.value.field == "name_ids[0]"
    assert cleanup.campaigns(conn, "439900")[0]["names"] == 2
    with pytest.raises(Forbidden):
        cleanup.create_campaign(conn, Actor("规划员", "planner"), "439900", "越权",
                                [names["grand"]])


def test_the_national_shape_of_scopes(conn, names):
    # County-level names are unique nationwide: the same county name anywhere clashes.
    a = add_name(conn, "荷香区", "0403", division="439903")
    b = add_name(conn, "荷香区", "0403", division="110199")
    found = _rules(audit.audit(conn, "000000"))
    assert found[a] == found[b] == {"duplicate"}
    with pytest.raises(InvalidInput) as bad:
        audit.audit(conn, "999999")
    assert bad.value.field == "division"
