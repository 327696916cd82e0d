"""Field records whose positions cannot be right are refused, naming the field: outside
China (saying when lon and lat look swapped), a hazard or a track far from the inspection's
line. A position that looks like GCJ-02 sent as CGCS2000 is kept, with a warning. Values
that would reach SQL malformed (a path's UUID, an id beyond bigint, year 1) are refused in
the domain."""

from __future__ import annotations

import uuid

import pytest

from geo.boundaries import inspections, patrols
from geo.boundaries.sync import client_time
from geo.crs import wgs84_to_gcj02
from geo.errors import InvalidInput
from tests.geo.boundaries import drawn

PARIS = (2.35, 48.85)
KM_EAST = 1 / (111.32 * 0.6691)      # a kilometre in degrees of longitude at 48°N


@pytest.fixture
def d(conn):
    return drawn.build(conn)


def _hazard(d, lon, lat, **extra):
    return {"uuid": str(uuid.uuid4()), "kind": "construction", "description": "修路跨越界线",
            "lon": lon, "lat": lat, "reported_at": "2026-10-01T10:00:00Z", **extra}


def _check(d, lon, lat, condition="displaced"):
    return {"uuid": str(uuid.uuid4()), "marker": d.markers[1]["marker_no"],
            "condition": condition, "lon": lon, "lat": lat,
            "checked_at": "2026-10-01T10:00:00+08:00"}


def _gcj02(point):
    return tuple(float(v) for v in wgs84_to_gcj02(*point))


# ------------------------------------------------------------------ hazards

@pytest.mark.parametrize(("where", "words"), [
    (PARIS, "outside China"),
    ((48.0, 108.0), "longitude and latitude look swapped"),
])
def test_a_hazard_outside_china_is_refused(conn, d, where, words):
    with pytest.raises(InvalidInput) as e:
        patrols.submit_hazard(conn, d.west, d.inspection["id"], _hazard(d, *where))
    assert e.value.field == "lon" and words in e.value.detail


def test_a_hazard_kilometres_from_the_line_is_refused(conn, d):
    lon, lat = d.grid["2"]
    with pytest.raises(InvalidInput) as e:
        patrols.submit_hazard(conn, d.west, d.inspection["id"],
                              _hazard(d, lon + 6 * KM_EAST, lat))
    assert e.value.field == "lon" and "6.0 km from the line" in e.value.detail
    near = patrols.submit_hazard(conn, d.west, d.inspection["id"],
                                 _hazard(d, lon + 4 * KM_EAST, lat))
    assert near["duplicate"] is False and near["warnings"] == []


def test_a_hazard_in_gcj02_is_kept_with_a_warning(conn, d):
    on_line = d.grid["2"]
    sent = _gcj02(on_line)                        # about 500 m east-north-east at 48°N
    stored = patrols.submit_hazard(conn, d.west, d.inspection["id"], _hazard(d, *sent))
    [warning] = stored["warnings"]
    assert warning["code"] == "looks_like_gcj02" and warning["given"] == list(sent)
    assert warning["if_gcj02"] == pytest.approx(list(on_line), abs=1e-6)
    assert warning["distance_m"] > 400 and warning["if_gcj02_distance_m"] < 1
    assert (stored["lon"], stored["lat"]) == pytest.approx(sent)      # flagged, not moved


def test_points_off_the_line_for_other_reasons_are_not_flagged(conn, d):
    lon, lat = d.grid["2"]
    for east_m in (100, 300, -300):               # GPS error; a site east or west of it
        stored = patrols.submit_hazard(conn, d.west, d.inspection["id"],
                                       _hazard(d, lon + east_m / 1000 * KM_EAST, lat))
        assert stored["warnings"] == [], east_m


# ------------------------------------------------------------------ marker checks

def test_a_marker_check_in_gcj02_is_kept_with_a_warning(conn, d):
    m = d.markers[1]
    stored = patrols.submit_check(conn, d.east, d.inspection["id"],
                                  _check(d, *_gcj02((m["lon"], m["lat"]))))
    assert [w["code"] for w in stored["warnings"]] == ["looks_like_gcj02"]
    assert "marker " + m["marker_no"] in stored["warnings"][0]["message"]
    plain = patrols.submit_check(conn, d.east, d.inspection["id"],
                                 _check(d, m["lon"] + 0.3 * KM_EAST, m["lat"]))
    assert plain["warnings"] == []


