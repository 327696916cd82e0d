"""A patrol track (positions in CGCS2000 lon/lat, times in epoch seconds, split into
segments at its breaks) and its storage as PostGIS ``geometry(LineStringM, 4490)``, M being
epoch seconds, with the breaks beside it (``patrols.track_breaks``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from geo.errors import InvalidInput


def _no_breaks() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


@dataclass
class Track:
    """One patrol: positions in CGCS2000 lon/lat, times in epoch seconds (or None).

    ``breaks`` are the indices of the fixes that start a new segment (sorted, each in
    ``1 … len - 1``): no straight piece joins fix ``b - 1`` to fix ``b``. A track without
    breaks is one segment.
    """

    lon: np.ndarray
    lat: np.ndarray
    t: np.ndarray | None
    source_format: str
    name: str | None = None
    breaks: np.ndarray = field(default_factory=_no_breaks)

    def __post_init__(self) -> None:
        b = np.unique(np.asarray(self.breaks, dtype=np.int64))
        self.breaks = b[(b > 0) & (b < len(self.lon))]

    def __len__(self) -> int:
        return len(self.lon)

    def take(self, index: np.ndarray) -> Track:
        """A new track of the points at ``index`` (a mask or ascending indices); arrays are
        copied. A break survives at the first kept fix at or after it, when a kept fix
        comes before it."""
        idx = np.arange(len(self))[index]
        t = None if self.t is None else self.t[idx]
        breaks = np.searchsorted(idx, self.breaks, side="left")
        return Track(self.lon[idx], self.lat[idx], t, self.source_format, self.name, breaks)

    def spans(self) -> list[tuple[int, int]]:
        """The segments as ``(start, stop)`` index ranges, in order; none for no points."""
        if len(self) == 0:
            return []
        edges = [0, *self.breaks.tolist(), len(self)]
        return list(zip(edges[:-1], edges[1:], strict=True))


def bad(reason: str) -> InvalidInput:
    """The InvalidInput for a track that cannot be read or stored."""
    return InvalidInput(reason, field="track")


def iso(t: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC, or None.

    >>> iso(0)
    '1970-01-01T00:00:00Z'
    """
    if t is None:
        return None
    return datetime.fromtimestamp(float(t), UTC).isoformat().replace("+00:00", "Z")


def to_ewkt_m(track: Track) -> str:
    """``SRID=4490;LINESTRINGM(lon lat t, ...)`` for a ``geometry(LineStringM, 4490)``.

    M is epoch seconds, 0 when the track has no times. A one-point track is written as the
    same point twice (PostGIS needs two), which ``from_coords`` reads back as one point.
    The breaks are not in it: they are stored beside it.
    """
    n = len(track)
    if n == 0:
        raise bad("an empty track cannot be stored")
    t = track.t if track.t is not None else np.zeros(n)
    idx = [0, 0] if n == 1 else range(n)
    body = ", ".join(f"{track.lon[i]:.9f} {track.lat[i]:.9f} {t[i]:.3f}" for i in idx)
    return f"SRID=4490;LINESTRINGM({body})"


def from_coords(coords, source_format: str = "gpx", name: str | None = None,
                breaks=()) -> Track:
    """The track of stored ``(lon, lat, m)`` coordinates and its breaks; all-zero M means no
    times."""
    xym = np.asarray(coords, dtype=float).reshape(-1, 3)
    if len(xym) == 2 and np.array_equal(xym[0], xym[1]) and not len(breaks):
        xym = xym[:1]
    t = None if not xym[:, 2].any() else xym[:, 2].copy()
    return Track(xym[:, 0].copy(), xym[:, 1].copy(), t, source_format, name,
                 np.asarray(breaks, dtype=np.int64))


def segmented(line: dict | None, breaks) -> dict | None:
    """A stored track's GeoJSON LineString split at its breaks: the same LineString without
    breaks, else a MultiLineString of its segments (a one-fix segment as that position
    twice, as GeoJSON needs two). None stays None."""
    if not line or not breaks:
        return line
    coords = line["coordinates"]
    edges = [0, *sorted(b for b in breaks if 0 < b < len(coords)), len(coords)]
    parts = [coords[a:b] if b - a > 1 else [coords[a], coords[a]]
             for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return {"type": "MultiLineString", "coordinates": parts}


def from_geojson(geometry: dict) -> Track:
    """A track (no times) of a GeoJSON LineString, or of a MultiLineString whose parts are
    its segments (a part of one position repeated is one fix)."""
    if geometry["type"] == "LineString":
        parts = [geometry["coordinates"]]
    else:
        parts = geometry["coordinates"]
    xs, ys, breaks = [], [], []
    for part in parts:
        pts = [tuple(p[:2]) for p in part]
        if len(pts) == 2 and pts[0] == pts[1]:
            pts = pts[:1]
        if not pts:
            continue
        if xs:
            breaks.append(len(xs))
        xs += [p[0] for p in pts]
        ys += [p[1] for p in pts]
    return Track(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), None, "geojson",
                 None, np.asarray(breaks, dtype=np.int64))
