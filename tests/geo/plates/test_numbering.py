"""Numbering along roads: direction, sides, reserved numbers, skipped numbers, 附号, the
proposal → apply cycle with its history, and the refusals (DOMAIN §C)."""

import pytest

from geo.errors import Conflict, InvalidInput
from geo.plates import numbering, roads
from geo.plates.rules import parse_number
from tests.geo.plates.drawn import (
    ACTOR,
    EAST_WEST,
    doors,
    numbers,
    raw_door,
    road,
    standard_street,
)

SPACED = {"spacing_m": 7}  # no door falls on a slot boundary (50/7, 100/7 …)


def _apply(conn, road_id, **request):
    proposal = numbering.propose(conn, ACTOR, road_id, request)
    return proposal, numbering.apply(conn, ACTOR, road_id, proposal["proposal"])


def test_east_west_road_numbers_from_the_east_odd_on_the_north(conn):
    grid, r = road(conn, EAST_WEST, "w", "e", rule=SPACED)
    ids = doors(conn, grid, r["id"], "a", "b", "c", "d", "p", "q", "r")
    _apply(conn, r["id"])
    got = {label: numbers(conn, r["id"])[i] for label, i in ids.items()}
    # 50, 100, 150, 200 m from the east end on the north side; 80, 130, 180 m on the south
    assert got == {"d": "15号", "c": "29号", "b": "43号", "a": "57号",
                   "r": "24号", "q": "38号", "p": "52号"}


def test_direction_is_the_same_whichever_way_the_road_was_drawn(conn):
    grid, r = road(conn, EAST_WEST, "e", "w", rule=SPACED)
    ids = doors(conn, grid, r["id"], "a", "d", "r")
    _apply(conn, r["id"])
    got = numbers(conn, r["id"])
    assert (got[ids["d"]], got[ids["a"]], got[ids["r"]]) == ("15号", "57号", "24号")


def test_north_south_road_numbers_from_the_north_odd_on_the_west(conn):
    art = """
        n
      1 |
        | 2
      3 |
        |
        s
    """
    grid, r = road(conn, art, "n", "s", rule={"spacing_m": 0})
    ids = doors(conn, grid, r["id"], "1", "2", "3")
    _apply(conn, r["id"])
    got = numbers(conn, r["id"])
    assert (got[ids["1"]], got[ids["3"]], got[ids["2"]]) == ("1号", "3号", "2号")


def test_rule_settings_change_the_numbers(conn):
    grid, r = road(conn, EAST_WEST, "w", "e",
                   rule={"spacing_m": 0, "skip_numbers": [3], "odd_side": "left"})
    ids = doors(conn, grid, r["id"], "a", "b", "c", "d", "p", "q", "r")
    _apply(conn, r["id"])
    got = {label: numbers(conn, r["id"])[i] for label, i in ids.items()}
    # odd on the left (south) now, one after another, 3 skipped
    assert got == {"r": "1号", "q": "5号", "p": "7号",
                   "d": "2号", "c": "4号", "b": "6号", "a": "8号"}


def test_one_sided_road_and_lane_from_its_entrance(conn):
    grid, r = road(conn, EAST_WEST, "w", "e", kind="lane",
                   rule={"spacing_m": 0, "sides": "odd"})
    ids = doors(conn, grid, r["id"], "a", "d", "p")
    _apply(conn, r["id"])
    got = numbers(conn, r["id"])
    # a lane runs from its first vertex (w); every door takes an odd number
    assert (got[ids["a"]], got[ids["p"]], got[ids["d"]]) == ("1号", "3号", "5号")


def test_new_door_takes_a_sub_number_when_no_number_is_free(conn):
    art = """
     a c b . x . . . . . . . . . . . . . . . . . . . d
     w - - - - - - - - - - - - - - - - - - - - - - - - - e
    """
    grid, r = road(conn, art, "w", "e", rule={"spacing_m": 0})
    ids = doors(conn, grid, r["id"], "a", "d", numbers={"d": "5", "a": "7"})
    ids |= doors(conn, grid, r["id"], "b")          # between 5 and 7: no free odd number
    proposal, _ = _apply(conn, r["id"])
    assert numbers(conn, r["id"])[ids["b"]] == "5-1号"
    assert {i["entrance_id"]: i["how"] for i in proposal["items"]}[ids["b"]] == "sub"
    ids |= doors(conn, grid, r["id"], "c", "x")     # c after 5-1; x between 5 and 5-1
    proposal, _ = _apply(conn, r["id"])
    got = numbers(conn, r["id"])
    assert got[ids["c"]] == "5-2号"
    assert got[ids["x"]] is None and proposal["summary"]["unresolved"] == [ids["x"]]


