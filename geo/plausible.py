"""Plausibility checks on what people send: positions inside China with longitude and
latitude in the right order, valid geometries, quantities that are finite numbers, and a
warning when a point looks like GCJ-02 coordinates sent as CGCS2000.

Pure functions, no database: where a check needs a distance (to a marker, a line, a road)
the caller measures it in PostGIS and hands it in. A refusal is ``InvalidInput`` naming the
field; a warning is a dict the caller adds to its result's ``warnings``.

>>> point(113.13, 27.83)
>>> point(27.83, 113.13, "doors[0].lon")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
geo.errors.InvalidInput: doors[0].lon: (27.83, 113.13) lies outside China; longitude and ...
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from geo.crs import to_cgcs2000
from geo.errors import InvalidInput

# China's extent (min lon, min lat, max lon, max lat) with a margin: the country runs from
# about 73.5°E (the Pamirs) to 135.1°E (抚远) and from 3.9°N (曾母暗沙) to 53.6°N (漠河).
# Nothing a civil-affairs department records lies outside it: a point there is a typing
# error, a swapped pair or another country's coordinates. A constant, not a setting.
CHINA = (73.0, 3.0, 136.0, 54.0)

# A point looks like GCJ-02 (Amap, Tencent) sent as CGCS2000 when it lies more than
# GCJ02_MIN_OFF_M from what it is about and, read as GCJ-02, at least GCJ02_RATIO times
# closer. The GCJ-02 shift is a few hundred metres across China (about 650 m at Zhuzhou);
# within 150 m, GPS error and the size of the thing itself (a road's width, the ground
# round a marker) explain the distance, and a conversion that does not halve it proves
# nothing: it is as likely to land the other side of the thing.
GCJ02_MIN_OFF_M = 150.0
GCJ02_RATIO = 2.0


def in_china(lon: float, lat: float) -> bool:
    """Whether (lon, lat) lies in China's extent.

    >>> in_china(113.13, 27.83), in_china(2.35, 48.85)
    (True, False)
    """
    return CHINA[0] <= lon <= CHINA[2] and CHINA[1] <= lat <= CHINA[3]


def _outside(lon: float, lat: float) -> str | None:
    """Why (lon, lat) is refused, or None when it lies in China."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return f"({lon}, {lat}) are not finite numbers"
    if in_china(lon, lat):
        return None
    if in_china(lat, lon):
        return (f"({lon}, {lat}) lies outside China; longitude and latitude look swapped "
                "(give lon first, then lat)")
    return f"({lon}, {lat}) lies outside China (lon, lat in CGCS2000 degrees)"


def point(lon: float, lat: float, field: str = "lon", lat_field: str | None = None) -> None:
    """Refuse a point outside China, saying so when longitude and latitude look swapped.
    The refusal names ``field``, or ``lat_field`` (when given) if only the latitude is out.

    >>> point(2.35, 48.85)
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: lon: (2.35, 48.85) lies outside China (lon, lat in CGCS2000 degrees)
    >>> point(113.1, 95, "lon", "lat")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: lat: (113.1, 95) lies outside China ...
    """
    if (reason := _outside(lon, lat)) is None:
        return
    if lat_field and CHINA[0] <= lon <= CHINA[2] and "swapped" not in reason:
        field = lat_field
    raise InvalidInput(f"{field}: {reason}", field=field)


def coordinates(xy: Any, field: str, what: str = "point") -> None:
    """Refuse coordinates (rows of lon, lat, …) of which one lies outside China, naming the
    first by its number from 1 (``what`` says what is numbered).

    >>> coordinates([(113.1, 27.8), (27.8, 113.2)], "track")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: track: point 2 (27.8, 113.2) lies outside China; longitude ...
    """
    xy = np.atleast_2d(np.asarray(xy, dtype=float))
    lon, lat = xy[:, 0], xy[:, 1]
    inside = (CHINA[0] <= lon) & (lon <= CHINA[2]) & (CHINA[1] <= lat) & (lat <= CHINA[3])
    if inside.all():
        return
    i = int(np.argmin(inside))
    raise InvalidInput(f"{field}: {what} {i + 1} {_outside(float(lon[i]), float(lat[i]))}",
                       field=field)


