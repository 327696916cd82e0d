"""The field app in a real headless Chromium as a 390×844 phone, its position moved along the
sample's real 荷芦线 point by point: a patrol recorded online and signed off; one recorded
offline from start to finish (the service worker serving the app, IndexedDB holding the
queue) with two marker checks with photos and a hazard, the page reloaded while offline,
then synced, and synced again without a second record of anything; a photo upload cut off
half-way and resumed from what the server has; a 409 shown and never retried blindly; a
session that ends keeps the queue; a 10-minute loss of position gives a gap, not a straight
line, and the server's share leaves it out. No console error, no request off 127.0.0.1.
Screenshots in /tmp/civgeo-web (field-*.png)."""

from __future__ import annotations

import hashlib
import io
import math
import re

import pytest
from PIL import Image

from fixtures.boundaries import sample_gpx
from geo.db import connect
from tests.field.phone import (
    STEP_S,
    add_photo,
    along,
    end_patrol,
    field_for,
    open_app,
    phone,
    photo,
    ready_offline,
    start_patrol,
    synced,
    walk,
)
from tests.serving import served
from tests.web.desk import accept_dialogs, assert_clean, fits, shot

FRACTION_STEP = 0.002          # 34 m of the 17 km line between fixes


@pytest.fixture(scope="module")
def server(db_url, sample):
    with served(db_url) as url:
        yield url


@pytest.fixture
def field(server, db_url):
    return field_for(server, db_url)


def fractions(start: float, n: int) -> list[float]:
    return [round(start + i * FRACTION_STEP, 6) for i in range(n)]


def stored(view) -> int:
    """The GPS fixes the app has written to IndexedDB for the patrol."""
    return int(view.page.get_attribute("body", "data-points"))


def shown(view) -> int:
    """The count of fixes the patrol screen shows."""
    return int(re.search(r"(\d+) 个轨迹点", view.page.inner_text("#live")).group(1))


