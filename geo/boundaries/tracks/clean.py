"""Cleaning a patrol track: GPS jumps, fixes too soon or too close to the last one; and its
gaps (断点), where the track breaks into segments that no straight piece may join."""

from __future__ import annotations

import math

import numpy as np
import pyproj

from geo.boundaries.settings import defaults
from geo.boundaries.tracks.track import Track, iso
from geo.crs import local_projection, project

JUMP_WITHOUT_TIMES_M = 500.0   # a lone fix this far from both neighbours is a spike
DECLARED = ("screen_off", "app_closed", "no_fix", "paused", "other")   # said by the field app
FOUND = ("segment", "time", "distance")                                # found by the rules
_GEOD = pyproj.Geod(ellps="GRS80")


def clean(track: Track, s: dict, declared: list[tuple[float, float, str]] | None = None
          ) -> tuple[Track, dict]:
    """Drop GPS noise from a copy of ``track`` and break it at its gaps; return it with
    counts of what went and the gaps.

    Against the last kept fix of its segment, a fix is dropped, in this order, as a jump
    (implied speed above ``track_max_speed_m_s`` and farther than ``track_min_distance_m``),
    by interval (under ``track_min_interval_s`` later) or by distance (closer than
    ``track_min_distance_m``). Without times there is no interval filter and a jump is a
    lone fix more than ``s.get("track_jump_m", 500)`` metres from both the last kept fix
    and the next fix, so a real gap in the recording does not stop the track. The first
    fix of each segment is always kept, its last one unless it is a jump.

    A gap lies between two consecutive fixes that are not jumps (so a spike makes none):

    - ``segment``: the second starts a segment of the source (``track.breaks``: a GPX
      ``trkseg``, a GeoJSON line or MultiLineString part);
    - ``time``: more than ``track_gap_s`` seconds apart;
    - ``distance``: farther apart than walking covers, more than
      ``max(track_gap_min_m, track_walk_max_m_s × seconds)`` metres;
    - a cause of ``declared`` (``(start, end, cause)``, epoch seconds, as the field app
      reports them): the two fixes' times overlap the declared span, or enclose it. A
      declared cause wins over ``segment``, which wins over ``time`` and ``distance``.

    Rules ``time`` and ``distance`` need times; settings missing from ``s`` come from
    ``defaults()``. Both fixes of a gap are kept and the cleaned track breaks between them,
    so its breaks and the gaps go one to one, in order.

    Returns
    -------
    (Track, dict)
        The cleaned track (with its ``breaks``) and ``{raw_points, kept, dropped_interval,
        dropped_distance, dropped_jumps, length_m, started_at, ended_at, gaps, unplaced}``;
        ``length_m`` is geodesic along the segments of the cleaned track, times are ISO 8601
        UTC strings or None; ``gaps`` as ``describe`` gives them; ``unplaced`` the indices of
        declared gaps that fall outside the track's times.
    """
    n = len(track)
    stats = {"raw_points": n, "kept": 0, "dropped_interval": 0, "dropped_distance": 0,
             "dropped_jumps": 0, "length_m": 0.0, "started_at": None, "ended_at": None,
             "gaps": [], "unplaced": []}
    if n == 0:
        return track.take(np.arange(0)), stats
    tr = local_projection(float(np.mean(track.lon)), float(np.mean(track.lat)))
    xy = project(tr, track.lon, track.lat)
    starts = set(track.breaks.tolist())
    keep, why, jumps = _filter(xy, track.t, s, starts)
    pairs, unplaced = gap_pairs(xy, track.t, s, jumps, starts, declared or [])
    after = {b for _a, b, _c in pairs}     # each starts a segment; the source's are among them
    if pairs:       # clean again: each segment on its own, both fixes of each gap kept
        keep, why, _jumps = _filter(xy, track.t, s, after, {a for a, _b, _c in pairs})
    broken = Track(track.lon, track.lat, track.t, track.source_format, track.name,
                   np.asarray(sorted(after), dtype=np.int64))
    out = broken.take(np.asarray(keep))
    stats.update(kept=len(keep), dropped_interval=why["interval"],
                 dropped_distance=why["distance"], dropped_jumps=why["jump"],
                 gaps=describe(track, pairs), unplaced=unplaced)
    stats["length_m"] = float(sum(_GEOD.line_length(out.lon[a:b], out.lat[a:b])
                                  for a, b in out.spans() if b - a > 1))
    if out.t is not None:
        stats["started_at"], stats["ended_at"] = iso(out.t[0]), iso(out.t[-1])
    return out, stats


