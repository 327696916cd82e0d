"""Inspection teams over HTTP (admin only): create a team with members, add and remove a
member, give a team an inspection's side (which is how its inspectors get the line), the
errors naming their field, and an audit row for every change."""

from __future__ import annotations

import pytest

from geo.db import connect, fetch_all, fetch_value
from tests.factories import committed_token, problem


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(app, sample, db_url) -> dict:
    return bearer(committed_token(db_url, "admin", "联检管理员"))


@pytest.fixture
def inspectors(db_url) -> list[str]:
    for name in ("荷塘巡线员甲", "荷塘巡线员乙"):
        committed_token(db_url, "inspector", name)
    return ["荷塘巡线员甲", "荷塘巡线员乙"]


def audit_rows(db_url, action: str) -> list[dict]:
    conn = connect(db_url)
    try:
        return fetch_all(conn, "SELECT actor, entity, entity_id, before, after FROM audit_log "
                               "WHERE action = %s ORDER BY id", (action,))
    finally:
        conn.close()


def test_create_a_team_with_members(app, admin, inspectors, db_url):
    r = app.post("/teams", json={"name": "荷塘区第二联检组", "side_code": "430202",
                                 "members": inspectors}, headers=admin)
    assert r.status_code == 201, r.text
    team = r.json()
    assert team["side_code"] == "430202" and team["side_name"] == "荷塘区"
    assert team["members"] == [{"name": n, "role": "inspector"} for n in sorted(inspectors)]
    assert team["lines"] == []
    listed = {t["name"]: t for t in app.get("/teams", headers=admin).json()}
    assert listed["荷塘区第二联检组"]["members"] == team["members"]
    assert "株洲市联检工作组" in listed                      # the sample's teams are there
    [row] = audit_rows(db_url, "inspection_team.create")
    assert row["actor"] == "联检管理员" and row["entity_id"] == str(team["id"])
    assert row["after"]["members"] == sorted(inspectors)


def test_add_and_remove_a_member(app, admin, inspectors, db_url):
    team = app.post("/teams", json={"name": "荷塘区第二联检组", "side_code": "430202"},
                    headers=admin).json()
    added = app.post(f"/teams/{team['id']}/members", json={"user": inspectors[0]},
                     headers=admin)
    assert added.status_code == 200, added.text
    assert [m["name"] for m in added.json()["members"]] == [inspectors[0]]
    again = app.post(f"/teams/{team['id']}/members", json={"user": inspectors[0]},
                     headers=admin)
    problem(again, 409, "user")
    gone = app.delete(f"/teams/{team['id']}/members/{inspectors[0]}", headers=admin)
    assert gone.status_code == 200 and gone.json()["members"] == []
    problem(app.delete(f"/teams/{team['id']}/members/{inspectors[0]}", headers=admin), 404,
            "user")
    [joined] = audit_rows(db_url, "inspection_team.join")
    [left] = audit_rows(db_url, "inspection_team.leave")
    assert joined["after"]["members"] == [inspectors[0]] and left["after"]["members"] == []
    # The team's roster, which the joint report prints, follows its members.
    conn = connect(db_url)
    try:
        assert fetch_value(conn, "SELECT members FROM inspection_teams WHERE id = %s",
                           (team["id"],)) == []
    finally:
        conn.close()


def test_a_member_gets_the_line_when_the_team_is_assigned(app, admin, inspectors, db_url):
    team = app.post("/teams", json={"name": "荷塘区第二联检组", "side_code": "430202",
                                    "members": inspectors[:1]}, headers=admin).json()
    member = bearer(committed_token(db_url, "inspector", "荷塘巡线员丙"))
    app.post(f"/teams/{team['id']}/members", json={"user": "荷塘巡线员丙"}, headers=admin)
    assert app.get("/boundaries/lines", headers=member).json() == []
    conn = connect(db_url)
    try:
        ins = fetch_value(conn, "SELECT i.id FROM inspections i JOIN boundary_lines l ON "
                                "l.id = i.line_id WHERE l.name = '荷芦线' AND i.status <> "
                                "'signed' ORDER BY i.id LIMIT 1")
    finally:
        conn.close()
    r = app.post(f"/teams/{team['id']}/inspections", json={"inspection": ins}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["side"] in ("lead", "support")
    assert [line["name"] for line in app.get("/boundaries/lines", headers=member).json()] \
        == ["荷芦线"]
    assert app.get(f"/inspections/{ins}", headers=member).status_code == 200
    [row] = audit_rows(db_url, "inspection.assign_team")
    assert row["entity_id"] == str(ins) and row["after"]["team"] == "荷塘区第二联检组"


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"name": "株洲市联检工作组", "side_code": "430200"}, 409, "name"),
    ({"name": "  ", "side_code": "430202"}, 422, "name"),
    ({"name": "新组", "side_code": "999999"}, 422, "side_code"),
    ({"name": "新组", "side_code": "430202", "members": ["没有这个人"]}, 422, "members[0]"),
    ({"name": "新组", "side_code": "430202", "members": ["荷塘巡线员甲", "联检管理员"]}, 422,
     "members[1]"),
    ({"name": "新组"}, 422, "side_code"),
])
def test_team_errors_name_the_field(app, admin, inspectors, db_url, body, status, field):
    detail = problem(app.post("/teams", json=body, headers=admin), status, field)["detail"]
    assert detail
    assert audit_rows(db_url, "inspection_team.create") == []


def test_member_errors_name_the_field(app, admin, inspectors, db_url):
    committed_token(db_url, "planner", "规划员乙")
    team = app.get("/teams", headers=admin).json()[0]["id"]
    problem(app.post(f"/teams/{team}/members", json={"user": "没有这个人"}, headers=admin),
            422, "user")
    planner = problem(app.post(f"/teams/{team}/members", json={"user": "规划员乙"},
                               headers=admin), 422, "user")
    assert "not an inspector" in planner["detail"]
    problem(app.post("/teams/999999/members", json={"user": "荷塘巡线员甲"}, headers=admin),
            404, "team")
    signed = app.post(f"/teams/{team}/inspections", json={"inspection": _signed(db_url)},
                      headers=admin)
    problem(signed, 409, "inspection")
    problem(app.post(f"/teams/{team}/inspections", json={"inspection": 999999},
                     headers=admin), 404, "inspection")


def _signed(db_url) -> int:
    conn = connect(db_url)
    try:
        return fetch_value(conn, "SELECT id FROM inspections WHERE status = 'signed' "
                                 "ORDER BY id LIMIT 1")
    finally:
        conn.close()


def test_only_an_admin_manages_teams(app, sample, inspectors, db_url):
    inspector = bearer(committed_token(db_url, "inspector", "株洲巡线员丁"))
    planner = bearer(committed_token(db_url, "planner", "规划员丁"))
    for who in (inspector, planner):
        problem(app.get("/teams", headers=who), 403)
        problem(app.post("/teams", json={"name": "越权组", "side_code": "430202"},
                         headers=who), 403)
        problem(app.post("/teams/1/members", json={"user": "荷塘巡线员甲"}, headers=who), 403)
        problem(app.delete("/teams/1/members/荷塘巡线员甲", headers=who), 403)
    problem(app.get("/teams"), 401)
    assert audit_rows(db_url, "inspection_team.create") == []
