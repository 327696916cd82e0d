"""The joint inspection report (联合检查报告): what it gathers from the database for the
printed report (``maps.inspection_report``) and the line map (``maps.boundary``)."""

import pytest

from geo.boundaries import report as reports
from geo.errors import InvalidInput, NotFound
from tests.geo.boundaries.reported import GRID, LEFT, NUMBER, RIGHT, add_line, build, sign


@pytest.fixture
def built(conn) -> dict:
    ids = build(conn)
    return {**ids, "report": reports.inspection_report(conn, ids["inspection"])}


def test_report_names_the_line_the_sides_and_their_teams(built):
    r = built["report"]
    assert r.line["name"] == "甲乙线" and r.line["number"] == NUMBER
    assert r.line["left"] == {"code": LEFT, "name": "甲县"}
    assert r.line["right"] == {"code": RIGHT, "name": "乙县"}
    assert r.line["level"] == "county"
    assert r.line["length_m"] == pytest.approx(4000, rel=0.002)
    i = r.inspection
    assert (i["year"], i["kind"], i["status"]) == (2024, "regular", "in_progress")
    assert i["lead"]["name"] == "甲县" and i["lead"]["team"]["members"] == ["张三", "李四"]
    assert i["support"]["team"]["name"] == "乙县联检组"
    [patrol] = r.patrols
    assert patrol["side_name"] == "甲县" and patrol["team"] == "甲县联检组"
    assert patrol["members"] == ["张三", "王五"]
    assert (patrol["raw_points"], patrol["track_points"], patrol["length_m"]) == (5, 3, 1900)
    assert patrol["track"]["type"] == "LineString"


def test_half_the_line_is_patrolled(built):
    c = built["report"].completion
    assert c["patrolled_share"] == pytest.approx(0.5, abs=0.005)
    assert c["line_m"] == pytest.approx(4000, rel=0.002)
    [(a, b)] = c["patrolled_segments"]
    assert (a, b) == (pytest.approx(1000, rel=0.005), pytest.approx(3000, rel=0.005))
    assert c["unpatrolled_segments"] == [(0, a), (b, c["line_m"])]


def test_marker_table_lists_every_marker_in_sequence_with_its_latest_check(built):
    markers = built["report"].markers
    assert [m["marker_no"] for m in markers] == [f"{NUMBER}00{i}Q" for i in (1, 2, 3, 4)]
    a, b, c, d = markers
    assert a["check"]["condition"] == "intact"  # the later of two checks
    assert a["custodian_name"] == "甲县" and b["custodian_code"] == RIGHT
    assert (a["source_datum"], a["source_x"]) == ("Xian1980", 36512345.678)
    assert a["lon"] == pytest.approx(GRID["A"][0]) and a["lat"] == pytest.approx(GRID["A"][1])
    assert b["check"]["condition"] == "displaced"
    assert b["check"]["displacement_m"] == pytest.approx(12.0, abs=0.01)
    assert b["check"]["over_tolerance"] is True
    assert (b["check"]["photos"], b["check"]["photos_pending"]) == (2, 1)
    assert c["check"]["condition"] == "lost"  # not the 2019 check, which found it intact
    assert c["check"]["measured"] is None and c["check"]["displacement_m"] is None
    assert d["check"] is None and d["register_condition"] == "intact"


def test_required_actions_follow_the_domain_rules(built):
    by_no = {m["marker_no"]: m["check"] for m in built["report"].markers}
    lost, displaced = by_no[f"{NUMBER}003Q"], by_no[f"{NUMBER}002Q"]
    assert "re-erects it at the original spot with the neighbour present" in \
        lost["required_action"]
    assert displaced["required_action"].endswith("restore it jointly to the registered position")
    assert lost["recorded_action"] == "field note"
    c = built["report"].completion
    assert (c["markers_checked"], c["markers_total"], c["markers_unchecked"]) == (3, 4, 1)
    assert c["by_condition"] == {"intact": 1, "lost": 1, "displaced": 1}
    assert c["needing_action"] == {"lost": 1, "displaced": 1}
    assert c["markers_needing_action"] == 2 and c["displaced_over_tolerance"] == 1
    assert (c["hazards"], c["open_hazards"]) == (1, 1)


def test_hazards_carry_their_place_and_follow_up(built):
    [h] = built["report"].hazards
    assert (h["no"], h["kind"], h["status"]) == ("H1", "construction", "in_progress")
    assert h["from_line_m"] == pytest.approx(100, abs=1)
    assert h["near_marker"] == f"{NUMBER}003Q"
    assert h["follow_up"] == [{"at": "2024-05-03", "by": "李四", "note": "已通知停工",
                               "status": "in_progress"}]


def test_a_line_without_inspection_still_reports_its_markers(conn):
    line_id = add_line(conn)
    assert reports.latest_inspection_id(conn, line_id) is None
    r = reports.line_report(conn, line_id)
    assert r.inspection is None and not r.signed_by_both
    assert [m["check"] for m in r.markers] == [None] * 4
    assert r.completion["patrolled_share"] is None


def test_latest_inspection_and_unknown_ids(conn, built):
    assert reports.latest_inspection_id(conn, built["line"]) == built["inspection"]
    old = reports.inspection_report(conn, built["old"])
    assert [m["check"] and m["check"]["condition"] for m in old.markers] == [
        None, None, "intact", None]
    with pytest.raises(NotFound) as caught:
        reports.inspection_report(conn, 10**9)
    assert caught.value.field == "inspection"
    with pytest.raises(NotFound):
        reports.line_report(conn, 10**9)


def test_signatures_freeze_the_report_once_both_sides_signed(conn, built):
    sign(conn, built["inspection"], LEFT, "张三")
    r = reports.inspection_report(conn, built["inspection"])
    assert not r.signed_by_both and r.unsigned_sides == [{"code": RIGHT, "name": "乙县"}]
    sign(conn, built["inspection"], RIGHT, "王五")
    r = reports.inspection_report(conn, built["inspection"])
    assert r.signed_by_both and r.unsigned_sides == []
    assert {g["signed_by"] for g in r.signatures} == {"张三", "王五"}


def test_line_map_shows_the_latest_inspection_or_one_asked_for(conn, built):
    assert reports.line_map(conn, built["line"]).inspection["id"] == built["inspection"]
    older = reports.line_map(conn, built["line"], inspection_id=built["old"])
    assert older.inspection["year"] == 2019
    other = add_line(conn, number="T9902", left="990103", right="990104")
    with pytest.raises(InvalidInput) as caught:
        reports.line_map(conn, other, inspection_id=built["inspection"])
    assert caught.value.field == "inspection"
    assert reports.line_map(conn, other).inspection is None     # its markers only
    with pytest.raises(NotFound):
        reports.line_map(conn, 10**9)
