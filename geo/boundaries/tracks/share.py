"""The patrolled share: how much of a boundary line lies within a tolerance of the tracks."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, MultiLineString

from geo.boundaries.tracks.track import Track
from geo.crs import local_projection, project
from geo.errors import InvalidInput


def patrolled_share(line_wkb_or_geom, tracks: list[Track], tolerance_m: float, *,
                    step_m: float | None = None) -> dict:
    """How much of a boundary line lies within ``tolerance_m`` of any of the tracks.

    ``line_wkb_or_geom`` is a shapely LineString or MultiLineString in lon/lat, or its WKB
    (bytes, memoryview or hex). The line is sampled every ``step_m`` metres (default
    ``min(5, tolerance_m / 4)``) in a local transverse Mercator at its centroid, and each
    change between patrolled and not is then found by bisection to 1 cm; only a patrolled
    stretch shorter than the step that falls between two samples can be missed. A track
    counts segment by segment (``Track.breaks``): no straight piece joins two segments, so
    a gap in the recording is not patrolled, and a one-fix segment (or track) counts as a
    disc of radius ``tolerance_m``.

    Returns
    -------
    dict
        ``{line_length_m, patrolled_m, share, segments}``: ``share`` in 0–1 and
        ``segments`` the merged ``(start_m, end_m)`` stretches along the line; along a
        MultiLineString the measure runs through its parts in order.
    """
    if not tolerance_m > 0:
        raise InvalidInput(f"tolerance_m must be positive, got {tolerance_m}",
                           field="tolerance_m")
    parts = _line_parts(line_wkb_or_geom)
    centre = shapely.centroid(shapely.multilinestrings(parts))
    tr = local_projection(centre.x, centre.y)
    near = _Near(tr, tracks, tolerance_m)
    step = float(step_m) if step_m else min(5.0, tolerance_m / 4)
    spans, offset = [], 0.0
    for part in parts:
        xy = project(tr, *np.asarray(part.coords)[:, :2].T)
        path = _Path(xy)
        spans += [(a + offset, b + offset) for a, b in _covered(path, near, step)]
        offset += path.length
    segments = [(float(a), float(b)) for a, b in _merge(spans)]
    patrolled = float(sum(b - a for a, b in segments))
    return {"line_length_m": round(offset, 2), "patrolled_m": round(patrolled, 2),
            "share": patrolled / offset if offset else 0.0,
            "segments": [(round(a, 2), round(b, 2)) for a, b in segments]}


def points_near(line_wkb_or_geom, track: Track, distance_m: float) -> int:
    """How many of the track's points lie within ``distance_m`` of the line.

    Measured, as ``patrolled_share`` is, in a local transverse Mercator at the line's
    centroid: within 5 km of a county's line its scale error is far below a metre. Its
    scale only grows away from the centre, so a far point never comes out near, and one
    too far for the projection at all (the other side of the world) is not near.
    """
    parts = _line_parts(line_wkb_or_geom)
    centre = shapely.centroid(shapely.multilinestrings(parts))
    tr = local_projection(centre.x, centre.y)
    line = shapely.multilinestrings([shapely.linestrings(project(tr, *np.asarray(
        p.coords)[:, :2].T)) for p in parts])
    shapely.prepare(line)
    xy = project(tr, track.lon, track.lat)
    finite = np.isfinite(xy).all(axis=1)
    return int(shapely.dwithin(line, shapely.points(xy[finite]), distance_m).sum())


def _line_parts(line) -> list[LineString]:
    geom = line
    if isinstance(line, memoryview | bytearray):
        geom = bytes(line)
    if isinstance(geom, bytes | str):
        try:
            geom = shapely.from_wkb(geom)
        except shapely.errors.GEOSException as exc:
            raise InvalidInput(f"the boundary line is not readable WKB: {exc}",
                               field="line") from None
    if isinstance(geom, MultiLineString):
        parts = [p for p in geom.geoms if p.length > 0]
    elif isinstance(geom, LineString):
        parts = [geom] if geom.length > 0 else []
    else:
        raise InvalidInput(f"the boundary line must be a LineString or MultiLineString, "
                           f"got {getattr(geom, 'geom_type', type(geom).__name__)}",
                           field="line")
    if not parts:
        raise InvalidInput("the boundary line is empty or has no length", field="line")
    return parts


class _Path:
    """A projected polyline that gives the point at any distance along it."""

    def __init__(self, xy: np.ndarray) -> None:
        seg = np.hypot(*np.diff(xy, axis=0).T)
        keep = np.concatenate([[True], seg > 0])
        self.xy = xy[keep]
        self.seg = seg[seg > 0]
        self.cum = np.concatenate([[0.0], np.cumsum(self.seg)])
        self.length = float(self.cum[-1])

    def at(self, d: np.ndarray) -> np.ndarray:
        i = np.clip(np.searchsorted(self.cum, d, side="right") - 1, 0, len(self.seg) - 1)
        f = ((d - self.cum[i]) / self.seg[i])[:, None]
        return self.xy[i] + f * (self.xy[i + 1] - self.xy[i])


class _Near:
    """Which points lie within the tolerance of a track: an STRtree of the pieces of its
    segments (a one-fix segment is a point), none across a break."""

    PIECE = 8   # fixes per indexed piece: small boxes, a short tree

    def __init__(self, tr: pyproj.Transformer, tracks: list[Track], tolerance_m: float):
        self.tol = tolerance_m
        geoms = []
        for track in tracks:
            if len(track) == 0:
                continue
            xy = project(tr, track.lon, track.lat)
            for a, b in track.spans():
                if b - a == 1:
                    geoms.append(shapely.points(xy[a]))
                    continue
                starts = np.arange(a, b - 1, self.PIECE)
                geoms += [shapely.linestrings(xy[i:min(i + self.PIECE + 1, b)])
                          for i in starts]
        self.tree = shapely.STRtree(geoms) if geoms else None

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        hit = np.zeros(len(xy), dtype=bool)
        if self.tree is None or not len(xy):
            return hit
        found = self.tree.query(shapely.points(xy), predicate="dwithin", distance=self.tol)
        hit[found[0]] = True
        return hit


def _covered(path: _Path, near: _Near, step: float) -> list[tuple[float, float]]:
    """Stretches of one part within tolerance, ends refined by bisection."""
    count = max(int(math.ceil(path.length / step)), 1)
    d = np.linspace(0.0, path.length, count + 1)
    inside = near(path.at(d))
    if not inside.any():
        return []
    change = np.flatnonzero(np.diff(inside.astype(np.int8)))
    # Each change lies between samples j and j+1; bisect with the patrolled side kept.
    lo, hi = d[change], d[change + 1]
    entering = ~inside[change]
    for _ in range(max(int(math.ceil(math.log2(step / 0.01))), 0)):
        mid = (lo + hi) / 2
        hit = near(path.at(mid))
        move_lo = hit != entering   # entering: hit means the change is before mid
        lo = np.where(move_lo, mid, lo)
        hi = np.where(move_lo, hi, mid)
    edges = (lo + hi) / 2
    starts = list(edges[entering])
    ends = list(edges[~entering])
    if inside[0]:
        starts.insert(0, 0.0)
    if inside[-1]:
        ends.append(path.length)
    return list(zip(starts, ends, strict=True))


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1e-6:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
