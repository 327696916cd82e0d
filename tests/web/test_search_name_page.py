"""The page of one name, ``/names/{id}`` asked for by a browser (issue 17 §6): shareable and
whole on first load — code, parent divisions, a CGCS2000 point, category, both
romanizations, 含义/来历/沿革, former names with their dates, the map's shape — in Chinese
first and English by the switch, with no None/null/undefined/NaN printed; API clients keep
the JSON at the same URL."""

from __future__ import annotations

import json
import re

import pytest

from geo.db import connect, execute, fetch_value, transaction
from tests.api.test_i18n import visible_text
from tests.factories import add_name

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
EN = {**BROWSER, "Accept-Language": "en-US,en;q=0.9"}
NOTHING = re.compile(r"\b(None|null|undefined|NaN)\b")


def name_id(db_url: str, name: str) -> int:
    conn = connect(db_url)
    try:
        return fetch_value(conn, "SELECT id FROM place_names WHERE name = %s AND status = "
                                 "'standard' ORDER BY id LIMIT 1", (name,))
    finally:
        conn.close()


@pytest.fixture
def hetang(db_url, sample) -> dict:
    """荷塘区 with its 含义/来历/沿革, a former name (东区, until 1997-05-08) and, for the
    toned spelling, only its tone-less one stored (committed; undone after the test)."""
    conn = connect(db_url)
    try:
        with transaction(conn):
            own = fetch_value(conn, "SELECT id FROM place_names WHERE name = '荷塘区'")
            execute(conn, "UPDATE place_names SET meaning = '以境内荷塘铺得名', "
                          "origin = '1997年由东区、郊区析置', history = '1997年设荷塘区', "
                          "roman_toned = NULL, approved_by = '国务院', "
                          "approved_on = '1997-05-08' WHERE id = %s", (own,))
            former = add_name(conn, "东区", "0403", division="430202", status="historical",
                              current_id=own, valid=("1956-01-01", "1997-05-08"))
            execute(conn, "UPDATE place_names SET approved_by = '国务院' WHERE id = %s",
                    (former,))
    finally:
        conn.close()
    return {"id": own, "former": former}


def detail_html(page: str) -> str:
    """The page's detail card (its map's shape included)."""
    return re.search(r'<section id="detail".*?</section>', page, re.S).group(0)


def detail(page: str) -> str:
    """The visible text of the page's detail card."""
    return re.sub(r"\s+", " ", visible_text(detail_html(page)))


def test_a_browser_gets_the_page_of_the_name_whole_on_first_load(app, hetang):
    r = app.get(f"/names/{hetang['id']}", headers=BROWSER)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["vary"] == "Accept"
    text = detail(r.text)
    assert "荷塘区 Hetang Qu Hétáng Qū" in text          # the toned one computed: not stored
    assert "行政区划代码 430202" in text
    assert "上级行政区 湖南省 › 株洲市" in text
    lon, lat = re.search(r"东经 (\d+\.\d{6})°，北纬 (\d+\.\d{6})°", text).groups()
    assert 112.9 < float(lon) < 113.5 and 27.7 < float(lat) < 28.1   # in 荷塘区
    assert "地名类别 县级行政区 0403" in text
    assert "含义 以境内荷塘铺得名" in text and "来历 1997年由东区、郊区析置" in text
    assert "沿革 1997年设荷塘区" in text and "批准 国务院 1997-05-08" in text
    assert "曾用名" in text and "东区 Dong Qu 1956-01-01 至 1997-05-08 国务院" in text
    assert f'href="/names/{hetang["former"]}"' in r.text
    parents = re.findall(r'<a href="/names/(\d+)" data-id="\d+">(\S+?)</a>', r.text)
    assert [p[1] for p in parents][:2] == ["湖南省", "株洲市"]   # each parent is a link
    shape = json.loads(re.search(r'id="name-shape">(.*?)</script>', r.text, re.S).group(1))
    assert shape["type"] in ("Polygon", "MultiPolygon")
    assert "<title>荷塘区 · " in r.text
    assert NOTHING.findall(visible_text(r.text)) == []


def test_the_json_stays_the_answer_for_api_clients(app, hetang):
    for headers in ({}, {"Accept": "application/json"}, {"Accept": "*/*"},
                    {**BROWSER, "Authorization": "Bearer something"}):
        r = app.get(f"/names/{hetang['id']}", headers=headers)
        assert r.headers["content-type"] == "application/json", headers
        assert r.json()["name"] == "荷塘区" and r.json()["roman_toned"] is None
    assert r.headers["vary"] == "Accept"
    # the 404 stays problem+json for API clients, a page for a browser
    assert app.get("/names/999999999").headers["content-type"] == "application/problem+json"