def test_an_edited_check_is_checked_as_a_new_one(conn, d):
    m = d.markers[1]
    stored = patrols.submit_check(conn, d.east, d.inspection["id"],
                                  _check(d, m["lon"], m["lat"], "intact"))
    with pytest.raises(InvalidInput) as e:
        patrols.edit_check(conn, d.east, d.inspection["id"], stored["uuid"],
                           {"version": 1, "lon": m["lon"] + 6 * KM_EAST, "lat": m["lat"]})
    assert e.value.field == "lon" and "km from marker" in e.value.detail
    with pytest.raises(InvalidInput, match="look swapped"):
        patrols.edit_check(conn, d.east, d.inspection["id"], stored["uuid"],
                           {"version": 1, "lon": m["lat"], "lat": m["lon"]})
    moved = patrols.edit_check(conn, d.east, d.inspection["id"], stored["uuid"], {
        "version": 1, "condition": "displaced",
        **dict(zip(("lon", "lat"), _gcj02((m["lon"], m["lat"])), strict=True))})
    assert moved["version"] == 2
    assert [w["code"] for w in moved["warnings"]] == ["looks_like_gcj02"]


# ------------------------------------------------------------------ patrol tracks

def _track(d, points, **extra):
    return {"uuid": str(uuid.uuid4()), "members": ["王五"], **extra,
            "track": {"format": "gpx", "data": drawn.gpx(points, step_s=600).decode()}}


def _walk(d):
    return [d.grid[k] for k in ("b", "1", "2", "3", "4", "e")]


def _far(d, n, km=8):
    lon, lat = d.grid["2"]
    return [(lon + km * KM_EAST + i * 0.001, lat) for i in range(n)]


@pytest.mark.parametrize(("points", "words"), [
    (lambda d: [(PARIS[0] + i * 0.001, PARIS[1]) for i in range(4)],
     "point 1 (2.35, 48.85) lies outside China"),
    (lambda d: [(lat, lon) for lon, lat in _walk(d)], "look swapped"),
    (lambda d: _far(d, 4, km=20), "20.0 km from the line at its nearest"),
    (lambda d: _walk(d)[:3] + _far(d, 5), "5 of the track's 8 points lie more than 5 km"),
])
def test_a_track_that_is_no_patrol_of_the_line_is_refused(conn, d, points, words):
    with pytest.raises(InvalidInput) as e:
        patrols.submit_patrol(conn, d.west, d.inspection["id"], _track(d, points(d)))
    assert e.value.field == "track" and words in e.value.detail


def test_a_drive_out_to_the_line_is_part_of_a_patrol(conn, d):
    stored = patrols.submit_patrol(conn, d.west, d.inspection["id"],
                                   _track(d, _far(d, 2) + _walk(d)))
    assert stored["duplicate"] is False and stored["track_points"] == 8


def test_a_patrol_passes_on_the_warnings_of_its_records(conn, d):
    sent = _gcj02(d.grid["3"])
    stored = patrols.submit_patrol(conn, d.west, d.inspection["id"],
                                   _track(d, _walk(d), hazards=[_hazard(d, *sent)]))
    assert [(w["record"], w["code"]) for w in stored["warnings"]] == [
        ("hazards[0]", "looks_like_gcj02")]


# ------------------------------------------------------------------ values before SQL

@pytest.mark.parametrize("edit", [patrols.follow_up, patrols.edit_check])
def test_a_record_key_that_is_no_uuid_is_refused_by_name(conn, d, edit):
    with pytest.raises(InvalidInput) as e:
        edit(conn, d.west, d.inspection["id"], "0", {})
    assert e.value.field == "uuid"


def test_an_id_beyond_bigint_is_refused_by_name(conn, d):
    for call in (lambda: inspections.get(conn, 2**63, d.west),
                 lambda: inspections.lock_open(conn, d.west, 2**63),
                 lambda: inspections.list_for(conn, d.west, line_id=2**63)):
        with pytest.raises(InvalidInput) as e:
            call()
        assert e.value.field in ("id", "line")


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-14:00",
                                   "1970-01-01T00:00:00Z"])
def test_times_outside_the_inspection_years_are_refused(value):
    with pytest.raises(InvalidInput) as e:
        client_time(value, "reported_at")
    assert e.value.field == "reported_at"
