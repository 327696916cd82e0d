"""Public reports on plates answered by an officer over HTTP: a report from the QR page waits
in the queue (``GET /plates?reported=true``) until the officer closes it with a note
(``PATCH /plates/{id} {"close_reports": true, "note": …}``), which is stored as an event
and audited; a bare note is stored too, but answers nothing."""

import pytest

from geo.db import connect, fetch_all
from tests.factories import committed_token, problem


@pytest.fixture
def officer(db_url, sample):
    return {"Authorization": f"Bearer {committed_token(db_url, 'plates_officer', '门牌科老李')}"}


@pytest.fixture
def plate(app, officer):
    """An installed sample plate with one public report waiting on it."""
    listed = app.get("/plates", params={"status": "installed", "limit": 1},
                     headers=officer).json()
    found = listed["features"][0]["properties"]
    made = app.post(f"/qr/{found['token']}/report", json={"kind": "damaged",
                                                          "note": "门牌裂成两半"})
    assert made.status_code == 201, made.text
    return app.get(f"/plates/{found['id']}", headers=officer).json()


def queue(app, officer) -> list[int]:
    body = app.get("/plates", params={"reported": "true"}, headers=officer).json()
    return [f["properties"]["id"] for f in body["features"]]


def test_closing_a_report_with_a_note_stores_it_and_empties_the_queue(app, officer, plate,
                                                                      db_url):
    assert plate["id"] in queue(app, officer)
    closed = app.patch(f"/plates/{plate['id']}", headers=officer, json={
        "version": plate["version"], "close_reports": True, "note": "已核实，安排更换"})
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert plate["id"] not in queue(app, officer)
    last = body["events"][-1]
    assert (last["action"], last["note"], last["by_name"]) == (
        "reports_closed", "已核实，安排更换", "门牌科老李")
    assert body["version"] == plate["version"]          # the plate itself did not change
    assert body["status"] == plate["status"]
    again = app.get(f"/plates/{plate['id']}", headers=officer).json()
    assert again["events"][-1]["action"] == "reports_closed"   # stored, not just answered
    conn = connect(db_url)
    try:
        audited = fetch_all(conn, "SELECT actor, after FROM audit_log WHERE action = "
                                  "'close_reports' AND entity = 'plate' AND entity_id = %s",
                            (str(plate["id"]),))
    finally:
        conn.close()
    assert [(a["actor"], a["after"]["note"]) for a in audited] == [
        ("门牌科老李", "已核实，安排更换")]


def test_closing_without_a_note_names_the_note(app, officer, plate):
    problem(app.patch(f"/plates/{plate['id']}", headers=officer, json={
        "version": plate["version"], "close_reports": True}), 422, "note")
    problem(app.patch(f"/plates/{plate['id']}", headers=officer, json={
        "version": plate["version"], "close_reports": True, "note": "   "}), 422, "note")
    assert plate["id"] in queue(app, officer)           # nothing was closed


def test_closing_when_no_report_waits_is_a_conflict(app, officer, plate):
    body = {"version": plate["version"], "close_reports": True, "note": "已处理"}
    assert app.patch(f"/plates/{plate['id']}", headers=officer, json=body).status_code == 200
    problem(app.patch(f"/plates/{plate['id']}", headers=officer, json=body), 409,
            "close_reports")
    events = app.get(f"/plates/{plate['id']}", headers=officer).json()["events"]
    assert [e["action"] for e in events].count("reports_closed") == 1


def test_a_bare_note_is_stored_but_leaves_the_report_open(app, officer, plate):
    noted = app.patch(f"/plates/{plate['id']}", headers=officer, json={
        "version": plate["version"], "note": "已电话联系社区，周二上门查看"})
    assert noted.status_code == 200, noted.text
    last = noted.json()["events"][-1]
    assert (last["action"], last["note"]) == ("note", "已电话联系社区，周二上门查看")
    assert noted.json()["version"] == plate["version"]
    assert plate["id"] in queue(app, officer)           # a remark closes nothing
    closed = app.patch(f"/plates/{plate['id']}", headers=officer, json={
        "version": plate["version"], "close_reports": True, "note": "已更换"})
    assert closed.status_code == 200 and plate["id"] not in queue(app, officer)


def test_a_step_of_the_lifecycle_answers_the_report_with_its_note(app, officer, plate):
    moved = app.patch(f"/plates/{plate['id']}", headers=officer, json={
        "version": plate["version"], "status": "damaged", "note": "现场核实损坏"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["events"][-1]["note"] == "现场核实损坏"
    assert moved.json()["version"] == plate["version"] + 1
    assert plate["id"] not in queue(app, officer)
    problem(app.patch(f"/plates/{plate['id']}", headers=officer, json={
        "version": plate["version"] + 1, "close_reports": True, "note": "x"}), 409,
        "close_reports")


def test_closing_checks_the_version_and_the_role(app, officer, plate, db_url):
    problem(app.patch(f"/plates/{plate['id']}", headers=officer, json={
        "version": plate["version"] + 5, "close_reports": True, "note": "已处理"}), 409,
        "version")
    planner = {"Authorization": f"Bearer {committed_token(db_url, 'planner', 'p-reports')}"}
    problem(app.patch(f"/plates/{plate['id']}", headers=planner, json={
        "version": plate["version"], "close_reports": True, "note": "已处理"}), 403)
    problem(app.patch(f"/plates/{plate['id']}", headers=officer, json={
        "version": plate["version"], "close_reports": "maybe", "note": "已处理"}), 422,
        "close_reports")
    assert plate["id"] in queue(app, officer)
