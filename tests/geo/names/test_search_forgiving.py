"""Search that forgives what people type (issue 17): one character (or pinyin syllable)
missing or too many, a doubled generic written once, former names leading to the current
name with the date of the change, and whole-name matches before longer names. Made-up
names under the test division 439901; the sample cases are in test_search_samples.py."""

import datetime as dt

import pytest

from geo.db import execute
from geo.names import gazetteer, search
from tests.factories import add_name


@pytest.fixture
def names(conn):
    rows = [("湘江路", "0801"), ("建设南路", "0801"), ("青山街街道", "0404"), ("青石街道", "0404"),
            ("和平路社区", "0501"), ("三条巷", "0801"), ("三条巷社区", "0501"),
            ("荷塘区", "0403"), ("长江新城路", "0801")]
    return {name: add_name(conn, name, category) for name, category in rows}


def find(conn, q, **kw):
    kw.setdefault("division", "439901")
    return search.search(conn, q, **kw)


def first(conn, q):
    hits = find(conn, q)
    assert hits, f"nothing found for {q}"
    return hits[0]["name"], hits[0]["match"]


@pytest.mark.parametrize(("q", "name"), [
    ("青山街道", "青山街街道"),       # the 街 of 青山街 merged with the 街 of 街道
    ("和平社区", "和平路社区"),       # any generic-like character before a generic
    ("qingshanjiedao", "青山街街道"),
    ("qing shan jie dao", "青山街街道"),
])
def test_a_doubled_generic_written_once(conn, names, q, name):
    assert first(conn, q) == (name, "doubled_generic")


def test_a_doubled_generic_is_not_a_neighbour_with_one_character_changed(conn, names):
    # 青山街道 is one character away from 青石街道 too: the doubled generic is the answer,
    # and the typo phase does not run.
    assert [h["name"] for h in find(conn, "青山街道")] == ["青山街街道"]


def test_an_exact_name_keeps_its_place_before_a_doubled_generic(conn, names):
    add_name(conn, "青山街道", "0404")
    hits = find(conn, "青山街道")
    assert [(h["name"], h["match"]) for h in hits[:2]] == [
        ("青山街道", "exact"), ("青山街街道", "doubled_generic")]


@pytest.mark.parametrize(("q", "name"), [
    ("建南路", "建设南路"),   # after the first character
    ("建设路", "建设南路"),   # before the last
    ("湘路", "湘江路"),       # a two-character query
])
def test_one_character_missing(conn, names, q, name):
    assert first(conn, q) == (name, "missing_char")


def test_a_character_missing_at_either_end_is_a_prefix_or_contains_hit(conn, names):
    assert first(conn, "设南路") == ("建设南路", "contains")
    assert first(conn, "建设") == ("建设南路", "prefix")


@pytest.mark.parametrize(("q", "name"), [
    ("湘江大路", "湘江路"), ("湘湘江路", "湘江路"), ("湘江路路", "湘江路"),
    ("建设南南路", "建设南路")])
def test_one_character_too_many(conn, names, q, name):
    assert first(conn, q) == (name, "extra_char")


@pytest.mark.parametrize(("q", "name", "match"), [
    ("jiannanlu", "建设南路", "missing_char"),        # 设 (she) left out
    ("jianshenanlu", "建设南路", "pinyin"),          # the whole name: no edit
    ("xiangjiangdalu", "湘江路", "extra_char"),       # 大 (da) added
    ("hetanghequ", "荷塘区", "extra_char"),
    ("xiangjianglv", "湘江路", "pinyin_typo"),        # one letter changed
    ("xiangjiaanglu", "湘江路", "pinyin_typo"),       # one letter added
    ("xiangjanglu", "湘江路", "pinyin_typo"),         # one letter left out
    ("changjiangchenglu", "长江新城路", "missing_char"),  # a long fixed head: scanned
])
def test_a_pinyin_syllable_missing_or_too_many(conn, names, q, name, match):
    assert first(conn, q) == (name, match)


