"""The plates officer's desk in a real headless Chromium (issue 15): a plates officer signs
in, opens 三条巷 (its sample doors carry seeded numbering mistakes), proposes a renumbering,
reads it old → new side by side, applies it with one confirmation and finds the new
numbers on the doors; then answers a public report from the queue with a note. Every page
fits a laptop and a tablet. No console error, no request off 127.0.0.1. Screenshots in
/tmp/civgeo-web."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import committed_staff
from tests.serving import served
from tests.web.desk import SHOTS, TABLET, accept_dialogs, assert_clean, fits, shot, signed_in

NAME, PASSWORD = "门牌科小李", "plates-pass-1234"


@pytest.fixture(scope="module")
def server(db_url, sample):
    with served(db_url) as url:
        yield url


@pytest.fixture(scope="module")
def bearer(db_url) -> dict:
    token = committed_staff(db_url, "plates_officer", NAME, PASSWORD)
    return {"Authorization": f"Bearer {token}"}


def road_named(server: str, bearer: dict, name: str) -> int:
    found = httpx.get(f"{server}/roads", params={"q": name}, headers=bearer).json()
    return next(f["id"] for f in found["features"] if f["properties"]["name"] == name)


def test_an_officer_applies_a_renumbering_with_one_confirmation(browser, server, bearer):
    road = road_named(server, bearer, "三条巷")
    view = signed_in(browser, server, NAME, PASSWORD, "/app/plates")
    page = view.page
    page.select_option("#division", "320104")                    # the picker reloads
    page.wait_for_url("**division=320104*")
    row = page.locator(f"#roads tr[data-road='{road}']")
    assert "单号在右侧" in row.inner_text() and "处问题" in row.inner_text()
    assert fits(view)
    shot(view, "plates-roads")

    row.locator("a").click()
    page.wait_for_url(f"**/app/plates/roads/{road}")
    page.wait_for_selector("#map[data-ready='1'] .leaflet-tooltip.doorlabel", timeout=30_000)
    findings = page.inner_text("#findings")
    assert "重号" in findings and "同时编给了2个门" in findings       # a finding in plain Chinese
    assert "不是规范的门牌号" in findings
    labels = page.locator(".leaflet-tooltip.doorlabel").all_inner_texts()
    assert "167号" in labels and len(labels) == 37                 # the doors, by number

    page.select_option("#propose select[name=mode]", "renumber")
    page.fill("#propose input[name=reason]", "纠正重号与顺序错乱")
    page.click("#propose button[type=submit]")
    page.wait_for_selector("#proposal-table tbody tr.changed", timeout=30_000)
    changed = page.locator("#proposal-table tbody tr.changed")
    assert changed.count() == 8
    assert "8个门牌号将变更" in page.inner_text("#proposal-summary")
    moved = page.locator("#proposal-table tbody tr.changed", has_text="73号").first
    old, new = moved.locator("td.old").inner_text(), moved.locator("td.new").inner_text()
    assert (old, new) == ("73号", "57号")                          # old → new, side by side
    proposed = {int(r.get_attribute("data-entrance")): r.locator("td").nth(5).inner_text()
                for r in page.locator("#proposal-table tbody tr").all()}
    page.check("#only-changed")
    assert page.locator("#proposal-table tbody tr:visible").count() == 8
    SHOTS.mkdir(parents=True, exist_ok=True)                       # map, findings, proposal
    page.screenshot(path=str(SHOTS / "plates-road.png"), full_page=True)

    asked = accept_dialogs(view)
    page.click("#apply")
    page.wait_for_selector("#applied:not([hidden])", timeout=30_000)
    page.wait_for_selector("#history details summary:has-text('纠正重号与顺序错乱')",
                           timeout=30_000)                       # reloaded with the history
    assert len(asked) == 1 and "8个门址变更门牌号" in asked[0]
    doors = httpx.get(f"{server}/roads/{road}/entrances", headers=bearer).json()["features"]
    assert {d["id"]: d["properties"]["label"] for d in doors} == proposed
    report = httpx.get(f"{server}/roads/{road}/validation", headers=bearer).json()
    assert report["summary"]["duplicate"] == 0 and report["summary"]["bad_number"] == 0
    assert "57号" in page.locator(".leaflet-tooltip.doorlabel").all_inner_texts()
    assert_clean(view)
    view.close()


def test_an_officer_closes_a_public_report_with_a_note(browser, server, bearer):
    listed = httpx.get(f"{server}/plates", params={"status": "installed", "limit": 1},
                       headers=bearer).json()["features"][0]["properties"]
    plate = listed["id"]
    made = httpx.post(f"{server}/qr/{listed['token']}/report",
                      json={"kind": "missing", "note": "门牌不见了"})
    assert made.status_code == 201, made.text
    view = signed_in(browser, server, NAME, PASSWORD, "/app/plates/reports")
    page = view.page
    card = page.locator(f"section.report[data-plate='{plate}']")
    assert "缺失" in card.inner_text() and "门牌不见了" in card.inner_text()
    assert page.inner_text("#tab-reports .count") == "1"
    assert fits(view)
    shot(view, "plates-reports")

    card.locator("textarea[name=note]").fill("已核实，安排补装")
    card.locator("button[type=submit]").click()
    page.wait_for_selector("#no-reports", timeout=30_000)         # it left the queue
    assert page.locator(f"section.report[data-plate='{plate}']").count() == 0
    queue = httpx.get(f"{server}/plates", params={"reported": "true"}, headers=bearer).json()
    assert plate not in [f["properties"]["id"] for f in queue["features"]]
    events = httpx.get(f"{server}/plates/{plate}", headers=bearer).json()["events"]
    assert (events[-1]["action"], events[-1]["note"], events[-1]["by_name"]) == (
        "reports_closed", "已核实，安排补装", NAME)

    page.goto(f"{server}/app/plates/plate/{plate}")
    closed = page.locator("#events tr[data-action='reports_closed']")
    assert "群众报告已办结" in closed.inner_text() and "已核实，安排补装" in closed.inner_text()
    assert "群众报告：缺失" in page.inner_text("#events")
    page.wait_for_function("() => document.getElementById('qr').naturalWidth > 0")
    assert page.locator("#actions form.step").count() == 4      # installed → 4 next steps
    assert fits(view)
    shot(view, "plates-plate")
    assert_clean(view)
    view.close()


def test_campaigns_and_every_page_fit_a_laptop_and_a_tablet(browser, server, bearer):
    road = road_named(server, bearer, "三条巷")
    view = signed_in(browser, server, NAME, PASSWORD, "/app/plates/campaigns")
    page = view.page
    first = page.locator("#campaigns tbody tr").first
    assert "%" in first.inner_text()
    first.locator("a").first.click()
    page.wait_for_selector("#campaign-plates")
    sheet = page.get_attribute("#sheet", "href")
    assert fits(view)
    shot(view, "plates-campaign")
    printed = httpx.get(f"{server}{sheet}", headers=bearer)
    assert printed.status_code == 200 and "None" not in printed.text
    plate = page.locator("#campaign-plates tbody tr").first.get_attribute("data-plate")
    before = httpx.get(f"{server}/plates/{plate}", headers=bearer).json()
    assert before["status"] == "planned"
    page.goto(f"{server}/app/plates/plate/{plate}")              # a step of the lifecycle
    page.fill("form[data-step=ordered] input[name=note]", "已向厂家下单")
    page.click("form[data-step=ordered] button[type=submit]")
    page.wait_for_function("() => document.getElementById('plate-status').textContent"
                           ".includes('已订制')", timeout=30_000)
    after = httpx.get(f"{server}/plates/{plate}", headers=bearer).json()
    assert (after["status"], after["version"]) == ("ordered", before["version"] + 1)
    assert after["events"][-1]["note"] == "已向厂家下单"
    paths = ["/app/plates?division=320104", f"/app/plates/roads/{road}", "/app/plates/list",
             f"/app/plates/plate/{plate}", "/app/plates/reports", "/app/plates/campaigns",
             page.url.removeprefix(server)]
    for path in paths:
        page.goto(f"{server}{path}")
        assert fits(view), path
    assert_clean(view)
    view.close()
    tablet = signed_in(browser, server, NAME, PASSWORD, f"/app/plates/roads/{road}",
                       viewport=TABLET)
    tablet.page.wait_for_selector("#map[data-ready='1']", timeout=30_000)
    for path in paths:
        tablet.page.goto(f"{server}{path}")
        assert fits(tablet), path
    tablet.page.goto(f"{server}/app/plates/roads/{road}")
    tablet.page.wait_for_selector("#map[data-ready='1']", timeout=30_000)
    shot(tablet, "plates-road-tablet")
    assert_clean(tablet)
    tablet.close()
