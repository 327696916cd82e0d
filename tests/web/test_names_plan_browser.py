"""地名规划 in a real headless Chromium: a planning liaison of the planning bureau signs in,
lands on the plan, draws a planned road on the map and requests its name; a second
request of the same name in the next district is refused naming the name. A names officer
opens the desk's plan tab, accepts the request and, the road built, turns the reservation
into a naming application in one click: the application's page opens with the planned
line on its map. No console error beyond the refusal provoked, no request off 127.0.0.1.
Screenshots in /tmp/civgeo-web."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.factories import committed_staff
from tests.serving import served
from tests.web.desk import TABLET, assert_clean, fits, shot, signed_in

LIAISON, LIAISON_PASSWORD = "规划局小周", "liaison-pass-1234"
OFFICER, OFFICER_PASSWORD = "地名科小王", "names-pass-5678"
# A planned road in 荷塘区 (430202), away from the sample's streets.
ROAD = [(113.182, 27.872), (113.187, 27.874)]

SCREEN_POINT = """([lon, lat]) => {
  const m = window.planMap, box = m.getContainer().getBoundingClientRect();
  const xy = m.latLngToContainerPoint([lat, lon]);
  return [box.left + xy.x, box.top + xy.y];
}"""


@pytest.fixture(scope="module")
def server(db_url, sample):
    with served(db_url) as url:
        yield url


@pytest.fixture(scope="module")
def tokens(db_url) -> dict:
    return {"liaison": committed_staff(db_url, "planning_liaison", LIAISON, LIAISON_PASSWORD),
            "officer": committed_staff(db_url, "names_officer", OFFICER, OFFICER_PASSWORD)}


def draw_road(page) -> None:
    """Draw the road with geoman's line tool; finish it on its last point."""
    page.wait_for_function("() => window.planMap && window.planMap.pm")
    page.evaluate("() => window.planMap.setView([27.873, 113.1845], 16, {animate: false})")
    page.click(".leaflet-pm-toolbar .leaflet-pm-icon-polyline")
    for lonlat in [*ROAD, ROAD[-1]]:
        x, y = page.evaluate(SCREEN_POINT, list(lonlat))
        page.mouse.click(x, y)
        page.wait_for_timeout(150)


def test_a_liaison_requests_a_name_and_an_officer_accepts_and_applies(browser, server, tokens):
    # The liaison: home is the plan; the request with its road drawn.
    view = signed_in(browser, server, LIAISON, LIAISON_PASSWORD, "/app/plan")
    page = view.page
    assert page.locator("header nav a[href='/app/names']").count() == 0
    assert page.locator("#plan-form").is_visible()
    page.select_option("#plan-form-division", "430202")
    page.select_option("#plan-category", "0801")
    page.fill("#plan-name", "荷韵路")
    page.fill("#plan-project", "荷塘区新城片区道路工程")
    page.fill("#plan-applicant", "株洲市自然资源和规划局")
    draw_road(page)
    page.wait_for_function(
        "() => document.getElementById('plan-geometry').value.includes('LineString')")
    assert "线" in page.inner_text("#plan-drawn")
    assert fits(view)
    page.click("#plan-submit")
    row = "#plan-list tr[data-state=requested]"
    page.wait_for_selector(row, timeout=30_000)
    assert "荷韵路" in page.inner_text(row) and "已申请预留" in page.inner_text(row)
    assert page.locator("#plan-map .leaflet-interactive").count() >= 1   # the road drawn
    res_id = int(page.get_attribute(row, "data-id"))
    assert page.locator(f"#accept-{res_id}").count() == 0                # no decisions here
    shot(view, "plan-liaison")

    # The same name in the next district (the same built-up area): refused, naming the name.
    page.select_option("#plan-form-division", "430203")
    page.fill("#plan-name", "荷韵路")
    page.fill("#plan-applicant", "株洲市住房和城乡建设局")
    page.click("#plan-submit")
    page.wait_for_selector("#plan-form .problem:not([hidden])")
    assert "荷韵路" in page.inner_text("#plan-form .problem")
    assert page.get_attribute("#plan-name", "aria-invalid") == "true"
    assert_clean(view, answered=(409,))
    view.close()

    # The officer: the request in the desk's plan tab, accepted, then applied for.
    view = signed_in(browser, server, OFFICER, OFFICER_PASSWORD,
                     "/app/names/plan?division=430202")
    page = view.page
    assert page.locator(".subnav a[aria-current=page]").inner_text() == "地名规划"
    page.click(f"#plan-list button.zoom[data-id='{res_id}']")
    assert page.get_attribute(f"#plan-list tr[data-id='{res_id}']", "class") == "picked"
    page.click(f"#accept-{res_id}")
    page.wait_for_selector(f"#plan-list tr[data-id='{res_id}'][data-state=reserved]",
                           timeout=30_000)
    assert "预留至" in page.inner_text(f"#plan-list tr[data-id='{res_id}']")
    assert fits(view)
    shot(view, "plan-officer")
    page.click(f"#apply-{res_id}")
    page.wait_for_url(re.compile(r".*/app/names/\d+$"), timeout=30_000)
    page.wait_for_selector("#app-state[data-state=draft]")
    assert "荷韵路" in page.inner_text("h1")
    assert page.locator("#app-map .leaflet-interactive").count() == 1   # the planned road
    app_id = int(page.url.rstrip("/").split("/")[-1])
    h = {"Authorization": f"Bearer {tokens['officer']}"}
    used = httpx.get(f"{server}/names/plan/{res_id}", headers=h, timeout=30).json()
    assert used["state"] == "used" and used["application_id"] == app_id
    made = httpx.get(f"{server}/names/applications/{app_id}", headers=h, timeout=30).json()
    assert made["geometry"]["type"] == "LineString" and made["geometry"] == used["geometry"]
    shot(view, "plan-applied")
    assert_clean(view)
    view.close()


def test_the_plan_on_a_tablet(browser, server, tokens):
    view = signed_in(browser, server, LIAISON, LIAISON_PASSWORD, "/app/plan", viewport=TABLET)
    view.page.wait_for_function("() => window.planMap")
    assert fits(view)
    shot(view, "plan-liaison-tablet")
    assert_clean(view)
    view.close()