def test_fill_uses_a_free_reserved_number_between_numbered_doors(conn):
    grid, r = road(conn, EAST_WEST, "w", "e", rule=SPACED)
    ids = doors(conn, grid, r["id"], "a", "d", numbers={"d": "15", "a": "57"})
    ids |= doors(conn, grid, r["id"], "b", "c")
    proposal = numbering.propose(conn, ACTOR, r["id"], {"mode": "fill"})
    new = {i["entrance_id"]: (i["new_number"], i["how"]) for i in proposal["items"]}
    assert new[ids["c"]] == ("29号", "slot") and new[ids["b"]] == ("43号", "slot")
    assert new[ids["a"]] == ("57号", "kept")


def test_apply_keeps_the_old_to_new_mapping_and_refuses_a_stale_proposal(conn):
    grid, r = road(conn, EAST_WEST, "w", "e", rule=SPACED)
    ids = doors(conn, grid, r["id"], "a", "d", numbers={"d": "1", "a": "3"})
    standard_street(conn, "新测试路", r["geometry"])
    proposal = numbering.propose(conn, ACTOR, r["id"], {"mode": "renumber", "name": "新测试路"})
    doors(conn, grid, r["id"], "c")                  # the road changes meanwhile
    with pytest.raises(Conflict, match="propose again"):
        numbering.apply(conn, ACTOR, r["id"], proposal["proposal"])
    proposal, done = _apply(conn, r["id"], mode="renumber", name="新测试路")
    mapping = {m["entrance_id"]: (m["old_road"], m["old_number"], m["new_road"], m["new_number"])
               for m in numbering.history(conn, r["id"])[0]["mapping"]}
    assert mapping[ids["d"]] == ("测试路", "1号", "新测试路", "15号")
    assert mapping[ids["a"]] == ("测试路", "3号", "新测试路", "57号")
    assert roads.get(conn, r["id"])["name"] == "新测试路"
    with pytest.raises(Conflict, match="was applied"):
        numbering.apply(conn, ACTOR, r["id"], proposal["proposal"])


def test_a_proposal_writes_nothing_but_the_proposal(conn):
    grid, r = road(conn, EAST_WEST, "w", "e", rule=SPACED)
    ids = doors(conn, grid, r["id"], "a", "d", numbers={"d": "1", "a": "3"})
    for name in ("别的路", "另一路"):
        standard_street(conn, name, r["geometry"])
    numbering.propose(conn, ACTOR, r["id"], {"mode": "renumber", "name": "别的路",
                                             "split": {"at": list(grid["c"]), "name": "另一路"}})
    assert roads.get(conn, r["id"])["name"] == "测试路"
    assert numbers(conn, r["id"]) == {ids["d"]: "1号", ids["a"]: "3号"}


def test_split_moves_the_far_doors_to_a_new_road(conn):
    grid, r = road(conn, EAST_WEST, "w", "e", rule=SPACED)
    ids = doors(conn, grid, r["id"], "a", "d", "p", "r")
    standard_street(conn, "西段路", r["geometry"])
    _, done = _apply(conn, r["id"], mode="renumber",
                     split={"at": list(grid["c"]), "name": "西段路"})
    (new_id,) = done["new_roads"]
    assert roads.get(conn, new_id)["name"] == "西段路"
    moved = {m["entrance_id"]: m["new_road"] for m in done["mapping"]}
    # c is 100 m from the east end: a and p (west of it) now belong to 西段路
    assert moved[ids["a"]] == "西段路" and moved[ids["p"]] == "西段路"
    assert moved[ids["d"]] == "测试路" and moved[ids["r"]] == "测试路"


