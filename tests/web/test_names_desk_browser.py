"""The names officer's desk in a real headless Chromium: a names officer signs in, draws a
new community's area on the map and sees its romanization as the name is typed, takes the
application from draft to announced (a stale version is refused as changed by someone
else; approval is refused until the one warning, a homophone, is acknowledged with a
reason), copies the announcement and opens the register. No console error beyond the
refusals provoked, no request off 127.0.0.1. Screenshots in /tmp/civgeo-web."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from tests.factories import committed_staff
from tests.serving import served
from tests.web.desk import TABLET, accept_dialogs, assert_clean, fits, shot, signed_in

OFFICER, PASSWORD = "地名科小李", "names-pass-1234"
# A new community of 荷塘区 beside 东湖社区: 冬湖 sounds the same (donghu), one warning.
AREA = [(113.157, 27.833), (113.159, 27.833), (113.159, 27.835), (113.157, 27.835)]
REASON = "两社区分属不同街道，已征求居民意见，无异议"

SCREEN_POINT = """([lon, lat]) => {
  const m = window.namesDrawMap, box = m.getContainer().getBoundingClientRect();
  const xy = m.latLngToContainerPoint([lat, lon]);
  return [box.left + xy.x, box.top + xy.y];
}"""


@pytest.fixture(scope="module")
def server(db_url, sample):
    with served(db_url) as url:
        yield url


@pytest.fixture(scope="module")
def officer(db_url) -> str:
    return committed_staff(db_url, "names_officer", OFFICER, PASSWORD)


def overdue_application(server: str, token: str) -> int:
    """An application approved 30 days ago and neither filed nor announced (through the API)."""
    h = {"Authorization": f"Bearer {token}"}
    a = httpx.post(f"{server}/names/applications", headers=h, json={
        "kind": "naming", "name": "荷韵社区", "category_code": "0501", "division_code": "430202",
        "applicant": "荷塘区民政局", "geometry": {"type": "Point", "coordinates": [113.19, 27.85]},
    }).json()
    for action, extra in [("submit", {}),
                          ("assess", {"reports": [{"type": "expert_review", "title": "论证"}]}),
                          ("approve", {"approving_authority": "荷塘区人民政府",
                                       "document_no": "荷政函〔2026〕3号",
                                       "on": str(dt.date.today() - dt.timedelta(days=30))})]:
        r = httpx.post(f"{server}/names/applications/{a['id']}/{action}", headers=h,
                       json={"version": a["version"], **extra})
        assert r.status_code == 200, r.text
        a = r.json()
    return a["id"]


def draw_area(page) -> None:
    """Draw the area with geoman's polygon tool and the mouse; close it on its first corner."""
    page.wait_for_function("() => window.namesDrawMap && window.namesDrawMap.pm")
    page.evaluate("() => window.namesDrawMap.setView([27.834, 113.158], 16, {animate: false})")
    page.click(".leaflet-pm-toolbar .leaflet-pm-icon-polygon")
    for lonlat in [*AREA, AREA[0]]:
        x, y = page.evaluate(SCREEN_POINT, list(lonlat))
        page.mouse.click(x, y)
        page.wait_for_timeout(150)


def state_is(page, state: str) -> None:
    page.wait_for_selector(f"#app-state[data-state={state}]", timeout=30_000)