def describe(track: Track, pairs: list[tuple[int, int, str]]) -> list[dict]:
    """The gaps between the fixes of ``pairs`` (index before, index after, cause):
    ``{start, end, seconds, metres, cause}``, ``start`` and ``end`` the ISO 8601 UTC times of
    the fix before and the fix after (None without times), ``metres`` the geodesic straight
    distance between them."""
    out = []
    for a, b, cause in pairs:
        _az, _back, metres = _GEOD.inv(track.lon[a], track.lat[a], track.lon[b], track.lat[b])
        has_t = track.t is not None
        out.append({"start": iso(track.t[a]) if has_t else None,
                    "end": iso(track.t[b]) if has_t else None,
                    "seconds": round(float(track.t[b] - track.t[a]), 1) if has_t else None,
                    "metres": round(float(metres), 1), "cause": cause})
    return out


def gap_pairs(xy: np.ndarray, t: np.ndarray | None, s: dict, jumps: set[int],
              starts: set[int], declared: list[tuple[float, float, str]]
              ) -> tuple[list[tuple[int, int, str]], list[int]]:
    """The gaps as ``(index before, index after, cause)`` between consecutive fixes that are
    not ``jumps`` (see ``clean``), and the indices of the declared gaps placed nowhere."""
    gap_s = float(s.get("track_gap_s", defaults()["track_gap_s"]))
    min_m = float(s.get("track_gap_min_m", defaults()["track_gap_min_m"]))
    walk = float(s.get("track_walk_max_m_s", defaults()["track_walk_max_m_s"]))
    fixes = np.asarray([i for i in range(len(xy)) if i not in jumps], dtype=np.int64)
    a, b = fixes[:-1], fixes[1:]
    cause = np.full(len(a), None, dtype=object)
    unplaced = []
    if t is not None:
        ta, tb = t[a], t[b]
        dt = tb - ta
        d = np.hypot(*(xy[b] - xy[a]).T)
        cause[d > np.maximum(min_m, walk * dt)] = "distance"
        cause[dt > gap_s] = "time"
    cause[np.isin(b, np.asarray(sorted(starts), dtype=np.int64))] = "segment"
    if t is not None:
        for k, (start, end, said) in reversed(list(enumerate(declared))):  # the first wins
            hit = (np.maximum(ta, start) < np.minimum(tb, end)) | ((ta <= start) & (tb >= end))
            cause[hit] = said
            if not hit.any():
                unplaced.append(k)
    found = np.flatnonzero(cause != None)  # noqa: E711 - elementwise on an object array
    return ([(int(a[j]), int(b[j]), str(cause[j])) for j in found], sorted(unplaced))


def _filter(xy: np.ndarray, t: np.ndarray | None, s: dict, starts: set[int],
            ends: set[int] = frozenset()) -> tuple[list[int], dict, set[int]]:
    """Indices of the fixes kept, the number dropped for each reason and the jumps. Each
    fix of ``starts`` begins a segment, cleaned on its own; the fixes of ``ends`` are kept."""
    min_dt = float(s["track_min_interval_s"])
    min_d = float(s["track_min_distance_m"])
    vmax = float(s["track_max_speed_m_s"])
    jump_m = float(s.get("track_jump_m", JUMP_WITHOUT_TIMES_M))
    x, y = xy[:, 0].tolist(), xy[:, 1].tolist()
    tt = t.tolist() if t is not None else None
    n = len(x)
    keep, k = [0], 0
    why = {"jump": 0, "interval": 0, "distance": 0}
    jumps: set[int] = set()
    for i in range(1, n):
        if i in starts:
            keep.append(i)
            k = i
            continue
        last = i == n - 1 or i + 1 in starts
        d = math.hypot(x[i] - x[k], y[i] - y[k])
        if tt is not None:
            dt = tt[i] - tt[k]
            jump = d > min_d and d > vmax * dt
        else:
            dt = math.inf
            jump = d > jump_m and (
                last or math.hypot(x[i + 1] - x[i], y[i + 1] - y[i]) > jump_m)
        if i in ends:
            keep.append(i)
            k = i
        elif jump:
            why["jump"] += 1
            jumps.add(i)
        elif last:
            keep.append(i)
        elif dt < min_dt:
            why["interval"] += 1
        elif d < min_d:
            why["distance"] += 1
        else:
            keep.append(i)
            k = i
    return keep, why, jumps
