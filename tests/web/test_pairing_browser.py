"""Pairing a phone in a real headless Chromium (issue 16): on the users page an admin
presses 配对手机 for an inspector and a large QR code is shown with whose phone it is for,
until when (Beijing time) and the link to copy; a second browser the size of a phone opens
the link and lands on the field app signed in (its cookie answers the inspector's API); a
third finds the code used. At 1366×768 and on a tablet (in English there); no console
error, no request off 127.0.0.1 on the admin's side. Screenshots in /tmp/civgeo-web."""

from __future__ import annotations

import re

import pytest

from geo.clock import BEIJING
from geo.db import connect, fetch_value
from tests.browser import OfflinePage
from tests.factories import committed_staff
from tests.serving import served
from tests.web.desk import LAPTOP, TABLET, assert_clean, fits, shot, signed_in

ADMIN, PASSWORD = "管理员老李", "admin-pass-1234"
INSPECTOR, PLANNER = "巡线员小孙", "规划员小王"
PHONE = (390, 844)


@pytest.fixture(scope="module")
def server(db_url):
    # The default public address (this machine): links name the address the admin used.
    with served(db_url, CIVGEO_PUBLIC_URL="http://127.0.0.1:8000") as url:
        yield url


@pytest.fixture
def people(db_url) -> None:
    committed_staff(db_url, "admin", ADMIN, PASSWORD)
    committed_staff(db_url, "inspector", INSPECTOR, PASSWORD)
    committed_staff(db_url, "planner", PLANNER, PASSWORD)


def row(page, name: str):
    return page.locator(f'#users tr[data-user="{name}"]:not(.manage)')


def pair(page, name: str):
    """Press 配对手机 on the user's row; the dialog once its QR code is drawn."""
    row(page, name).locator("button.pair-phone").click()
    page.wait_for_selector("dialog#pair[open]")
    page.wait_for_function("() => document.getElementById('pair-qr').complete && "
                           "document.getElementById('pair-qr').naturalWidth > 0")
    return page.locator("dialog#pair")


def expires_in_beijing(db_url) -> str:
    conn = connect(db_url)
    try:
        at = fetch_value(conn, "SELECT max(expires_at) FROM pairings")
    finally:
        conn.close()
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def phone(browser) -> OfflinePage:
    return OfflinePage(browser, viewport=PHONE, locale="zh-CN")


def test_an_admin_pairs_an_inspectors_phone_with_a_qr_code(browser, server, people, db_url):
    admin = signed_in(browser, server, ADMIN, PASSWORD, "/app/admin/users")
    page = admin.page
    assert row(page, INSPECTOR).locator("button.pair-phone").inner_text() == "配对手机"
    assert row(page, ADMIN).locator("button.pair-phone").count() == 1
    assert row(page, PLANNER).locator("button.pair-phone").count() == 0   # no field app

    dialog = pair(page, INSPECTOR)
    assert page.inner_text("#pair-title") == f"请用 {INSPECTOR} 的手机扫描此二维码"
    assert page.inner_text("#pair-expires") == (
        f"有效期至 {expires_in_beijing(db_url)}（北京时间），只能登录一次。")
    link = page.inner_text("#pair-url")
    assert re.fullmatch(re.escape(server) + r"/field/pair/[A-Za-z0-9_-]{43}", link)
    qr = page.locator("#pair-qr").bounding_box()
    assert qr["width"] >= 240 and qr["height"] >= 240             # large enough to scan
    assert qr["y"] >= 0 and qr["y"] + qr["height"] <= LAPTOP[1]   # all of it on the screen
    assert page.locator("#pair-qr").get_attribute("src").startswith("data:image/svg+xml")
    dialog.locator("button[data-copy=pair-url]").click()
    page.wait_for_function("() => document.querySelector('#pair button[data-copy=pair-url]')"
                           ".textContent === '已复制'")
    assert fits(admin)
    shot(admin, "admin-pairing")

    # The phone opens the link: signed in, on the field app.
    mobile = phone(browser)
    landed = mobile.page.goto(link)
    assert mobile.page.url == f"{server}/field/"
    assert landed.request.redirected_from.url == link
    assert landed.request.redirected_from.response().status == 303
    [cookie] = [c for c in mobile.context.cookies() if c["name"] == "civgeo_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert mobile.context.request.get(f"{server}/inspections").status == 200
    assert mobile.blocked == []

    # Another phone with the same code: used, and no session.
    other = phone(browser)
    used = other.page.goto(link)
    assert used.status == 410 and other.page.url == link
    assert "此登录二维码已被使用或已过期" in other.page.inner_text("main")
    assert other.page.locator('a[href="/login?next=/field/"]').inner_text() == "用密码登录"
    assert [c for c in other.context.cookies() if c["name"] == "civgeo_session"] == []
    assert other.context.request.get(f"{server}/inspections").status == 401
    assert fits(other)
    shot(other, "pairing-used-phone")

    # Done closes the dialog; the admin's page made no error and reached nothing outside.
    page.click("#pair-done")
    page.wait_for_selector("dialog#pair:not([open])", state="attached")
    assert_clean(admin)
    assert_clean(other, answered=(410, 401))
    for view in (admin, mobile, other):
        view.close()


def test_the_dialog_fits_a_tablet_in_english(browser, server, people):
    view = signed_in(browser, server, ADMIN, PASSWORD, "/app/admin/users", viewport=TABLET,
                     locale="en-US")
    page = view.page
    assert page.locator("html").get_attribute("lang") == "en"
    assert row(page, INSPECTOR).locator("button.pair-phone").inner_text() == "Pair a phone"
    pair(page, INSPECTOR)
    assert page.inner_text("#pair-title") == f"Scan this code with the phone of {INSPECTOR}"
    assert re.fullmatch(r"Valid until \d{4}-\d\d-\d\d \d\d:\d\d \(Beijing time\), for one "
                        r"sign-in only\.", page.inner_text("#pair-expires"))
    qr = page.locator("#pair-qr").bounding_box()
    assert qr["width"] >= 240 and qr["y"] + qr["height"] <= TABLET[1]
    assert fits(view)
    shot(view, "admin-pairing-tablet")
    page.keyboard.press("Escape")
    page.wait_for_selector("dialog#pair:not([open])", state="attached")
    assert_clean(view)
    view.close()