def test_a_names_officer_takes_an_application_from_draft_to_announced(browser, server, officer):
    late = overdue_application(server, officer)
    view = signed_in(browser, server, OFFICER, PASSWORD, "/app/names")
    page = view.page
    accept_dialogs(view)
    view.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)

    # The queue: the late one in red, and alone under "overdue only".
    assert page.get_attribute(f"tr[data-id='{late}']", "class") == "overdue"
    page.check("input[name=overdue]")
    page.wait_for_url("**overdue=true*")
    assert page.locator("table.names-queue tbody tr").count() == 1
    assert fits(view)

    # A new application: the romanization as typed, the area drawn on the map.
    page.click("a[href='/app/names/new']")
    page.wait_for_url("**/app/names/new")
    page.select_option("#division", "430202")
    page.select_option("#category", "0501")
    page.type("#name", "冬湖社区", delay=60)
    page.wait_for_function("() => document.getElementById('roman').textContent"
                           ".includes('Donghu Shequ')", timeout=10_000)
    assert "Dōnghú Shèqū" in page.inner_text("#roman")
    page.fill("textarea[name=reason]", "新建小区入住，设立社区居民委员会")
    page.fill("input[name=location_description]", "东湖路以北、新华西路以东")
    page.fill("input[name=applicant]", "荷塘区民政局")
    page.fill("input[name=applicant_contact]", "李四 13800000000")
    draw_area(page)
    page.wait_for_function("() => document.getElementById('geometry').value.includes('Polygon')")
    assert "面" in page.inner_text("#drawn")
    assert fits(view)
    shot(view, "names-new")
    page.click("#save-draft")
    page.wait_for_url(re.compile(r".*/app/names/\d+$"))
    state_is(page, "draft")
    url = page.url
    assert page.locator("#app-map .leaflet-interactive").count() == 1   # the area drawn
    warnings = page.locator("#checks li.warning")
    assert warnings.count() == 1 and page.locator("#checks li.error").count() == 0
    assert "东湖社区" in warnings.inner_text() and "同音" in warnings.inner_text()

    # Someone else submits it in another tab: this page's withdraw is refused as stale.
    other = view.context.new_page()
    other.goto(url)
    other.click("#do-submit")
    other.wait_for_selector("#app-state[data-state=submitted]")
    other.close()
    page.click("#do-withdraw")
    page.wait_for_selector("form[data-action=withdraw] .problem:not([hidden])")
    assert "已被他人修改" in page.inner_text("form[data-action=withdraw] .problem")
    page.click("#reload")
    state_is(page, "submitted")

    page.fill("input[name='report.expert_review']", "冬湖社区命名专家论证意见")
    page.click("#do-assess")
    state_is(page, "assessed")

    # Approval is refused until the warning is acknowledged with a reason.
    page.fill("input[name=approving_authority]", "荷塘区人民政府")
    page.fill("input[name=document_no]", "荷政函〔2026〕8号")
    page.click("#do-approve")
    problem = "form[data-action=approve] .problem:not([hidden])"
    page.wait_for_selector(problem)
    assert "尚未说明" in page.inner_text(problem) and "同音" in page.inner_text(problem)
    ack = "textarea[name='acknowledgements.homophone']"
    assert page.get_attribute(ack, "aria-invalid") == "true"
    assert fits(view)
    shot(view, "names-application")
    page.fill(ack, REASON)
    page.click("#do-approve")
    state_is(page, "approved")
    assert REASON in page.inner_text("#checks li.warning")

    page.click("#do-file")
    state_is(page, "filed")
    page.click("#do-announce")
    state_is(page, "announced")
    assert page.locator("#actions").count() == 0
    steps = page.eval_on_selector_all("#history tr[data-action]",
                                      "rows => rows.map(r => r.dataset.action)")
    assert steps == ["create", "submit", "assess", "approve", "file", "announce"]
    assert REASON in page.inner_text("#history")

    # The announcement, copied.
    text = page.input_value("#announcement-text")
    for line in ("标准名称：冬湖社区", "罗马字母拼写：Donghu Shequ", "批准机关：荷塘区人民政府",
                 "位置描述：东湖路以北、新华西路以东"):
        assert line in text
    page.click("#copy-announcement")
    page.wait_for_function("() => document.getElementById('copy-announcement').textContent"
                           " === '已复制'")
    assert page.evaluate("() => navigator.clipboard.readText()") == text
    assert fits(view)
    shot(view, "names-announced")

    # English by the switch, then back.
    page.click("a.lang")
    page.wait_for_selector("html[lang=en]")
    assert "Announced" in page.inner_text("#app-state")
    page.click("a.lang")
    page.wait_for_selector("html[lang=zh-CN]")

    # The register of 荷塘区: its page has the new name, its PDF is a PDF.
    page.click("a[href='/app/names/register']")
    page.wait_for_url("**/app/names/register")
    page.select_option("#register-division", "430202")
    page.wait_for_selector("#register-pdf")
    assert fits(view)
    shot(view, "names-register")
    listed = page.request.get(server + page.get_attribute("#register-page", "href"))
    assert listed.status == 200 and "冬湖社区" in listed.text()
    pdf = page.request.get(server + page.get_attribute("#register-pdf", "href"), timeout=120_000)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"

    page.goto(f"{server}/app/names")
    page.wait_for_selector("table.names-queue")
    shot(view, "names-queue")
    assert_clean(view, answered=(409, 422))
    view.close()


