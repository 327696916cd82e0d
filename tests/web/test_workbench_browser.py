"""The planner's workbench in a real headless Chromium (DESIGN §7): sign in, open 江汉区,
click a point on the map, read the what-if, save and compare scenarios, switch to English,
sign out. No console error, no request off 127.0.0.1. Screenshots in /tmp/civgeo-web."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser import OfflinePage
from tests.factories import committed_staff
from tests.serving import served

SHOTS = Path("/tmp/civgeo-web")
POINT = (114.2494, 30.6137)     # a street corner in 江汉区 with uncovered elderly near it
SECOND = (114.2620, 30.5930)
PASSWORD = "planner-pass-123"
REPO = Path(__file__).resolve().parents[2]

# The map's own Leaflet object, inside the folium iframe; a point's place on the screen.
SCREEN_POINT = """([lon, lat]) => {
  const frame = document.getElementById('map'), w = frame.contentWindow;
  const map = Object.keys(w).filter(k => k.startsWith('map_')).map(k => w[k])
                    .find(v => v instanceof w.L.Map);
  map.setView([lat, lon], 15, {animate: false});
  const xy = map.latLngToContainerPoint([lat, lon]), box = frame.getBoundingClientRect();
  return [box.left + xy.x, box.top + xy.y];
}"""


@pytest.fixture(scope="module")
def server(db_url, sample):
    with served(db_url) as url:
        yield url


@pytest.fixture(scope="module")
def planner(db_url) -> str:
    return committed_staff(db_url, "planner", "规划员小王", PASSWORD)


def shot(view: OfflinePage, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    view.page.screenshot(path=str(SHOTS / f"{name}.png"))


def click_at(view: OfflinePage, lonlat: tuple[float, float]) -> None:
    """Click the map at a point, as a planner would, and wait for the what-if to list one
    more site. The map is first put at zoom 15 over the point and left to settle; if the
    click did not add a site (the view moved under it: the map can still be settling after
    its first draw), the point is found again and clicked again, at most three times."""
    page = view.page
    page.wait_for_function("() => { const w = document.getElementById('map').contentWindow;"
                           " return w && w.L && Object.keys(w).some(k => k.startsWith('map_')); }",
                           timeout=30_000)
    listed = page.locator("#whatif-sites li").count()
    for _ in range(3):
        page.evaluate(SCREEN_POINT, list(lonlat))
        page.wait_for_timeout(300)
        x, y = page.evaluate(SCREEN_POINT, list(lonlat))   # where it is once settled
        page.mouse.click(x, y)
        try:
            page.wait_for_function(f"() => document.querySelectorAll('#whatif-sites li')"
                                   f".length > {listed}", timeout=5_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")   # a popup the click may have opened
    raise AssertionError(f"three clicks at {lonlat} added no what-if site")


def map_loaded(view: OfflinePage) -> None:
    view.page.wait_for_function("() => document.getElementById('map-status').textContent === ''"
                                " && document.getElementById('map').contentWindow.L",
                                timeout=60_000)
    view.page.wait_for_timeout(500)


def figures(view: OfflinePage, n_sites: int) -> tuple[int, str]:
    page = view.page
    page.wait_for_function(f"() => document.querySelectorAll('#whatif-sites li').length === "
                           f"{n_sites} && document.querySelector('[data-figure=share]')",
                           timeout=60_000)
    page.wait_for_function("() => !document.getElementById('whatif-result')"
                           ".textContent.includes('加载')", timeout=60_000)
    newly = page.inner_text("[data-figure=newly_covered_elderly]")
    return int(newly.replace(",", "")), page.inner_text("[data-figure=share]")


def save(view: OfflinePage, name: str) -> None:
    page = view.page
    page.fill("#whatif-name", name)
    page.click("#whatif-save")
    page.wait_for_function("() => document.getElementById('whatif-saved').textContent"
                           ".includes('已保存')", timeout=60_000)


def test_a_planner_signs_in_tries_sites_saves_and_compares_scenarios(browser, server, planner):
    view = OfflinePage(browser, viewport=(1366, 768), locale="zh-CN")
    page = view.page
    page.goto(f"{server}/app/coverage?division=420103")
    assert "/login?next=" in page.url                      # not signed in: the form
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.fill("input[name=name]", "规划员小王")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.signin button[type=submit]")
    page.wait_for_url("**/app/coverage?division=420103")
    page.wait_for_selector("#indicators tr[data-key=circle_elderly_share]", timeout=60_000)
    assert page.input_value("#division") == "420103"
    assert "15分钟养老服务圈" in page.inner_text("#indicators")
    assert "真实路网" in page.inner_text("#method")
    map_loaded(view)
    shot(view, "workbench-zh")

    # What-if at the point: the same figures as the API's, and as a suggestion there.
    click_at(view, POINT)
    newly, share = figures(view, 1)
    bearer = {"Authorization": f"Bearer {planner}"}
    site = page.evaluate("() => document.getElementById('whatif-sites').textContent")
    assert "114.2" in site and "30.61" in site
    clicked = [float(v) for v in site.split("(")[1].split(")")[0].split(",")]
    api = httpx.post(f"{server}/coverage/what-if", headers=bearer, timeout=60, json={
        "division": "420103", "sites": [{"lon": clicked[0], "lat": clicked[1]}],
        "minutes": 15, "profile": "adult", "capacity": True}).json()
    assert newly == api["newly_covered_elderly"] > 0
    assert share == f"{100 * api['share_before']:.1f}% → {100 * api['share_after']:.1f}%"
    suggested = httpx.post(f"{server}/coverage/suggestions", headers=bearer, timeout=60, json={
        "division": "420103", "k": 1, "candidates": [{"lon": clicked[0], "lat": clicked[1]}],
        "minutes": 15, "profile": "adult", "capacity": True}).json()
    assert suggested["newly_covered_elderly"] == newly
    assert suggested["share_before"] == api["share_before"]
    shot(view, "workbench-what-if-zh")
    save(view, "方案甲：新增一处")

    click_at(view, SECOND)
    newly_two, _ = figures(view, 2)
    assert newly_two >= newly
    save(view, "方案乙：新增两处")

    # A changed assumption marks the result as worked out under other assumptions.
    page.select_option("#profile", "elderly")
    page.wait_for_selector("#whatif-result .stale", timeout=10_000)
    assert "步行速度" in page.inner_text("#whatif-result .stale")
    page.select_option("#profile", "adult")

    page.click("button[data-tab=scenarios]")
    # The list is drawn again after each save: tick only once it holds the last one saved
    # (ticked boxes of an older list would be replaced under the click).
    page.wait_for_function("() => document.getElementById('scenarios').textContent"
                           ".includes('方案乙：新增两处')", timeout=30_000)
    boxes = page.locator("#scenarios input[data-scenario]")
    assert boxes.count() >= 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("#compare")
    page.wait_for_selector("#comparison table.compare", timeout=30_000)
    table = page.inner_text("#comparison")
    assert "方案甲：新增一处" in table and "方案乙：新增两处" in table
    assert "新增覆盖老年人之差" in table
    shot(view, "workbench-compare-zh")

    # English by switch, remembered.
    page.click("a.lang")
    page.wait_for_selector("#indicators tr[data-key]", timeout=60_000)
    map_loaded(view)
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Coverage workbench" in page.inner_text("header")
    assert "Elderly within the 15-minute circle" in page.inner_text("#indicators")
    shot(view, "workbench-en")
    page.click("a.lang")
    page.wait_for_selector("#indicators tr[data-key]", timeout=60_000)

    page.click("#sign-out")
    page.wait_for_url("**/login")
    page.goto(f"{server}/app/coverage?division=420103")
    assert "/login?next=" in page.url
    assert view.errors == [] and view.blocked == []
    view.close()


def test_the_downloaded_map_opens_from_a_file_with_no_network(browser, server, planner,
                                                              tmp_path):
    r = httpx.get(f"{server}/maps/coverage?division=420103&download=1", timeout=120,
                  headers={"Authorization": f"Bearer {planner}"})
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith("attachment; filename*=UTF-8''")
    assert "/static/vendor" not in r.text
    saved = tmp_path / "coverage.html"
    saved.write_text(r.text, encoding="utf-8")
    view = OfflinePage(browser, viewport=(1366, 768))
    view.context.route("**/*", lambda route: route.continue_() if route.request.url
                       .startswith("file:") else route.abort("internetdisconnected"))
    view.page.goto(saved.as_uri())
    view.page.wait_for_selector(".leaflet-overlay-pane canvas, .leaflet-overlay-pane svg",
                                timeout=30_000)
    assert view.page.locator(".leaflet-control-layers").count() == 1
    assert not [e for e in view.errors if "uncaught" in e]
    view.close()


def test_no_browser_is_ever_downloaded():
    """Browsers cannot be downloaded here: the set-up must never try."""
    for name in ("Makefile", ".ci/run"):
        assert "playwright install" not in (REPO / name).read_text()


def test_the_hot_spots_tab_shows_what_the_grid_finds(browser, server, planner):
    """On the WorldPop grid (江汉区): the covered shares per cell beside community centres,
    the hot spots listed and drawn on the map (heat grid and outlines), the credit on the
    map and in the tab; where no grid exists (荷塘区) the tab says so."""
    view = OfflinePage(browser, viewport=(1366, 900), locale="zh-CN")
    page = view.page
    page.goto(f"{server}/login?next=/app/coverage%3Fdivision%3D420103")
    page.fill("input[name=name]", "规划员小王")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.signin button[type=submit]")
    page.wait_for_url("**/app/coverage?division=420103")
    page.wait_for_selector("#indicators tr[data-key=circle_elderly_share]", timeout=60_000)
    assert "WorldPop" in page.inner_text("#population") and "100米网格" in \
        page.inner_text("#population")
    map_loaded(view)
    page.click("button[data-tab=hotspots]")
    page.wait_for_selector("#hotspots li", timeout=90_000)
    bearer = {"Authorization": f"Bearer {planner}"}
    compared = httpx.get(f"{server}/coverage/grid-comparison", headers=bearer, timeout=120,
                         params={"division": "420103"}).json()["districts"]
    rows = page.locator("#grid-comparison tr[data-code]")
    assert rows.count() == len(compared) > 1
    first = rows.nth(0).inner_text()
    assert "江汉区" in first and f"{100 * compared[0]['covered_share_cells']:.1f}%" in first
    assert f"{100 * compared[0]['covered_share_centroids']:.1f}%" in first
    assert page.locator("#hotspots li").count() == 10
    assert "个热点集中了" in page.inner_text("#hotspots-summary")
    assert "CC BY 4.0" in page.inner_text("#hotspots-note")
    # The heat grid and the hot spots are layers of the map, with WorldPop's credit.
    frame = page.frame_locator("#map")
    assert frame.locator(".leaflet-image-layer").count() == 1
    assert "WorldPop (www.worldpop.org), CC BY 4.0" in \
        frame.locator(".leaflet-control-attribution").inner_text()
    assert frame.locator(".civgeo-hot").count() == 10
    spot = httpx.get(f"{server}/coverage/hotspots", headers=bearer, timeout=120,
                     params={"division": "420103"}).json()["features"][0]["properties"]
    assert "第 1 号" in page.inner_text("#hotspots li:first-child") and \
        f"{spot['uncovered_elderly']:,}" in page.inner_text("#hotspots li:first-child")
    page.click("#hotspots li:first-child button")
    centre_js = """() => { const w = document.getElementById('map').contentWindow;
      const map = Object.keys(w).filter(k => k.startsWith('map_')).map(k => w[k])
                        .find(v => v instanceof w.L.Map);
      const c = map.getCenter(); return [c.lng, c.lat, map.getZoom()]; }"""
    # The map flies there: read its centre once the zoom has ended.
    page.wait_for_function(f"() => {{ const c = ({centre_js})(); return c[2] === 15 && "
                           f"Math.abs(c[0] - {spot['lon']}) < 1e-4; }}", timeout=10_000)
    centre = page.evaluate(centre_js)
    assert centre[0] == pytest.approx(spot["lon"], abs=1e-4)
    assert centre[1] == pytest.approx(spot["lat"], abs=1e-4) and centre[2] == 15
    shot(view, "workbench-hotspots-zh")
    page.select_option("#division", "430202")
    page.wait_for_function("() => document.getElementById('hotspots-note').textContent"
                           ".includes('没有人口网格')", timeout=90_000)
    assert page.locator("#hotspots li").count() == 0
    assert "人口普查" in page.inner_text("#tab-hotspots")
    assert view.errors == [] and view.blocked == []
    view.close()
