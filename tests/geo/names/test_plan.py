"""Place-name plans (地名规划): a reserved name blocks the same name for applications and
for other reservations in its legal scope (and nowhere else), requests wait for an
officer, a reservation becomes a naming application in one step, and it lapses."""

import datetime as dt

import pytest

from fixtures.grid import Grid
from geo import audit
from geo.audit import Actor
from geo.db import execute
from geo.errors import Conflict, Forbidden, InvalidInput
from geo.names import gazetteer
from geo.names import plan as pl
from geo.names import workflow as wf
from tests.factories import add_division, add_name

OFFICER = Actor("王科长", "names_officer")
LIAISON = Actor("规划局小周", "planning_liaison")
MAP = Grid("""
    A . . . . B . . . . C
    .         .         .
    .   1 . 2 .   3 . 4 .
    .         .         .
    D . . . . E . . . . F
""", step_m=500)
# Two city districts (市辖区: one built-up area, the scope of street names) and a county
# of another prefecture (its own built-up area).
DISTRICT_1, DISTRICT_2, OTHER_COUNTY = "439901", "439902", "439821"
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def area(conn):
    gazetteer.load_categories(conn)
    add_division(conn, DISTRICT_1, MAP.polygon("A", "B", "E", "D"), kind="市辖区")
    add_division(conn, DISTRICT_2, MAP.polygon("B", "C", "F", "E"), kind="市辖区")
    add_division(conn, OTHER_COUNTY, MAP.polygon("A", "C", "F", "D"), kind="县")
    return MAP


def line(a, b):
    return {"type": "LineString", "coordinates": [list(MAP[a]), list(MAP[b])]}


def planned(name, division=DISTRICT_1, a="1", b="2", **extra):
    """A planned road of ``division`` drawn from ``a`` to ``b``."""
    return {"name": name, "category_code": "0801", "division_code": division,
            "geometry": line(a, b), "project": "新城片区道路工程",
            "applicant": "市自然资源和规划局", **extra}


def rounded(geometry):
    """A line as the plan gives it back: to 7 decimals (1 cm)."""
    return {**geometry, "coordinates": [[round(x, 7) for x in p]
                                        for p in geometry["coordinates"]]}


def application(name, division=DISTRICT_1, a="1", b="2"):
    return {"kind": "naming", "name": name, "category_code": "0801", "division_code": division,
            "applicant": "区住建局", "geometry": line(a, b)}


def reserve(conn, name, division=DISTRICT_1, **extra):
    return pl.create_reservation(conn, OFFICER, planned(name, division, **extra), TODAY)


def findings(conn, data, today=TODAY):
    """The findings of an application of ``data`` when it is submitted (code: severity)."""
    app = wf.create_application(conn, OFFICER, data)
    return submitted_findings(conn, app)


def submitted_findings(conn, app):
    try:
        wf.act(conn, OFFICER, app["id"], "submit", wf.Step(app["version"]))
    except Conflict as err:
        return {f["code"]: f["severity"] for f in err.extra["findings"]}
    return {f["code"]: f["severity"] for f in wf.get_application(conn, app["id"])["findings"]}


def step(res, **kw):
    return pl.Step(res["version"], **kw)


# ---------------------------------------------------------------- reserved names block

def test_a_reserved_name_is_refused_to_an_application_in_its_built_up_area(conn, area):
    reserve(conn, "荷韵路")
    got = findings(conn, application("荷韵路", DISTRICT_2, "3", "4"))   # the next district
    assert got["duplicate-reserved"] == "block"


def test_the_same_name_is_fine_in_another_county(conn, area):
    reserve(conn, "荷韵路")
    assert "duplicate-reserved" not in findings(conn, application("荷韵路", OTHER_COUNTY))


