"""Dates that hold (issue 17): approval, filing and announcement against each other and
today (Beijing); a name that comes into force on a later date; the standard form of a name
filed in traditional characters; category changes on renaming; the announcement's 含义."""

import datetime as dt
import re

import pytest

from geo.db import execute, fetch_one
from geo.errors import Conflict, InvalidInput
from geo.names import gazetteer
from geo.names import register as reg
from geo.names import workflow as wf
from tests.factories import add_division, add_name
from tests.geo.names.test_workflow import (
    DISTRICT_1,
    DISTRICT_2,
    MAP,
    OFFICER,
    OTHER_COUNTY,
    street,
)

TODAY = wf.beijing_today()
DAY = dt.timedelta(days=1)


@pytest.fixture
def area(conn):
    """The districts of test_workflow's map."""
    gazetteer.load_categories(conn)
    add_division(conn, DISTRICT_1, MAP.polygon("A", "B", "E", "D"), kind="市辖区")
    add_division(conn, DISTRICT_2, MAP.polygon("B", "C", "F", "E"), kind="市辖区")
    add_division(conn, OTHER_COUNTY, MAP.polygon("A", "C", "F", "D"), kind="县")
    return MAP


def assessed(conn, data):
    app = wf.create_application(conn, OFFICER, data)
    a = wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    return wf.act(conn, OFFICER, a["id"], "assess", wf.Step(
        a["version"], reports=[{"type": "expert_review", "title": "论证"}]))


def approve(conn, a, today=None, **step):
    return wf.act(conn, OFFICER, a["id"], "approve", wf.Step(
        a["version"], approving_authority="市人民政府", document_no="测政函〔2026〕9号", **step),
        today=today)


def invalid(call) -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        call()
    return err.value


# ---------------------------------------------------------------- dates against today

def test_beijing_today_is_the_date_in_china():
    now = dt.datetime.now(dt.UTC)
    assert wf.beijing_today() == (now + dt.timedelta(hours=8)).date()


def test_an_approval_dated_in_the_future_is_refused(conn, area):
    a = assessed(conn, street("荷香路"))
    err = invalid(lambda: approve(conn, a, on=dt.date(2030, 1, 1)))
    assert err.field == "on" and "in the future" in err.detail and "effective_on" in err.detail
    assert fetch_one(conn, "SELECT count(*) AS n FROM place_names WHERE name = '荷香路'")["n"] == 0
    # today, as Beijing counts it, is fine; tomorrow is not
    invalid(lambda: approve(conn, a, on=dt.date(2026, 12, 7), today=dt.date(2026, 12, 6)))
    assert approve(conn, a, on=dt.date(2026, 12, 6), today=dt.date(2026, 12, 6))["state"] == \
        "approved"


def test_filing_and_announcement_not_before_approval_nor_in_the_future(conn, area):
    a = approve(conn, assessed(conn, street("荷香路")), on=TODAY - 10 * DAY)
    for action in ("file", "announce"):
        err = invalid(lambda action=action: wf.act(conn, OFFICER, a["id"], action, wf.Step(
            a["version"], on=dt.date(2020, 5, 1))))
        assert err.field == "on" and "before the approval" in err.detail
        err = invalid(lambda action=action: wf.act(conn, OFFICER, a["id"], action, wf.Step(
            a["version"], on=TODAY + DAY)))
        assert err.field == "on" and "in the future" in err.detail
    filed = wf.act(conn, OFFICER, a["id"], "file", wf.Step(a["version"], on=TODAY - 10 * DAY))
    assert filed["filed_on"] == TODAY - 10 * DAY      # the day of approval itself is fine
    done = wf.act(conn, OFFICER, a["id"], "announce", wf.Step(filed["version"]))
    assert done["announced_on"] == TODAY


def test_effective_date_not_before_approval_nor_more_than_a_year_ahead(conn, area):
    a = assessed(conn, street("荷香路"))
    assert invalid(lambda: approve(conn, a, on=TODAY, effective_on=TODAY - DAY)).field == \
        "effective_on"
    assert invalid(lambda: approve(conn, a, on=TODAY, effective_on=TODAY + 400 * DAY)).field \
        == "effective_on"


# ---------------------------------------------------------------- effective dates

