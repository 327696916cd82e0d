"""Gaps in stored patrols (issue 16): the gap-aware patrolled share on a real sample line,
the gaps a field app declares, the same track under another UUID, and the gaps of patrols
stored before gaps were kept (migration 0017)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

from geo.boundaries import inspections, lines, patrols, tracks
from geo.boundaries import report as reports
from geo.boundaries.settings import defaults
from geo.crs import local_projection, to_metres
from geo.db import connect, execute, fetch_one, fetch_value, transaction
from geo.errors import Conflict, InvalidInput
from geo.migrate import MIGRATIONS
from tests.factories import TEST_ACTOR
from tests.geo.boundaries import drawn
from tests.geo.boundaries.test_concurrent_retries import TIMES, _all_at_once

T0 = dt.datetime(2026, 10, 12, 1, 30, tzinfo=dt.UTC).timestamp()
SPEED, EVERY = 1.2, 5.0            # a fix every 5 s at 1.2 m/s: every 6 m


def gpx(parts: list[list[tuple[float, float, float]]]) -> bytes:
    """A GPX file with one trkseg per part of (lon, lat, epoch seconds) fixes."""
    segs = "".join("<trkseg>" + "".join(
        f'<trkpt lat="{lat:.8f}" lon="{lon:.8f}"><time>{tracks.iso(t)}</time></trkpt>'
        for lon, lat, t in part) + "</trkseg>" for part in parts)
    return ('<?xml version="1.0"?><gpx version="1.1" creator="test" '
            f'xmlns="http://www.topografix.com/GPX/1/1"><trk>{segs}</trk></gpx>').encode()


def app_record(parts, gaps=None, **extra) -> dict:
    """A patrol as the field app sends it: a MultiLineString part per recorded segment,
    times nested per part, and the gaps it knows of."""
    record = {"uuid": str(uuid.uuid4()), "members": ["王五"], "track": {
        "format": "geojson", "data": {
            "type": "Feature",
            "geometry": {"type": "MultiLineString",
                         "coordinates": [[[lon, lat] for lon, lat, _t in p] for p in parts]},
            "properties": {"coordTimes": [[tracks.iso(t) for _x, _y, t in p]
                                          for p in parts]}}}, **extra}
    if gaps is not None:
        record["gaps"] = gaps
    return record


# ------------------------------------------------------------------ the held-out style case

def _straightest(metric: LineString, start: float, stop: float, span: float) -> float:
    """Where along ``metric`` the stretch of ``span`` metres lies nearest its chord."""
    best = None
    for a in np.arange(start, stop - span, 30.0):
        chord = LineString([metric.interpolate(a), metric.interpolate(a + span)])
        worst = max(chord.distance(metric.interpolate(s))
                    for s in np.arange(a, a + span, 10.0))
        if best is None or worst < best[0]:
            best = (worst, float(a))
    return best[1]


def test_a_28_minute_gap_on_the_sample_line_is_not_patrolled(conn, sample):
    # 荷芦线 (about 17 km) walked over its first 90 %, a fix every 5 s, except for 28
    # minutes in which 1,992 m of it went by with no fix (the screen was off, say).
    line = lines.get_line(conn, "荷芦线")
    ins = inspections.create(conn, TEST_ACTOR, line["id"], 2026, kind="ad_hoc",
                             reason="汛后检查", lead_code=line["left_code"],
                             lead_team="荷塘区联检工作组", support_team="芦淞区联检工作组")
    geom = shapely.from_geojson(json.dumps(line["geometry"]))
    [part] = getattr(geom, "geoms", [geom])
    tr = local_projection(part.centroid.x, part.centroid.y)
    metric = to_metres(tr, part)
    stop = 0.9 * metric.length
    step = SPEED * EVERY
    gap_from = round(_straightest(metric, 1000, stop - 1000, 1992) / step) * step
    gap_to = gap_from + 1992                            # 332 steps of 6 m: on a fix
    along = np.arange(0, stop, step)
    along = along[(along <= gap_from + 1e-6) | (along >= gap_to - 1e-6)]
    late = 1680 - (gap_to - gap_from) / SPEED            # the silence lasts 28 minutes
    times = T0 + along / SPEED + np.where(along > gap_from + 1, late, 0.0)
    xy = np.array([metric.interpolate(s).coords[0] for s in along])
    lon, lat = tr.transform(xy[:, 0], xy[:, 1], direction="INVERSE")
    body = gpx([list(zip(lon, lat, times, strict=True))])

    answer = patrols.submit_patrol(conn, TEST_ACTOR, ins["id"],
                                   {"uuid": str(uuid.uuid4())}, track_bytes=body)

    [gap] = answer["patrolled"]["gaps"]
    assert gap["cause"] == "time" and gap["seconds"] == pytest.approx(1680, abs=0.01)
    chord = Point(metric.interpolate(gap_from)).distance(metric.interpolate(gap_to))
    assert gap["metres"] == pytest.approx(chord, abs=1)
    assert gap["start"] == tracks.iso(T0 + gap_from / SPEED)
    # The share as it was counted before: the same cleaned fixes joined by straight pieces.
    report = reports.inspection_report(conn, ins["id"])
    [stored] = report.patrols
    assert stored["track"]["type"] == "MultiLineString"
    joined = tracks.Track(*np.array([c for p in stored["track"]["coordinates"] for c in p]).T,
                          None, "gpx")
    tol = float(defaults()["patrol_tolerance_m"])
    naive = tracks.patrolled_share(geom, [joined], tol)
    # The straight piece across the gap ran along a straight stretch of the line, so it
    # covered all 1,992 m; without it, only the 50 m each end reaches are covered.
    missing = (gap_to - gap_from) - 2 * tol
    ours = answer["patrolled"]
    assert naive["patrolled_m"] - ours["patrolled_m"] == pytest.approx(missing, abs=15)
    assert naive["share"] - ours["share"] == pytest.approx(missing / naive["line_length_m"],
                                                           abs=15 / naive["line_length_m"])
    assert naive["share"] == pytest.approx(0.9 + tol / naive["line_length_m"], abs=0.002)
    # One computation: the report, the inspection and the patrol's answer agree.
    assert report.completion["patrolled_share"] == ours["share"]
    assert answer["inspection_patrolled"] == {
        "share": ours["share"], "patrolled_m": ours["patrolled_m"],
        "line_length_m": ours["line_length_m"], "patrols": 1, "gaps": 1}
    assert inspections.get_with_share(conn, ins["id"])["patrolled"] == \
        answer["inspection_patrolled"]


# ------------------------------------------------------------------ on the drawn boundary

@pytest.fixture
def d(conn):
    return drawn.build(conn)


def _along(d, start_m: float, stop_m: float, t0: float) -> list[tuple[float, float, float]]:
    """Fixes every 6 m (5 s) down the drawn line from b towards e, from ``start_m``."""
    b, e = d.grid["b"], d.grid["e"]
    tr = local_projection(*b)
    (bx, by), (ex, ey) = (tr.transform(*p) for p in (b, e))
    out = []
    for s in np.arange(start_m, stop_m + 1e-6, 6.0):
        f = s / np.hypot(ex - bx, ey - by)
        lon, lat = tr.transform(bx + f * (ex - bx), by + f * (ey - by), direction="INVERSE")
        out.append((float(lon), float(lat), t0 + (s - start_m) / 1.2))
    return out


def test_declared_gaps_are_stored_with_their_causes(conn, d):
    first = _along(d, 0, 200, T0)
    second = _along(d, 400, 560, first[-1][2] + 600)
    lone = [(*_along(d, 650, 650, 0)[0][:2], second[-1][2] + 300)]   # then the app died
    record = app_record([first, second, lone], gaps=[
        {"start": tracks.iso(first[-1][2] + 3), "end": tracks.iso(second[0][2] - 2),
         "cause": "screen_off"},
        {"start": "2026-10-13T08:00:00+08:00", "end": "2026-10-13T09:00:00+08:00",
         "cause": "other"}])
    answer = patrols.submit_patrol(conn, d.west, d.inspection["id"], record)
    gaps = answer["patrolled"]["gaps"]
    assert [g["cause"] for g in gaps] == ["screen_off", "segment"]
    assert gaps[0]["start"] == tracks.iso(first[-1][2])
    assert gaps[0]["end"] == tracks.iso(second[0][2])
    assert gaps[0]["seconds"] == pytest.approx(600)
    assert gaps[0]["metres"] == pytest.approx(400 - 198, abs=1)     # fixes every 6 m
    assert [w["code"] for w in answer["warnings"]] == ["gap_outside_track"]
    row = fetch_one(conn, "SELECT gaps, track_breaks, track_sha256 FROM patrols WHERE uuid = %s",
                    (answer["uuid"],))
    assert row["gaps"] == gaps
    assert row["track_breaks"] == [len(first), len(first) + len(second)]
    assert len(row["track_sha256"]) == 64
    report = reports.inspection_report(conn, d.inspection["id"])
    [p] = report.patrols
    assert p["gaps"] == gaps
    parts = p["track"]["coordinates"]
    assert [len(x) for x in parts] == [len(first), len(second), 2]
    assert parts[2][0] == parts[2][1]                    # the one-fix segment
    # Patrolled: 0–248 m (the first part to 198 m and the 50 m its end reaches), 350–608 m
    # and 600–700 m, the disc of the lone fix; not 248–350 m, where the screen was off.
    assert answer["patrolled"]["patrolled_m"] == pytest.approx(248 + 350, abs=2)


@pytest.mark.parametrize(("gap", "field"), [
    ({"start": "2026-10-12T09:00:00+08:00", "end": "2026-10-12T09:10:00+08:00",
      "cause": "lunch"}, "gaps[0].cause"),
    ({"start": "2026-10-12T09:10:00+08:00", "end": "2026-10-12T09:00:00+08:00",
      "cause": "paused"}, "gaps[0].end"),
    ({"start": "yesterday", "end": "2026-10-12T09:00:00+08:00", "cause": "paused"},
     "gaps[0].start"),
    ("09:00", "gaps[0]"),
])
def test_bad_declared_gaps_are_refused(conn, d, gap, field):
    record = app_record([_along(d, 0, 200, T0)], gaps=[gap])
    with pytest.raises(InvalidInput) as err:
        patrols.submit_patrol(conn, d.west, d.inspection["id"], record)
    assert err.value.field == field


def test_declared_gaps_need_times(conn, d):
    record = app_record([_along(d, 0, 200, T0)], gaps=[
        {"start": "2026-10-12T09:00:00+08:00", "end": "2026-10-12T09:10:00+08:00",
         "cause": "paused"}])
    del record["track"]["data"]["properties"]["coordTimes"]
    with pytest.raises(InvalidInput) as err:
        patrols.submit_patrol(conn, d.west, d.inspection["id"], record)
    assert err.value.field == "gaps"


def _count(conn, table: str) -> int:
    return fetch_value(conn, f"SELECT count(*) FROM {table}")


def test_the_same_track_under_another_uuid_is_the_first_patrol(conn, d):
    body = gpx([_along(d, 0, 300, T0)])
    first = patrols.submit_patrol(conn, d.west, d.inspection["id"],
                                  {"uuid": str(uuid.uuid4())}, track_bytes=body)
    again = patrols.submit_patrol(conn, d.west, d.inspection["id"],
                                  {"uuid": str(uuid.uuid4())}, track_bytes=body)
    assert (again["uuid"], again["id"]) == (first["uuid"], first["id"])
    assert again["duplicate"] is True and again["same_track_as"] == first["uuid"]
    assert again["patrolled"] == first["patrolled"]
    # The same points as a JSON record, from the other side's phone: the same track.
    record = {"uuid": str(uuid.uuid4()), "track": {"format": "gpx", "data": body.decode()}}
    third = patrols.submit_patrol(conn, d.east, d.inspection["id"], record)
    assert third["same_track_as"] == first["uuid"]
    assert _count(conn, "patrols") == 1
    # Its own UUID again: as before, the patrol it is, with no same_track_as.
    own = patrols.submit_patrol(conn, d.west, d.inspection["id"],
                                {"uuid": first["uuid"]}, track_bytes=body)
    assert own["duplicate"] is True and "same_track_as" not in own


def test_the_same_track_with_marker_checks_is_a_conflict(conn, d):
    body = gpx([_along(d, 0, 300, T0)])
    first = patrols.submit_patrol(conn, d.west, d.inspection["id"],
                                  {"uuid": str(uuid.uuid4())}, track_bytes=body)
    m = d.markers[0]
    record = {"uuid": str(uuid.uuid4()), "track": {"format": "gpx", "data": body.decode()},
              "marker_checks": [{"uuid": str(uuid.uuid4()), "marker": m["marker_no"],
                                 "condition": "intact", "lon": m["lon"], "lat": m["lat"],
                                 "checked_at": "2026-10-12T10:00:00+08:00"}]}
    with pytest.raises(Conflict) as err:
        patrols.submit_patrol(conn, d.west, d.inspection["id"], record)
    assert err.value.field == "track" and first["uuid"] in err.value.detail
    assert (_count(conn, "patrols"), _count(conn, "marker_checks")) == (1, 0)


def test_the_same_track_in_another_inspection_is_another_patrol(conn, d):
    body = gpx([_along(d, 0, 300, T0)])
    patrols.submit_patrol(conn, d.west, d.inspection["id"], {"uuid": str(uuid.uuid4())},
                          track_bytes=body)
    other = inspections.create(conn, TEST_ACTOR, d.line["id"], 2026, kind="ad_hoc",
                               reason="汛后", lead_team="西县联检组", support_team="东县联检组")
    stored = patrols.submit_patrol(conn, d.west, other["id"], {"uuid": str(uuid.uuid4())},
                                   track_bytes=body)
    assert stored["duplicate"] is False and _count(conn, "patrols") == 2


def test_the_same_track_under_five_uuids_at_once_is_one_patrol(db_url):
    conn = connect(db_url)
    try:
        with transaction(conn):                       # committed: the others must see it
            d = drawn.build(conn)
    finally:
        conn.close()
    body = gpx([_along(d, 0, 300, T0)])
    answers = _all_at_once(db_url, lambda c: patrols.submit_patrol(
        c, d.west, d.inspection["id"], {"uuid": str(uuid.uuid4())}, track_bytes=body))
    assert sorted(answers, key=str) == [False] + [True] * (TIMES - 1)
    conn = connect(db_url)
    try:
        assert fetch_value(conn, "SELECT count(*) FROM patrols WHERE inspection_id = %s",
                           (d.inspection["id"],)) == 1
    finally:
        conn.close()


# ------------------------------------------------------------------ patrols stored before

def test_the_migration_finds_the_silences_of_patrols_stored_before(conn, d):
    fixes = _along(d, 0, 300, T0)
    fixes = fixes[:20] + [(x, y, t + 300) for x, y, t in fixes[20:]]   # 5 minutes silent
    raw = tracks.Track(*np.array(fixes).T[:2], np.array([f[2] for f in fixes]), "gpx")
    cleaned = raw.take(np.arange(0, len(raw), 2))        # a cleaning that kept every other
    execute(conn, """
        INSERT INTO patrols (uuid, content_hash, inspection_id, side_code, members,
                             raw_track, track, raw_points, track_points, length_m, recorded_by)
        VALUES (gen_random_uuid(), 'h', %s, %s, '{}', ST_GeomFromEWKT(%s),
                ST_GeomFromEWKT(%s), %s, %s, 300, 'old app')""",
            (d.inspection["id"], drawn.WEST, tracks.to_ewkt_m(raw), tracks.to_ewkt_m(cleaned),
             len(raw), len(cleaned)))
    before = inspections.inspection_patrolled(conn, d.inspection["id"])
    execute(conn, (MIGRATIONS / "0017_patrol_gaps.sql").read_text(encoding="utf-8"))
    row = fetch_one(conn, "SELECT gaps, track_breaks FROM patrols")
    assert row["gaps"] == [{"start": tracks.iso(fixes[19][2]), "end": tracks.iso(fixes[20][2]),
                            "seconds": pytest.approx(305), "metres": pytest.approx(6, abs=0.1),
                            "cause": "time"}]
    assert row["track_breaks"] == [10]                   # raw fix 20 is cleaned fix 10
    after = inspections.inspection_patrolled(conn, d.inspection["id"])
    assert after["gaps"] == 1 and before["gaps"] == 0
    assert after["patrolled_m"] <= before["patrolled_m"]