def brute_one_letter(text):
    """Every run of syllables one letter away from ``text``, by trying every edit."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    edits = {text[:i] + c + text[i + k:] for i in range(len(text) + 1) for c in letters
             for k in (0, 1)} | {text[:i] + text[i + 1:] for i in range(len(text))}
    return sorted(e for e in edits - {text} if search._segmentable(e))


@pytest.mark.parametrize("text", [
    "xiangjianglu", "shnbei", "tuanjiesaequ", "xian", "xan", "eerduosi", "a", "ao", "",
    "lishequ", "hetanqu", "xiaozhencunweiyuanhui", "zhqu", "wudangdaolujiedao"])
def test_one_letter_keys_are_every_run_of_syllables_one_letter_away(text):
    assert search.one_letter_keys(text) == brute_one_letter(text)


@pytest.mark.parametrize("q", ["湘江路82号", "湘江路 82 号", "湘江路82-1号", "湘江路８２號",
                               "湘江路1号2栋301室"])
def test_a_house_number_after_a_name_is_not_a_character_too_many(conn, names, q):
    # The search page sends an address to the name search too: the road it names is the
    # hit, an exact match, not "one character too many" (the 号 left after the digits).
    assert first(conn, q) == ("湘江路", "exact")


def test_a_numbered_road_keeps_its_number_sign():
    assert search.normalise("1号路").text == "号路"
    assert search.normalise("湘江路号").text == "湘江路号"


def test_short_queries_do_not_match_by_leaving_characters_out(conn, names):
    # A query of two characters is never "one too many" of a one-character name.
    add_name(conn, "湘", "0201")
    assert all(h["match"] != "extra_char" for h in find(conn, "湘路"))


def test_an_exact_name_before_longer_names_that_contain_it(conn, names):
    hits = find(conn, "三条巷")
    assert [(h["name"], h["match"]) for h in hits[:2]] == [
        ("三条巷", "exact"), ("三条巷社区", "proper")]
    # The community ranks above a street otherwise (category rank): only the exact match
    # decides here.
    assert first(conn, "santiaoxiang") == ("三条巷", "pinyin")


def test_a_former_name_leads_to_the_current_name_with_the_date(conn, names):
    add_name(conn, "荷塘县", "0403", status="historical", current_id=names["荷塘区"],
             valid=(None, "2018-06-19"))
    hits = find(conn, "荷塘县")
    assert hits[0]["name"] == "荷塘县" and hits[0]["match"] == "former_name"
    assert hits[0]["why"] == "former name"
    assert hits[0]["current"] == {"id": names["荷塘区"], "name": "荷塘区", "roman": "Hetang Qu",
                                  "since": "2018-06-19"}
    # No "one character different" guess (荷塘区) once the former name is known.
    assert [h["name"] for h in hits] == ["荷塘县"]
    detail = gazetteer.get_name(conn, hits[0]["id"])
    assert detail["current"]["since"] == dt.date(2018, 6, 19)


def _change(conn, old_name, new_code, new_name, kind="county_to_district",
            effective="2018-06-19", old_code="439921"):
    execute(conn, "INSERT INTO division_changes (kind, effective, old_code, old_name, new_code, "
                  "new_name, approval, source) VALUES (%s, %s, %s, %s, %s, %s, %s, 'test')",
            (kind, effective, old_code, old_name, new_code, new_name, "国函〔2018〕0号"))


def test_division_history_becomes_former_names_once(conn):
    current = add_name(conn, "新名区", "0403", division="439901")
    _change(conn, "旧名县", "439901", "新名区")
    _change(conn, "新名区", "439901", "新名区", kind="boundary_change")   # same name: none
    assert gazetteer.former_names_from_history(conn, "4399") == 1
    assert gazetteer.former_names_from_history(conn, "4399") == 0          # idempotent
    [hit] = find(conn, "旧名县")
    assert hit["match"] == "former_name" and hit["status"] == "historical"
    assert hit["current"]["id"] == current and hit["current"]["since"] == "2018-06-19"
    assert hit["category_code"] == "0403" and hit["division_code"] == "439901"
    old = gazetteer.get_name(conn, hit["id"])
    assert old["roman"] == "Jiuming Xian" and old["valid_to"] == dt.date(2018, 6, 19)
    assert old["history"] == "2018-06-19 撤县设区：旧名县 → 新名区"
    assert old["document_no"] == "国函〔2018〕0号"
    former = gazetteer.get_name(conn, current)["former_names"]
    assert [(f["name"], f["valid_to"]) for f in former] == [("旧名县", dt.date(2018, 6, 19))]
    # By pinyin too.
    assert find(conn, "jiumingxian")[0]["match"] == "former_name"


def test_division_history_without_a_current_name_waits(conn):
    _change(conn, "旧名县", "439902", "无名区")
    assert gazetteer.former_names_from_history(conn, "4399") == 0
    add_name(conn, "无名区", "0403", division="439902")
    assert gazetteer.former_names_from_history(conn, "4399") == 1


def test_doubled_generic_candidates():
    q = search.normalise("花楼街道")
    candidates = search.doubled_generic_candidates(q)
    assert "花楼街街道" in candidates and "花楼路街道" in candidates
    assert all(c.startswith("花楼") and c.endswith("街道") and len(c) == 5 for c in candidates)
    assert search.doubled_generic_candidates(search.normalise("花楼")) == []
    assert "hualoujiejiedao" in search.doubled_generic_candidates(search.normalise("hualoujiedao"))
