"""The administrator's users API and the audit log's filters (issue 15): each action is
audited, answers name the field at fault, no secret is ever listed, the last administrator
keeps their role, and every other role is refused."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from geo import sessions, users
from geo.db import connect, fetch_all, fetch_value, transaction
from tests.factories import committed_staff, committed_token, problem

PASSWORD = "staff-pass-1234"
POLICY = sessions.Policy()
STAFF = ("planner", "inspector", "names_officer", "plates_officer")


@pytest.fixture
def admin(db_url) -> dict:
    return {"Authorization": f"Bearer {committed_token(db_url, 'admin', '管理员老李')}"}


@pytest.fixture
def db(db_url):
    """A connection whose every block commits (the API sees what it does)."""
    c = connect(db_url)
    yield c
    c.close()


def sign_in(db, name: str, password: str) -> sessions.SignIn:
    with transaction(db):
        return sessions.sign_in(db, name, password, POLICY)


def alive(db, token: str) -> bool:
    with transaction(db):
        return sessions.session(db, token, POLICY) is not None


def actions_on(db, name: str) -> list[str]:
    """The audit rows about the user called ``name``, oldest first."""
    return [r["action"] for r in fetch_all(
        db, "SELECT a.action FROM audit_log a JOIN users u ON a.entity = 'user' AND "
            "a.entity_id = u.id::text WHERE u.name = %s ORDER BY a.id", (name,))]


def at(name: str, *tail: str) -> str:
    return "/".join(["/users", quote(name, safe=""), *tail])


# ------------------------------------------------------------------ listing and adding

def test_users_are_listed_with_their_state_and_never_a_secret(app, admin, db_url, db):
    token = committed_staff(db_url, "planner", "规划员小张", PASSWORD)
    opened = sign_in(db, "规划员小张", PASSWORD)
    r = app.get("/users", headers=admin)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    row = next(u for u in r.json()["items"] if u["name"] == "规划员小张")
    assert row["role"] == "planner" and row["has_password"] is True
    assert row["open_sessions"] == 1 and row["active_tokens"] == 1
    assert row["last_sign_in_at"] is not None and row["locked_until"] is None
    hashes = fetch_all(db, "SELECT password_hash, token_sha256 FROM users u JOIN api_tokens t "
                           "ON t.user_id = u.id WHERE u.name = '规划员小张'")[0]
    for secret in (token, opened.token, hashes["password_hash"], hashes["token_sha256"]):
        assert secret not in r.text
    assert "password_hash" not in r.text and "csrf" not in r.text


def test_adding_a_user_with_a_password_and_a_token_shows_the_token_once(app, admin, db):
    r = app.post("/users", headers=admin, json={
        "name": "地名科小刘", "role": "names_officer", "password": PASSWORD,
        "password_again": PASSWORD, "token": True})
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["role"] == "names_officer" and body["password"] is None
    assert users.authenticate(db, body["token"]).name == "地名科小刘"
    assert sign_in(db, "地名科小刘", PASSWORD).ok
    assert actions_on(db, "地名科小刘")[:2] == ["users.add", "users.passwd"]
    listed = next(u for u in app.get("/users", headers=admin).json()["items"]
                  if u["name"] == "地名科小刘")
    assert body["token"] not in str(listed)


def test_a_generated_password_is_strong_shown_once_and_signs_in(app, admin, db):
    r = app.post("/users", headers=admin, json={"name": "门牌科小陈",
                                                "role": "plates_officer", "generate": True})
    assert r.status_code == 201, r.text
    generated = r.json()["password"]
    assert len(generated) >= 20 and r.json()["token"] is None
    assert sign_in(db, "门牌科小陈", generated).ok
    assert fetch_value(db, "SELECT count(*) FROM api_tokens t JOIN users u ON u.id = t.user_id "
                           "WHERE u.name = '门牌科小陈'") == 0


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"name": "甲", "role": "mayor", "token": True}, 422, "role"),
    ({"name": "", "role": "planner", "token": True}, 422, "name"),
    ({"name": "a/b", "role": "planner", "token": True}, 422, "name"),
    ({"name": "乙", "role": "planner", "password": "short"}, 422, "password"),
    ({"name": "乙", "role": "planner", "password": " padded-password "}, 422, "password"),
    ({"name": "乙", "role": "planner", "password": PASSWORD, "password_again": PASSWORD + "x"},
     422, "password_again"),
    ({"name": "乙", "role": "planner"}, 422, "password"),
    ({"name": "乙", "role": "planner", "password": PASSWORD, "generate": True}, 422, "password"),
    ({"name": "乙", "role": "planner", "token": True, "colour": "red"}, 422, "colour"),
    ({"name": "管理员老李", "role": "planner", "token": True}, 409, "name"),
])
def test_a_bad_new_user_is_refused_naming_the_field(app, admin, db, body, status, field):
    before = fetch_value(db, "SELECT count(*) FROM users")
    problem(app.post("/users", headers=admin, json=body), status, field)
    assert fetch_value(db, "SELECT count(*) FROM users") == before


# ------------------------------------------------------------------ roles

def test_a_role_change_takes_effect_at_once_and_is_audited(app, admin, db_url, db):
    token = committed_staff(db_url, "planner", "小王", PASSWORD)
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.get("/roads", headers=bearer).status_code == 403
    r = app.patch(at("小王"), headers=admin, json={"role": "plates_officer"})
    assert r.status_code == 200 and r.json() == {"name": "小王", "role": "plates_officer"}
    assert app.get("/roads", headers=bearer).status_code == 200
    row = fetch_all(db, "SELECT before, after FROM audit_log WHERE action = 'users.role'")[-1]
    assert row["before"] == {"role": "planner"} and row["after"] == {"role": "plates_officer"}


def test_a_bad_role_or_an_unknown_user_is_refused(app, admin):
    problem(app.patch(at("没有这个人"), headers=admin, json={"role": "planner"}), 404, "name")
    problem(app.patch(at("管理员老李"), headers=admin, json={"role": "mayor"}), 422, "role")
    problem(app.patch(at("管理员老李"), headers=admin, json={}), 422, "role")


def test_the_last_administrator_keeps_the_role(app, admin, db_url, db):
    # Only enabled administrators count: a disabled one does not.
    committed_staff(db_url, "admin", "停用的管理员", PASSWORD)
    with transaction(db):
        db.cursor().execute("UPDATE users SET disabled_at = now() WHERE name = '停用的管理员'")
    found = problem(app.patch(at("管理员老李"), headers=admin, json={"role": "planner"}),
                    409, "role")
    assert "last administrator" in found["detail"]
    assert app.get("/users", headers=admin).status_code == 200     # still an admin
    committed_staff(db_url, "admin", "管理员小赵", PASSWORD)
    r = app.patch(at("管理员老李"), headers=admin, json={"role": "planner"})
    assert r.status_code == 200
    problem(app.get("/users", headers=admin), 403)


# ------------------------------------------------------------------ passwords

def test_a_reset_password_replaces_the_old_one_and_closes_sessions(app, admin, db_url, db):
    committed_staff(db_url, "inspector", "巡线员小孙", PASSWORD)
    first, second = sign_in(db, "巡线员小孙", PASSWORD), sign_in(db, "巡线员小孙", PASSWORD)
    new = "a-new-password-9876"
    r = app.post(at("巡线员小孙", "password"), headers=admin,
                 json={"password": new, "password_again": new})
    assert r.status_code == 200, r.text
    assert r.json() == {"name": "巡线员小孙", "password": None, "sessions_closed": 2}
    assert not alive(db, first.token) and not alive(db, second.token)
    assert not sign_in(db, "巡线员小孙", PASSWORD).ok
    assert sign_in(db, "巡线员小孙", new).ok
    assert actions_on(db, "巡线员小孙")[-3:-1] == ["users.passwd", "users.sessions.revoke"]


def test_a_generated_reset_is_shown_once_and_clears_a_lock(app, admin, db_url, db):
    committed_staff(db_url, "planner", "小周", PASSWORD)
    for _ in range(POLICY.max_failures):
        sign_in(db, "小周", "wrong-password-0")
    assert sign_in(db, "小周", PASSWORD).reason == "locked"
    r = app.post(at("小周", "password"), headers=admin, json={"generate": True})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert sign_in(db, "小周", r.json()["password"]).ok


@pytest.mark.parametrize(("body", "field"), [
    ({"password": "short-1"}, "password"),
    ({"password": "long-enough-1", "password_again": "long-enough-2"}, "password_again"),
    ({}, "password"),
    ({"password": "long-enough-1", "generate": True}, "password"),
])
def test_a_bad_reset_is_refused_and_changes_nothing(app, admin, db_url, db, body, field):
    committed_staff(db_url, "planner", "小吴", PASSWORD)
    problem(app.post(at("小吴", "password"), headers=admin, json=body), 422, field)
    assert sign_in(db, "小吴", PASSWORD).ok


def test_resetting_an_unknown_users_password_is_404(app, admin):
    problem(app.post(at("没有这个人", "password"), headers=admin, json={"generate": True}),
            404, "name")


# ------------------------------------------------------------------ tokens, sessions, locks

def test_revoking_tokens_leaves_sessions_and_the_other_way_round(app, admin, db_url, db):
    token = committed_staff(db_url, "plates_officer", "门牌员小郑", PASSWORD)
    opened = sign_in(db, "门牌员小郑", PASSWORD)
    r = app.post(at("门牌员小郑", "revoke"), headers=admin, json={"tokens": True})
    assert r.json() == {"name": "门牌员小郑", "tokens_revoked": 1, "sessions_closed": 0}
    assert users.authenticate(db, token) is None and alive(db, opened.token)
    r = app.post(at("门牌员小郑", "revoke"), headers=admin, json={"sessions": True})
    assert r.json() == {"name": "门牌员小郑", "tokens_revoked": 0, "sessions_closed": 1}
    assert not alive(db, opened.token)
    assert actions_on(db, "门牌员小郑")[-2:] == ["users.tokens.revoke", "users.sessions.revoke"]
    problem(app.post(at("门牌员小郑", "revoke"), headers=admin, json={}), 422, "tokens")
    problem(app.post(at("没有这个人", "revoke"), headers=admin, json={"tokens": True}),
            404, "name")


def test_unlocking_lets_a_locked_user_sign_in(app, admin, db_url, db):
    committed_staff(db_url, "names_officer", "小冯", PASSWORD)
    for _ in range(POLICY.max_failures):
        sign_in(db, "小冯", "wrong-password-0")
    locked = next(u for u in app.get("/users", headers=admin).json()["items"]
                  if u["name"] == "小冯")
    assert locked["locked_until"] is not None
    assert app.post(at("小冯", "unlock"), headers=admin).status_code == 200
    assert sign_in(db, "小冯", PASSWORD).ok
    assert actions_on(db, "小冯")[-1] == "users.unlock"
    problem(app.post(at("没有这个人", "unlock"), headers=admin), 404, "name")


# ------------------------------------------------------------------ who may

ENDPOINTS = [("GET", "/users", None), ("POST", "/users", {"name": "x", "role": "admin",
                                                          "token": True}),
             ("PATCH", "/users/x", {"role": "admin"}),
             ("POST", "/users/x/password", {"generate": True}),
             ("POST", "/users/x/revoke", {"tokens": True}), ("POST", "/users/x/unlock", None),
             ("GET", "/audit", None)]


@pytest.mark.parametrize("role", STAFF)
def test_every_other_role_is_refused(app, db_url, db, role):
    bearer = {"Authorization": f"Bearer {committed_token(db_url, role, 'x')}"}
    for method, path, body in ENDPOINTS:
        problem(app.request(method, path, json=body, headers=bearer), 403)
        problem(app.request(method, path, json=body), 401)
    assert fetch_value(db, "SELECT role FROM users WHERE name = 'x'") == role
    assert fetch_value(db, "SELECT count(*) FROM audit_log WHERE action LIKE 'users.%%' "
                           "AND action <> 'users.add'") == 0


# ------------------------------------------------------------------ the audit log's filters

@pytest.fixture
def log(db):
    """Rows at known times around midnight in China (16:00 UTC): 1 March 23:30 and
    2 March 00:30 in Beijing are the same day in UTC."""
    rows = [("2026-03-01 23:30+08", "张三", "auth.sign_in", "session", "7"),
            ("2026-03-02 00:30+08", "张三", "update", "plate", "86"),
            ("2026-03-02 09:00+08", "李四", "auth.sign_out", "session", "7"),
            ("2026-03-03 10:00+08", "李四", "users.add", "user", "5"),
            ("2026-03-04 10:00+08", "李四", "auth.sign_in_failed", "user", "5")]
    with transaction(db):
        for when, who, action, entity, entity_id in rows:
            db.cursor().execute(
                "INSERT INTO audit_log (at, actor, action, entity, entity_id, after) VALUES "
                "(%s, %s, %s, %s, %s, '{\"note\": \"<b>x</b>\"}')",
                (when, who, action, entity, entity_id))
    return rows


def listed(app, admin, **params) -> list[tuple[str, str]]:
    r = app.get("/audit", headers=admin, params={"since": "2026-03-01",
                                                         "until": "2026-03-31", **params})
    assert r.status_code == 200, r.text
    return [(e["actor"], e["action"]) for e in r.json()["items"]]


def test_audit_filters_by_actor_action_and_family(app, admin, log):
    assert listed(app, admin, actor="张三") == [("张三", "update"), ("张三", "auth.sign_in")]
    assert listed(app, admin, actor="张") == []                           # exact, not a prefix
    assert listed(app, admin, action="auth.sign_in") == [("张三", "auth.sign_in")]
    assert listed(app, admin, action="auth.*") == [
        ("李四", "auth.sign_in_failed"), ("李四", "auth.sign_out"), ("张三", "auth.sign_in")]
    assert listed(app, admin, action="auth.*", actor="李四", until="2026-03-03") == [
        ("李四", "auth.sign_out")]


def test_audit_filters_by_entity(app, admin, log):
    assert listed(app, admin, entity="session") == [("李四", "auth.sign_out"),
                                                    ("张三", "auth.sign_in")]
    assert listed(app, admin, entity="user", entity_id="5") == [
        ("李四", "auth.sign_in_failed"), ("李四", "users.add")]
    assert listed(app, admin, entity="plate", entity_id="87") == []


def test_audit_days_are_chinas(app, admin, log):
    assert listed(app, admin, since="2026-03-02", until="2026-03-02") == [
        ("李四", "auth.sign_out"), ("张三", "update")]
    assert listed(app, admin, since="2026-03-01", until="2026-03-01") == [
        ("张三", "auth.sign_in")]
    assert len(listed(app, admin, since="2026-03-03")) == 2


def test_audit_pages_newest_first(app, admin, log):
    first = listed(app, admin, limit=2)
    second = listed(app, admin, limit=2, offset=2)
    assert first == [("李四", "auth.sign_in_failed"), ("李四", "users.add")]
    assert second == [("李四", "auth.sign_out"), ("张三", "update")]


def test_bad_audit_filters_name_the_field(app, admin):
    problem(app.get("/audit", headers=admin, params={"since": "2026-03-05",
                                                     "until": "2026-03-01"}), 422, "until")
    problem(app.get("/audit", headers=admin, params={"since": "yesterday"}), 422, "since")
    problem(app.get("/audit", headers=admin, params={"actor": "x" * 201}), 422, "actor")
