"""A patrol track (positions in CGCS2000 lon/lat, times in epoch seconds) and its storage as
PostGIS ``geometry(LineStringM, 4490)``, M being epoch seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from geo.errors import InvalidInput


@dataclass
class Track:
    """One patrol: positions in CGCS2000 lon/lat, times in epoch seconds (or None)."""

    lon: np.ndarray
    lat: np.ndarray
    t: np.ndarray | None
    source_format: str
    name: str | None = None

    def __len__(self) -> int:
        return len(self.lon)

    def take(self, index: np.ndarray) -> Track:
        """A new track of the points at ``index`` (a mask or indices); arrays are copied."""
        t = None if self.t is None else self.t[index]
        return Track(self.lon[index], self.lat[index], t, self.source_format, self.name)


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
    """
    n = len(track)
    if n == 0:
        raise bad("an empty track cannot be stored")
    t = track.t if track.t is not None else np.zeros(n)
    idx = [0, 0] if n == 1 else range(n)
    body = ", ".join(f"{track.lon[i]:.9f} {track.lat[i]:.9f} {t[i]:.3f}" for i in idx)
    return f"SRID=4490;LINESTRINGM({body})"


def from_coords(coords, source_format: str = "gpx", name: str | None = None) -> Track:
    """The track of stored ``(lon, lat, m)`` coordinates; all-zero M means no times."""
    xym = np.asarray(coords, dtype=float).reshape(-1, 3)
    if len(xym) == 2 and np.array_equal(xym[0], xym[1]):
        xym = xym[:1]
    t = None if not xym[:, 2].any() else xym[:, 2].copy()
    return Track(xym[:, 0].copy(), xym[:, 1].copy(), t, source_format, name)
