"""Cleaning a patrol track: GPS jumps, fixes too soon or too close to the last one."""

from __future__ import annotations

import math

import numpy as np
import pyproj

from geo.boundaries.tracks.track import Track, iso
from geo.crs import local_projection, project

JUMP_WITHOUT_TIMES_M = 500.0   # a lone fix this far from both neighbours is a spike
_GEOD = pyproj.Geod(ellps="GRS80")


def clean(track: Track, s: dict) -> tuple[Track, dict]:
    """Drop GPS noise from a copy of ``track``; return it with counts of what went.

    Against the last kept fix, a fix is dropped, in this order, as a jump (implied speed
    above ``track_max_speed_m_s`` and farther than ``track_min_distance_m``), by interval
    (under ``track_min_interval_s`` later) or by distance (closer than
    ``track_min_distance_m``). Without times there is no interval filter and a jump is a
    lone fix more than ``s.get("track_jump_m", 500)`` metres from both the last kept fix
    and the next fix, so a real gap in the recording does not stop the track. The first
    fix is always kept, the last one unless it is a jump.

    Returns
    -------
    (Track, dict)
        The cleaned track and ``{raw_points, kept, dropped_interval, dropped_distance,
        dropped_jumps, length_m, started_at, ended_at}``; ``length_m`` is geodesic on the
        cleaned track, times are ISO 8601 UTC strings or None.
    """
    n = len(track)
    stats = {"raw_points": n, "kept": 0, "dropped_interval": 0, "dropped_distance": 0,
             "dropped_jumps": 0, "length_m": 0.0, "started_at": None, "ended_at": None}
    if n == 0:
        return track.take(np.arange(0)), stats
    tr = local_projection(float(np.mean(track.lon)), float(np.mean(track.lat)))
    xy = project(tr, track.lon, track.lat)
    keep, why = _filter(xy, track.t, s)
    out = track.take(np.asarray(keep))
    stats.update(kept=len(keep), dropped_interval=why["interval"],
                 dropped_distance=why["distance"], dropped_jumps=why["jump"])
    if len(out) > 1:
        stats["length_m"] = float(_GEOD.line_length(out.lon, out.lat))
    if out.t is not None:
        stats["started_at"], stats["ended_at"] = iso(out.t[0]), iso(out.t[-1])
    return out, stats


def _filter(xy: np.ndarray, t: np.ndarray | None, s: dict) -> tuple[list[int], dict]:
    """Indices of the fixes kept, and the number dropped for each reason."""
    min_dt = float(s["track_min_interval_s"])
    min_d = float(s["track_min_distance_m"])
    vmax = float(s["track_max_speed_m_s"])
    jump_m = float(s.get("track_jump_m", JUMP_WITHOUT_TIMES_M))
    x, y = xy[:, 0].tolist(), xy[:, 1].tolist()
    tt = t.tolist() if t is not None else None
    n = len(x)
    keep, k = [0], 0
    why = {"jump": 0, "interval": 0, "distance": 0}
    for i in range(1, n):
        d = math.hypot(x[i] - x[k], y[i] - y[k])
        if tt is not None:
            dt = tt[i] - tt[k]
            jump = d > min_d and d > vmax * dt
        else:
            dt = math.inf
            jump = d > jump_m and (
                i == n - 1 or math.hypot(x[i + 1] - x[i], y[i + 1] - y[i]) > jump_m)
        if jump:
            why["jump"] += 1
        elif i == n - 1:
            keep.append(i)
        elif dt < min_dt:
            why["interval"] += 1
        elif d < min_d:
            why["distance"] += 1
        else:
            keep.append(i)
            k = i
    return keep, why
