"""Gaps in patrol tracks over HTTP (issue 16), on the sample's 株衡线: every patrol answer
and the inspection carry the gap-aware patrolled share, the same GPX under a second UUID is
one patrol, and the joint report lists the gaps (Beijing time, causes in Chinese)."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from shapely.geometry import shape

from fixtures.boundaries import sample_gpx
from geo.boundaries import tracks
from geo.db import connect
from tests.factories import committed_inspector


@pytest.fixture
def ins(app, sample, db_url):
    """An inspection of 株衡线 and an inspector of each side's team."""
    zz = committed_inspector(db_url, "株洲巡线员", "株洲市联检工作组")
    hy = committed_inspector(db_url, "衡阳巡线员", "衡阳市联检工作组")
    r = app.post("/inspections", json={"line": "株衡线", "year": 2026, "kind": "ad_hoc",
                                       "reason": "汛后检查", "lead_code": "430200",
                                       "lead_team": "株洲市联检工作组",
                                       "support_team": "衡阳市联检工作组"}, headers=zz)
    assert r.status_code == 201, r.text
    return r.json()["id"], zz, hy


def _gpx(db_url, km: float = 2) -> bytes:
    conn = connect(db_url)
    try:
        return sample_gpx(conn, "株衡线", km=km).encode()
    finally:
        conn.close()


def _post_gpx(app, ins_id: int, body: bytes, headers: dict, uid: str | None = None):
    return app.post(f"/inspections/{ins_id}/patrols", params={"uuid": uid or str(uuid.uuid4())},
                    content=body, headers={**headers, "Content-Type": "application/gpx+xml"})


def test_answers_and_the_inspection_carry_the_gap_aware_share(app, db_url, ins):
    ins_id, zz, hy = ins
    made = _post_gpx(app, ins_id, _gpx(db_url), zz)
    assert made.status_code == 201, made.text
    body = made.json()
    mine = body["patrolled"]
    assert set(mine) == {"share", "patrolled_m", "line_length_m", "gaps"}
    [pause] = mine["gaps"]                    # the sample walk pauses for 10 minutes
    assert pause["cause"] == "time" and pause["seconds"] == pytest.approx(605)
    assert set(pause) == {"start", "end", "seconds", "metres", "cause"}
    assert 0 < mine["share"] < 0.05 and mine["line_length_m"] > 100_000
    assert mine["patrolled_m"] == pytest.approx(mine["share"] * mine["line_length_m"], abs=0.01)
    assert body["inspection_patrolled"] == {
        "share": mine["share"], "patrolled_m": mine["patrolled_m"],
        "line_length_m": mine["line_length_m"], "patrols": 1, "gaps": 1}
    got = app.get(f"/inspections/{ins_id}", headers=hy).json()
    assert got["patrolled"] == body["inspection_patrolled"]
    assert got["patrols"] == 1
    report = app.get(f"/inspections/{ins_id}/report", params={"format": "json"},
                     headers=hy).json()
    assert report["completion"]["patrolled_share"] == mine["share"]
    assert report["patrols"][0]["gaps"] == mine["gaps"]


def test_the_same_gpx_under_two_uuids_is_one_patrol(app, db_url, ins):
    ins_id, zz, hy = ins
    gpx = _gpx(db_url)
    first = _post_gpx(app, ins_id, gpx, zz)
    assert first.status_code == 201
    second = _post_gpx(app, ins_id, gpx, hy)
    assert second.status_code == 200, second.text
    one, two = first.json(), second.json()
    assert (two["uuid"], two["id"]) == (one["uuid"], one["id"])
    assert two["duplicate"] is True and two["same_track_as"] == one["uuid"]
    assert two["patrolled"] == one["patrolled"]
    assert two["inspection_patrolled"]["patrols"] == 1
    assert app.get(f"/inspections/{ins_id}", headers=zz).json()["patrols"] == 1
    # With a marker check the record would lose it: refused, naming the first patrol.
    marker = app.get("/boundaries/markers", params={"line": app.get(
        f"/inspections/{ins_id}", headers=zz).json()["line_id"]}, headers=zz).json()
    m = marker["features"][0]["properties"]
    record = {"uuid": str(uuid.uuid4()), "track": {"format": "gpx", "data": gpx.decode()},
              "marker_checks": [{"uuid": str(uuid.uuid4()), "marker": m["marker_no"],
                                 "condition": "intact", "lon": m["lon"], "lat": m["lat"],
                                 "checked_at": "2026-10-12T10:00:00+08:00"}]}
    refused = app.post(f"/inspections/{ins_id}/patrols", json=record, headers=zz)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["field"] == "track" and one["uuid"] in refused.json()["detail"]
    assert refused.json()["same_track_as"] == one["uuid"]
    got = app.get(f"/inspections/{ins_id}", headers=zz).json()
    assert (got["patrols"], got["marker_checks"]) == (1, 0)


