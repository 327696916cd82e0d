"""Patrol tracks: reading GPX/GeoJSON, cleaning GPS noise, the patrolled share of a boundary
line and the LineStringM round trip. Pure functions; no database."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, Point

from fixtures.grid import ZHUZHOU, Grid
from geo.boundaries import tracks
from geo.boundaries.settings import defaults
from geo.crs import local_projection, project
from geo.errors import InvalidInput

T0 = datetime(2024, 5, 1, 0, 0, tzinfo=UTC).timestamp()   # 08:00 Beijing time
GPX11 = ('<gpx version="1.1" creator="奥维互动地图" xmlns="http://www.topografix.com/GPX/1/1" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation='
         '"http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">')
GPX10 = '<gpx version="1.0" creator="GPSLogger" xmlns="http://www.topografix.com/GPX/1/0">'


def gpx(body: str, head: str = GPX11) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{head}\n{body}\n</gpx>\n'.encode()


def trkpt(lat: float, lon: float, time: str | None = None, ele: float | None = 85.0) -> str:
    ele_tag = f"<ele>{ele}</ele>" if ele is not None else ""
    time_tag = f"<time>{time}</time>" if time else ""
    return f'<trkpt lat="{lat}" lon="{lon}">{ele_tag}{time_tag}</trkpt>'


def feature(geometry: dict, **props) -> bytes:
    return json.dumps({"type": "Feature", "geometry": geometry, "properties": props}).encode()


def walk(xy_m, t=None) -> tracks.Track:
    """A track from metres east/north of Zhuzhou, with times in seconds after T0."""
    xy = np.asarray(xy_m, dtype=float)
    lon, lat = local_projection(*ZHUZHOU).transform(xy[:, 0], xy[:, 1], direction="INVERSE")
    times = None if t is None else T0 + np.asarray(t, dtype=float)
    return tracks.Track(np.asarray(lon), np.asarray(lat), times, "gpx")


def from_line(line: LineString, t=None) -> tracks.Track:
    xy = np.asarray(line.coords)
    return tracks.Track(xy[:, 0], xy[:, 1], None if t is None else np.asarray(t, float), "gpx")


def apart(p: tuple[float, float], q: tuple[float, float]) -> float:
    """Metres between two lon/lat points (the grid's cells are only nearly ``step_m``)."""
    xy = project(local_projection(*ZHUZHOU), [p[0], q[0]], [p[1], q[1]])
    return float(np.hypot(*(xy[1] - xy[0])))


def metres_apart(track: tracks.Track) -> np.ndarray:
    xy = project(local_projection(*ZHUZHOU), track.lon, track.lat)
    return np.hypot(*np.diff(xy, axis=0).T)


# ------------------------------------------------------------------ GPX

PHONE_GPX = gpx(f"""
<metadata><name>南岸界线巡查</name><time>2024-05-01T00:00:00Z</time></metadata>
<trk><name>第3段界线</name><type>walking</type>
  <trkseg>
    {trkpt(27.85, 113.15, "2024-05-01T00:00:00Z", 41.2)}
    {trkpt(27.8501, 113.1501, "2024-05-01T00:00:10Z", 41.8)}
  </trkseg>
  <trkseg>
    {trkpt(27.8502, 113.1502, "2024-05-01T00:05:00Z", 42.0)}
    {trkpt(27.8503, 113.1503, "2024-05-01T00:05:10.5Z", 42.5)}
  </trkseg>
</trk>""")


def test_parse_gpx_11_phone_app_joins_segments_in_order():
    track = tracks.parse(PHONE_GPX)
    assert track.source_format == "gpx"
    assert track.name == "第3段界线"
    assert track.lat.tolist() == [27.85, 27.8501, 27.8502, 27.8503]
    assert track.lon.tolist() == [113.15, 113.1501, 113.1502, 113.1503]
    assert (track.t - T0).tolist() == [0.0, 10.0, 300.0, 310.5]


def test_parse_gpx_10_namespace_reads_zoneless_times_as_utc_and_offsets():
    data = gpx(f"""<trk><trkseg>
        {trkpt(27.85, 113.15, "2024-05-01T00:00:00")}
        {trkpt(27.851, 113.15, "2024-05-01T08:00:30+08:00")}
        </trkseg></trk>""", head=GPX10)
    track = tracks.parse(data, filename="2024-05-01.gpx")
    assert (track.t - T0).tolist() == [0.0, 30.0]


def test_parse_gpx_joins_several_tracks_and_keeps_them_in_file_order():
    data = gpx(f"""
        <trk><trkseg>{trkpt(27.85, 113.15)}{trkpt(27.851, 113.15)}</trkseg></trk>
        <trk><trkseg>{trkpt(27.852, 113.15)}</trkseg></trk>""")
    assert tracks.parse(data).lat.tolist() == [27.85, 27.851, 27.852]


def test_parse_gpx_without_times_has_no_t():
    data = gpx(f"<trk><trkseg>{trkpt(27.85, 113.15)}{trkpt(27.851, 113.15)}</trkseg></trk>")
    assert tracks.parse(data).t is None


def test_parse_gpx_uses_route_only_without_track_and_waypoints_last():
    route = gpx("""<wpt lat="1" lon="1"/>
        <rte><name>计划路线</name><rtept lat="27.85" lon="113.15"/>
        <rtept lat="27.86" lon="113.16"/></rte>""")
    track = tracks.parse(route)
    assert track.lat.tolist() == [27.85, 27.86]
    assert track.name == "计划路线"
    both = gpx(f"""<rte><rtept lat="1" lon="1"/><rtept lat="2" lon="2"/></rte>
        <trk><trkseg>{trkpt(27.85, 113.15)}{trkpt(27.851, 113.15)}</trkseg></trk>""")
    assert tracks.parse(both).lat.tolist() == [27.85, 27.851]
    wpts = gpx('<wpt lat="27.85" lon="113.15"/><wpt lat="27.86" lon="113.15"/>')
    assert tracks.parse(wpts).lat.tolist() == [27.85, 27.86]


def test_parse_gpx_declared_gbk_encoding_and_byte_order_mark():
    gbk = ('<?xml version="1.0" encoding="GBK"?>' + GPX11 + "<trk><name>界线巡查</name><trkseg>"
           + trkpt(27.85, 113.15) + trkpt(27.851, 113.15) + "</trkseg></trk></gpx>")
    assert tracks.parse(gbk.encode("gbk")).name == "界线巡查"
    assert len(tracks.parse(b"\xef\xbb\xbf" + PHONE_GPX)) == 4


# ------------------------------------------------------------------ GeoJSON

LINE = {"type": "LineString",
        "coordinates": [[113.15, 27.85, 40.0], [113.151, 27.85, 41.0], [113.152, 27.85, 42.0]]}


def test_parse_geojson_feature_with_coord_times():
    data = feature(LINE, name="巡线", coordTimes=["2024-05-01T00:00:00Z",
                                                 "2024-05-01T00:00:20.000Z",
                                                 "2024-05-01T08:00:40+08:00"])
    track = tracks.parse(data, filename="track.geojson")
    assert track.source_format == "geojson"
    assert track.name == "巡线"
    assert track.lon.tolist() == [113.15, 113.151, 113.152]
    assert (track.t - T0).tolist() == [0.0, 20.0, 40.0]


def test_parse_geojson_multilinestring_with_nested_times_in_a_collection():
    geom = {"type": "MultiLineString", "coordinates": [
        [[113.15, 27.85], [113.151, 27.85]], [[113.152, 27.85], [113.153, 27.85]]]}
    times = [["2024-05-01T00:00:00Z", "2024-05-01T00:00:10Z"],
             ["2024-05-01T00:01:00Z", "2024-05-01T00:01:10Z"]]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 1]},
         "properties": {}},
        {"type": "Feature", "geometry": geom, "properties": {"times": times}}]}
    track = tracks.parse(json.dumps(doc).encode())
    assert track.lon.tolist() == [113.15, 113.151, 113.152, 113.153]
    assert (track.t - T0).tolist() == [0.0, 10.0, 60.0, 70.0]