def test_a_reserved_name_is_refused_to_another_reservation_in_the_same_scope(conn, area):
    first = reserve(conn, "荷韵路")
    with pytest.raises(Conflict) as err:
        reserve(conn, "荷韵路", DISTRICT_2, a="3", b="4")
    assert err.value.field == "name" and err.value.extra["reservation"] == first["id"]
    assert reserve(conn, "荷韵路", OTHER_COUNTY)["state"] == "reserved"   # another county


def test_scopes_overlap_whatever_the_category_scope_of_each(conn, area):
    # 0404 townships are unique in the province, 0403 counties in the nation: same class 04.
    pl.create_reservation(conn, OFFICER, planned("荷韵镇", DISTRICT_1, category_code="0404"),
                          TODAY)
    with pytest.raises(Conflict) as err:
        pl.create_reservation(conn, OFFICER, planned("荷韵镇", "110105", category_code="0403",
                                                     geometry=None), TODAY)
    assert err.value.field == "name"
    # A residential area (11) of the same name is another class of place.
    assert reserve(conn, "荷韵镇", category_code="1101")["state"] == "reserved"


def test_a_request_also_holds_its_name_against_other_requests(conn, area):
    pl.create_reservation(conn, LIAISON, planned("荷韵路"), TODAY)
    with pytest.raises(Conflict) as err:
        pl.create_reservation(conn, LIAISON, planned("荷韵路", DISTRICT_2, "3", "4"), TODAY)
    assert err.value.field == "name"


def test_a_requested_name_warns_an_application_until_it_is_decided(conn, area):
    pl.create_reservation(conn, LIAISON, planned("荷韵路"), TODAY)
    assert findings(conn, application("荷韵路"))["reservation-requested"] == "warn"


def test_a_homophone_of_a_reserved_name_warns(conn, area):
    reserve(conn, "荷韵路")
    assert findings(conn, application("禾韵街"))["homophone-reserved"] == "warn"   # heyun
    warned = reserve(conn, "禾韵街", DISTRICT_2, a="3", b="4")
    assert [f["code"] for f in warned["findings"]] == ["homophone-reserved"]


def test_a_reservation_is_checked_like_an_application(conn, area):
    add_name(conn, "荷香路", division=DISTRICT_2)
    with pytest.raises(Conflict) as err:
        reserve(conn, "荷香路")
    assert err.value.field == "findings"
    assert {f["code"] for f in err.value.extra["findings"]} == {"duplicate"}
    with pytest.raises(Conflict) as err:
        reserve(conn, "国际大道")
    assert "grand-word" in {f["code"] for f in err.value.extra["findings"]}
    assert reserve(conn, "国际大道", approval_basis="国务院批复〔2025〕3号")["state"] == "reserved"
    with pytest.raises(Conflict) as err:
        reserve(conn, "荷韵路", a="3", b="4")   # drawn in the other district
    assert "outside-jurisdiction" in {f["code"] for f in err.value.extra["findings"]}


def test_malformed_reservations_name_the_field(conn, area):
    for bad, field in [({"name": " "}, "name"), ({"category_code": "99"}, "category_code"),
                       ({"division_code": "4399"}, "division_code"), ({"applicant": ""},
                                                                       "applicant"),
                       ({"geometry": {"type": "Line"}}, "geometry"),
                       ({"expires_on": "2026-02-30"}, "expires_on"),
                       ({"expires_on": "2026-05-31"}, "expires_on")]:
        with pytest.raises(InvalidInput) as err:
            pl.create_reservation(conn, OFFICER, planned("荷韵路") | bad, TODAY)
        assert err.value.field == field


# ---------------------------------------------------------------- requests and decisions

