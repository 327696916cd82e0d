"""Pairing a phone (手机配对, issue 16): an administrator makes a one-time sign-in link shown
as a QR code; the phone that opens it is signed in as a password sign-in would sign it in
and sent to the field app. The link works once (of two phones at once, one gets in), not
after it expires or a newer one is made, and is stored only as a hash; everything is
audited; nobody but an administrator makes one, and only for the field app's users."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from urllib.parse import quote

import pytest
import segno
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from geo import pairing, sessions
from geo.db import connect, fetch_all, fetch_one, fetch_value, transaction
from tests.factories import committed_staff, committed_token, problem

PASSWORD = "staff-pass-1234"
INSPECTOR = "巡线员小孙"
LINK = re.compile(r"^http://testserver/field/pair/([A-Za-z0-9_-]{43})$")
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def admin(db_url) -> dict:
    return {"Authorization": f"Bearer {committed_token(db_url, 'admin', '管理员老李')}"}


@pytest.fixture
def db(db_url):
    """A connection whose every block commits (the API sees what it does)."""
    c = connect(db_url)
    yield c
    c.close()


@pytest.fixture
def inspector(db_url) -> str:
    committed_staff(db_url, "inspector", INSPECTOR, PASSWORD)
    return INSPECTOR


def at(name: str) -> str:
    return f"/users/{quote(name, safe='')}/pairing"


def make(app, admin, name: str = INSPECTOR) -> dict:
    r = app.post(at(name), headers=admin)
    assert r.status_code == 201, r.text
    return r.json()


def scan(app, url: str):
    """The phone opens the link (a fresh browser: no cookie of its own)."""
    app.cookies.clear()
    return app.get(url.removeprefix("http://testserver"), follow_redirects=False)


def open_sessions(db, name: str) -> list[dict]:
    with transaction(db):
        return sessions.open_sessions(db, name)


def svg_matrix(svg: str) -> list[list[int]]:
    """The dark modules of a segno SVG (one path of horizontal runs), quiet zone included."""
    side = int(re.search(r'd="M0 0h(\d+)v', svg).group(1))
    path = re.search(r'<path stroke="#000" d="([^"]+)"', svg).group(1)
    grid = [[0] * side for _ in range(side)]
    x = y = 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            for col in range(int(x), int(x + float(a))):
                grid[int(y)][col] = 1
            x += float(a)
    return grid


# ------------------------------------------------------------------ making a link

def test_an_admin_makes_a_link_with_its_qr_code_stored_only_as_a_hash(app, admin, inspector,
                                                                     db):
    r = app.post(at(INSPECTOR), headers=admin)
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert set(body) >= {"url", "expires_at", "user", "qr_svg"} and body["user"] == INSPECTOR
    token = LINK.match(body["url"]).group(1)
    row = fetch_one(db, "SELECT p.*, u.name AS creator, "
                        "round(extract(epoch FROM p.expires_at - p.created_at)) AS seconds "
                        "FROM pairings p LEFT JOIN users u ON u.id = p.created_by_id")
    assert row["token_sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(row) and row["used_at"] is None
    assert row["seconds"] == 600                     # the default: 10 minutes
    assert row["creator"] == row["created_by"] == "管理员老李"
    assert row["expires_at"].isoformat() == body["expires_at"].replace("Z", "+00:00")
    # The QR code is an SVG whose modules are exactly the QR code of the URL in the answer.
    svg = body["qr_svg"]
    assert svg.startswith("<svg ") and 'viewBox="0 0 ' in svg
    code = segno.make_qr(body["url"], error="m")
    expected = [list(map(int, line)) for line in code.matrix_iter(border=4)]
    assert svg_matrix(svg) == expected
    assert int(re.search(r'width="(\d+)"', svg).group(1)) >= 240   # large enough to scan
    audit = fetch_one(db, "SELECT actor, entity, entity_id, after FROM audit_log "
                          "WHERE action = 'users.pairing'")
    assert audit["actor"] == "管理员老李" and audit["entity"] == "user"
    assert audit["after"]["pairing"] == row["id"] and audit["after"]["replaced"] == 0
    assert fetch_value(db, "SELECT name FROM users WHERE id = %s",
                       (int(audit["entity_id"]),)) == INSPECTOR


def test_an_administrator_may_be_paired_too(app, admin):
    assert make(app, admin, "管理员老李")["user"] == "管理员老李"


@pytest.mark.parametrize("role", ["planner", "names_officer", "plates_officer", "inspector"])
def test_nobody_but_an_administrator_makes_a_link(app, db_url, db, inspector, role):
    bearer = {"Authorization": f"Bearer {committed_token(db_url, role, '张科员')}"}
    problem(app.post(at(INSPECTOR), headers=bearer), 403)
    problem(app.post(at(INSPECTOR)), 401)
    assert fetch_value(db, "SELECT count(*) FROM pairings") == 0


def test_a_session_needs_its_csrf_token_to_make_a_link(app, db_url, db, inspector):
    committed_staff(db_url, "admin", "管理员老李", PASSWORD)
    with transaction(db):
        signed = sessions.sign_in(db, "管理员老李", PASSWORD, sessions.Policy())
    app.cookies.set("civgeo_session", signed.token)
    problem(app.post(at(INSPECTOR)), 403)
    assert app.post(at(INSPECTOR), headers={"X-CSRF-Token": signed.csrf}).status_code == 201


def test_only_the_field_apps_users_can_be_paired(app, admin, db_url, db, inspector):
    problem(app.post(at("没有这个人"), headers=admin), 404, "name")
    committed_staff(db_url, "planner", "规划员小王", PASSWORD)
    found = problem(app.post(at("规划员小王"), headers=admin, params={"lang": "zh"}), 422, "name")
    assert found["detail"] == ("用户 规划员小王 的角色为 planner：只有界线联检人员和系统管理员"
                               "可以登录外业应用")
    with transaction(db):
        db.cursor().execute("UPDATE users SET disabled_at = now() WHERE name = %s", (INSPECTOR,))
    found = problem(app.post(at(INSPECTOR), headers=admin), 422, "name")
    assert "disabled" in found["detail"]
    assert fetch_value(db, "SELECT count(*) FROM pairings") == 0


def test_the_link_names_the_public_address_unless_that_is_this_machine(db_url, admin,
                                                                      inspector):
    public = Settings(database_url=db_url, pool_max=2,
                      public_base_url="https://civgeo.example.cn")
    with TestClient(create_app(public)) as client:
        assert make(client, admin)["url"].startswith("https://civgeo.example.cn/field/pair/")
    local = Settings(database_url=db_url, pool_max=2, public_base_url="http://127.0.0.1:8000")
    with TestClient(create_app(local), base_url="http://192.168.1.20:8000") as client:
        assert make(client, admin)["url"].startswith("http://192.168.1.20:8000/field/pair/")


# ------------------------------------------------------------------ using it

def test_the_link_signs_the_phone_in_like_a_password_would(app, admin, inspector, db):
    made = make(app, admin)
    r = scan(app, made["url"])
    assert r.status_code == 303 and r.headers["location"] == "/field/"
    assert r.headers["cache-control"] == "no-store"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("civgeo_session=") and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Path=/" in cookie and "Max-Age=43200" in cookie
    # The phone's cookie is a session like any other: the inspector's API answers it.
    assert app.get("/inspections").status_code == 200
    [opened] = open_sessions(db, INSPECTOR)
    assert opened["user_agent"] == "testclient" and opened["address"] == "testclient"
    assert fetch_value(db, "SELECT used_at IS NOT NULL FROM pairings") is True
    audit = fetch_one(db, "SELECT actor, entity, entity_id, after FROM audit_log "
                          "WHERE action = 'auth.pair'")
    assert audit["actor"] == INSPECTOR and audit["entity"] == "session"
    assert int(audit["entity_id"]) == opened["id"] and audit["after"]["address"] == "testclient"


def test_a_link_signs_in_once(app, admin, inspector, db):
    made = make(app, admin)
    assert scan(app, made["url"]).status_code == 303
    again = scan(app, made["url"])
    assert again.status_code == 410 and "set-cookie" not in again.headers
    assert '<html lang="zh-CN">' in again.text and "此登录二维码已被使用或已过期" in again.text
    assert 'href="/login?next=/field/"' in again.text
    assert app.get("/inspections").status_code == 401
    assert len(open_sessions(db, INSPECTOR)) == 1
    refused = fetch_one(db, "SELECT after FROM audit_log WHERE action = 'auth.pair_refused'")
    assert refused["after"]["reason"] == "used"


def test_an_expired_link_signs_nobody_in(app, admin, inspector, db):
    made = make(app, admin)
    with transaction(db):
        db.cursor().execute("UPDATE pairings SET created_at = created_at - interval '11 minutes',"
                            " expires_at = expires_at - interval '11 minutes'")
    r = scan(app, made["url"])
    assert r.status_code == 410 and "set-cookie" not in r.headers
    assert "已过期" in r.text and open_sessions(db, INSPECTOR) == []
    with transaction(db):   # a minute left: it still works
        db.cursor().execute("UPDATE pairings SET expires_at = now() + interval '1 minute'")
    assert scan(app, make(app, admin)["url"]).status_code == 303


def test_a_newer_link_replaces_the_older_one(app, admin, inspector, db):
    older, newer = make(app, admin), make(app, admin)
    assert older["url"] != newer["url"]
    r = scan(app, older["url"])
    assert r.status_code == 410 and open_sessions(db, INSPECTOR) == []
    assert scan(app, newer["url"]).status_code == 303
    assert fetch_value(db, "SELECT after->>'replaced' FROM audit_log "
                           "WHERE action = 'users.pairing' ORDER BY id DESC LIMIT 1") == "1"
    assert [r["reason"] for r in fetch_all(
        db, "SELECT after->>'reason' AS reason FROM audit_log "
            "WHERE action = 'auth.pair_refused'")] == ["replaced"]


def test_a_user_disabled_or_moved_to_another_role_after_the_link_is_refused(app, admin,
                                                                           inspector, db):
    made = make(app, admin)
    with transaction(db):
        db.cursor().execute("UPDATE users SET role = 'planner' WHERE name = %s", (INSPECTOR,))
    assert scan(app, made["url"]).status_code == 410
    with transaction(db):
        db.cursor().execute("UPDATE users SET role = 'inspector' WHERE name = %s", (INSPECTOR,))
    made = make(app, admin)
    with transaction(db):
        db.cursor().execute("UPDATE users SET disabled_at = now() WHERE name = %s", (INSPECTOR,))
    assert scan(app, made["url"]).status_code == 410
    assert open_sessions(db, INSPECTOR) == []


def test_an_unknown_link_is_404_in_the_readers_language(app):
    zh = scan(app, "/field/pair/" + "x" * 43)
    assert zh.status_code == 404 and "set-cookie" not in zh.headers
    assert "无法识别此登录二维码" in zh.text and 'href="/login?next=/field/"' in zh.text
    en = app.get("/field/pair/nope", params={"lang": "en"}, follow_redirects=False)
    assert en.status_code == 404 and "This sign-in code is not known here" in en.text
    assert scan(app, "/field/pair/" + "x" * 500).status_code == 404


def test_only_get_uses_a_link_and_only_that_path_is_ours(app, admin, inspector):
    made = make(app, admin)
    path = made["url"].removeprefix("http://testserver")
    assert app.head(path).status_code == 405          # a link checker leaves it unused
    assert app.get(path + "/more", follow_redirects=False).status_code == 404
    assert scan(app, made["url"]).status_code == 303


def test_of_two_phones_scanning_at_once_one_gets_in(app, admin, inspector, db_url):
    token = LINK.match(make(app, admin)["url"]).group(1)
    first, second, watcher = connect(db_url), connect(db_url), connect(db_url)
    watcher.autocommit = True
    results = {}
    try:
        won = pairing.use(first, token, sessions.Policy())          # not committed yet
        pid = fetch_value(second, "SELECT pg_backend_pid()")
        second.commit()

        def other_phone():
            with transaction(second):
                results["second"] = pairing.use(second, token, sessions.Policy())

        thread = threading.Thread(target=other_phone)
        thread.start()
        for _ in range(100):                  # until the other phone waits on the link
            waiting = fetch_value(watcher, "SELECT wait_event_type FROM pg_stat_activity "
                                         "WHERE pid = %s", (pid,))
            if waiting == "Lock":
                break
            time.sleep(0.05)
        assert waiting == "Lock"
        first.commit()
        thread.join(10)
    finally:
        for c in (first, second, watcher):
            c.close()
    assert won.signed is not None and won.signed.actor.name == INSPECTOR
    assert results["second"].signed is None and results["second"].reason == "used"