def test_parse_geojson_fourth_coordinate_is_epoch_seconds_or_milliseconds():
    secs = {"type": "LineString", "coordinates": [[113.15, 27.85, 40, T0], [113.151, 27.85, 41,
                                                                             T0 + 5]]}
    assert (tracks.parse(feature(secs)).t - T0).tolist() == [0.0, 5.0]
    millis = {"type": "LineString", "coordinates": [[113.15, 27.85, 40, T0 * 1000],
                                                    [113.151, 27.85, 41, T0 * 1000 + 2500]]}
    assert (tracks.parse(feature(millis)).t - T0).tolist() == [0.0, 2.5]


def test_parse_geojson_third_coordinate_is_elevation_not_time():
    assert tracks.parse(feature(LINE)).t is None


def test_parse_geojson_times_array_wins_over_fourth_coordinate():
    geom = {"type": "LineString", "coordinates": [[113.15, 27.85, 0, 1], [113.151, 27.85, 0, 2]]}
    data = feature(geom, coordTimes=["2024-05-01T00:00:00Z", "2024-05-01T00:00:07Z"])
    assert (tracks.parse(data).t - T0).tolist() == [0.0, 7.0]


def test_parse_geojson_point_features_when_there_are_no_lines():
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.15, 27.85]},
         "properties": {"time": "2024-05-01T00:00:00Z"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.151, 27.85]},
         "properties": {"time": "2024-05-01T00:00:09Z"}}]}
    track = tracks.parse(json.dumps(doc).encode(), fmt="geojson")
    assert (track.t - T0).tolist() == [0.0, 9.0]


