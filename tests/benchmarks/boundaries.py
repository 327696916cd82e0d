"""Boundary benchmarks. Patrol tracks: the share of a 100 km boundary line patrolled by a
10,000-point track (target ≤ 200 ms, from the patrol-logging issue), and reading plus
cleaning a 10,000-point GPX file. Figures are medians on a shared machine; read them as
orders. Run alone with
``python -c "from tests.benchmarks import boundaries; boundaries.bench_patrolled_share()"``.
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

import numpy as np
from shapely.geometry import LineString

from geo.boundaries import tracks
from geo.boundaries.settings import defaults
from geo.crs import local_projection
from tests.benchmarks import timed

ORIGIN = (113.15, 27.85)         # Zhuzhou, as in fixtures/grid.py
LINE_KM = 100
TRACK_POINTS = 10_000
SHARE_TARGET_MS = 200


def _wiggly_line_xy(rng: np.random.Generator, length_m: float, step_m: float = 20.0):
    """A boundary-like path in local metres: a slowly turning heading, as rivers and ridges."""
    n = int(length_m / step_m)
    turn = np.convolve(rng.normal(0, 0.08, n), np.ones(15) / 15, mode="same")
    heading = np.cumsum(turn)
    heading -= np.linspace(0, heading[-1], n)      # keep an overall eastward direction
    steps = np.column_stack([np.cos(heading), np.sin(heading)]) * step_m
    return np.vstack([[0.0, 0.0], np.cumsum(steps, axis=0)])


def _to_lonlat(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tr = local_projection(*ORIGIN)
    return tr.transform(xy[:, 0], xy[:, 1], direction="INVERSE")


def _along(xy: np.ndarray, d: np.ndarray) -> np.ndarray:
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    return np.column_stack([np.interp(d, cum, xy[:, 0]), np.interp(d, cum, xy[:, 1])])


def synthetic(seed: int = 7):
    """The 100 km line (lon/lat LineString) and a 10,000-point noisy track along 60 km of it."""
    rng = np.random.default_rng(seed)
    line_xy = _wiggly_line_xy(rng, LINE_KM * 1000)
    along = np.linspace(5_000, 65_000, TRACK_POINTS)
    path = _along(line_xy, along)
    drift = 15 * np.sin(along / 700.0)                       # walking beside the line
    noise = rng.normal(0, 4, (TRACK_POINTS, 2))              # GPS scatter
    normal = np.gradient(path, axis=0)
    normal = np.column_stack([-normal[:, 1], normal[:, 0]])
    normal /= np.hypot(*normal.T)[:, None]
    track_xy = path + normal * drift[:, None] + noise
    lon, lat = _to_lonlat(line_xy)
    tlon, tlat = _to_lonlat(track_xy)
    t = 1_714_550_400 + np.arange(TRACK_POINTS) * 2.0       # 2024-05-01, a fix every 2 s
    track = tracks.Track(np.asarray(tlon), np.asarray(tlat), t, "gpx", "bench")
    return LineString(np.column_stack([lon, lat])), track


def gpx_text(track: tracks.Track) -> bytes:
    """The track as a phone app would write it (GPX 1.1, elevation and time per fix)."""
    rows = [f'<trkpt lat="{la:.7f}" lon="{lo:.7f}"><ele>{80 + i % 7}.0</ele>'
            f"<time>{datetime.fromtimestamp(t, UTC):%Y-%m-%dT%H:%M:%SZ}</time></trkpt>"
            for i, (lo, la, t) in enumerate(zip(track.lon, track.lat, track.t, strict=True))]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<gpx version="1.1" creator="bench" xmlns="http://www.topografix.com/GPX/1/1">'
            f"<trk><name>bench</name><trkseg>{''.join(rows)}</trkseg></trk></gpx>").encode()


def bench_patrolled_share() -> None:
    """Print the patrolled-share timing against its target, and GPX parse + clean."""
    line, track = synthetic()
    tol = defaults()["patrol_tolerance_m"]
    result = tracks.patrolled_share(line, [track], tol)
    times = timed(lambda: tracks.patrolled_share(line, [track], tol), 7)
    med = statistics.median(times) * 1000
    verdict = "met" if med <= SHARE_TARGET_MS else "MISSED"
    print(f"patrol  share of a {result['line_length_m'] / 1000:.0f} km line, "
          f"{TRACK_POINTS:,}-point track, tolerance {tol} m: median {med:.1f} ms over 7 runs, "
          f"share {result['share']:.3f} ({len(result['segments'])} stretches); "
          f"target ≤ {SHARE_TARGET_MS} ms: {verdict}")
    data = gpx_text(track)
    s = defaults()
    cleaned = tracks.clean(tracks.parse(data, filename="bench.gpx"), s)[1]
    parse_t = timed(lambda: tracks.parse(data, filename="bench.gpx"), 7)
    parsed = tracks.parse(data, filename="bench.gpx")
    clean_t = timed(lambda: tracks.clean(parsed, s), 7)
    print(f"patrol  {TRACK_POINTS:,}-point GPX ({len(data) / 1e6:.1f} MB): parse "
          f"{statistics.median(parse_t) * 1000:.1f} ms + clean "
          f"{statistics.median(clean_t) * 1000:.1f} ms (median of 7; "
          f"{cleaned['kept']:,} fixes kept)")


if __name__ == "__main__":
    bench_patrolled_share()