def test_the_desk_on_a_tablet(browser, server, officer):
    late = overdue_application(server, officer)
    view = signed_in(browser, server, OFFICER, PASSWORD, "/app/names", viewport=TABLET)
    assert fits(view)
    view.page.goto(f"{server}/app/names/{late}")
    view.page.wait_for_selector("#app-map .leaflet-interactive")
    assert view.page.locator(".kv dd.overdue").count() == 2    # filing and announcement
    assert fits(view)
    shot(view, "names-application-tablet")
    page = view.page
    page.goto(f"{server}/app/names/new")
    page.wait_for_function("() => window.namesDrawMap")
    assert fits(view)
    shot(view, "names-new-tablet")

    # A renaming names the standard name it replaces: searched, then chosen.
    assert page.locator("#protective").is_hidden() and page.locator("#target-box").is_hidden()
    page.check("input[name=kind][value=renaming]")
    assert page.locator("#protective").is_visible()
    page.select_option("#division", "430202")
    page.type("#target-search", "东湖", delay=60)
    page.click("#target-choices button.choice >> text=东湖社区")
    assert page.input_value("#target-id") == page.evaluate(
        "() => fetch('/names/search?q=东湖社区&division=430202&limit=1')"
        ".then(r => r.json()).then(c => String(c.features[0].id))")
    assert "东湖社区" in page.inner_text("#target-chosen")
    page.check("input[name=kind][value=abolition]")
    assert page.locator("#naming-fields").is_hidden() and page.locator("#name").is_disabled()
    assert_clean(view)
    view.close()


def test_a_names_officer_audits_a_district_and_drafts_renamings(browser, server, officer):
    """清理不规范地名 in the desk: the audit of 江汉区 beside the API's totals, two names
    ticked and drafted for renaming as a campaign, a draft given a new name; nothing is
    renamed."""
    view = signed_in(browser, server, OFFICER, PASSWORD, "/app/names/audit?division=420103")
    page = view.page
    h = {"Authorization": f"Bearer {officer}"}
    api = httpx.get(f"{server}/names/audit", params={"division": "420103"}, headers=h,
                    timeout=60).json()
    heading = page.inner_text("#audit-totals h2")
    assert f"{api['totals']['names']:,}" in heading and "存在问题" in heading
    rows = page.locator("#audit-names tr[data-id]")
    assert rows.count() == api["matched"] >= 2
    assert "同音" in page.inner_text("#audit-names")
    picked = [int(rows.nth(i).get_attribute("data-id")) for i in range(2)]
    page.fill("#campaign-title", "江汉区清理试点")
    page.click("#draft-renamings")                       # nothing ticked: it says so
    assert "请勾选" in page.inner_text("#cleanup-form .problem")
    for i in range(2):
        rows.nth(i).locator("input[type=checkbox]").check()
    page.click("#draft-renamings")
    page.wait_for_selector("#campaigns details[data-campaign]", timeout=30_000)
    campaign = page.locator("#campaigns details").first
    assert "江汉区清理试点" in campaign.inner_text() and "草稿" in campaign.inner_text()
    shot(view, "names-audit-zh")
    campaign.locator("a").first.click()
    page.wait_for_selector("#do-propose-name", timeout=30_000)
    page.fill("#propose-name-input", "小夹河社区")
    page.click("#do-propose-name")
    page.wait_for_function("() => document.body && document.body.innerText.includes('小夹河社区')",
                           timeout=30_000)
    app_id = int(page.url.rstrip("/").split("/")[-1])
    drafted = httpx.get(f"{server}/names/applications/{app_id}", headers=h, timeout=30).json()
    assert drafted["name"] == "小夹河社区" and drafted["state"] == "draft"
    assert drafted["target_id"] in picked
    same = httpx.get(f"{server}/names/{drafted['target_id']}", timeout=30).json()
    assert same["status"] == "standard" and same["name"] != "小夹河社区"   # not renamed
    assert_clean(view)
    view.close()


