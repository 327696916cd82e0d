"""Every search mode, the filters, the ranking and the reverse lookup, on names drawn with
the grid helper (under the test division 439901, so sample data never interferes)."""

import pytest

from fixtures.grid import Grid
from geo.errors import InvalidInput
from geo.names import gazetteer, search
from tests.factories import add_name

MAP = Grid("""
    A . . . . . . . . . . B
    .   1 湘江路 2        .
    .                     .
    .   3        4        .
    D . . . . . . . . . . C
""", step_m=200)


@pytest.fixture
def names(conn):
    ids = {
        "湘江路": add_name(conn, "湘江路", geom=MAP.line("1", "2")),
        "湘江": add_name(conn, "湘江", "0201", geom=MAP.line("3", "4")),
        "株洲市": add_name(conn, "株洲市", "0402", geom=MAP.polygon("A", "B", "C", "D")),
        "荷塘区": add_name(conn, "荷塘区", "0403", division="439901",
                        geom=MAP.polygon("A", "B", "C", "D")),
        "建设路": add_name(conn, "建设路", geom=MAP.line("3", "1")),
        "建设南路": add_name(conn, "建设南路", geom=MAP.line("4", "2")),
    }
    old = add_name(conn, "人民路", status="historical", current_id=ids["建设路"],
                   valid=(None, "1981-06-01"), geom=MAP.line("3", "1"))
    ids["人民路"] = old
    return ids


def find(conn, q, **kw):
    kw.setdefault("division", "439901")
    return search.search(conn, q, **kw)


def names_of(hits):
    return [h["name"] for h in hits]


def test_exact_name_comes_first(conn, names):
    hits = find(conn, "湘江路")
    assert hits[0]["name"] == "湘江路" and hits[0]["why"] == "exact"


def test_generic_suffix_folding(conn, names):
    hits = find(conn, "湘江")
    assert names_of(hits)[:2] == ["湘江", "湘江路"]
    assert hits[1]["why"].startswith("专名")
    assert find(conn, "株洲")[0]["name"] == "株洲市"


def test_traditional_characters(conn, names):
    hits = find(conn, "荷塘區")
    assert hits[0]["name"] == "荷塘区" and hits[0]["why"].startswith("traditional")


@pytest.mark.parametrize("q", ["xiangjianglu", "xiang jiang lu", "Xiāngjiāng Lù",
                               "XIANGJIANG LU", "xiang'jiang'lu"])
def test_pinyin_with_or_without_spaces_and_tones(conn, names, q):
    hits = find(conn, q)
    assert hits[0]["name"] == "湘江路" and hits[0]["why"] == "pinyin"


def test_pinyin_prefix_and_initials(conn, names):
    assert find(conn, "xiangj")[0]["why"] == "pinyin prefix"
    hits = find(conn, "jsnl")
    assert hits[0]["name"] == "建设南路" and hits[0]["why"] == "initials"


def test_prefix_autocomplete(conn, names):
    hits = find(conn, "建设")
    assert set(names_of(hits)) >= {"建设路", "建设南路"}
    assert all(h["why"] in ("专名 (generic folded)", "prefix") for h in hits[:2])


def test_one_character_typo(conn, names):
    hits = find(conn, "湘汀路")   # 汀 for 江
    assert hits[0]["name"] == "湘江路" and hits[0]["why"] == "one character different"
    assert find(conn, "箱江路")[0]["name"] == "湘江路"  # first character wrong


def test_homophone_typo(conn, names):
    hits = find(conn, "株州")
    assert hits[0]["name"] == "株洲市" and "homophone" in hits[0]["why"]


def test_pinyin_typo(conn, names):
    hits = find(conn, "xiangjinglu")
    assert hits[0]["name"] == "湘江路" and "typo" in hits[0]["why"]


def test_contains(conn, names):
    assert "建设南路" in names_of(find(conn, "南路"))


def test_historical_name_leads_to_the_current_one(conn, names):
    hits = find(conn, "人民路")
    assert hits[0]["status"] == "historical"
    assert hits[0]["current"]["name"] == "建设路"
    detail = gazetteer.get_name(conn, names["建设路"])
    assert [f["name"] for f in detail["former_names"]] == ["人民路"]


def test_standard_before_historical_for_equal_matches(conn, names):
    add_name(conn, "人民路", geom=MAP.line("1", "4"))  # a current 人民路 elsewhere
    hits = find(conn, "人民路")
    assert [h["status"] for h in hits[:2]] == ["standard", "historical"]