def geometry(geom: BaseGeometry, field: str) -> None:
    """Refuse an empty geometry, one outside China or an invalid one, with GEOS's reason
    (the text PostGIS's ``ST_IsValidReason`` gives).

    >>> from shapely.geometry import Polygon
    >>> geometry(Polygon([(113, 27), (113.1, 27.1), (113.1, 27), (113, 27.1)]), "geometry")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: geometry is not valid: Self-intersection[113.05 27.05]
    """
    if geom.is_empty:
        raise InvalidInput(f"{field} is empty", field=field)
    coordinates(shapely.get_coordinates(geom), field)
    reason = shapely.is_valid_reason(geom)
    if reason != "Valid Geometry":
        raise InvalidInput(f"{field} is not valid: {reason}", field=field, reason=reason)


def simple_line(line: LineString, field: str, what: str = "the line") -> None:
    """Refuse a line that crosses or touches itself (PostGIS ``ST_IsSimple`` false), saying
    where. A closed line (a ring road) is simple.

    >>> simple_line(LineString([(113, 27), (113.2, 27.2), (113.2, 27), (113, 27.2)]), "geometry")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: geometry: the line crosses itself at (113.1, 27.1) (not simple)
    """
    if line.is_simple:
        return
    # Noding splits the line where it meets itself. In a simple line each piece's end is
    # shared by two pieces, or ends the line; where it meets itself, the count is off.
    ends: Counter = Counter()
    for part in shapely.get_parts(shapely.node(line)):
        ends.update([part.coords[0], part.coords[-1]])
    line_ends = Counter([line.coords[0], line.coords[-1]])
    where = next((f" at ({round(p[0], 7)}, {round(p[1], 7)})" for p, n in ends.items()
                  if n != line_ends.get(p, 2)), "")
    raise InvalidInput(f"{field}: {what} crosses itself{where} (not simple)", field=field)


def number(value: Any, field: str, *, minimum: float | None = 0.0) -> float:
    """``value`` as a finite number not below ``minimum`` (None: any), or InvalidInput
    naming ``field``: NaN and Infinity are no quantity, and neither is true or false.

    >>> number("2.5", "stock[0].quantity")
    2.5
    >>> number(float("nan"), "stock[0].quantity")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: stock[0].quantity must be a finite number, not nan
    """
    try:
        if isinstance(value, bool):
            raise TypeError
        result = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a number, not {value!r}", field=field) from None
    if not math.isfinite(result):
        raise InvalidInput(f"{field} must be a finite number, not {value!r}", field=field)
    if minimum is not None and result < minimum:
        raise InvalidInput(f"{field} cannot be less than {minimum:g} ({value!r})", field=field)
    return result


def gcj02_warning(lon: float, lat: float, given_m: float,
                  distance_m: Callable[[float, float], float], subject: str) -> dict | None:
    """A ``looks_like_gcj02`` warning when the point, ``given_m`` from ``subject``, would be
    at least twice as close read as GCJ-02 (``distance_m`` measures from a lon, lat to the
    subject); None otherwise. Nothing is converted: the warning says what to check.

    >>> w = gcj02_warning(113.1757, 27.857, 670.0, lambda x, y: 9.0, "荷塘大道")
    >>> w["code"], w["given"], w["if_gcj02"]
    ('looks_like_gcj02', [113.1757, 27.857], [113.1699297, 27.8602071])
    >>> gcj02_warning(113.1757, 27.857, 120.0, lambda x, y: 9.0, "荷塘大道") is None
    True
    """
    if given_m <= GCJ02_MIN_OFF_M:
        return None
    x, y = to_cgcs2000(lon, lat, "gcj02")
    converted_m = distance_m(x, y)
    if converted_m * GCJ02_RATIO > given_m:
        return None
    return {"code": "looks_like_gcj02",
            "message": f"the point is {given_m:.0f} m from {subject}; read as GCJ-02 (Amap, "
                       f"Tencent) coordinates it would be {converted_m:.0f} m from it: if "
                       "it was taken from such a map, send it converted to CGCS2000 "
                       "(or say crs=gcj02)",
            "given": [lon, lat], "if_gcj02": [round(x, 7), round(y, 7)],
            "distance_m": round(given_m, 1), "if_gcj02_distance_m": round(converted_m, 1)}
