"""Patrol sync rules on a drawn boundary: idempotent by UUID, 409 on changed content or a
stale version, resumable photos checked by hash, teams, frozen after both signatures."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from geo.boundaries import attachments, inspections, patrols
from geo.db import execute, fetch_value
from geo.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.geo.boundaries import drawn

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@pytest.fixture
def d(conn):
    return drawn.build(conn)


def _walk(d, labels="1234"):
    return drawn.gpx([d.grid[k] for k in labels for _ in range(1)])


def _patrol(d, uid=None, **extra):
    return {"uuid": uid or str(uuid.uuid4()), "members": ["王五", "赵六"],
            "track": {"format": "gpx", "data": _walk(d).decode()}, **extra}


def _count(conn, table):
    return fetch_value(conn, f"SELECT count(*) FROM {table}")


def _savepoint(conn, fn):
    """Run ``fn`` and roll back to before it when it raises (as the API's transaction does)."""
    execute(conn, "SAVEPOINT attempt")
    try:
        return fn()
    except Exception:
        execute(conn, "ROLLBACK TO SAVEPOINT attempt")
        raise


def test_the_same_patrol_five_times_is_one_patrol(conn, d):
    record = _patrol(d)
    first = patrols.submit_patrol(conn, d.west, d.inspection["id"], record)
    again = [patrols.submit_patrol(conn, d.west, d.inspection["id"], dict(record))
             for _ in range(5)]
    assert first["duplicate"] is False and all(a["duplicate"] for a in again)
    assert {a["uuid"] for a in again} == {first["uuid"]}
    assert _count(conn, "patrols") == 1
    assert first["side_code"] == drawn.WEST and first["raw_points"] == 4
    assert inspections.get(conn, d.inspection["id"])["status"] == "in_progress"


def test_a_raw_gpx_upload_is_idempotent_too(conn, d):
    body = _walk(d)
    uid = str(uuid.uuid4())
    one = patrols.submit_patrol(conn, d.east, d.inspection["id"], {"uuid": uid}, track_bytes=body)
    two = patrols.submit_patrol(conn, d.east, d.inspection["id"], {"uuid": uid}, track_bytes=body)
    assert (one["duplicate"], two["duplicate"]) == (False, True)
    with pytest.raises(Conflict):
        patrols.submit_patrol(conn, d.east, d.inspection["id"], {"uuid": uid},
                              track_bytes=_walk(d, "123"))


def test_same_uuid_other_content_is_a_conflict(conn, d):
    record = _patrol(d)
    patrols.submit_patrol(conn, d.west, d.inspection["id"], record)
    with pytest.raises(Conflict) as e:
        patrols.submit_patrol(conn, d.west, d.inspection["id"], {**record, "notes": "changed"})
    assert e.value.field == "uuid" and "different content" in e.value.detail
    assert _count(conn, "patrols") == 1


def test_a_bad_part_leaves_nothing_behind(conn, d):
    record = _patrol(d, marker_checks=[
        {"uuid": str(uuid.uuid4()), "marker": d.markers[0]["marker_no"], "condition": "intact",
         "lon": d.markers[0]["lon"], "lat": d.markers[0]["lat"],
         "checked_at": "2026-10-01T10:00:00+08:00"},
        {"uuid": str(uuid.uuid4()), "marker": "nope", "condition": "intact", "lon": 108,
         "lat": 48, "checked_at": "2026-10-01T10:00:00+08:00"}])
    with pytest.raises(InvalidInput) as e:
        _savepoint(conn, lambda: patrols.submit_patrol(conn, d.west, d.inspection["id"], record))
    assert e.value.field == "marker_checks[1].marker"
    assert (_count(conn, "patrols"), _count(conn, "marker_checks")) == (0, 0)


@pytest.mark.parametrize(("data", "words"), [
    (b"<gpx><trk><trkseg><trkpt lat='48' lon='108'>", "XML"),
    (b'<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
     b"</gpx>", "no points"),
])
def test_broken_tracks_are_refused(conn, d, data, words):
    with pytest.raises(InvalidInput) as e:
        patrols.submit_patrol(conn, d.west, d.inspection["id"], {"uuid": str(uuid.uuid4())},
                              track_bytes=data, track_format="gpx")
    assert e.value.field == "track" and words.lower() in e.value.detail.lower()


def test_times_out_of_order_are_refused(conn, d):
    good = drawn.gpx([d.grid["1"], d.grid["2"]]).decode()
    swapped = good.replace("02:00:00Z", "02:09:59Z", 1)
    with pytest.raises(InvalidInput) as e:
        patrols.submit_patrol(conn, d.west, d.inspection["id"], {"uuid": str(uuid.uuid4())},
                              track_bytes=swapped.encode(), track_format="gpx")
    assert e.value.field == "track" and "order" in e.value.detail


def test_marker_checks_measure_displacement_and_say_what_to_do(conn, d):
    m = d.markers[1]
    moved = patrols.submit_check(conn, d.east, d.inspection["id"], {
        "uuid": str(uuid.uuid4()), "marker": m["marker_no"], "condition": "displaced",
        "lon": m["lon"] + 12 / (111_320 * 0.6691), "lat": m["lat"],   # 12 m east at 48°N
        "checked_at": "2026-10-01T10:00:00+08:00"})
    assert moved["displacement_m"] == pytest.approx(12, abs=0.2)
    assert "restore it jointly to the registered position" in moved["action"]
    lost = patrols.submit_check(conn, d.east, d.inspection["id"], {
        "uuid": str(uuid.uuid4()), "marker": d.markers[2]["marker_no"], "condition": "lost",
        "checked_at": "2026-10-01T11:00:00+08:00"})
    assert lost["displacement_m"] is None and "re-erects" in lost["action"]
    assert fetch_value(conn, "SELECT condition FROM boundary_markers WHERE id = %s",
                       (d.markers[2]["id"],)) == "lost"
    intact = patrols.submit_check(conn, d.east, d.inspection["id"], {
        "uuid": str(uuid.uuid4()), "marker": d.markers[0]["marker_no"], "condition": "intact",
        "lon": m["lon"], "lat": d.markers[0]["lat"] + 3 / 111_200,
        "checked_at": "2026-10-01T09:00:00+08:00"})
    assert intact["warnings"] and "record the marker as displaced" in \
        intact["warnings"][0]["message"]


@pytest.mark.parametrize(("where", "field_name"), [
    ({"lon": 200, "lat": 48}, "lon"), ({"lon": 108, "lat": -95}, "lon"),
    ({"lon": 109.0, "lat": 48.0}, "lon")])     # the last is 70 km away: a typing error
def test_impossible_marker_positions(conn, d, where, field_name):
    with pytest.raises(InvalidInput) as e:
        patrols.submit_check(conn, d.west, d.inspection["id"], {
            "uuid": str(uuid.uuid4()), "marker": d.markers[0]["marker_no"],
            "condition": "intact", "checked_at": "2026-10-01T10:00:00+08:00", **where})
    assert e.value.field == field_name


def test_a_stale_edit_gets_both_versions(conn, d):
    h = patrols.submit_hazard(conn, d.west, d.inspection["id"], {
        "uuid": str(uuid.uuid4()), "kind": "construction", "description": "修路跨越界线",
        "lon": d.grid["3"][0], "lat": d.grid["3"][1], "reported_at": "2026-10-01T10:00:00Z"})
    first = patrols.follow_up(conn, d.east, d.inspection["id"], h["uuid"],
                              {"version": 1, "status": "in_progress", "note": "已联系施工方"})
    assert first["version"] == 2 and first["follow_up"][0]["note"] == "已联系施工方"
    with pytest.raises(Conflict) as e:
        patrols.follow_up(conn, d.west, d.inspection["id"], h["uuid"],
                          {"version": 1, "status": "closed", "note": "已恢复"})
    assert e.value.extra["current"]["version"] == 2
    assert e.value.extra["yours"]["note"] == "已恢复"
    closed = patrols.follow_up(conn, d.west, d.inspection["id"], h["uuid"],
                               {"version": 2, "status": "closed", "note": "已恢复"})
    assert closed["status"] == "closed" and closed["closed_at"] is not None


def _with_photo(conn, d, data: bytes, size: int | None = None):
    pid = str(uuid.uuid4())
    patrols.submit_check(conn, d.west, d.inspection["id"], {
        "uuid": str(uuid.uuid4()), "marker": d.markers[0]["marker_no"], "condition": "intact",
        "lon": d.markers[0]["lon"], "lat": d.markers[0]["lat"],
        "checked_at": "2026-10-01T10:00:00+08:00",
        "photos": [{"uuid": pid, "sha256": hashlib.sha256(data).hexdigest(),
                    "size": size or len(data), "media_type": "image/png"}]})
    return pid


def test_photos_upload_in_parts_and_resume(conn, d):
    pid = _with_photo(conn, d, PNG)
    half = len(PNG) // 2
    part = attachments.upload(conn, d.west, pid, PNG[:half], offset=0, total=len(PNG))
    assert part.attachment["received"] == half and not part.attachment["complete"]
    with pytest.raises(Conflict) as e:                      # a lost response: resend later
        attachments.upload(conn, d.west, pid, PNG[half + 10:], offset=half + 10, total=len(PNG))
    assert e.value.extra["received"] == half
    done = attachments.upload(conn, d.west, pid, PNG[half:], offset=half, total=len(PNG))
    assert done.attachment["complete"] and done.attachment["received"] == len(PNG)
    again = attachments.upload(conn, d.west, pid, PNG, offset=0)
    assert again.duplicate is True
    with pytest.raises(Conflict):
        attachments.upload(conn, d.west, pid, b"x" * len(PNG), offset=0)
    assert attachments.photo(conn, d.east, pid)[0] == PNG


def test_photos_must_match_their_hash_and_be_images(conn, d):
    # A rejected upload is reset to offset 0 and answered with ``rejected`` (the caller
    # keeps the reset and refuses the upload), so the client can start again.
    pid = _with_photo(conn, d, PNG)
    bad = attachments.upload(conn, d.west, pid, PNG[:-1] + b"\0")
    assert bad.rejected.field == "sha256" and bad.attachment["received"] == 0
    assert attachments.upload(conn, d.west, pid, PNG).attachment["complete"] is True
    text = b"not a picture at all" * 20
    tid = _with_photo(conn, d, text)
    rejected = attachments.upload(conn, d.west, tid, text).rejected
    assert rejected.field == "media_type" and "not a JPEG" in rejected.detail
    with pytest.raises(InvalidInput) as e:
        _with_photo(conn, d, PNG, size=50 * 1024 * 1024)
    assert e.value.field.endswith("photos[0].size")


@pytest.mark.parametrize(("extra", "field_name"), [
    ({"marker_checks": ["x"]}, "item[0]"), ({"hazards": [1]}, "item[0]"),
    ({"photos": 5}, "photos"), ({"members": 5}, "members"), ({"notes": {}}, "notes")])
def test_malformed_parts_are_refused(conn, d, extra, field_name):
    with pytest.raises(InvalidInput) as e:
        patrols.submit_patrol(conn, d.west, d.inspection["id"], _patrol(d, **extra))
    assert e.value.field == field_name


def test_a_uuid_from_another_inspection_is_a_conflict(conn, d):
    record = _patrol(d)
    patrols.submit_patrol(conn, d.west, d.inspection["id"], record)
    other = inspections.create(conn, drawn.TEST_ACTOR, d.line["id"], 2026, kind="ad_hoc",
                               reason="汛后", lead_team="西县联检组", support_team="东县联检组")
    with pytest.raises(Conflict) as e:
        patrols.submit_patrol(conn, d.west, other["id"], record)
    assert "another inspection" in e.value.detail


def test_only_the_teams_of_the_line_write_and_see(conn, d):
    with pytest.raises(Forbidden):
        patrols.submit_patrol(conn, d.outsider, d.inspection["id"], _patrol(d))
    with pytest.raises(NotFound):
        inspections.get(conn, d.inspection["id"], d.outsider)
    assert inspections.list_for(conn, d.outsider) == []
    assert [i["id"] for i in inspections.list_for(conn, d.west)] == [d.inspection["id"]]


def test_both_sides_sign_then_it_is_frozen(conn, d):
    record = _patrol(d)
    patrols.submit_patrol(conn, d.west, d.inspection["id"], record)
    half = inspections.sign(conn, d.west, d.inspection["id"])
    assert half["status"] == "in_progress" and [s["side"] for s in half["signatures"]] == [
        drawn.WEST]
    with pytest.raises(Conflict) as e:          # what one side signed cannot change
        patrols.submit_patrol(conn, d.east, d.inspection["id"], _patrol(d))
    assert "withdraw its signature" in e.value.detail
    inspections.unsign(conn, d.west, d.inspection["id"])
    patrols.submit_patrol(conn, d.east, d.inspection["id"], _patrol(d))
    inspections.sign(conn, d.west, d.inspection["id"])
    both = inspections.sign(conn, d.east, d.inspection["id"])
    assert both["status"] == "signed" and len(both["signatures"]) == 2
    with pytest.raises(Conflict) as e:
        patrols.submit_patrol(conn, d.west, d.inspection["id"], _patrol(d))
    assert "frozen" in e.value.detail
    # A resubmission whose answer was lost still answers as a success after freezing.
    assert patrols.submit_patrol(conn, d.west, d.inspection["id"], record)["duplicate"] is True
    with pytest.raises(Forbidden):
        inspections.sign(conn, d.outsider, d.inspection["id"])
    with pytest.raises(Conflict):
        inspections.unsign(conn, d.west, d.inspection["id"])
