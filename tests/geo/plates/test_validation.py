"""Validation of an existing numbering: each rule on a road drawn to break it."""

from geo.plates import validation
from tests.geo.plates.drawn import EAST_WEST, doors, raw_door, road

# Doors every 10 m on both sides of an east-west road (numbered from the east: 1 is at 5 m).
ROW = """
 k . j . i . h . g . f . E . d . c . b . a
 w - - - - - - - - - - - - - - - - - - - - - e
 v . u . t . s . r . q . p . o . n . m . l
"""


def _kinds(conn, road_id):
    report = validation.validate(conn, road_id)
    return report, {(f["kind"], f["label"]) for f in report["findings"]}


def _numbered(conn, numbers_north, numbers_south, rule=None, name="测试路"):
    grid, r = road(conn, ROW, "w", "e", name=name, rule=rule or {"spacing_m": 0})
    north = "abcdEfghijk"[:len(numbers_north)]
    south = "lmnopqrstuv"[:len(numbers_south)]
    for label, n in zip(list(north) + list(south), numbers_north + numbers_south, strict=True):
        raw_door(conn, grid, r["id"], label, n)
    return grid, r


def test_a_clean_numbering_has_no_findings(conn):
    _, r = _numbered(conn, [1, 3, 5, 7, 9], [2, 4, 6, 8])
    report, kinds = _kinds(conn, r["id"])
    assert kinds == set() and report["ok"] and report["doors"] == 9


def test_wrong_parity_duplicate_and_order(conn):
    _, r = _numbered(conn, [1, 3, 6, 7, 9, 9, 11, 15, 13, 17], [2, 4])
    _, kinds = _kinds(conn, r["id"])
    assert ("wrong_parity", "6号") in kinds
    assert ("duplicate", "9号") in kinds
    assert ("out_of_order", "15号") in kinds and ("out_of_order", "13号") in kinds
    assert not any(k == "out_of_order" and lb in ("1号", "3号", "17号") for k, lb in kinds)


def test_a_run_of_misplaced_doors_is_found(conn):
    _, r = _numbered(conn, [1, 3, 21, 23, 5, 7, 9], [])
    _, kinds = _kinds(conn, r["id"])
    assert {lb for k, lb in kinds if k == "out_of_order"} == {"21号", "23号"}
    _, r2 = _numbered(conn, [11, 13, 3, 15, 17], [], name="测试二路")
    _, kinds2 = _kinds(conn, r2["id"])
    assert {lb for k, lb in kinds2 if k == "out_of_order"} == {"3号"}


def test_a_side_numbered_from_the_wrong_end(conn):
    _, r = _numbered(conn, [11, 9, 7, 5, 3, 1], [2, 4])
    report, kinds = _kinds(conn, r["id"])
    assert report["summary"]["reversed"] == 1
    assert not any(k == "out_of_order" for k, _ in kinds)  # said once, for the side


def test_gaps_beyond_the_reserved_numbers(conn):
    # one number per 4 m reserves about 2 odd numbers per 10 m between doors
    _, r = _numbered(conn, [3, 7, 11, 61, 65], [], rule={"spacing_m": 4})
    _, kinds = _kinds(conn, r["id"])
    assert {lb for k, lb in kinds if k == "gap"} == {"61号"}
    _, r2 = _numbered(conn, [1, 3, 9], [], rule={"spacing_m": 0}, name="测试二路")
    _, kinds2 = _kinds(conn, r2["id"])
    assert {lb for k, lb in kinds2 if k == "gap"} == {"9号"}


def test_too_far_wrong_road_unnumbered_and_bad_numbers(conn):
    art = """
     a . . . . . . . . b
     w - - - - - - - - - - - - - - - - - - - e
     .
     .
     .
     .
     .
     .
     .
     .
     .
     c
     x - - - - - - - - - - - - - - - - - - - y
    """
    grid, r = road(conn, art, "w", "e")
    _, other = road(conn, art, "x", "y", name="别路")
    raw_door(conn, grid, r["id"], "a", 1)
    raw_door(conn, grid, r["id"], "b", None, "12A")
    raw_door(conn, grid, r["id"], "c", 3)          # 60 m from its road, 5 m from 别路
    doors(conn, grid, other["id"], "y")            # 别路's own door, no number
    report, kinds = _kinds(conn, r["id"])
    assert ("too_far", "3号") in kinds and ("wrong_road", "3号") in kinds
    wrong = next(f for f in report["findings"] if f["kind"] == "wrong_road")
    assert wrong["detail"]["nearest_road"] == "别路" and "别路" in wrong["message"]
    bad = next(f for f in report["findings"] if f["kind"] == "bad_number")
    assert "letter" in bad["message"]
    _, other_kinds = _kinds(conn, other["id"])
    assert ("unnumbered", None) in other_kinds


def test_the_default_numbering_validates_clean(conn):
    from geo.plates import numbering
    from tests.geo.plates.drawn import ACTOR

    grid, r = road(conn, EAST_WEST, "w", "e")
    doors(conn, grid, r["id"], "a", "b", "c", "d", "p", "q", "r")
    proposal = numbering.propose(conn, ACTOR, r["id"], {"mode": "renumber"})
    numbering.apply(conn, ACTOR, r["id"], proposal["proposal"])
    report, kinds = _kinds(conn, r["id"])
    assert kinds == set() and report["ok"]
