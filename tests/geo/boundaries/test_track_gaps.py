"""Gaps in patrol tracks (issue 16): where a track breaks into segments (source segments,
long silences, jumps no walk covers, gaps the field app declares), that the breaks survive
cleaning, and that the patrolled share never counts a straight piece across a gap. Pure
functions; no database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from shapely.geometry import LineString

from fixtures.grid import ZHUZHOU
from geo.boundaries import tracks
from geo.crs import local_projection
from geo.errors import InvalidInput

T0 = datetime(2026, 12, 5, 0, 0, tzinfo=UTC).timestamp()     # 08:00 Beijing time
S = {"track_min_interval_s": 5, "track_min_distance_m": 5, "track_max_speed_m_s": 40,
     "track_gap_s": 120, "track_gap_min_m": 100, "track_walk_max_m_s": 2.5}
TR = local_projection(*ZHUZHOU)


def lonlat(xy_m) -> np.ndarray:
    """Metres east/north of Zhuzhou as lon/lat rows."""
    xy = np.asarray(xy_m, dtype=float).reshape(-1, 2)
    return np.column_stack(TR.transform(xy[:, 0], xy[:, 1], direction="INVERSE"))


def walk(xy_m, t=None, breaks=()) -> tracks.Track:
    ll = lonlat(xy_m)
    times = None if t is None else T0 + np.asarray(t, dtype=float)
    return tracks.Track(ll[:, 0], ll[:, 1], times, "gpx", None, np.asarray(breaks, int))


def stamp(seconds: float) -> str:
    return tracks.iso(T0 + seconds)


def east(start_m: float, stop_m: float, step_m: float = 6.0, t0: float = 0.0,
         speed: float = 1.2):
    """Fixes walking east along y = 0, every ``step_m`` metres: (xy, t)."""
    x = np.arange(start_m, stop_m + 1e-9, step_m)
    return np.column_stack([x, np.zeros_like(x)]), t0 + (x - start_m) / speed


def gpx_of(segments: list[tuple[np.ndarray, np.ndarray]], *, one_trk: bool = True) -> bytes:
    def pts(xy, t):
        return "".join(f'<trkpt lat="{lat:.9f}" lon="{lon:.9f}"><time>{stamp(s)}</time>'
                       f"</trkpt>" for (lon, lat), s in zip(lonlat(xy), t, strict=True))

    segs = [f"<trkseg>{pts(xy, t)}</trkseg>" for xy, t in segments]
    body = (f"<trk>{''.join(segs)}</trk>" if one_trk
            else "".join(f"<trk>{s}</trk>" for s in segs))
    return ('<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="test" '
            f'xmlns="http://www.topografix.com/GPX/1/1">{body}</gpx>').encode()


def app_track(parts: list[tuple[np.ndarray, np.ndarray]]) -> bytes:
    """The field app's track: one MultiLineString part per recorded segment, its times
    nested per part in properties.coordTimes."""
    coords = [lonlat(xy).tolist() for xy, _t in parts]
    times = [[stamp(s) for s in t] for _xy, t in parts]
    return json.dumps({"type": "Feature", "geometry": {"type": "MultiLineString",
                                                       "coordinates": coords},
                       "properties": {"coordTimes": times}}).encode()


def line_east(start_m: float, stop_m: float) -> LineString:
    return LineString(lonlat([(start_m, 0.0), (stop_m, 0.0)]))


# ------------------------------------------------------------------ where a track breaks

def test_gpx_trkseg_and_trk_boundaries_are_breaks():
    a, b, c = east(0, 60), east(66, 120, t0=70), east(126, 180, t0=130)
    one = tracks.parse(gpx_of([a, b]))
    assert one.breaks.tolist() == [len(a[0])]
    assert len(one) == len(a[0]) + len(b[0])            # still one track, in order
    several = tracks.parse(gpx_of([a, b, c], one_trk=False))
    assert several.breaks.tolist() == [len(a[0]), len(a[0]) + len(b[0])]
    assert tracks.parse(gpx_of([a])).breaks.tolist() == []


def test_multilinestring_parts_and_line_features_are_breaks():
    a, b = east(0, 30), east(36, 60, t0=40)
    track = tracks.parse(app_track([a, b]))
    assert track.breaks.tolist() == [len(a[0])]
    assert (track.t - T0).tolist() == pytest.approx(np.concatenate([a[1], b[1]]).tolist())
    features = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"coordTimes": [stamp(s) for s in t]},
         "geometry": {"type": "LineString", "coordinates": lonlat(xy).tolist()}}
        for xy, t in (a, b)]}
    assert tracks.parse(json.dumps(features).encode()).breaks.tolist() == [len(a[0])]


def test_nested_times_must_match_each_part():
    a, b = east(0, 30), east(36, 60, t0=40)
    doc = json.loads(app_track([a, b]))
    times = doc["properties"]["coordTimes"]
    doc["properties"]["coordTimes"] = [times[0] + [times[1][0]], times[1][1:]]   # same total
    with pytest.raises(InvalidInput) as err:
        tracks.parse(json.dumps(doc).encode())
    assert err.value.field == "track" and "line 1" in err.value.detail


def test_a_source_segment_is_a_gap_with_cause_segment():
    a, b = east(0, 60), east(66, 120, t0=60)        # 6 m and 5 s apart: only the source
    clean, stats = tracks.clean(tracks.parse(gpx_of([a, b])), S)
    [gap] = stats["gaps"]
    assert gap["cause"] == "segment"
    assert (gap["start"], gap["end"]) == (stamp(a[1][-1]), stamp(b[1][0]))
    assert gap["seconds"] == pytest.approx(b[1][0] - a[1][-1])
    assert gap["metres"] == pytest.approx(6.0, abs=0.05)
    assert clean.breaks.tolist() == [len(a[0])]


def test_time_rule_a_28_minute_silence_is_a_gap():
    before, after = east(0, 600), east(2590, 3000, t0=600 / 1.2 + 1680)
    raw = walk(np.vstack([before[0], after[0]]), np.concatenate([before[1], after[1]]))
    clean, stats = tracks.clean(raw, S)
    [gap] = stats["gaps"]
    assert gap == {"start": stamp(before[1][-1]), "end": stamp(after[1][0]),
                   "seconds": pytest.approx(1680, abs=0.1),
                   "metres": pytest.approx(1990, abs=1), "cause": "time"}
    assert len(clean.spans()) == 2
    walked = (before[0][-1, 0] - before[0][0, 0]) + (after[0][-1, 0] - after[0][0, 0])
    assert stats["length_m"] == pytest.approx(walked, abs=1)      # not across the gap


def test_time_rule_uses_the_setting():
    before, after = east(0, 60), east(66, 120, t0=60 / 1.2 + 100)     # 100 s of silence
    raw = walk(np.vstack([before[0], after[0]]), np.concatenate([before[1], after[1]]))
    assert tracks.clean(raw, S)[1]["gaps"] == []
    [gap] = tracks.clean(raw, {**S, "track_gap_s": 60})[1]["gaps"]
    assert gap["cause"] == "time"


def test_standing_at_a_marker_is_no_gap():
    # Five minutes within 2 m of a marker, a fix every 5 s: the cleaned track keeps none of
    # them, but the raw fixes never fall silent.
    rng = np.random.default_rng(5)
    still = rng.uniform(-1, 1, (60, 2)) + (60.0, 0.0)
    xy = np.vstack([east(0, 54)[0], still, east(66, 120)[0]])
    t = np.arange(len(xy)) * 5.0
    clean, stats = tracks.clean(walk(xy, t), S)
    assert stats["gaps"] == [] and clean.breaks.tolist() == []
    assert stats["dropped_distance"] >= 55


def test_distance_rule_a_jump_no_walk_covers():
    # 400 m in 40 s is 10 m/s: more than max(100 m, 2.5 m/s × 40 s), less than a spike.
    xy = np.vstack([east(0, 60)[0], east(460, 520)[0]])
    t = np.concatenate([np.arange(11) * 5.0, 90 + np.arange(11) * 5.0])
    clean, stats = tracks.clean(walk(xy, t), S)
    [gap] = stats["gaps"]
    assert gap["cause"] == "distance" and gap["metres"] == pytest.approx(400, abs=0.5)
    assert gap["seconds"] == pytest.approx(40)
    assert stats["dropped_jumps"] == 0
    within = tracks.clean(walk(xy, t), {**S, "track_walk_max_m_s": 12})[1]
    assert within["gaps"] == []


def test_a_gps_spike_is_dropped_and_makes_no_gap():
    xy, t = east(0, 120)
    xy = xy.copy()
    xy[10] += (0, 900)                               # one fix 900 m off, 5 s from its neighbours
    clean, stats = tracks.clean(walk(xy, t), S)
    assert stats["dropped_jumps"] == 1 and stats["gaps"] == []


def test_declared_gaps_give_their_cause():
    a, b, c = east(0, 60), east(66, 120, t0=300), east(126, 180, t0=900)
    raw = tracks.parse(app_track([a, b, c]))
    declared = [(T0 + a[1][-1] + 2, T0 + b[1][0] - 1, "screen_off"),
                (T0 + b[1][-1], T0 + c[1][0], "app_closed"),
                (T0 + 5000, T0 + 5100, "no_fix")]                    # after the track
    clean, stats = tracks.clean(raw, S, declared)
    assert [g["cause"] for g in stats["gaps"]] == ["screen_off", "app_closed"]
    assert stats["unplaced"] == [2]
    assert clean.breaks.tolist() == [len(a[0]), len(a[0]) + len(b[0])]


def test_a_declared_gap_inside_a_segment_forces_a_break():
    xy, t = east(0, 120)                             # one segment, no silence, no jump
    raw = walk(xy, t)
    assert tracks.clean(raw, S)[1]["gaps"] == []
    clean, stats = tracks.clean(raw, S, [(T0 + t[7] + 1, T0 + t[8] - 1, "paused")])
    [gap] = stats["gaps"]
    assert gap["cause"] == "paused"
    assert (gap["start"], gap["end"]) == (stamp(t[7]), stamp(t[8]))
    assert clean.breaks.tolist() == [8]


def test_declared_cause_wins_over_the_rules():
    before, after = east(0, 60), east(66, 120, t0=2000)
    raw = tracks.parse(app_track([before, after]))
    [gap] = tracks.clean(raw, S, [(T0 + 100, T0 + 1900, "no_fix")])[1]["gaps"]
    assert gap["cause"] == "no_fix"
    [gap] = tracks.clean(raw, S)[1]["gaps"]
    assert gap["cause"] == "segment"                 # a source segment, over the time rule


def test_breaks_survive_cleaning():
    # The first fix after the break is only 2 s and 2 m after the last one before it: the
    # interval and distance filters would drop it, the break keeps it, and maps to it.
    a = east(0, 60)
    b = (np.array([[62.0, 0.0], [64.0, 0.0], [70.0, 0.0], [80.0, 0.0]]),
         a[1][-1] + np.array([2.0, 3.0, 10.0, 20.0]))
    raw = tracks.parse(app_track([a, b]))
    clean, stats = tracks.clean(raw, S)
    k = len(a[0])
    assert clean.breaks.tolist() == [k]
    assert (clean.t[k - 1:k + 1] - T0).tolist() == [a[1][-1], b[1][0]]
    assert stats["dropped_interval"] == 1            # the fix 1 s after the first of b
    assert [g["cause"] for g in stats["gaps"]] == ["segment"]


def test_a_one_fix_segment_is_kept():
    a, lone = east(0, 60), (np.array([[80.0, 0.0]]), np.array([200.0]))
    raw = tracks.parse(app_track([a, lone]))
    clean, stats = tracks.clean(raw, S, [(T0 + a[1][-1], T0 + 200, "app_closed")])
    assert clean.spans()[-1] == (len(clean) - 1, len(clean))
    assert [g["cause"] for g in stats["gaps"]] == ["app_closed"]


def test_take_maps_breaks_to_the_kept_fixes():
    track = walk(np.zeros((10, 2)), np.arange(10.0), breaks=[4, 7])
    kept = track.take(np.array([0, 2, 5, 6, 9]))
    assert kept.breaks.tolist() == [2, 4]            # 4 → the kept 5, 7 → the kept 9
    assert track.take(np.array([5, 6, 9])).breaks.tolist() == [2]    # nothing before 4
    assert track.take(np.array([0, 1, 2])).breaks.tolist() == []     # nothing after
    assert track.take(np.arange(10) % 2 == 0).breaks.tolist() == [2, 4]


# ------------------------------------------------------------------ the share

def test_the_share_does_not_count_a_gap():
    # A 3 km line walked all along, with a 28-minute, 1,990 m silence from 600 m.
    line = line_east(0, 3000)
    before, after = east(0, 600), east(2590, 3000, t0=600 / 1.2 + 1680)
    raw = walk(np.vstack([before[0], after[0]]), np.concatenate([before[1], after[1]]))
    clean, _stats = tracks.clean(raw, S)
    naive = tracks.patrolled_share(line, [_joined(clean)], 50)
    aware = tracks.patrolled_share(line, [clean], 50)
    assert naive["patrolled_m"] == pytest.approx(3000, abs=1)
    # Uncovered: the 1,990 m between the fixes less the 50 m each end reaches.
    assert naive["patrolled_m"] - aware["patrolled_m"] == pytest.approx(1990 - 2 * 50, abs=1)
    assert [(round(a), round(b)) for a, b in aware["segments"]] == [(0, 650), (2540, 3000)]


def _joined(track: tracks.Track) -> tracks.Track:
    """The same fixes as one segment: the share as it was counted before gaps."""
    return tracks.Track(track.lon, track.lat, track.t, track.source_format)


def test_a_one_fix_segment_counts_as_a_disc():
    line = line_east(0, 1000)
    lone = walk([(500.0, 30.0), (100.0, 0.0), (150.0, 0.0)], [0, 1000, 1005], breaks=[1])
    out = tracks.patrolled_share(line, [lone], 50)
    half = np.sqrt(50**2 - 30**2)                    # the disc at 30 m from the line
    disc = [s for s in out["segments"] if s[0] > 300]
    assert disc == [(pytest.approx(500 - half, abs=0.05), pytest.approx(500 + half, abs=0.05))]


def test_segmented_geojson_round_trip():
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 0], [2, 0], [5, 0], [6, 0]]}
    assert tracks.segmented(line, []) is line
    multi = tracks.segmented(line, [3, 4])
    assert multi == {"type": "MultiLineString", "coordinates": [
        [[0, 0], [1, 0], [2, 0]], [[5, 0], [5, 0]], [[6, 0], [6, 0]]]}
    back = tracks.from_geojson(multi)
    assert back.lon.tolist() == [0, 1, 2, 5, 6] and back.breaks.tolist() == [3, 4]
    assert tracks.from_geojson(line).breaks.tolist() == []
