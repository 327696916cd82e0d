"""The administrator's pages in a real headless Chromium (issue 15): an admin signs in,
adds a user (a generated password and a token shown once, copied), resets its password
(the old one fails in another browser, the new one signs in), closes its session (that
browser is sent to the sign-in form at its next click), and finds all three in the audit
log through the filters. At 1366×768 and on a tablet; no console error, no request off
127.0.0.1. Screenshots in /tmp/civgeo-web."""

from __future__ import annotations

import datetime as dt

import pytest

from geo import sessions
from geo.clock import BEIJING
from geo.db import connect, transaction
from tests.browser import OfflinePage
from tests.factories import committed_staff
from tests.serving import served
from tests.web.desk import LAPTOP, TABLET, accept_dialogs, assert_clean, fits, shot, signed_in

ADMIN, PASSWORD = "管理员老李", "admin-pass-1234"
NEW = "巡线员小孙"
RESET = "a-new-password-2468"


@pytest.fixture(scope="module")
def server(db_url):
    with served(db_url) as url:
        yield url


@pytest.fixture
def people(db_url) -> None:
    """The admin and three officers, one of them locked after failed sign-ins (committed
    by the test, so put back when it ends)."""
    committed_staff(db_url, "admin", ADMIN, PASSWORD)
    for role, name in (("planner", "规划员小王"), ("names_officer", "地名科小刘"),
                       ("plates_officer", "门牌科小陈")):
        committed_staff(db_url, role, name, PASSWORD)
    conn = connect(db_url)
    with transaction(conn):
        for _ in range(sessions.Policy().max_failures):
            sessions.sign_in(conn, "地名科小刘", "wrong-password-0", sessions.Policy())
    conn.close()


def row(page, name: str):
    return page.locator(f'#users tr[data-user="{name}"]:not(.manage)')


def manage(page, name: str):
    row(page, name).locator("button.manage-toggle").click()
    return page.locator(f'#users tr.manage[data-user="{name}"]')


def sign_in_as(browser, server: str, name: str, password: str) -> OfflinePage:
    """Another browser at the sign-in form, the name and password typed in."""
    view = OfflinePage(browser, viewport=LAPTOP, locale="zh-CN")
    view.page.goto(f"{server}/app/")
    view.page.fill("input[name=name]", name)
    view.page.fill("input[name=password]", password)
    view.page.click("form.signin button[type=submit]")
    view.page.wait_for_load_state()
    return view


