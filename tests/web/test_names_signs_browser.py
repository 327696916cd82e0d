"""Place-name signs (地名标志) in a real headless Chromium: a names officer checks the Nanjing
sample's signs (the counts are the API's), opens an outdated sign and replaces it with one
confirmation (the replacement prints the standard name), opens a road's map from a gap and
finds the gap drawn; a citizen scans the outdated sign on a phone and reads the standard
name. No console error, no request off 127.0.0.1. Screenshots in /tmp/civgeo-web."""

from __future__ import annotations

import httpx
import pytest

from tests.browser import OfflinePage
from tests.factories import committed_staff
from tests.serving import served
from tests.web.desk import accept_dialogs, assert_clean, fits, shot, signed_in

OFFICER, PASSWORD = "地名科标志", "signs-pass-1234"
PHONE = (390, 844)


@pytest.fixture(scope="module")
def server(db_url, sample):
    with served(db_url) as url:
        yield url


@pytest.fixture(scope="module")
def officer(db_url) -> str:
    return committed_staff(db_url, "names_officer", OFFICER, PASSWORD)


def test_a_names_officer_checks_the_signs_and_replaces_an_outdated_one(browser, server,
                                                                       officer):
    h = {"Authorization": f"Bearer {officer}"}
    api = httpx.get(f"{server}/signs/check", params={"division": "320100"}, headers=h,
                    timeout=60).json()
    view = signed_in(browser, server, OFFICER, PASSWORD, "/app/names/signs")
    page = view.page
    page.select_option("#signs-division", "320100")
    page.click("#signs-form button[type=submit]")
    page.wait_for_selector("#signs-totals")
    assert f"{api['signs']:,}" in page.inner_text("#signs-totals h2")
    assert page.inner_text("#count-gaps td.num") == f"{len(api['gaps'])} / {api['spots']}"
    outdated = page.locator("#signs-outdated tr[data-sign]")
    assert outdated.count() == len(api["outdated"]) == 5
    assert "罗马字母拼写不符" in page.inner_text("#signs-outdated")
    assert page.locator("#signs-gaps tr[data-road]").count() == len(api["gaps"])
    assert fits(view)
    shot(view, "names-signs-zh")

    english = next(s for s in api["outdated"] if s["outdated"][0]["code"] == "roman_differs")
    page.click(f"#signs-outdated tr[data-sign='{english['id']}'] a")
    page.wait_for_url(f"**/app/names/signs/{english['id']}")
    assert english["standard_roman"] in page.inner_text("#sign-outdated")
    page.wait_for_function("() => document.getElementById('qr').naturalWidth > 0")
    asked = accept_dialogs(view)
    page.click("form.step[data-step='replaced'] button")
    page.wait_for_selector("#plate-status:has-text('已更换')", timeout=30_000)
    assert asked and "显示现行标准地名的新标志" in asked[0]
    shot(view, "names-sign-replaced-zh")
    fresh = httpx.get(f"{server}/signs/{english['id']}", headers=h, timeout=30).json()
    assert fresh["status"] == "replaced" and fresh["replaced_by"]
    assert page.locator(f"a[href='/app/names/signs/{fresh['replaced_by']}']").count() == 1
    new = httpx.get(f"{server}/signs/{fresh['replaced_by']}", headers=h, timeout=30).json()
    assert new["printed_roman"] == english["standard_roman"] and not new["outdated"]

    gap = api["gaps"][0]
    page.goto(f"{server}/app/names/signs?division=320100")
    with page.expect_popup() as opened:
        page.click(f"#signs-gaps tr[data-road='{gap['road_id']}'] a")
    road_map = opened.value
    road_map.wait_for_selector(".civgeo-sign-gap", state="attached", timeout=30_000)
    assert road_map.locator(".civgeo-sign-gap").count() >= 1
    assert "缺少路牌" in road_map.inner_text(".civgeo-title")
    road_map.screenshot(path="/tmp/civgeo-web/names-sign-gaps-road-map.png")
    assert_clean(view)
    view.close()


def test_a_citizen_scans_an_outdated_sign_on_a_phone(browser, server, officer):
    h = {"Authorization": f"Bearer {officer}"}
    out = httpx.get(f"{server}/signs", params={"division": "320100", "outdated": "true"},
                    headers=h, timeout=60).json()["features"]
    sign = next(f["properties"] for f in out
                if f["properties"]["outdated"][0]["code"] == "name_differs")
    view = OfflinePage(browser, viewport=PHONE, locale="zh-CN")
    page = view.page
    page.goto(f"{server}/qr/{sign['token']}")
    assert sign["printed_name"] in page.inner_text(".plate")          # what the sign shows
    assert page.inner_text(".address") == sign["standard_name"]      # the standard name
    assert "将予更换" in page.inner_text("main")
    assert fits(view)
    shot(view, "sign-qr-phone-zh")
    page.click("#report button[data-kind='damaged']")
    page.wait_for_selector("#reported", state="visible")
    assert "核实该标志" in page.inner_text("#reported")
    waiting = httpx.get(f"{server}/signs", params={"reported": "true"}, headers=h,
                        timeout=30).json()["features"]
    assert sign["id"] in [f["id"] for f in waiting]
    assert_clean(view)
    view.close()
