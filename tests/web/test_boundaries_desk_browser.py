"""The inspectors' desk in a real headless Chromium: a member of 株洲市联检工作组 signs in,
sees its team's lines only (another team's line is absent, and its page refused), opens the
line on the map, the five-year plan, and an inspection with a patrol, a marker check and a
hazard whose photos load as thumbnails, then signs for its side; an admin adds a team and a
member from the teams page. No console error, no request off 127.0.0.1. Screenshots in
/tmp/civgeo-web (boundaries-*.png)."""

from __future__ import annotations

import hashlib
import io
import re
import uuid

import httpx
import pytest
from PIL import Image, ImageDraw

from fixtures.boundaries import sample_gpx
from geo.db import connect, fetch_value
from tests.factories import committed_staff
from tests.serving import served
from tests.web.desk import TABLET, accept_dialogs, assert_clean, fits, shot, signed_in

PASSWORD = "inspector-pass-123"
INSPECTOR = "株洲巡线员甲"
ADMIN = "联检管理员"
THUMBS_LOADED = """() => { const imgs = [...document.querySelectorAll('img.photo')];
  return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }"""


@pytest.fixture(scope="module")
def server(db_url, sample):
    with served(db_url) as url:
        yield url


def photo(kind: str, colour: str) -> bytes:
    """A small real picture (a marker post on grass), as a phone would send."""
    img = Image.new("RGB", (160, 120), "#6a9a4a")
    draw = ImageDraw.Draw(img)
    draw.rectangle((70, 20, 90, 110), fill=colour)
    draw.text((60, 4), "001", fill="white")
    out = io.BytesIO()
    img.save(out, kind)
    return out.getvalue()