def test_duplicates_are_refused_before_anything_is_written(conn):
    grid, r = road(conn, EAST_WEST, "w", "e", rule=SPACED)
    ids = doors(conn, grid, r["id"], "a", "d", numbers={"d": "1", "a": "3"})
    with pytest.raises(Conflict, match="nothing was written"):
        numbering.propose(conn, ACTOR, r["id"], {"assign": {str(ids["a"]): "1"}})
    with pytest.raises(Conflict, match="already exists"):
        doors(conn, grid, r["id"], "b", numbers={"b": "3"})
    # a road renamed (or split off) under the name of another road in the county
    _, other = road(conn, EAST_WEST.replace("w -", "w -"), "w", "e", name="旧路")
    doors(conn, grid, other["id"], "d", numbers={"d": "1"})
    with pytest.raises(Conflict, match="already named 旧路"):
        numbering.propose(conn, ACTOR, r["id"], {"name": "旧路"})
    with pytest.raises(Conflict, match="already named 旧路"):
        numbering.propose(conn, ACTOR, r["id"], {"split": {"at": list(grid["c"]), "name": "旧路"}})
    assert numbers(conn, r["id"]) == {ids["d"]: "1号", ids["a"]: "3号"}


def test_broken_roads_and_far_doors_are_refused(conn):
    grid, _ = road(conn, EAST_WEST, "w", "e")
    with pytest.raises(InvalidInput, match="not a GeoJSON geometry|at least two"):
        roads.create(conn, ACTOR, {"name": "坏路", "geometry": {
            "type": "LineString", "coordinates": [list(grid["w"])]}})
    with pytest.raises(InvalidInput, match="LineString"):
        roads.create(conn, ACTOR, {"name": "坏路", "geometry": grid.point("w").__geo_interface__})
    far = [[grid["w"][0] + 0.02, grid["w"][1]], [grid["w"][0] + 0.03, grid["w"][1]]]
    with pytest.raises(InvalidInput, match="apart") as exc:
        roads.create(conn, ACTOR, {"name": "坏路", "geometry": {
            "type": "MultiLineString", "coordinates": [[list(grid["w"]), list(grid["e"])], far]}})
    assert exc.value.field == "geometry"
    art = """
     x
     .
     .
     .
     .
     .
     .
     .
     .
     .
     .
     .
     .
     w - - - - e
    """
    g2, r2 = road(conn, art, "w", "e", name="近路")
    with pytest.raises(InvalidInput, match="within 50 m") as exc:
        doors(conn, g2, r2["id"], "x")
    assert exc.value.field == "doors[0]"


def test_pieces_of_a_dual_carriageway_make_one_axis(conn):
    art = """
     a - - - - - - - - b   c - - - - - - - - d
     e - - - - - - - - - - - - - - - - - - - f
    """
    grid, r = road(conn, art, "a", "b")
    pieces = [grid.line(*p) for p in (("a", "b"), ("c", "d"), ("e", "f"))]
    axis = roads.build_axis(pieces, 300)
    # the parallel carriageway e–f covers the other two: it alone is kept
    assert axis.equals(grid.line("e", "f"))


@pytest.mark.parametrize(("text", "expected"), [
    ("12", (12, None)), ("１２", (12, None)), ("12号", (12, None)), ("12號", (12, None)),
    ("十二号", (12, None)), ("12-1", (12, 1)), ("12号之一", (12, 1)), ("12附2号", (12, 2)),
    ("第5号", (5, None)), (7, (7, None))])
def test_house_numbers_are_read_in_their_common_forms(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("12A", "letter"), ("0", "between 1"), ("12-", "not a house number"), ("", "house number"),
    ("12-1-1", "not a house number"), ("12-0", "附号")])
def test_bad_house_numbers_are_refused_with_the_reason(text, reason):
    with pytest.raises(InvalidInput, match=reason):
        parse_number(text)


def test_raw_door_helper_writes_what_an_old_register_holds(conn):
    grid, r = road(conn, EAST_WEST, "w", "e")
    raw_door(conn, grid, r["id"], "a", raw="12A")
    assert roads.get(conn, r["id"])["unnumbered"] == 1


def test_a_road_is_renamed_or_split_only_under_a_standard_name(conn):
    grid, r = road(conn, EAST_WEST, "w", "e", rule=SPACED)
    assert r["name_id"] is not None and r["roman"] == "Ceshi Lu"
    with pytest.raises(InvalidInput, match="not a standard name") as exc:
        numbering.propose(conn, ACTOR, r["id"], {"name": "无名路"})
    assert exc.value.field == "name" and "naming application" in exc.value.detail
    with pytest.raises(InvalidInput, match="not a standard name") as exc:
        numbering.propose(conn, ACTOR, r["id"], {"split": {"at": list(grid["c"]),
                                                           "name": "无名路"}})
    assert exc.value.field == "split.name"
    renamed = standard_street(conn, "新测试路", r["geometry"])
    _apply(conn, r["id"], name="新测试路")
    assert roads.get(conn, r["id"])["name_id"] == renamed