def test_an_admin_adds_a_user_resets_its_password_closes_its_session_and_finds_it_all(
        browser, server, people):
    admin = signed_in(browser, server, ADMIN, PASSWORD, "/app/admin")
    page = admin.page
    asked = accept_dialogs(admin)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert row(page, ADMIN).locator("td").nth(1).inner_text() == "系统管理员"
    assert "锁定至" in row(page, "地名科小刘").inner_text()
    assert fits(admin)
    shot(admin, "admin-users")

    # Add a user: a generated password and an API token, shown once, with copy buttons.
    form = page.locator("#add-user")
    form.locator("input[name=name]").fill(NEW)
    form.locator("select[name=role]").select_option("inspector")
    form.locator("input[name=mode][value=generate]").check()
    assert form.locator("input[name=password]").is_hidden()
    form.locator("input[name=token]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#once:not([hidden]) #once-password")
    assert page.inner_text("#once-title") == f"已添加用户 {NEW}。"
    generated = page.inner_text("#once-password")
    assert len(generated) >= 20 and page.inner_text("#once-token").startswith("cg_")
    page.click("#once button[data-copy=once-password]")
    page.wait_for_function("() => document.querySelector('#once button[data-copy=once-password]')"
                           ".textContent === '已复制'")
    assert fits(admin)
    shot(admin, "admin-user-added")
    page.click("#once-done")
    page.wait_for_selector(f'#users tr[data-user="{NEW}"]')
    assert "巡线员小孙" not in page.inner_text("#once-secrets")      # gone with the reload
    assert row(page, NEW).locator("[data-count=tokens]").inner_text() == "1"

    # The new user signs in with the generated password in another browser.
    user = sign_in_as(browser, server, NEW, generated)
    assert user.page.url.endswith("/app/") and NEW in user.page.inner_text("header")

    # Reset the password (typed twice): the old one fails, the new one signs in.
    actions = manage(page, NEW)
    reset = actions.locator("form.reset")
    reset.locator("input[name=password]").fill(RESET)
    reset.locator("input[name=password_again]").fill(RESET + "x")
    reset.locator("button[type=submit]").click()
    assert reset.locator(".problem").inner_text() == "两次输入的密码不一致。"
    reset.locator("input[name=password_again]").fill(RESET)
    reset.locator("button[type=submit]").click()
    page.wait_for_selector("#once:not([hidden])")
    assert page.inner_text("#once-title") == f"已重置 {NEW} 的密码，并关闭其 1 个在线会话。"
    assert any("重置" in q and NEW in q for q in asked)
    user.page.goto(f"{server}/app/")
    assert "/login?next=" in user.page.url                   # the reset closed its session
    old = sign_in_as(browser, server, NEW, generated)
    assert "/login" in old.page.url and old.page.locator(".error").count() == 1
    second = sign_in_as(browser, server, NEW, RESET)
    assert second.page.url.endswith("/app/")

    # Close its sessions: that browser is sent to the sign-in form at its next click.
    page.click("#once-done")
    page.wait_for_selector(f'#users tr[data-user="{NEW}"]')
    assert row(page, NEW).locator("[data-count=sessions]").inner_text() == "1"
    manage(page, NEW).locator("button.close-sessions").click()
    page.wait_for_selector("#once:not([hidden])")
    assert page.inner_text("#once-title") == f"{NEW}：已吊销 0 个 API 令牌，已关闭 1 个会话。"
    second.page.goto(f"{server}/app/")
    assert "/login?next=" in second.page.url

    # The audit log: the three actions, found through the filters.
    page.goto(f"{server}/app/admin/audit")
    filters = page.locator("#filters")
    filters.locator("input[name=actor]").fill(ADMIN)
    filters.locator("select[name=action]").select_option("users.*")
    today = dt.datetime.now(BEIJING).date().isoformat()
    filters.locator("input[name=since]").fill(today)
    filters.locator("input[name=until]").fill(today)
    filters.locator("button[type=submit]").click()
    page.wait_for_url("**/app/admin/audit?*actor=*")
    found = page.locator("#audit tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.action)")
    assert found == ["users.sessions.revoke", "users.sessions.revoke", "users.passwd",
                     "users.passwd", "users.add"]
    text = page.inner_text("#audit")
    assert "新增用户" in text and "设置密码" in text and "关闭会话" in text
    assert ADMIN in text and NEW in text          # who did it; the new user's name in "after"
    assert fits(admin)
    shot(admin, "admin-audit")

    # One action alone, then the record: the user's own rows, its sign-ins included.
    filters = page.locator("#filters")
    filters.locator("select[name=action]").select_option("users.add")
    filters.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#audit tbody tr").count() == 1
    page.locator("#audit tbody tr td:nth-child(4) a").click()
    page.wait_for_url("**entity=user*")
    assert page.locator("#audit tbody tr").count() == 1        # still the actor's users.add
    page.locator("#filters input[name=actor]").fill("")
    page.locator("#filters select[name=action]").select_option("")
    page.locator("#filters button[type=submit]").click()
    page.wait_for_load_state()
    on_user = page.locator("#audit tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.action)")
    assert {"users.add", "users.passwd", "users.sessions.revoke",
            "auth.sign_in_failed"} <= set(on_user)

    for view, answered in ((user, ()), (old, (401,)), (second, ())):
        assert_clean(view, answered=answered)            # the wrong password is answered 401
        view.close()
    assert_clean(admin, answered=(422,))
    admin.close()


def test_the_pages_fit_a_tablet_and_a_locked_user_is_unlocked(browser, server, people):
    view = signed_in(browser, server, ADMIN, PASSWORD, "/app/admin", viewport=TABLET)
    assert fits(view)
    manage(view.page, "地名科小刘")
    assert fits(view)
    shot(view, "admin-users-tablet")
    view.page.locator('#users tr.manage[data-user="地名科小刘"] button.unlock').click()
    view.page.wait_for_load_state()
    view.page.wait_for_function("() => !document.querySelector('#users').textContent"
                                ".includes('锁定至')")
    assert "正常" in row(view.page, "地名科小刘").inner_text()
    view.page.goto(f"{server}/app/admin/audit?action=auth.*")
    assert view.page.locator("#audit tbody tr").count() >= 1
    assert fits(view)
    shot(view, "admin-audit-tablet")
    assert_clean(view)
    view.close()