def test_a_liaison_requests_and_an_officer_accepts(conn, area):
    asked = pl.create_reservation(conn, LIAISON, planned("荷韵路", applicant_contact="周 139…"),
                                  TODAY)
    assert asked["state"] == "requested" and asked["expires_on"] is None
    assert asked["created_by"] == LIAISON.name
    with pytest.raises(Forbidden):
        pl.act(conn, LIAISON, asked["id"], "accept", step(asked), TODAY)
    with pytest.raises(Forbidden):
        pl.create_reservation(conn, LIAISON, planned("荷花路", expires_on="2027-01-01"), TODAY)
    done = pl.act(conn, OFFICER, asked["id"], "accept", step(asked), TODAY)
    assert done["state"] == "reserved" and done["decided_by"] == OFFICER.name
    assert done["expires_on"] == TODAY + dt.timedelta(days=pl.RESERVATION_VALIDITY_DAYS)
    assert [e["action"] for e in done["events"]] == ["request", "accept"]
    assert findings(conn, application("荷韵路"))["duplicate-reserved"] == "block"
    # Another liaison does not read the contact person of the request.
    other = Actor("住建局小陈", "planning_liaison")
    assert pl.get_reservation(conn, asked["id"], other)["applicant_contact"] is None
    assert pl.get_reservation(conn, asked["id"], LIAISON)["applicant_contact"] == "周 139…"
    actions = [r["action"] for r in audit.list_entries(conn, entity="name_reservation",
                                                        entity_id=str(asked["id"]))]
    assert actions == ["names.plan.accept", "names.plan.request"]


def test_a_declined_request_gives_its_reason_and_frees_the_name(conn, area):
    asked = pl.create_reservation(conn, LIAISON, planned("荷韵路"), TODAY)
    with pytest.raises(InvalidInput) as err:
        pl.act(conn, OFFICER, asked["id"], "decline", step(asked), TODAY)
    assert err.value.field == "reason"
    done = pl.act(conn, OFFICER, asked["id"], "decline",
                  step(asked, reason="与规划中的荷韵大道重名"), TODAY)
    assert done["state"] == "declined" and done["decision_note"] == "与规划中的荷韵大道重名"
    assert findings(conn, application("荷韵路")) == {}


def test_a_released_reservation_frees_the_name(conn, area):
    res = reserve(conn, "荷韵路")
    pl.act(conn, OFFICER, res["id"], "release", step(res, reason="规划调整，道路取消"), TODAY)
    assert findings(conn, application("荷韵路")) == {}


def test_a_stale_version_or_a_wrong_state_conflicts(conn, area):
    res = reserve(conn, "荷韵路")
    with pytest.raises(Conflict) as err:
        pl.act(conn, OFFICER, res["id"], "accept", step(res), TODAY)
    assert err.value.field == "state"
    pl.act(conn, OFFICER, res["id"], "release", step(res), TODAY)
    with pytest.raises(Conflict) as err:
        pl.act(conn, OFFICER, res["id"], "apply", step(res), TODAY)
    assert err.value.field == "version"


# ---------------------------------------------------------------- apply

def test_apply_turns_the_reservation_into_a_naming_application_in_one_step(conn, area):
    asked = pl.create_reservation(conn, LIAISON, planned(
        "荷韵路", meaning="取荷塘韵味之意", location_description="东起荷花路，西至新华路"), TODAY)
    res = pl.act(conn, OFFICER, asked["id"], "accept", step(asked), TODAY)
    done = pl.act(conn, OFFICER, res["id"], "apply", step(res), TODAY)
    app = done["application"]
    assert done["state"] == "used" and done["application_id"] == app["id"]
    assert (app["kind"], app["state"], app["name"], app["category_code"],
            app["division_code"]) == ("naming", "draft", "荷韵路", "0801", DISTRICT_1)
    assert app["geometry"] == res["geometry"] == rounded(line("1", "2"))
    assert app["meaning"] == "取荷塘韵味之意" and app["applicant"] == "市自然资源和规划局"
    assert f"预留编号 {res['id']}" in app["reason"] and "新城片区道路工程" in app["reason"]
    # Its own reservation does not block it; it still blocks everyone else's.
    assert submitted_findings(conn, app) == {}
    assert findings(conn, application("荷韵路", DISTRICT_2, "3", "4"))[
        "duplicate-reserved"] == "block"
    with pytest.raises(Conflict):
        reserve(conn, "荷韵路", DISTRICT_2, a="3", b="4")