def test_a_names_officer_files_a_compound_name(browser, server, officer):
    """建筑物名称备案 in the desk: a new filing of a 小区 (only the building categories
    offered), returned by the checks with the finding shown, corrected and submitted again,
    then filed with a number drawn for the county and year; the queue of filings lists it
    and the register has it with its filing record. An approval's page shows its 备案公告
    field by field."""
    late = overdue_application(server, officer)
    view = signed_in(browser, server, OFFICER, PASSWORD, "/app/names?kind=filing")
    page = view.page
    accept_dialogs(view)
    assert page.input_value("#queue-kind") == "filing"
    page.click("#new-filing")
    page.wait_for_url("**/app/names/new?kind=filing")
    assert page.is_checked("input[name=kind][value=filing]")
    assert page.locator("#filing-hint").is_visible() and page.locator("#target-box").is_hidden()
    offered = page.eval_on_selector_all("#category option:not([disabled])",
                                        "options => options.map(o => o.value)")
    assert offered and all(code.startswith("11") for code in offered)
    page.select_option("#division", "430202")
    page.select_option("#category", "1101")
    page.type("#name", "帝王小区", delay=40)
    page.wait_for_function("() => document.getElementById('roman').textContent"
                           ".includes('Diwang Xiaoqu')", timeout=10_000)
    page.fill("input[name=location_description]", "东湖路以北、新华西路以东")
    page.fill("input[name=applicant]", "株洲荷韵置业有限公司")
    draw_area(page)
    page.wait_for_function("() => document.getElementById('geometry').value.includes('Polygon')")
    page.click("#save-draft")
    page.wait_for_url(re.compile(r".*/app/names/\d+$"))
    state_is(page, "draft")
    assert "建筑物名称备案" in page.inner_text("h1")

    # Submitted: the checks block (帝王, a banned word), the filing comes back returned.
    page.click("#do-submit")
    state_is(page, "returned")
    assert "帝王" in page.inner_text("#checks li.error")
    assert "帝王" in page.inner_text("#history tr[data-action=check]")
    shot(view, "names-filing-returned")

    # Corrected and submitted again: checked, then filed.
    page.fill("#correct-name-input", "荷韵小区")
    page.click("#do-correct")
    page.wait_for_function("() => (document.getElementById('app-name') || {}).textContent"
                           " === '荷韵小区'")   # after the reload
    state_is(page, "returned")
    page.click("#do-submit")
    state_is(page, "checked")
    assert page.locator("#checks li.error").count() == 0
    page.click("#do-file")
    state_is(page, "filed")
    number = page.inner_text("#app-filing-no")
    assert re.fullmatch(r"430202建名备〔\d{4}〕\d+号", number)
    assert page.locator("#actions").count() == 0
    steps = page.eval_on_selector_all("#history tr[data-action]",
                                      "rows => rows.map(r => r.dataset.action)")
    assert steps == ["create", "submit", "check", "correct", "submit", "check", "file"]
    assert fits(view)
    shot(view, "names-filing-filed")
    name_id = int(page.get_attribute("#app-register-entry", "href").rsplit("/", 1)[1])
    entry = httpx.get(f"{server}/names/{name_id}", timeout=30).json()
    assert (entry["name"], entry["filing_no"], entry["status"]) == ("荷韵小区", number,
                                                                   "standard")

    # The queue of filings lists it with its number.
    page.goto(f"{server}/app/names?kind=filing&state=filed")
    assert number in page.inner_text("table.names-queue")

    # An approval's 备案公告, field by field (the six of the 2023 filing rules).
    page.goto(f"{server}/app/names/{late}")
    record = "#announcement-record dd[data-field={}]"
    assert page.inner_text(record.format("name")) == "荷韵社区"
    assert page.inner_text(record.format("approving_authority")) == "荷塘区人民政府"
    assert "荷政函〔2026〕3号" in page.inner_text(record.format("approved_on"))
    assert "430202" in page.inner_text(record.format("division"))
    assert page.locator("#announcement-record dt").count() == 6
    shot(view, "names-announcement-record")
    assert_clean(view, answered=(422,))
    view.close()