# ------------------------------------------------------------------ format detection

@pytest.mark.parametrize(("fmt", "filename"), [
    ("gpx", None), ("GPX", "x.json"), (None, "巡线.GPX"), (None, None), (None, "track.txt")])
def test_parse_detects_gpx_from_fmt_then_suffix_then_content(fmt, filename):
    assert tracks.parse(PHONE_GPX, fmt=fmt, filename=filename).source_format == "gpx"


@pytest.mark.parametrize(("fmt", "filename"), [
    ("geojson", None), ("json", None), (None, "t.geojson"), (None, "t.json"), (None, None)])
def test_parse_detects_geojson(fmt, filename):
    data = b"\n  " + feature(LINE)
    assert tracks.parse(data, fmt=fmt, filename=filename).source_format == "geojson"


# ------------------------------------------------------------------ refusals

def _points(n: int) -> str:
    return "".join(trkpt(27.85 + i * 1e-4, 113.15, f"2024-05-01T00:00:{i:02d}Z")
                   for i in range(n))


BAD = {
    "truncated GPX": (PHONE_GPX[:300], None, ["truncated", "GPX", "line"]),
    "truncated GPX ends early": (PHONE_GPX[:-30], None, ["truncated", "ends too early"]),
    "malformed GPX": (gpx("<trk><trkseg></trk>"), None, ["malformed", "mismatched tag",
                                                         "line 3"]),
    "truncated JSON": (feature(LINE)[:-20], None, ["truncated", "JSON", "ends too early"]),
    "malformed JSON": (b'{"type": "Feature",, }', None, ["malformed", "JSON", "column"]),
    "GPX no points": (gpx("<trk><trkseg></trkseg></trk>"), None, ["no points"]),
    "GeoJSON no points": (b'{"type": "FeatureCollection", "features": []}', None,
                          ["no points"]),
    "single point": (gpx(f"<trk><trkseg>{_points(1)}</trkseg></trk>"), None, ["single point"]),
    "single point GeoJSON": (feature({"type": "LineString", "coordinates": [[113.1, 27.8]]}),
                             None, ["single point"]),
    "times out of order": (gpx(f"""<trk><trkseg>{_points(2)}
        {trkpt(27.9, 113.15, "2024-05-01T00:00:20Z")}</trkseg><trkseg>
        {trkpt(27.91, 113.15, "2024-05-01T00:00:10Z")}</trkseg></trk>"""), None,
        ["out of order", "point 4", "2024-05-01T00:00:10Z", "point 3", "2024-05-01T00:00:20Z"]),
    "GPX some times": (gpx(f"""<trk><trkseg>{_points(2)}{trkpt(27.9, 113.15)}
        </trkseg></trk>"""), None, ["some points have times", "point 3"]),
    "GeoJSON some times": (feature(LINE, coordTimes=["2024-05-01T00:00:00Z", None,
                                                     "2024-05-01T00:00:20Z"]), None,
                           ["some points have times", "point 2"]),
    "GeoJSON some 4th coordinates": (feature({"type": "LineString", "coordinates": [
        [113.15, 27.85, 0, T0], [113.151, 27.85]]}), None, ["some points have times"]),
    "latitude out of range": (gpx(f"""<trk><trkseg>{trkpt(27.85, 113.15)}
        {trkpt(97.85, 113.15)}</trkseg></trk>"""), None, ["out of range", "point 2", "97.85"]),
    "longitude out of range": (feature({"type": "LineString", "coordinates": [
        [113.15, 27.85], [-181, 27.85]]}), None, ["out of range", "point 2", "lon -181"]),
    "unknown fmt": (PHONE_GPX, "kml", ["unknown track format", "'kml'", "gpx", "geojson"]),
    "unknown XML": (b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"/>',
                    None, ["unknown track format", "<kml>", "not GPX"]),
    "unknown content": (b"lat,lon\n27.85,113.15\n", None, ["unknown track format"]),
    "empty": (b"  \n", None, ["empty"]),
    "coordTimes length": (feature(LINE, coordTimes=["2024-05-01T00:00:00Z"]), None,
                          ["coordTimes", "1 entries for 3 points"]),
    "unreadable time": (feature(LINE, times=["2024-05-01T00:00:00Z", "yesterday",
                                             "2024-05-01T00:00:20Z"]), None,
                        ["unreadable time", "'yesterday'", "point 2"]),
    "bad position": (feature({"type": "LineString", "coordinates": [[113.1, 27.8], ["a", 1]]}),
                     None, ["point 2", "not a [lon, lat]"]),
    "polygon": (feature({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1], [0, 0]]]}),
                None, ["no points"]),
    "GPX without latitude": (gpx('<trk><trkseg><trkpt lon="1"/></trkseg></trk>'), None,
                             ["unreadable GPX", "latitude"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_parse_refuses_bad_input_naming_the_problem(case):
    data, fmt, words = BAD[case]
    with pytest.raises(InvalidInput) as err:
        tracks.parse(data, fmt=fmt)
    assert err.value.field == "track"
    for word in words:
        assert word in err.value.detail, (case, err.value.detail)


@pytest.mark.parametrize("kind", ["gpx", "geojson"])
def test_parse_refuses_more_than_track_max_points(kind, monkeypatch):
    monkeypatch.setitem(defaults(), "track_max_points", 3)
    if kind == "gpx":
        data = gpx(f"<trk><trkseg>{_points(4)}</trkseg></trk>")
    else:
        data = feature({"type": "LineString", "coordinates": [[113.15, 27.85 + i * 1e-4]
                                                              for i in range(4)]})
    with pytest.raises(InvalidInput) as err:
        tracks.parse(data)
    assert err.value.field == "track"
    assert "4 points" in err.value.detail
    assert "limit of 3" in err.value.detail


def test_parse_accepts_exactly_track_max_points(monkeypatch):
    monkeypatch.setitem(defaults(), "track_max_points", 4)
    assert len(tracks.parse(gpx(f"<trk><trkseg>{_points(4)}</trkseg></trk>"))) == 4


def test_parse_accepts_repeated_times():
    data = gpx(f"""<trk><trkseg>{trkpt(27.85, 113.15, "2024-05-01T00:00:00Z")}
        {trkpt(27.8501, 113.15, "2024-05-01T00:00:00Z")}</trkseg></trk>""")
    assert (tracks.parse(data).t - T0).tolist() == [0.0, 0.0]


# ------------------------------------------------------------------ cleaning

S = {"track_min_interval_s": 5, "track_min_distance_m": 5, "track_max_speed_m_s": 40}


def test_clean_drops_a_one_fix_spike_as_a_jump():
    xy = [(i * 10.0, 0.0) for i in range(10)]
    xy[4] = (40.0, 2000.0)                                # 2 km off for one fix
    out, stats = tracks.clean(walk(xy, t=np.arange(10) * 10.0), S)
    assert stats["dropped_jumps"] == 1
    assert stats["kept"] == 9
    assert stats["dropped_interval"] == stats["dropped_distance"] == 0
    assert metres_apart(out).max() < 25                   # the spike is gone
    assert stats["length_m"] == pytest.approx(90, abs=0.5)


def test_clean_drops_fixes_closer_in_time_than_the_interval():
    # 1 Hz fixes walking 2 m/s east: keep 0, 5, 10, 15, 20 s and the last (22 s).
    xy = [(i * 2.0, 0.0) for i in range(23)]
    out, stats = tracks.clean(walk(xy, t=np.arange(23.0)), S)
    assert (out.t - T0).tolist() == [0, 5, 10, 15, 20, 22]
    assert stats["dropped_interval"] == 17
    assert stats["dropped_distance"] == 0
    assert stats["kept"] == 6
    assert stats["started_at"] == "2024-05-01T00:00:00Z"
    assert stats["ended_at"] == "2024-05-01T00:00:22Z"


def test_clean_drops_stationary_fixes_by_distance():
    # Standing for a minute at the marker (fixes every 10 s within 2 m), then walking on.
    xy = [(0, 0), (1, 0), (0, 1.5), (-1, 1), (1.2, -1), (0.5, 0.5), (30, 0), (60, 0)]
    t = [0, 10, 20, 30, 40, 50, 60, 70]
    out, stats = tracks.clean(walk(xy, t=t), S)
    assert (out.t - T0).tolist() == [0, 60, 70]
    assert stats == {**stats, "raw_points": 8, "kept": 3, "dropped_distance": 5,
                     "dropped_interval": 0, "dropped_jumps": 0}
    assert stats["length_m"] == pytest.approx(60, abs=0.2)


def test_clean_keeps_the_last_fix_unless_it_is_a_jump():
    close = walk([(0, 0), (20, 0), (21, 0)], t=[0, 10, 11])
    out, stats = tracks.clean(close, S)
    assert stats["kept"] == 3
    far = walk([(0, 0), (20, 0), (3000, 0)], t=[0, 10, 20])
    out, stats = tracks.clean(far, S)
    assert (stats["kept"], stats["dropped_jumps"]) == (2, 1)
    assert (out.t - T0).tolist() == [0, 10]


def test_clean_counts_add_up_and_leave_the_raw_track_alone():
    rng = np.random.default_rng(3)
    xy = np.cumsum(rng.normal(0, 6, (500, 2)), axis=0)
    xy[rng.choice(500, 8, replace=False)] += 3000
    t = np.cumsum(rng.uniform(0.5, 12, 500))
    raw = walk(xy, t=t)
    before = raw.lon.copy()
    out, stats = tracks.clean(raw, S)
    dropped = stats["dropped_interval"] + stats["dropped_distance"] + stats["dropped_jumps"]
    assert stats["raw_points"] == 500 == stats["kept"] + dropped
    assert len(out) == stats["kept"]
    assert stats["dropped_jumps"] >= 8
    assert np.array_equal(raw.lon, before)
    assert np.all(np.diff(out.t) >= 5)


def test_clean_without_times_drops_lone_spikes_but_follows_a_real_gap():
    xy = [(0, 0), (10, 0), (20, 0), (20, 2000), (30, 0),      # spike: far from both sides
          (1030, 0), (1040, 0), (1050, 0)]                    # signal lost for 1 km: real
    out, stats = tracks.clean(walk(xy), S)
    assert out.t is None
    assert stats["dropped_jumps"] == 1
    assert stats["kept"] == 7
    assert stats["started_at"] is None and stats["ended_at"] is None
    assert stats["length_m"] == pytest.approx(1050, abs=1)


def test_clean_with_times_recovers_after_a_jump():
    # A spike, then a genuine fast move that stays under the speed limit from the last kept.
    xy = [(0, 0), (10, 0), (5000, 0), (20, 0), (420, 0)]
    out, stats = tracks.clean(walk(xy, t=[0, 10, 20, 30, 50]), S)
    assert stats["dropped_jumps"] == 1
    assert (out.t - T0).tolist() == [0, 10, 30, 50]


def test_clean_uses_the_settings_it_is_given():
    xy = [(i * 10.0, 0.0) for i in range(6)]
    out, stats = tracks.clean(walk(xy, t=np.arange(6) * 10.0), {**S, "track_min_interval_s": 25})
    assert (out.t - T0).tolist() == [0, 30, 50]
    assert stats["dropped_interval"] == 3


def test_clean_of_a_one_point_track():
    out, stats = tracks.clean(walk([(0, 0)], t=[0]), S)
    assert (len(out), stats["kept"], stats["length_m"]) == (1, 1, 0.0)


# ------------------------------------------------------------------ patrolled share

# One cell is 20 m: A–B is a 1 km boundary line running east; C–D walks its first 600 m
# 20 m south of it; E–F runs 80 m south; G–H walks from 400 m to 900 m, 20 m north.
FIELD = Grid("""
    . . . . . . . . . . G - - - - - - - - - - - -H
    A - - - - - - - - - - - - - - - - - - - - - - - - B
    C - - - - - - - - - - - - - - D
    .
    .
    E - - - - - - - - - - - - - - - - - - - - - - - - F
""", step_m=20)


def reach(off_m: float, tol: float = 50.0) -> float:
    """How far past the end of a track ``off_m`` beside the line the line stays near it."""
    return math.sqrt(tol**2 - off_m**2)


def share(line, *tracks_, tol=50.0):
    return tracks.patrolled_share(line, list(tracks_), tol)


def test_share_track_along_the_first_600_m():
    out = share(FIELD.line("A", "B"), from_line(FIELD.line("C", "D")))
    expected = apart(FIELD["C"], FIELD["D"]) + reach(apart(FIELD["A"], FIELD["C"]))
    assert out["line_length_m"] == pytest.approx(apart(FIELD["A"], FIELD["B"]), abs=0.01)
    assert out["line_length_m"] == pytest.approx(1000, rel=3e-3)
    assert out["patrolled_m"] == pytest.approx(expected, abs=0.05)
    assert out["segments"] == [(0.0, pytest.approx(expected, abs=0.05))]
    assert out["share"] == pytest.approx(out["patrolled_m"] / out["line_length_m"], rel=1e-4)
    assert out["share"] == pytest.approx(0.646, abs=0.003)


def test_share_track_80_m_away_is_zero_with_tolerance_50():
    out = share(FIELD.line("A", "B"), from_line(FIELD.line("E", "F")))
    assert (out["patrolled_m"], out["share"], out["segments"]) == (0.0, 0.0, [])
    wide = share(FIELD.line("A", "B"), from_line(FIELD.line("E", "F")), tol=100)
    assert wide["share"] == pytest.approx(1.0)


def test_share_overlapping_tracks_are_not_counted_twice():
    line = FIELD.line("A", "B")
    out = share(line, from_line(FIELD.line("C", "D")), from_line(FIELD.line("G", "H")))
    north = apart(FIELD["A"], (FIELD["A"][0], FIELD["G"][1]))
    end = apart(FIELD["A"], (FIELD["H"][0], FIELD["A"][1])) + reach(north)
    assert end == pytest.approx(900 + 46, abs=2)
    assert out["segments"] == [(0.0, pytest.approx(end, abs=0.05))]
    assert out["patrolled_m"] == pytest.approx(end, abs=0.05)
    once = share(line, from_line(FIELD.line("C", "D")))
    same_twice = share(line, from_line(FIELD.line("C", "D")), from_line(FIELD.line("C", "D")))
    assert same_twice == once


CROSSING = Grid("""
    . . . . . . . . . . P . . . . . . . . . . . . . . . . . . . . . .
    A - - - - - - - - - | - - - - - - - - - B     X - - - - - - - - Y
    . . . . . . . . . . | . . . . . . . . . . . . . . . . . . . . . .
    . . . . . . . . . . Q . . . . . . . . . . . . . . . . . . . . . .
    . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . .
    . . . . . . . . . . . . . . . . . . . . . . . . . . . R . . . . .
""", step_m=20)


def test_share_track_crossing_the_line_covers_twice_the_tolerance():
    out = share(CROSSING.line("A", "B"), from_line(CROSSING.line("P", "Q")))
    at = apart(CROSSING["A"], (CROSSING["P"][0], CROSSING["A"][1]))
    assert out["segments"] == [(pytest.approx(at - 50, abs=0.05),
                                pytest.approx(at + 50, abs=0.05))]
    assert out["patrolled_m"] == pytest.approx(100, abs=0.05)


def test_share_one_point_track_is_a_disc():
    # R is 80 m south of X–Y, 160 m along it: a disc of 100 m covers 2·√(100²−80²) = 120 m.
    line = CROSSING.line("X", "Y")
    lon, lat = CROSSING["R"]
    spot = tracks.Track(np.array([lon]), np.array([lat]), None, "gpx")
    out = tracks.patrolled_share(line, [spot], 100)
    foot = (lon, CROSSING["X"][1])
    half = reach(apart(foot, CROSSING["R"]), 100)
    assert half == pytest.approx(60, abs=0.3)
    assert out["patrolled_m"] == pytest.approx(2 * half, abs=0.05)
    at = apart(CROSSING["X"], foot)
    assert out["segments"] == [(pytest.approx(at - half, abs=0.05),
                                pytest.approx(at + half, abs=0.05))]


def test_share_multilinestring_measures_through_its_parts():
    line = MultiLineString([CROSSING.line("A", "B"), CROSSING.line("X", "Y")])
    walked = from_line(LineString([CROSSING["R"], CROSSING["Y"]]))    # ends at Y
    out = share(line, from_line(CROSSING.line("P", "Q")), walked)
    first = share(CROSSING.line("A", "B"))["line_length_m"]
    second = share(CROSSING.line("X", "Y"))["line_length_m"]
    assert out["line_length_m"] == pytest.approx(first + second, abs=0.02)
    assert len(out["segments"]) == 2
    start, end = out["segments"][1]
    assert start > first
    assert end == pytest.approx(first + second, abs=0.02)
    assert out["patrolled_m"] == pytest.approx(100 + end - start, abs=0.05)
    assert out["share"] == pytest.approx(out["patrolled_m"] / out["line_length_m"], rel=1e-4)


def test_share_line_split_into_parts_gives_the_same_merged_stretch():
    a, b = FIELD["A"], FIELD["B"]
    mid = (a[0] + (b[0] - a[0]) * 0.3, a[1])
    split = MultiLineString([LineString([a, mid]), LineString([mid, b])])
    walked = from_line(FIELD.line("C", "D"))
    whole = share(FIELD.line("A", "B"), walked)
    out = share(split, walked)
    assert len(out["segments"]) == 1
    assert out["segments"][0] == pytest.approx(whole["segments"][0], abs=0.05)
    assert out["patrolled_m"] == pytest.approx(whole["patrolled_m"], abs=0.05)


def test_share_reads_wkb_bytes_memoryview_and_hex():
    line = FIELD.line("A", "B")
    walked = from_line(FIELD.line("C", "D"))
    expected = share(line, walked)
    for wkb in (shapely.to_wkb(line), memoryview(shapely.to_wkb(line)),
                shapely.to_wkb(line, hex=True, include_srid=True)):
        assert share(wkb, walked) == expected


def test_share_matches_shapely_buffer_on_a_wiggly_line():
    rng = np.random.default_rng(11)
    tr = local_projection(*ZHUZHOU)
    line_xy = np.column_stack([np.linspace(0, 3000, 60), 60 * np.sin(np.linspace(0, 9, 60))])
    track_xy = line_xy[10:45] + rng.normal(0, 25, (35, 2))
    spot_xy = np.array([[2700.0, 40.0]])
    to_ll = lambda xy: np.column_stack(tr.transform(*xy.T, direction="INVERSE"))  # noqa: E731
    line = LineString(to_ll(line_xy))
    walked = [tracks.Track(*to_ll(xy).T, None, "gpx") for xy in (track_xy, spot_xy)]
    out = share(line, *walked, tol=30)
    # The same question answered exactly in the same projection: buffer and intersect.
    proj = local_projection(line.centroid.x, line.centroid.y)
    m_line = LineString(project(proj, *np.asarray(line.coords).T))
    reach = shapely.union_all([LineString(project(proj, w.lon, w.lat)) if len(w) > 1 else
                               Point(project(proj, w.lon, w.lat)[0]) for w in walked])
    exact = m_line.intersection(reach.buffer(30, quad_segs=256)).length
    assert out["patrolled_m"] == pytest.approx(exact, abs=0.5)
    assert out["line_length_m"] == pytest.approx(m_line.length, abs=0.01)


def test_share_with_no_tracks_is_zero():
    out = share(FIELD.line("A", "B"))
    assert (out["patrolled_m"], out["share"], out["segments"]) == (0.0, 0.0, [])


def test_share_refuses_a_line_that_is_not_a_line():
    with pytest.raises(InvalidInput) as err:
        share(FIELD.polygon("A", "B", "F", "E"))
    assert err.value.field == "line"
    assert "LineString or MultiLineString" in err.value.detail
    with pytest.raises(InvalidInput) as err:
        share(LineString())
    assert "empty" in err.value.detail
    with pytest.raises(InvalidInput) as err:
        share(FIELD.line("A", "B"), tol=0)
    assert err.value.field == "tolerance_m"


# ------------------------------------------------------------------ storage

def test_ewkt_m_round_trip_with_times():
    track = tracks.parse(PHONE_GPX)
    ewkt = tracks.to_ewkt_m(track)
    assert ewkt.startswith("SRID=4490;LINESTRINGM(113.150000000 27.850000000 1714521600.000,")
    srid, wkt = ewkt.split(";")
    coords = shapely.get_coordinates(shapely.from_wkt(wkt), include_m=True)
    back = tracks.from_coords(coords.tolist())
    assert np.allclose(back.lon, track.lon, atol=1e-9)
    assert np.allclose(back.lat, track.lat, atol=1e-9)
    assert np.allclose(back.t, track.t, atol=1e-3)


def test_ewkt_m_without_times_writes_zero_and_reads_back_none():
    track = tracks.parse(feature(LINE))
    ewkt = tracks.to_ewkt_m(track)
    assert ewkt.endswith("113.152000000 27.850000000 0.000)")
    back = tracks.from_coords([(113.15, 27.85, 0), (113.151, 27.85, 0)])
    assert back.t is None
    assert len(back) == 2


def test_ewkt_m_one_point_is_written_twice_and_read_back_once():
    one = walk([(0, 0)], t=[0])
    ewkt = tracks.to_ewkt_m(one)
    assert ewkt.count(",") == 1
    coords = shapely.get_coordinates(shapely.from_wkt(ewkt.split(";")[1]), include_m=True)
    back = tracks.from_coords(coords)
    assert len(back) == 1
    assert back.t.tolist() == [T0]
    with pytest.raises(InvalidInput):
        tracks.to_ewkt_m(one.take(np.arange(0)))
