"""The line register (derived from drawn county polygons) and division history."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from fixtures.grid import Grid
from geo.boundaries import history, inspections, lines
from geo.boundaries.history import Change
from geo.errors import Conflict, InvalidInput, NotFound
from tests.factories import TEST_ACTOR, add_division

# Three counties: 990601 | 990602 on top, 990603 below both (a T junction at e).
ART = """
a---------b---------c
|         |         |
|         |         |
d---------e---------f
|                   |
|                   |
g-------------------h
"""


@pytest.fixture
def g(conn):
    grid = Grid(ART, origin=(110.0, 46.0), step_m=100)
    add_division(conn, "990601", grid.polygon("a", "b", "e", "d"), name="甲县", level="county")
    add_division(conn, "990602", grid.polygon("b", "c", "f", "e"), name="乙县", level="county")
    add_division(conn, "990603", grid.polygon("d", "f", "h", "g"), name="甲山县",
                 level="county")
    return grid


def test_lines_follow_the_shared_edges(conn, g):
    made = lines.derive(conn, "9906", dataset=None, source="test", tolerance_m=5)
    assert len(made["county"]) == 3
    by_pair = {(r["left_code"], r["right_code"]): r
               for r in lines.list_lines(conn, division="990600")}
    ab = by_pair[("990601", "990602")]
    assert ab["length_m"] == pytest.approx(300, abs=2)            # b–e
    assert by_pair[("990601", "990603")]["length_m"] == pytest.approx(1000, abs=3)   # d–e
    assert ab["number"] == "990601990602" and ab["name"] == "甲乙线"
    # 甲县 and 甲山县 start alike: the name uses the whole names.
    assert by_pair[("990601", "990603")]["name"] == "甲甲山线"
    again = lines.derive(conn, "9906", dataset=None, source="test", tolerance_m=5)
    assert again == {}                                            # stored once


def test_markers_run_west_to_east_with_numbers_and_pairs(conn, g):
    made = lines.derive(conn, "9906", dataset=None, source="test", tolerance_m=5)
    line = lines.get_line(conn, next(i for i in made["county"]
                                     if lines.get_line(conn, i)["left_code"] == "990602"))
    n = lines.seed_markers(conn, line, spacing_m=100, rng=np.random.default_rng(1),
                           dataset=None, source="test", registered_on=dt.date(2003, 1, 1))
    rows = lines.markers(conn, line["id"])
    assert n == len(rows) == 11 and rows[0]["marker_no"] == "990602990603001Q"
    singles = [r for r in rows if r["type"] == "Q"]
    assert [r["lon"] for r in singles] == sorted(r["lon"] for r in singles)   # west → east
    pair = [r for r in rows if r["seq"] == 8]
    assert [r["type"] for r in pair] == ["A", "B"]
    assert pair[0]["custodian_code"] == "990602" and pair[1]["custodian_code"] == "990603"
    with pytest.raises(NotFound):
        lines.get_line(conn, "无此线")


def test_a_change_keeps_the_division_as_it_was(conn, g):
    change = Change("county_to_district", dt.date(2018, 6, 19), "990602", "乙县", "990612",
                    "乙区", approval="国函〔2018〕00号 (test)")
    history.record(conn, TEST_ACTOR, change)
    before = {r["code"]: r for r in history.as_of(conn, "990601", dt.date(2017, 1, 1))}
    assert before == {"990601": before["990601"]}                 # a county has no children
    old = history.as_of(conn, "990602", dt.date(2017, 1, 1))
    assert [(r["code"], r["name"], r["valid_to"]) for r in old] == [
        ("990602", "乙县", dt.date(2018, 6, 19))]
    assert history.as_of(conn, "990602", dt.date(2019, 1, 1)) == []
    new = history.as_of(conn, "990612", dt.date(2019, 1, 1))
    assert [(r["code"], r["name"], r["kind"]) for r in new] == [("990612", "乙区", "市辖区")]
    assert [c["new_code"] for c in history.changes(conn, "990612")] == ["990612"]
    with pytest.raises(NotFound):
        history.record(conn, TEST_ACTOR, change)                   # 990602 is gone now
    with pytest.raises(InvalidInput):
        history.record(conn, TEST_ACTOR, Change("teleport", dt.date(2020, 1, 1), "990601"))


def test_backfilled_change_on_the_sample(conn, sample):
    on_2017 = {r["code"]: r["name"] for r in history.as_of(conn, "430200",
                                                            dt.date(2017, 1, 1))}
    on_2020 = {r["code"]: r["name"] for r in history.as_of(conn, "430200",
                                                            dt.date(2020, 1, 1))}
    assert on_2017.get("430221") == "株洲县" and "430212" not in on_2017
    assert on_2020.get("430212") == "渌口区" and "430221" not in on_2020


def test_the_plan_swaps_the_lead_each_round(conn, sample):
    plan = {p["name"]: p for p in inspections.plan(conn, 2026, "430200")}
    assert plan["株衡线"]["status"] == "due" and plan["株衡线"]["lead_code"] == "430400"
    assert plan["荷芦线"]["status"] == "overdue"
    assert plan["荷石线"]["status"] == "not due"
    with pytest.raises(Conflict):
        inspections.create(conn, TEST_ACTOR, "株衡线", 2026)       # already planned
    adhoc = inspections.create(conn, TEST_ACTOR, "株衡线", 2026, kind="ad_hoc",
                               reason="汛后检查 after the floods")
    assert adhoc["kind"] == "ad_hoc" and adhoc["lead_code"] == "430400"