def test_filters_category_bbox_near(conn, names):
    assert names_of(find(conn, "湘江", category="02")) == ["湘江"]
    lon, lat = MAP["3"]
    near = find(conn, "湘江", near=(lon, lat), radius_m=100)
    assert names_of(near) == ["湘江"]
    assert near[0]["distance_m"] == 0
    x1, y1 = MAP["1"]
    x2, y2 = MAP["2"]
    boxed = find(conn, "湘江", bbox=(x1 - 0.0001, y2 - 0.0001, x2 + 0.0001, y1 + 0.0001))
    assert "湘江路" in names_of(boxed) and "湘江" not in names_of(boxed)


def test_division_filter(conn, names):
    assert find(conn, "湘江路", division="439902") == []


def test_near_without_a_query_lists_names_by_distance(conn, names):
    hits = search.search(conn, None, near=MAP["1"], division="439901", limit=3)
    assert hits[0]["distance_m"] == 0
    assert all(h["category_code"][:2] != "04" for h in hits)  # containing divisions left out
    assert [h["distance_m"] for h in hits] == sorted(h["distance_m"] for h in hits)


@pytest.mark.parametrize(("q", "why"), [
    ("", "give a query"), ("   ", "give a query"), ("株" * 51, "longer"),
    ("湘\x00江", "control"), ("'; DROP TABLE x;--", "pinyin"), ("123", "pinyin")])
def test_bad_queries(conn, q, why):
    with pytest.raises(InvalidInput, match=why) as err:
        search.search(conn, q)
    assert err.value.field == "q"


def test_sql_metacharacters_are_not_wildcards(conn, names):
    # Chinese queries keep only Han characters, so LIKE's % and _ never reach a pattern.
    assert search.normalise("湘江%").text == "湘江"
    assert search.normalise("湘_路").text == "湘路"
    assert find(conn, "湘江%") == find(conn, "湘江")


@pytest.mark.parametrize(("lon", "lat", "match"), [(27.8, 113.1, "swapped"),
                                                   (2.35, 48.85, "outside")])
def test_points_outside_china(conn, lon, lat, match):
    with pytest.raises(InvalidInput, match=match):
        search.reverse(conn, lon, lat)


def test_reverse_gives_divisions_and_nearest_names(conn, names):
    from tests.factories import add_division

    add_division(conn, "439901", MAP.polygon("A", "B", "C", "D"), name="测试区")
    result = search.reverse(conn, *MAP["1"], limit=50)
    assert "439901" in [d["code"] for d in result["divisions"]]
    ours = [n for n in result["nearest"] if n["division_code"] == "439901"]
    assert ours[0]["name"] in ("湘江路", "建设路") and ours[0]["distance_m"] == 0
    assert "株洲市" not in [n["name"] for n in ours]  # the containing area is a division
    assert [n["distance_m"] for n in result["nearest"]] == sorted(
        n["distance_m"] for n in result["nearest"])


def test_reverse_measures_only_the_candidates_that_can_be_nearest(conn, sample):
    """The nearest names are those the metres of every candidate would give (the query
    skips the candidates that cannot be among them)."""
    from geo.db import fetch_all

    every_candidate = """
        SELECT * FROM (
            SELECT n.id, n.name, n.roman, c.name AS category, n.division_code,
                   round(ST_Distance(n.geom::geography, p::geography))::int AS distance_m
            FROM place_names n JOIN place_categories c ON c.code = n.category_code,
                 ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490) AS p
            WHERE n.geom IS NOT NULL AND n.status = 'standard'
              AND NOT (left(n.category_code, 2) IN ('04', '05') AND ST_Intersects(n.geom, p))
            ORDER BY n.geom <-> p LIMIT %(limit)s * 4) near
        ORDER BY distance_m, id LIMIT %(limit)s"""
    points = fetch_all(conn, "SELECT ST_X(label) + (id % 7 - 3) / 100.0 AS lon, "
                             "ST_Y(label) + (id % 5 - 2) / 100.0 AS lat FROM place_names "
                             "WHERE label IS NOT NULL ORDER BY id LIMIT 150")
    for i, p in enumerate(points):
        limit = (1, 5, 20)[i % 3]
        got = search.reverse(conn, p["lon"], p["lat"], limit)["nearest"]
        assert got == fetch_all(conn, every_candidate, {**p, "limit": limit}), p