def test_apply_takes_the_road_as_built(conn, area):
    res = reserve(conn, "荷韵路")
    done = pl.act(conn, OFFICER, res["id"], "apply", step(res, geometry=line("2", "1"),
                                                          applicant="区住建局"), TODAY)
    assert done["application"]["geometry"] == rounded(line("2", "1")) != res["geometry"]
    assert done["application"]["applicant"] == "区住建局"


def test_a_withdrawn_application_frees_the_name_it_used(conn, area):
    res = reserve(conn, "荷韵路")
    app = pl.act(conn, OFFICER, res["id"], "apply", step(res), TODAY)["application"]
    wf.act(conn, OFFICER, app["id"], "withdraw", wf.Step(app["version"]))
    assert "duplicate-reserved" not in findings(conn, application("荷韵路"))


# ---------------------------------------------------------------- expiry

def test_a_reservation_lapses_after_its_expiry_day(conn, area):
    res = reserve(conn, "荷韵路", expires_on="2026-06-30")
    assert res["expires_on"] == dt.date(2026, 6, 30)
    later = dt.date(2026, 7, 1)
    assert pl.get_reservation(conn, res["id"], today=dt.date(2026, 6, 30))["state"] == "reserved"
    assert pl.get_reservation(conn, res["id"], today=later)["state"] == "expired"
    assert [r["id"] for r in pl.list_plan(conn, division="439900", state="expired",
                                          today=later)] == [res["id"]]
    with pytest.raises(Conflict, match="extend it first"):
        pl.act(conn, OFFICER, res["id"], "apply", step(res), later)
    # Lapsed, it blocks nothing: another may reserve the name.
    assert pl.create_reservation(conn, OFFICER, planned("荷韵路", DISTRICT_2, "3", "4"),
                                 later)["state"] == "reserved"


def test_an_extended_reservation_holds_again(conn, area):
    res = reserve(conn, "荷韵路", expires_on="2026-06-30")
    later = dt.date(2026, 7, 1)
    done = pl.act(conn, OFFICER, res["id"], "extend", step(res, expires_on=dt.date(2027, 6, 30)),
                  later)
    assert done["state"] == "reserved" and done["expires_on"] == dt.date(2027, 6, 30)


def test_the_default_validity_is_a_rule_of_the_province_or_city(conn, area):
    execute(conn, "INSERT INTO name_rules (scope_prefix, key, value) "
                  "VALUES ('4399', 'reservation_validity_days', '90')")
    assert reserve(conn, "荷韵路")["expires_on"] == TODAY + dt.timedelta(days=90)
    execute(conn, "UPDATE name_rules SET value = '0' WHERE key = 'reservation_validity_days'")
    assert reserve(conn, "荷花路")["expires_on"] is None   # 0: no expiry


# ---------------------------------------------------------------- the plan of a division

def test_the_plan_of_a_division_lists_its_reservations(conn, area):
    a = reserve(conn, "荷韵路")
    b = pl.create_reservation(conn, LIAISON, planned("荷风路", DISTRICT_2, "3", "4",
                                                     project="荷风片区安置房配套道路"), TODAY)
    reserve(conn, "荷韵路", OTHER_COUNTY)
    assert [r["id"] for r in pl.list_plan(conn, division=DISTRICT_1, today=TODAY)] == [a["id"]]
    city = pl.list_plan(conn, division="439900", today=TODAY)
    assert [r["id"] for r in city] == [b["id"], a["id"]]
    assert city[0]["geometry"] == rounded(line("3", "4"))
    assert [r["id"] for r in pl.list_plan(conn, q="安置房", today=TODAY)] == [b["id"]]
    assert [r["id"] for r in pl.list_plan(conn, division="439900", state="requested",
                                          today=TODAY)] == [b["id"]]
    assert pl.count_by_state(conn, "439900", TODAY) == {"reserved": 1, "requested": 1}