def towards(a: dict, b: dict, step_m: float = 30) -> list[dict]:
    """Positions from ``a`` to ``b`` (not including either), ``step_m`` apart."""
    dx = (b["lon"] - a["lon"]) * 111_320 * math.cos(math.radians(a["lat"]))
    dy = (b["lat"] - a["lat"]) * 110_540
    n = max(int(math.hypot(dx, dy) // step_m), 1)
    return [{"lon": a["lon"] + (b["lon"] - a["lon"]) * k / n,
             "lat": a["lat"] + (b["lat"] - a["lat"]) * k / n} for k in range(1, n)]


def queue_states(view) -> list[str]:
    return view.page.eval_on_selector_all("#queue li", "els => els.map(e => e.dataset.state)")


def test_a_patrol_online_and_the_sign_off(browser, field):
    walked = along(field.db_url, fractions(0.05, 40))
    view = phone(browser, walked[0])
    open_app(view, field)
    page = view.page
    assert "荷芦线" in page.inner_text(".line-card") and "配合方" in page.inner_text(".line-card")
    start_patrol(view, field)
    walk(view, walked)
    live = page.inner_text("#live")
    assert f"{stored(view)} 个轨迹点" in live and "0 处中断" in live
    assert stored(view) in (40, 41)         # the fix when it started (if it came), then 40
    share = float(page.inner_text("#live-share").split("：")[1].rstrip(" %"))
    assert 7.0 < share < 10.0                           # 39 × 34 m of 17 km, plus the tolerance
    assert "最近界桩" in page.inner_text("#nearest") and "米" in page.inner_text("#nearest")
    assert page.locator(".leaflet-overlay-pane path").count() >= 2   # the line and the track
    assert fits(view)
    shot(view, "field-patrol")
    end_patrol(view)
    synced(view, 1)
    assert page.get_attribute("#net", "data-confirmed") == "1"
    assert "服务器已确认：1" in page.inner_text("#confirmed")

    got = field.api.get(f"/inspections/{field.inspection}").json()
    assert got["patrols"] == 1
    walked_m = 39 * FRACTION_STEP * field.line_m
    assert walked_m < got["patrolled"]["patrolled_m"] < walked_m + 2 * 50 + 60
    [patrol] = field.api.get(f"/inspections/{field.inspection}/report?format=json").json()[
        "patrols"]
    assert patrol["members"] == ["张三", "李四"]

    asked = accept_dialogs(view)
    page.goto(f"{field.server}/field/#/sign/{field.inspection}")
    page.wait_for_selector("#sign-button:not([disabled])")
    assert page.inner_text("#sign-share").endswith("%")
    page.click("#sign-button")
    page.wait_for_selector("#unsign-button")
    assert asked and "签" in asked[0]
    sides = {li.get_attribute("data-side"): li.inner_text()
             for li in page.query_selector_all(".signatures li")}
    assert "荷塘巡线员" in sides["430202"] and "未签字" in sides["430203"]
    shot(view, "field-signoff")
    signatures = field.api.get(f"/inspections/{field.inspection}").json()["signatures"]
    assert [s["side"] for s in signatures] == ["430202"]
    assert_clean(view, answered=(401,))


def test_offline_from_start_to_finish_then_synced_once(browser, field):
    walked = along(field.db_url, fractions(0.40, 45))
    view = phone(browser, walked[0])
    open_app(view, field)
    ready_offline(view)
    page = view.page
    view.context.set_offline(True)
    page.reload()
    page.wait_for_selector(".line-card")
    assert "离线" in page.inner_text("#net")
    shot(view, "field-lines-offline")

    start_patrol(view, field)
    walk(view, walked[:15])
    # Check 1: the nearest marker, damaged, measured where the phone is, with a photo.
    page.click("#live ~ .actions a[href^='#/check']")
    page.wait_for_selector("#check-form")
    marker = page.eval_on_selector("select[name=marker]", "s => s.value")
    page.select_option("select[name=condition]", "damaged")
    page.click("#use-position")
    add_photo(view, photo(seed=1))
    assert "距登记位置" in page.inner_text("#displacement")
    assert "修复" in page.inner_text("#action")
    shot(view, "field-check")
    page.click("#check-form button[type=submit]")
    page.wait_for_selector("#live")
    # Check 2: the phone stands at the next marker; intact there, no position to press.
    markers = page.evaluate("async () => (await idb.openDB('civgeo-field')).get('meta', 'bundle')"
                            ".then(b => b.inspections[0].markers)")
    here = walked[14]
    other = min((m for m in markers if m["no"] != marker),
                key=lambda m: (m["lon"] - here["lon"]) ** 2 + (m["lat"] - here["lat"]) ** 2)
    walk(view, towards(here, other))                     # on foot to the marker
    walk(view, [{"lon": other["lon"], "lat": other["lat"]}])
    page.click("#live ~ .actions a[href^='#/check']")
    page.select_option("select[name=marker]", other["no"])
    page.select_option("select[name=condition]", "intact")
    assert "无需另测位置" in page.inner_text("#derived")
    add_photo(view, photo(seed=2))
    page.click("#check-form button[type=submit]")
    page.wait_for_selector("#live")
    walk(view, towards(other, walked[15]) + walked[15:25])   # and back to the line
    # A hazard with a photo.
    page.click("#live ~ .actions a[href^='#/hazard']")
    page.select_option("select[name=kind]", "construction")
    page.fill("textarea[name=description]", "界线旁新修便道，挖掘距界桩约20米")
    page.click("#use-position")
    add_photo(view, photo(seed=3))
    page.click("#hazard-form button[type=submit]")
    page.wait_for_selector("#live")
    # The page is reloaded while offline: nothing is lost, the patrol goes on.
    kept = stored(view)
    page.clock.run_for(150_000)             # the app is closed for two and a half minutes
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.goto(f"{field.server}/field/#/patrol")
    page.wait_for_selector("#live")
    assert shown(view) >= kept               # every fix is still there (and new ones come)
    walk(view, walked[25:])
    end_patrol(view)
    page.wait_for_selector("#queue li")
    assert sorted(queue_states(view)) == ["pending"] * 4
    assert "本机待同步：4" in page.inner_text("#waiting")
    shot(view, "field-sync-pending")
    assert field.count("patrols") == field.count("marker_checks") == field.count("hazards") == 0

    view.context.set_offline(False)        # the app syncs by itself when the network is back
    synced(view, 4)
    assert queue_states(view) == ["synced"] * 4
    shot(view, "field-sync-done")
    counts = (field.count("patrols"), field.count("marker_checks"), field.count("hazards"),
              field.count("attachments"))
    assert counts == (1, 2, 1, 3)
    api = field.api
    report = api.get(f"/inspections/{field.inspection}/report?format=json").json()
    [patrol] = report["patrols"]
    assert [g["cause"] for g in patrol["gaps"]] == ["app_closed"]
    photos = api.get(f"/inspections/{field.inspection}").json()
    for p in page.evaluate("async () => (await (await idb.openDB('civgeo-field'))"
                           ".getAll('photos')).map(p => p.uuid)"):
        state = api.get(f"/attachments/{p}").json()
        assert state["complete"] is True
        image = Image.open(io.BytesIO(api.get(f"/attachments/{p}/content").content))
        assert max(image.size) == 2560                  # resized on the phone
    assert photos["marker_checks"] == 2

    # The same queue sent again (as if every answer had been lost): one record of each.
    page.evaluate("""async () => {
        const db = await idb.openDB('civgeo-field');
        for (const item of await db.getAll('queue')) {
          item.state = 'pending'; item.server_id = null; await db.put('queue', item);
        }
        for (const p of await db.getAll('photos')) {
          p.complete = false; p.received = 0; await db.put('photos', p);
        }}""")
    page.click("#sync-now")
    page.wait_for_function("[...document.querySelectorAll('#queue li')]"
                           ".every(li => li.dataset.state === 'synced')", timeout=60_000)
    assert (field.count("patrols"), field.count("marker_checks"), field.count("hazards"),
            field.count("attachments")) == counts
    assert_clean(view, answered=(401,))


def test_a_photo_upload_cut_off_resumes_from_what_the_server_has(browser, field):
    here = field.at(0.3)
    view = phone(browser, here)
    open_app(view, field)
    page = view.page
    puts: list[str] = []

    def attachments(route):
        request = route.request
        if request.method == "PUT":
            puts.append(request.headers.get("content-range", ""))
            if len(puts) == 3:                  # the connection dies on the third part
                route.abort("connectionreset")
                return
        route.continue_()

    page.route("**/attachments/*", attachments)
    page.goto(f"{field.server}/field/#/hazard/{field.inspection}")
    page.wait_for_selector("#hazard-form")
    page.fill("textarea[name=description]", "界桩旁采砂")
    page.select_option("select[name=kind]", "mining")
    page.click("#use-position")
    add_photo(view, photo(width=800, height=600, seed=5))       # the wrong one: taken back
    page.click(".thumb-box .remove")
    add_photo(view, photo(seed=4))
    assert page.locator("img.thumb").count() == 1
    page.click("#hazard-form button[type=submit]")
    page.wait_for_function("document.getElementById('notice').textContent.includes('同步中断')",
                           timeout=60_000)
    [p] = page.evaluate("async () => (await idb.openDB('civgeo-field')).getAll('photos')")
    state = field.api.get(f"/attachments/{p['uuid']}").json()
    assert state["complete"] is False and state["received"] == 2 * 262144
    assert p["size"] > 4 * 262144
    page.goto(f"{field.server}/field/#/sync")
    page.click("#sync-now")
    page.wait_for_selector("#queue li[data-state=synced]", timeout=60_000)
    assert puts[3].startswith(f"bytes {2 * 262144}-")   # resumed where the server was
    assert len(puts) == p["size"] // 262144 + 2           # every part once, plus the lost one
    state = field.api.get(f"/attachments/{p['uuid']}").json()
    assert state["complete"] is True
    data = field.api.get(f"/attachments/{p['uuid']}/content").content
    assert hashlib.sha256(data).hexdigest() == p["sha256"]
    view.errors[:] = [e for e in view.errors if "ERR_CONNECTION_RESET" not in e]
    assert_clean(view, answered=(401,))


def test_a_conflict_is_shown_and_never_retried_blindly(browser, field):
    here = field.at(0.2)
    view = phone(browser, here)
    open_app(view, field)
    page = view.page
    patches: list[str] = []
    page.on("request", lambda r: r.method == "PATCH" and patches.append(r.url))
    page.goto(f"{field.server}/field/#/check/{field.inspection}")
    page.wait_for_selector("#check-form")
    page.select_option("select[name=condition]", "damaged")
    page.click("#use-position")
    page.click("#check-form button[type=submit]")
    synced(view, 1)
    [uid] = page.eval_on_selector_all("#queue li", "els => els.map(e => e.dataset.uuid)")
    # Someone changes the check on the server in the meantime (version 1 → 2).
    edited = field.api.patch(f"/inspections/{field.inspection}/marker-checks/{uid}",
                             json={"version": 1, "note": "办公室核对后更正"})
    assert edited.status_code == 200 and edited.json()["version"] == 2
    page.goto(f"{field.server}/field/#/edit/{uid}")
    page.wait_for_selector("#edit-form")
    page.select_option("#edit-form select[name=condition]", "displaced")
    page.fill("#edit-form textarea[name=note]", "现场复核：界桩移位")
    page.click("#edit-form button[type=submit]")
    page.wait_for_selector("#queue li[data-state=conflict]", timeout=30_000)
    conflict = page.inner_text("#queue li[data-state=conflict]")
    assert "冲突" in conflict and "办公室核对后更正" in conflict
    shot(view, "field-conflict")
    page.click("#sync-now")
    page.wait_for_selector("body[data-syncing=false]")
    assert len(patches) == 1                            # not sent again by itself
    assert queue_states(view).count("conflict") == 1
    page.click("#queue li[data-state=conflict] button.primary")   # 应用我的修改
    page.wait_for_function("document.getElementById('waiting')?.textContent.endsWith('：0')",
                           timeout=30_000)
    assert len(patches) == 2
    assert queue_states(view) == ["synced", "synced"]
    check = field.api.get(f"/inspections/{field.inspection}/report?format=json").json()
    got = field.api.patch(f"/inspections/{field.inspection}/marker-checks/{uid}",
                          json={"version": 3, "note": "现场复核：界桩移位"})
    assert got.status_code == 200 and got.json()["condition"] == "displaced", check
    assert_clean(view, answered=(401, 409))


def test_an_ended_session_keeps_the_queue(browser, field):
    here = field.at(0.25)
    view = phone(browser, here)
    open_app(view, field)
    page = view.page
    admin = field.api
    from tests.factories import committed_token
    token = committed_token(field.db_url, "admin", "联检管理员")
    revoked = admin.post("/users/荷塘巡线员/revoke", json={"sessions": True},
                         headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 200, revoked.text
    page.goto(f"{field.server}/field/#/hazard/{field.inspection}")
    page.wait_for_selector("#hazard-form")
    page.fill("textarea[name=description]", "界线附近有新建围墙")
    page.click("#use-position")
    page.click("#hazard-form button[type=submit]")
    page.wait_for_function("document.getElementById('notice').textContent.includes('登录已失效')",
                           timeout=30_000)
    page.goto(f"{field.server}/field/#/sync")
    page.wait_for_selector("#queue li")
    assert queue_states(view) == ["pending"]
    assert field.count("hazards") == 0
    page.click("#view a.button")                        # 登录, and back to the app
    page.fill("input[name=name]", "荷塘巡线员")
    page.fill("input[name=password]", "field-pass-1234")
    page.click("form.signin button[type=submit]")
    page.wait_for_url("**/field/**")
    synced(view, 1)
    assert field.count("hazards") == 1
    assert_clean(view, answered=(401,))


def test_ten_minutes_without_position_is_a_gap_not_a_straight_line(browser, field):
    first = fractions(0.60, 20)
    jump = 1000 / field.line_m                          # the phone comes back 1 km further on
    second = fractions(first[-1] + jump, 20)
    before, after = along(field.db_url, first), along(field.db_url, second)
    view = phone(browser, before[0])
    open_app(view, field)
    page = view.page
    start_patrol(view, field)
    walk(view, before)
    page.clock.run_for(10 * 60 * 1000)                  # no fix for ten minutes
    walk(view, after)
    live = page.inner_text("#live")
    assert f"{stored(view)} 个轨迹点" in live and "1 处中断" in live
    dashed = page.locator(".leaflet-overlay-pane path[stroke-dasharray]")
    assert dashed.count() == 1
    assert "中断 10 分钟" in page.inner_text(".gap-label")
    shot(view, "field-gap")
    end_patrol(view)
    synced(view, 1)
    got = field.api.get(f"/inspections/{field.inspection}").json()["patrolled"]
    walked_m = 2 * 19 * FRACTION_STEP * field.line_m
    tolerance = 50
    # Each walked stretch counts with the tolerance at its ends; the kilometre between them
    # does not.
    assert abs(got["patrolled_m"] - (walked_m + 4 * tolerance)) < 60
    report = field.api.get(f"/inspections/{field.inspection}/report?format=json").json()
    [gap] = report["patrols"][0]["gaps"]
    assert 10 * 60 < gap["seconds"] <= 10 * 60 + 2 * STEP_S
    assert 900 < gap["metres"] < 1100 and gap["cause"] == "no_fix"
    assert_clean(view, answered=(401,))


def test_a_gpx_from_a_tracker_app_is_imported_and_synced_once(browser, field):
    """For an all-day patrol with the screen off: the GPX of a dedicated tracker app, picked
    on the phone, goes through the same queue and the same server cleaning; picked twice by
    mistake, it is still one patrol."""
    conn = connect(field.db_url)
    try:
        gpx = sample_gpx(conn, "荷芦线", km=2).encode()
    finally:
        conn.close()
    view = phone(browser, field.at(0.0))
    open_app(view, field)
    page = view.page
    for _ in range(2):
        page.goto(f"{field.server}/field/#/patrol/{field.inspection}")
        page.wait_for_selector("#start-form")
        page.fill("input[name=members]", "王五")
        page.set_input_files("input[name=gpx]", files=[{
            "name": "track.gpx", "mimeType": "application/gpx+xml", "buffer": gpx}])
        page.wait_for_url("**#/sync")
    synced(view, 2)
    answers = page.evaluate("async () => (await (await idb.openDB('civgeo-field'))"
                            ".getAll('queue')).map(i => i.server_id)")
    assert len(answers) == 2 and answers[0] == answers[1]      # the first patrol, twice
    assert field.count("patrols") == 1
    got = field.api.get(f"/inspections/{field.inspection}").json()["patrolled"]
    assert 2000 / field.line_m < got["share"] < 2300 / field.line_m
    assert_clean(view, answered=(401,))


def test_a_record_refused_because_a_side_has_signed_can_be_discarded(browser, field):
    """Once a side has signed, the line says so, a record sent anyway is refused with the
    reason in words (not as a content conflict), and the team can discard it; nothing is
    removed from the phone without being asked."""
    view = phone(browser, field.at(0.5))
    open_app(view, field)
    page = view.page
    assert field.api.post(f"/inspections/{field.inspection}/sign").status_code == 200
    page.goto(f"{field.server}/field/#/hazard/{field.inspection}")
    page.wait_for_selector("#hazard-form")
    page.fill("textarea[name=description]", "界桩附近新建鱼塘")
    page.click("#use-position")
    page.click("#hazard-form button[type=submit]")
    page.wait_for_url("**#/records")
    page.goto(f"{field.server}/field/#/sync")
    page.wait_for_selector("#queue li[data-state=conflict]", timeout=30_000)
    row = page.inner_text("#queue li[data-state=conflict]")
    assert "荷塘区已在此次联检上签字" in row and "另存为新记录" not in row
    page.goto(f"{field.server}/field/#/lines")
    assert "荷塘区已签字" in page.inner_text(".line-card [data-signed]")
    page.goto(f"{field.server}/field/#/sync")
    asked = accept_dialogs(view)
    page.click("#queue li[data-state=conflict] button:has-text('放弃此记录')")
    page.wait_for_function("!document.querySelector('#queue li')")
    assert asked and "放弃" in asked[0]
    assert field.count("hazards") == 0
    assert page.evaluate("async () => (await (await idb.openDB('civgeo-field')).getAll('queue'))"
                         ".map(i => i.state)") == ["dropped"]          # kept, set aside
    assert_clean(view, answered=(401, 409))
