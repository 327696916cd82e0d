"""Coverage maps on the sample cities: they draw in a real headless browser with no
network, say plainly when distances are a straight-line estimate, keep user text inert,
and the API serves them (or a 422 naming the bad parameter)."""

import json
import re
from dataclasses import replace

import pytest

from api.web import i18n
from geo.coverage import circle, indicators, suggest
from geo.db import execute
from geo.errors import InvalidInput
from maps import coverage
from maps.base import MapSettings
from tests.browser import open_in_chromium, overlays
from tests.factories import TEST_ACTOR, committed_token

SETTINGS = MapSettings(basemap="none", assets_url="vendor")   # labels in English
ZH = replace(SETTINGS, gettext=i18n.translations("zh").gettext)
WUHAN, ZHUZHOU_DISTRICT, ZHUZHOU = "420103", "430202", "430200"


def test_wuhan_coverage_map_on_the_street_network(sample, conn, tmp_path):
    m = coverage.coverage_map(circle.circle_map(conn, WUHAN), settings=ZH)   # in Chinese
    dom = open_in_chromium(m, tmp_path)
    layers = overlays(dom)
    for minutes in (5, 10, 15):
        assert layers[f"{minutes} 分钟圈（步行路网）"]
    assert layers["社区/村覆盖状态"] and layers["养老服务站点"]
    assert layers["养老机构（床位）"]
    assert layers["殡葬设施"] is False  # extra layers start hidden
    assert layers["救灾物资储备库"] is False
    assert "江汉区 420103 · 15分钟养老服务圈" in dom and "老人覆盖率：" in dom
    legend = re.search(r'class="civgeo-legend".*?</div></div>', dom, re.S).group(0)
    assert "图例" in legend and "设施容量不足" in legend and "15 分钟内" in legend
    assert "elderly 60+" not in dom and "covered</div>" not in legend
    assert "OpenStreetMap" in dom  # the network's notice
    assert "civgeo-banner" not in dom and "STRAIGHT-LINE" not in dom


def test_zhuzhou_coverage_map_says_it_is_a_straight_line_estimate(sample, conn, tmp_path):
    m = coverage.coverage_map(circle.circle_map(conn, ZHUZHOU_DISTRICT), settings=SETTINGS)
    dom = open_in_chromium(m, tmp_path)
    banner = re.search(r'class="civgeo-banner"[^>]*>([^<]*)<', dom).group(1)
    assert banner.startswith("STRAIGHT-LINE ESTIMATE")
    assert "5 min tier (straight-line discs)" in overlays(dom)   # English by default
    assert "荷塘区 430202" in dom


def test_indicator_map_colours_counties_against_the_target(sample, conn, tmp_path):
    m = coverage.indicators_map(indicators.indicators(conn, ZHUZHOU), "beds_per_1000",
                                settings=SETTINGS)
    html = m.get_root().render()
    assert json.dumps("荷塘区") in html  # a county, in the layer's data
    assert "(target 32.0)" in html  # Zhuzhou's 2018 plan: 32 beds per 1000
    for label, _, _ in coverage.INDICATORS.values():  # every indicator is in the tooltip
        assert json.dumps(label) in html
    dom = open_in_chromium(m, tmp_path)
    assert overlays(dom) == {coverage.INDICATORS["beds_per_1000"][0]: True,
                             "boundary": True}
    assert "meets target ≥ 32.0" in dom and "below target &lt; 28.8" in dom
    assert "civgeo-banner" in dom  # Zhuzhou has no street network


def test_unknown_indicator_is_invalid_input(sample, conn):
    with pytest.raises(InvalidInput) as caught:
        coverage.indicators_map(indicators.indicators(conn, ZHUZHOU), "nope", settings=SETTINGS)
    assert caught.value.field == "indicator"


def test_suggestion_map_numbers_the_sites_and_links_what_they_cover(sample, conn, tmp_path):
    m = coverage.suggestions_map(suggest.suggestions_map(conn, WUHAN, k=3), settings=SETTINGS)
    dom = open_in_chromium(m, tmp_path)
    layers = overlays(dom)
    assert layers["suggested sites (k=3)"]
    assert layers["newly covered communities"]
    assert layers["existing circle sites"]
    assert re.findall(r'class="civgeo-pick">(\d+)<', dom) == ["1", "2", "3"]
    assert re.search(r"covered: [\d.]+% now → [\d.]+% with the suggestions", dom)
    assert "suggested site (numbered by rank)" in dom


def test_saved_scenario_map_escapes_its_name(sample, conn):
    result = suggest.suggest(conn, ZHUZHOU_DISTRICT, k=2)
    saved = suggest.save(conn, TEST_ACTOR, ZHUZHOU_DISTRICT, "<b>方案</b>", {"k": 2}, result)
    picked = suggest.suggestions_map(conn, None, scenario_id=saved["id"])
    html = coverage.suggestions_map(picked, settings=SETTINGS).get_root().render()
    assert f"scenario #{saved['id']} &lt;b&gt;方案&lt;/b&gt;" in html
    assert "<b>方案</b>" not in html
    assert "civgeo-banner" in html  # the suggest note replaces the method note; still shown


def test_place_and_site_names_are_inert(sample, conn):
    evil = "<script>alert(1)</script>${alert(2)}`"
    execute(conn, "UPDATE divisions SET name = %s WHERE code IN (%s, %s)",
            (evil, ZHUZHOU_DISTRICT, "430202001001"))
    execute(conn, "UPDATE facilities SET name = %s WHERE division_code LIKE %s", (evil, "430202%"))
    circle_map = circle.circle_map(conn, ZHUZHOU_DISTRICT)
    html = coverage.coverage_map(circle_map, settings=SETTINGS).get_root().render()
    assert "<script>alert(1)" not in html and "${alert(2)}" not in html
    assert "alert(2)}`" not in html
    assert "&lt;script&gt;alert(1)" in html.replace("\\u0026", "&")


def test_api_serves_maps_and_rejects_bad_parameters(sample, app, db_url):
    auth = {"Authorization": f"Bearer {committed_token(db_url, 'planner')}"}
    ok = app.get("/maps/coverage", params={"division": WUHAN}, headers=auth)
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/html")
    assert "江汉区" in ok.text and "图例" in ok.text   # Chinese first, for people
    english = app.get("/maps/coverage", params={"division": WUHAN, "lang": "en"}, headers=auth)
    assert ">legend</b>" in english.text and "图例" not in english.text
    bad = app.get("/maps/indicators", params={"division": ZHUZHOU, "indicator": "nope"},
                  headers=auth)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["field"] == "indicator"
    for path in ("/maps/coverage", "/maps/indicators", "/maps/suggestions"):
        unknown = app.get(path, params={"division": "999999"}, headers=auth)
        assert unknown.status_code == 422, path
        assert unknown.json()["field"] == "division"
    assert app.get("/maps/suggestions", headers=auth).status_code == 422
    assert app.get("/maps/coverage", params={"division": WUHAN}).status_code == 401