def test_a_historical_name_leads_to_its_current_name(app, hetang):
    r = app.get(f"/names/{hetang['former']}", headers=BROWSER)
    text = detail(r.text)
    assert "历史地名" in text and "现名 荷塘区 Hetang Qu" in text
    assert f'href="/names/{hetang["id"]}"' in r.text
    assert "使用时间 1956-01-01 至 1997-05-08" in text


def test_a_road_names_the_divisions_it_lies_in(app, db_url, sample):
    r = app.get(f"/names/{name_id(db_url, '上海路')}", headers=BROWSER)
    text = detail(r.text)
    assert "所在行政区划代码 320106" in text
    assert "所在行政区 江苏省 › 南京市 › 鼓楼区" in text
    assert "上海路 Shanghai Lu Shànghǎi Lù" in text
    assert json.loads(re.search(r'id="name-shape">(.*?)</script>', r.text, re.S)
                      .group(1))["type"] in ("LineString", "MultiLineString")


def test_a_community_names_its_township(app, db_url, sample):
    text = detail(app.get(f"/names/{name_id(db_url, '文化路社区')}", headers=BROWSER).text)
    assert "上级行政区 湖南省 › 株洲市 › 荷塘区 › 月塘街道" in text
    assert "行政区划代码 430202001001" in text


def test_an_unknown_number_is_a_404_page_with_the_search_box(app, sample):
    r = app.get("/names/999999999", headers=BROWSER)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "没有编号为 999999999 的地名。" in detail(r.text)
    assert 'id="q"' in r.text
    en = app.get("/names/999999999", headers=EN)
    assert "No place name has the number 999999999." in detail(en.text)


def test_the_name_page_in_english_by_the_switch(app, hetang):
    zh = app.get(f"/names/{hetang['id']}", headers=BROWSER)
    switch = re.search(r'<a class="lang" id="lang" href="([^"]+)"', zh.text).group(1)
    assert switch == f"/names/{hetang['id']}?lang=en"       # the switch keeps the page
    en = app.get(switch, headers=BROWSER)
    assert '<html lang="en">' in en.text
    text = detail(en.text)
    assert "Division code 430202" in text and "Part of 湖南省 › 株洲市" in text
    assert re.search(r"Coordinates \(CGCS2000\) \d+\.\d{6}° E, \d+\.\d{6}° N", text)
    assert "Former names" in text and "1956-01-01 to 1997-05-08" in text
    assert "With tone marks Hétáng Qū" in text and "Meaning 以境内荷塘铺得名" in text
    # no Chinese left in the card but the data: names and the gazetteer's texts
    for data in ("以境内荷塘铺得名", "1997年由东区、郊区析置", "1997年设荷塘区", "县级行政区",
                 "荷塘区", "湖南省", "株洲市", "东区", "国务院", "荷塘", "区", "专名", "通名"):
        text = text.replace(data, "")
    assert re.findall(r"[\u3400-\u9fff]", text) == []


def test_the_name_page_in_chinese_has_no_english_left(app, hetang):
    """The card (the search box's own strings are test_i18n's)."""
    text = detail(app.get(f"/names/{hetang['id']}", headers=BROWSER).text)
    romanized = {"Hetang", "Qu", "Dong", "Hétáng", "Qū"}
    english = set(re.findall(r"[A-Za-zÀ-ɏ]{2,}", text.replace("CGCS2000", ""))) - romanized
    assert english == set()


@pytest.mark.parametrize("name", ["荷塘区", "上海路", "701社区", "拉萨路", "湖南省", "三条巷"])
@pytest.mark.parametrize("headers", [BROWSER, EN], ids=["zh", "en"])
def test_no_none_null_undefined_or_nan_on_any_name_page(app, db_url, sample, name, headers):
    """Names with little (no romanization: 701社区, a minority name 拉萨路), a province, roads."""
    r = app.get(f"/names/{name_id(db_url, name)}", headers=headers)
    assert r.status_code == 200
    assert NOTHING.findall(visible_text(r.text)) == []
    assert NOTHING.findall(detail(r.text)) == []
    assert ">None<" not in r.text and '"None"' not in r.text


def test_a_name_without_geometry_has_no_map_and_no_coordinates(app, db_url, sample):
    conn = connect(db_url)
    try:
        with transaction(conn):
            bare = add_name(conn, "无图路", division="430202")
    finally:
        conn.close()
    r = app.get(f"/names/{bare}", headers=BROWSER)
    assert r.status_code == 200
    assert 'id="map"' not in detail_html(r.text) and 'id="name-shape"' not in r.text
    assert "坐标" not in detail(r.text) and "Wutu Lu" in detail(r.text)
    assert NOTHING.findall(visible_text(r.text)) == []