def _app_record(db_url) -> tuple[dict, dict]:
    """The sample walk as the field app sends it: two parts, the screen off for five
    minutes between them (60 fixes, 360 m of the line, never recorded), and the gap it
    declares; later in the second part the sample's own 10-minute pause."""
    walk = tracks.parse(_gpx(db_url, km=3))
    cut, resume = 40, 100
    parts = [(0, cut), (resume, len(walk))]
    coords = [[[float(walk.lon[i]), float(walk.lat[i])] for i in range(a, b)] for a, b in parts]
    times = [[tracks.iso(walk.t[i]) for i in range(a, b)] for a, b in parts]
    gap = {"start": tracks.iso(walk.t[cut - 1] + 4), "end": tracks.iso(walk.t[resume] - 3),
           "cause": "screen_off"}
    record = {"uuid": str(uuid.uuid4()), "members": ["王五"], "gaps": [gap], "track": {
        "format": "geojson", "data": {
            "type": "Feature", "geometry": {"type": "MultiLineString", "coordinates": coords},
            "properties": {"coordTimes": times}}}}
    return record, {"start": tracks.iso(walk.t[cut - 1]), "end": tracks.iso(walk.t[resume])}


def _beijing(iso: str) -> str:
    moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")


def test_the_app_record_and_the_report_list_the_gaps(app, db_url, ins):
    ins_id, zz, hy = ins
    record, around = _app_record(db_url)
    made = app.post(f"/inspections/{ins_id}/patrols", json=record, headers=zz)
    assert made.status_code == 201, made.text
    gaps = made.json()["patrolled"]["gaps"]
    assert [g["cause"] for g in gaps] == ["screen_off", "time"]
    assert (gaps[0]["start"], gaps[0]["end"]) == (around["start"], around["end"])
    assert gaps[0]["seconds"] == pytest.approx(305)
    assert gaps[0]["metres"] == pytest.approx(366, abs=15)    # 61 steps of 6 m, noisy
    report = app.get(f"/inspections/{ins_id}/report", params={"format": "json"},
                     headers=hy).json()
    [patrol] = report["patrols"]
    assert patrol["gaps"] == gaps
    assert patrol["track"]["type"] == "MultiLineString"
    assert len(patrol["track"]["coordinates"]) == 3          # two gaps, three segments
    page = app.get(f"/inspections/{ins_id}/report", headers=hy).text
    assert "轨迹间断" in page and "熄屏 screen off" in page and "时间间断 time gap" in page
    assert _beijing(gaps[0]["start"]) in page and _beijing(gaps[0]["end"]) in page
    assert "5分05秒 (5 min 5 s)" in page and "10分05秒 (10 min 5 s)" in page
    assert page.count('class="gap"') == 2                    # dashed, across each gap
    # The straight piece across the screen-off gap is not in the share: the same fixes
    # joined by it would patrol the 360 m less the 50 m each end reaches, more.
    joined = tracks.Track(*np.array([c for part in patrol["track"]["coordinates"]
                                     for c in part]).T, None, "geojson")
    naive = tracks.patrolled_share(shape(report["line"]["geometry"]), [joined], 50)
    assert naive["patrolled_m"] - report["completion"]["patrolled_m"] == pytest.approx(
        gaps[0]["metres"] - 100, abs=30)


def test_bad_declared_gaps_over_http(app, db_url, ins):
    ins_id, zz, _hy = ins
    record, _around = _app_record(db_url)
    record["gaps"][0]["cause"] = "lunch"
    r = app.post(f"/inspections/{ins_id}/patrols", json=record, headers=zz)
    assert r.status_code == 422
    assert r.json()["field"].startswith("gaps") and "cause" in r.json()["field"]


def test_gis_clients_get_the_track_by_segment(app, db_url, ins):
    """The OGC layer of patrol tracks (QGIS, GDAL) draws no line across a gap either."""
    ins_id, zz, _hy = ins
    record, _around = _app_record(db_url)
    assert app.post(f"/inspections/{ins_id}/patrols", json=record, headers=zz).status_code == 201
    items = app.get("/ogc/collections/patrol_tracks/items",
                    params={"inspection_id": ins_id}, headers=zz).json()
    [feature] = [f for f in items["features"] if f["properties"]["inspection_id"] == ins_id]
    assert feature["geometry"]["type"] == "MultiLineString"
    assert len(feature["geometry"]["coordinates"]) == 3      # two gaps, three segments
    assert feature["properties"]["gaps"] == 2
    layer = app.get("/ogc/collections/patrol_tracks", headers=zz).json()
    assert "gap" in layer["description"]