def declared(data: bytes, media: str) -> dict:
    return {"uuid": str(uuid.uuid4()), "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data), "media_type": media}


def value(db_url: str, sql: str, *args):
    conn = connect(db_url)
    try:
        return fetch_value(conn, sql, args)
    finally:
        conn.close()


def gpx(db_url: str) -> bytes:
    """A walk of 4 km of 株衡线 recorded in two segments (the tracker stopped once)."""
    conn = connect(db_url)
    try:
        text = sample_gpx(conn, "株衡线", km=4)
    finally:
        conn.close()
    points = [m.start() for m in re.finditer("<trkpt", text)]
    middle = points[len(points) // 2]
    return (text[:middle] + "</trkseg><trkseg>" + text[middle:]).encode()


@pytest.fixture
def inspection(server, db_url) -> dict:
    """A member of 株洲市联检工作组 (put in by an admin through the teams API), and an ad hoc
    inspection of 株衡线 with a patrol, a marker check and a hazard, each with a photo."""
    token = committed_staff(db_url, "admin", ADMIN, "admin-pass-1234")
    admin = {"Authorization": f"Bearer {token}"}
    me = {"Authorization": f"Bearer {committed_staff(db_url, 'inspector', INSPECTOR, PASSWORD)}"}
    api = httpx.Client(base_url=server, timeout=60)
    team = value(db_url, "SELECT id FROM inspection_teams WHERE name = '株洲市联检工作组'")
    assert api.post(f"/teams/{team}/members", json={"user": INSPECTOR},
                    headers=admin).status_code == 200
    made = api.post("/inspections", headers=me, json={
        "line": "株衡线", "year": 2026, "kind": "ad_hoc", "reason": "汛后检查",
        "lead_code": "430200", "lead_team": "株洲市联检工作组",
        "support_team": "衡阳市联检工作组"})
    assert made.status_code == 201, made.text
    ins = made.json()["id"]
    patrol = api.post(f"/inspections/{ins}/patrols", params={"uuid": str(uuid.uuid4()),
                                                            "members": "王五,李四"},
                      content=gpx(db_url), headers={**me, "Content-Type": "application/gpx+xml"})
    assert patrol.status_code == 201, patrol.text
    markers = api.get("/boundaries/markers", params={"line": "株衡线"}, headers=me).json()
    first = markers["features"][0]["properties"]
    png, jpeg = photo("PNG", "#d33"), photo("JPEG", "#eee")
    check_photo, hazard_photo = declared(png, "image/png"), declared(jpeg, "image/jpeg")
    check = api.post(f"/inspections/{ins}/marker-checks", headers=me, json={
        "uuid": str(uuid.uuid4()), "marker": first["marker_no"], "condition": "damaged",
        "lon": first["lon"], "lat": first["lat"], "checked_at": "2026-10-12T10:00:00+08:00",
        "note": "桩体破损", "photos": [check_photo]})
    assert check.status_code == 201, check.text
    hazard = api.post(f"/inspections/{ins}/hazards", headers=me, json={
        "uuid": str(uuid.uuid4()), "kind": "construction", "description": "新修公路跨越界线",
        "lon": first["lon"] + 0.001, "lat": first["lat"],
        "reported_at": "2026-10-12T11:30:00+08:00", "photos": [hazard_photo]})
    assert hazard.status_code == 201, hazard.text
    for p, data in ((check_photo, png), (hazard_photo, jpeg)):
        put = api.put(f"/attachments/{p['uuid']}", content=data, headers=me)
        assert put.status_code == 200 and put.json()["complete"], put.text
    api.close()
    return {"id": ins, "marker": first["marker_no"],
            "line": value(db_url, "SELECT id FROM boundary_lines WHERE name = '株衡线'"),
            "other": value(db_url, "SELECT id FROM boundary_lines WHERE name = '荷芦线'")}


def map_drawn(view, node: str) -> None:
    view.page.wait_for_selector(f"#{node} .leaflet-overlay-pane path", timeout=30_000)
    view.page.wait_for_timeout(800)            # the basemap's tiles


def test_an_inspector_sees_its_lines_and_an_inspection_with_its_photos(browser, server,
                                                                     inspection):
    view = signed_in(browser, server, INSPECTOR, PASSWORD, "/app/boundaries")
    page = view.page
    lines = page.inner_text("#lines")
    assert "株衡线" in lines and "荷芦线" not in lines
    map_drawn(view, "overview-map")
    assert fits(view)
    shot(view, "boundaries-lines")

    refused = page.goto(f"{server}/app/boundaries/lines/{inspection['other']}")
    assert refused.status == 404 and "未找到" in page.inner_text("#missing")

    page.goto(f"{server}/app/boundaries/lines/{inspection['line']}")
    map_drawn(view, "line-map")
    assert page.locator("#markers tr[data-marker]").count() > 20
    assert "损坏" in page.inner_text(f"#markers tr[data-marker='{inspection['marker']}']")
    assert page.locator("#line-map .leaflet-overlay-pane path").count() > 20   # line + markers
    assert fits(view)
    shot(view, "boundaries-line")

    page.goto(f"{server}/app/boundaries/plan")
    assert "株衡线" in page.inner_text("#plan")
    assert fits(view)
    shot(view, "boundaries-plan")

    page.goto(f"{server}/app/boundaries/inspections")
    page.click(f"#inspections tr[data-inspection='{inspection['id']}'] a")
    page.wait_for_url(f"**/app/boundaries/inspections/{inspection['id']}")
    map_drawn(view, "inspection-map")
    assert "%" in page.inner_text("#patrolled")
    gaps = page.request.get(f"{server}/inspections/{inspection['id']}/report?format=json"
                            ).json()["patrols"][0]["gaps"]
    assert "segment" in [g["cause"] for g in gaps]     # where the tracker stopped, and more
    assert page.locator("#inspection-map path.track-gap").count() == len(gaps)   # dashed
    assert "王五" in page.inner_text("#patrols")
    assert inspection["marker"] in page.inner_text("#checks")
    assert "2026-10-12 10:00" in page.inner_text("#checks")        # Beijing time
    assert "新修公路跨越界线" in page.inner_text("#hazards")
    assert page.get_attribute("#report-html", "href") == f"/inspections/{inspection['id']}/report"
    page.locator("#checks").scroll_into_view_if_needed()
    page.locator("#hazards").scroll_into_view_if_needed()
    page.wait_for_function(THUMBS_LOADED, timeout=30_000)
    assert page.locator("img.photo").count() == 2
    assert fits(view)
    page.locator("#checks").scroll_into_view_if_needed()
    shot(view, "boundaries-inspection")

    asked = accept_dialogs(view)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.click("#sign")
    page.wait_for_selector("#unsign", timeout=30_000)
    assert asked and "签字" in asked[0]
    assert "已签字" in page.inner_text("#signoff tr[data-side=lead]")
    assert "未签字" in page.inner_text("#signoff tr[data-side=support]")
    map_drawn(view, "inspection-map")
    shot(view, "boundaries-inspection-top")
    report = page.request.get(f"{server}/inspections/{inspection['id']}/report")
    assert report.status == 200 and "株衡线" in report.text()
    assert_clean(view, answered=(404,))
    view.close()

    tablet = signed_in(browser, server, INSPECTOR, PASSWORD,
                       f"/app/boundaries/inspections/{inspection['id']}", viewport=TABLET)
    map_drawn(tablet, "inspection-map")
    tablet.page.wait_for_function(THUMBS_LOADED, timeout=30_000)
    assert fits(tablet)
    shot(tablet, "boundaries-inspection-tablet")
    for path in ("/app/boundaries", "/app/boundaries/plan"):
        tablet.page.goto(f"{server}{path}")
        assert fits(tablet), path
    assert_clean(tablet)
    tablet.close()


def test_an_admin_adds_a_team_and_a_member(browser, server, db_url):
    committed_staff(db_url, "admin", ADMIN, "admin-pass-1234")
    for name in ("荷塘巡线员甲", "荷塘巡线员乙"):
        committed_staff(db_url, "inspector", name, PASSWORD)
    view = signed_in(browser, server, ADMIN, "admin-pass-1234", "/app/boundaries/teams")
    page = view.page
    asked = accept_dialogs(view)
    page.fill("#new-team input[name=name]", "荷塘区第二联检组")
    page.select_option("#new-team select[name=side_code]", "430202")
    page.select_option("#new-team select[name=members]", ["荷塘巡线员甲"])
    page.click("#new-team button[type=submit]")
    team = page.locator("section.team[data-team='荷塘区第二联检组']")
    team.wait_for(timeout=30_000)
    assert "荷塘巡线员甲" in team.inner_text() and "界线联检人员" in team.inner_text()

    team.locator("form.add-member input[name=user]").fill("荷塘巡线员乙")
    team.locator("form.add-member button").click()
    page.wait_for_selector("section.team[data-team='荷塘区第二联检组'] "
                           "tr[data-member='荷塘巡线员乙']", timeout=30_000)
    # A user who is no inspector is refused, in Chinese, naming the field.
    team = page.locator("section.team[data-team='荷塘区第二联检组']")
    team.locator("form.add-member input[name=user]").fill(ADMIN)
    team.locator("form.add-member button").click()
    problem = team.locator("form.add-member .problem")
    problem.wait_for(state="visible", timeout=30_000)
    assert problem.inner_text().strip() != ""

    team.locator("tr[data-member='荷塘巡线员甲'] button").click()
    page.wait_for_function("() => !document.querySelector(\"section.team[data-team="
                           "'荷塘区第二联检组'] tr[data-member='荷塘巡线员甲']\")",
                           timeout=30_000)
    assert asked and "荷塘巡线员甲" in asked[0]
    page.locator("section.team[data-team='荷塘区第二联检组']").scroll_into_view_if_needed()
    assert fits(view)
    page.evaluate("() => window.scrollTo(0, 0)")
    shot(view, "boundaries-teams")
    members = value(db_url, "SELECT array_agg(u.name ORDER BY u.name) FROM team_users tu "
                            "JOIN users u ON u.id = tu.user_id JOIN inspection_teams t ON "
                            "t.id = tu.team_id WHERE t.name = '荷塘区第二联检组'")
    assert members == ["荷塘巡线员乙"]
    assert value(db_url, "SELECT count(*) FROM audit_log WHERE actor = %s AND action LIKE "
                         "'inspection_team.%%'", ADMIN) == 3
    assert_clean(view, answered=(422,))
    view.close()