def test_a_naming_in_force_tomorrow_is_not_a_standard_name_today(conn, area):
    a = approve(conn, assessed(conn, street("荷香路", meaning="荷塘飘香")),
                effective_on=TODAY + DAY)
    assert (a["approved_on"], a["effective_on"]) == (TODAY, TODAY + DAY)
    assert a["result_name_id"] is None and a["took_effect_at"] is None
    assert fetch_one(conn, "SELECT count(*) AS n FROM place_names WHERE name = '荷香路'")["n"] == 0
    assert "启用时间：" in a["announcement"]
    register = reg.register(conn, DISTRICT_1)
    assert [p["name"] for p in register.pending] == ["荷香路"]
    assert "荷香路" not in [e["name"] for e in register.entries]
    assert wf.take_effect(conn, today=TODAY) == []                  # not yet
    assert wf.take_effect(conn, today=TODAY + DAY) == [a["id"]]     # its day
    done = wf.get_application(conn, a["id"])
    name = gazetteer.get_name(conn, done["result_name_id"])
    assert (name["status"], name["valid_from"], name["approved_on"]) == (
        "standard", TODAY + DAY, TODAY)
    assert done["events"][-1]["action"] == "take-effect"
    assert wf.take_effect(conn, today=TODAY + 2 * DAY) == []        # once only
    tomorrow = reg.register(conn, DISTRICT_1, today=TODAY + DAY)
    assert [e["name"] for e in tomorrow.entries if e["recent"]] == ["荷香路"]


def test_a_renaming_in_force_tomorrow_keeps_the_old_name_standard_until_then(conn, area):
    old = add_name(conn, "人民路", division=DISTRICT_1, geom=MAP.line("1", "2"),
                   valid=("2000-01-01", None))
    a = approve(conn, assessed(conn, street("荷香路", kind="renaming", target_id=old)),
                effective_on=TODAY + DAY)
    today = gazetteer.get_name(conn, old)
    assert (today["status"], today["valid_to"], today["current"]) == ("standard", None, None)
    listed = [e["name"] for e in reg.register(conn, DISTRICT_1).entries]
    assert "人民路" in listed and "荷香路" not in listed     # (sample names may lie here too)
    # a second renaming of the same name waits for nothing: it is blocked
    got = {}
    try:
        assessed(conn, street("荷韵路", kind="renaming", target_id=old))
    except Conflict as err:
        got = {f["code"]: f["severity"] for f in err.extra["findings"]}
    assert got["target-pending-change"] == "block"
    # and the approved name is taken: the same name again is a duplicate
    try:
        assessed(conn, street("荷香路", division=DISTRICT_1))
    except Conflict as err:
        got = {f["code"]: f["severity"] for f in err.extra["findings"]}
    assert got["duplicate-approved"] == "block"
    wf.take_effect(conn, today=TODAY + DAY)
    after = gazetteer.get_name(conn, old)
    assert (after["status"], after["valid_to"]) == ("historical", TODAY + DAY)
    assert after["current"]["name"] == "荷香路"
    new = wf.get_application(conn, a["id"])["result_name_id"]
    assert [f["name"] for f in gazetteer.get_name(conn, new)["former_names"]] == ["人民路"]


def test_an_approval_that_can_no_longer_take_effect_waits_and_the_others_go_on(conn, area):
    old = add_name(conn, "人民路", division=DISTRICT_1, geom=MAP.line("1", "2"))
    stuck = approve(conn, assessed(conn, street("荷香路", kind="renaming", target_id=old)),
                    effective_on=TODAY + DAY)
    fine = approve(conn, assessed(conn, street("荷韵街")), effective_on=TODAY + DAY)
    execute(conn, "UPDATE place_names SET status = 'abolished' WHERE id = %s", (old,))
    assert wf.take_effect(conn, today=TODAY + DAY) == [fine["id"]]
    assert wf.get_application(conn, stuck["id"])["took_effect_at"] is None


def test_an_approval_in_force_at_once_changes_the_gazetteer_in_the_same_step(conn, area):
    a = approve(conn, assessed(conn, street("荷香路")), on=TODAY - 3 * DAY)
    assert a["effective_on"] == TODAY - 3 * DAY and a["took_effect_at"] is not None
    name = gazetteer.get_name(conn, a["result_name_id"])
    assert (name["status"], name["valid_from"]) == ("standard", TODAY - 3 * DAY)
    assert [e["action"] for e in a["events"]][-1] == "approve"


# ---------------------------------------------------------------- traditional characters

