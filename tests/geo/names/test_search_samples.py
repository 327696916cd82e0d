"""Issue 17's search cases on the sample data: Wuhan's …街街道 townships written …街道,
株洲县 (渌口区 since 2018, from the division history) and 三条巷 in Nanjing."""

import datetime as dt

import pytest

from geo.db import connect, fetch_value
from geo.names import gazetteer, search


@pytest.fixture(scope="module")
def db(db_url, sample):
    c = connect(db_url)
    yield c
    c.rollback()
    c.close()


@pytest.mark.parametrize(("q", "name", "other"), [
    ("花楼街道", "花楼街街道", "花桥街道"),
    ("唐家墩街道", "唐家墩街街道", "韩家墩街道"),
    ("民族街道", "民族街街道", None),
    ("hualoujiedao", "花楼街街道", None),
])
def test_wuhan_townships_written_without_the_doubled_street(db, q, name, other):
    hits = search.search(db, q)
    assert hits[0]["name"] == name and hits[0]["match"] == "doubled_generic"
    assert hits[0]["division_code"].startswith("420103")   # 江岸区
    assert other not in [h["name"] for h in hits]


def test_zhuzhou_county_leads_to_lukou_district_with_the_date(db):
    hits = search.search(db, "株洲县")
    top = hits[0]
    assert (top["name"], top["status"], top["match"]) == ("株洲县", "historical", "former_name")
    assert top["current"]["name"] == "渌口区" and top["current"]["since"] == "2018-06-19"
    assert top["division_code"] == "430212" and "株洲市" in top["within"]
    assert "株洲市" not in [h["name"] for h in hits]       # no "one character different"
    lukou = gazetteer.get_name(db, top["current"]["id"])
    assert [(f["name"], f["valid_to"]) for f in lukou["former_names"]] == [
        ("株洲县", dt.date(2018, 6, 19))]
    assert search.search(db, "zhuzhouxian")[0]["match"] == "former_name"


def test_the_former_name_is_made_once(db):
    # The loader made it; running it again (a reload, the national list) adds nothing.
    assert fetch_value(db, "SELECT count(*) FROM place_names WHERE name = '株洲县'") == 1
    assert gazetteer.former_names_from_history(db) == 0
    db.rollback()


def test_the_road_santiaoxiang_before_its_community(db):
    hits = search.search(db, "三条巷", division="320104")
    assert [(h["name"], h["match"]) for h in hits[:2]] == [("三条巷", "exact"),
                                                            ("三条巷社区", "proper")]


@pytest.mark.parametrize(("q", "name", "match"), [
    ("荷塘区区", "荷塘区", "extra_char"), ("花楼街街道道", "花楼街街道", "extra_char"),
    ("唐家街街道", "唐家墩街街道", "missing_char"),
    ("tangjiajiejiedao", "唐家墩街街道", "missing_char"),
    ("lukouququ", "渌口区", "extra_char")])
def test_one_character_missing_or_too_many_in_the_samples(db, q, name, match):
    top = search.search(db, q)[0]
    assert (top["name"], top["match"]) == (name, match)


def test_the_search_command_says_what_a_former_name_became(db_url, sample, monkeypatch,
                                                           capsys):
    from api.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    main(["names", "search", "株洲县"])
    line = capsys.readouterr().out.splitlines()[0]
    assert line.split()[1] == "株洲县"
    assert line.endswith("[former name] → 渌口区 (2018-06-19)")