def test_a_traditional_name_is_approved_only_in_the_form_the_officer_confirms(conn, area):
    app = wf.create_application(conn, OFFICER, street("梔香街"))
    with pytest.raises(Conflict) as err:
        wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    [block] = [f for f in err.value.extra["findings"] if f["severity"] == "block"]
    assert block["code"] == "traditional" and "栀香街" in block["message"]
    wrong = invalid(lambda: wf.act(conn, OFFICER, app["id"], "confirm-name", wf.Step(
        app["version"], name="荷香街")))
    assert wrong.field == "name"
    confirmed = wf.act(conn, OFFICER, app["id"], "confirm-name", wf.Step(
        app["version"], name="栀香街"))
    assert (confirmed["name"], confirmed["name_as_filed"], confirmed["state"]) == (
        "栀香街", "梔香街", "draft")
    assert confirmed["events"][-1]["note"] == "梔香街 → 栀香街"
    [row] = [r for r in wf.list_applications(conn) if r["id"] == app["id"]]
    assert (row["name"], row["name_as_filed"]) == ("栀香街", "梔香街")
    a = wf.act(conn, OFFICER, app["id"], "submit", wf.Step(confirmed["version"]))
    a = wf.act(conn, OFFICER, a["id"], "assess", wf.Step(
        a["version"], reports=[{"type": "expert_review", "title": "论证"}]))
    done = approve(conn, a)
    assert gazetteer.get_name(conn, done["result_name_id"])["name"] == "栀香街"
    assert "标准名称：栀香街" in done["announcement"]


def test_the_officer_may_keep_a_character_the_conversion_gets_wrong(conn, area):
    app = wf.create_application(conn, OFFICER, street("乾塘路"))   # 乾 → 干 by the converter
    a = wf.act(conn, OFFICER, app["id"], "confirm-name", wf.Step(app["version"], name="乾塘路"))
    a = wf.act(conn, OFFICER, a["id"], "submit", wf.Step(a["version"]))
    assert "traditional" not in {f["code"] for f in a["findings"]}


# ---------------------------------------------------------------- renaming categories

def test_a_renaming_into_another_category_is_a_finding(conn, area):
    township = add_name(conn, "荷塘街道", "0404", division=DISTRICT_1 + "001")
    app = wf.create_application(conn, OFFICER, street(
        "荷韵街道", kind="renaming", target_id=township, category_code="0403"))
    with pytest.raises(Conflict) as err:
        wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    [f] = [f for f in err.value.extra["findings"] if f["code"] == "category-change"]
    assert f["severity"] == "block"
    assert "0404 乡级行政区" in f["message"] and "0403 县级行政区" in f["message"]
    road = add_name(conn, "人民路", division=DISTRICT_1)
    app = wf.create_application(conn, OFFICER, street(
        "荷香桥", kind="renaming", target_id=road, category_code="0802"))
    a = wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    assert {f["code"]: f["severity"] for f in a["findings"]}["category-change"] == "warn"
    same = wf.create_application(conn, OFFICER, street("荷韵路", kind="renaming",
                                                      target_id=road))
    assert "category-change" not in {f.code for f in wf._findings(
        conn, wf.get_application(conn, same["id"]))}


# ---------------------------------------------------------------- texts

def test_the_announcement_gives_the_meaning_when_there_is_one(conn, area):
    with_meaning = approve(conn, assessed(conn, street("荷香路", meaning="  荷塘飘香，寓意美好 ")))
    assert "地名含义：荷塘飘香，寓意美好" in with_meaning["announcement"]
    assert "启用时间" not in with_meaning["announcement"]
    without = approve(conn, assessed(conn, street("荷韵街", a="2", b="1")))
    assert "地名含义" not in without["announcement"]


@pytest.mark.parametrize(("geometry", "text"), [
    ({"type": "Point", "coordinates": list(MAP["3"])},
     r"^the point lies \d+ m outside division 439901$"),
    ({"type": "LineString", "coordinates": [list(MAP["2"]), list(MAP["3"])]},
     r"^\d+ m of the line lies outside division 439901$"),
    ({"type": "Polygon", "coordinates": [[list(MAP[k]) for k in ("3", "4", "F", "3")]]},
     r"^\d+ m² of the area lies outside division 439901$"),
])
def test_outside_the_jurisdiction_says_metres_or_square_metres_by_geometry(conn, area,
                                                                          geometry, text):
    app = wf.create_application(conn, OFFICER, street("荷香路") | {"geometry": geometry})
    [f] = [f for f in wf.current_findings(conn, app["id"]) if f["code"] == "outside-jurisdiction"]
    assert re.match(text, f["message"]), f["message"]
