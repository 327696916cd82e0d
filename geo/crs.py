"""The one place for coordinate systems (DESIGN §3, DOMAIN §G).

- Storage is EPSG:4490 (CGCS2000). CGCS2000 and WGS84 differ by centimetres, well below
  the accuracy of any data here, so lon/lat pass between them unchanged.
- GCJ-02 (the "Mars" offset of Amap, Tencent and most Chinese polygon data in packages) is
  converted here, at the edge, and never stored. The forward formula is the published
  one; the inverse is iterated until it reproduces the input to ``tol_deg`` (1e-9°,
  about 0.1 mm).
- Metric work uses the CGCS2000 3-degree Gauss-Kruger zone of the area (EPSG:4534–4554,
  central-meridian form), chosen by :func:`gk_zone`, or, for work within a few tens of
  kilometres (a city's network, a patrol, a boundary line), a transverse Mercator centred
  on the area (:func:`local_projection`), whose scale error stays below 1e-5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

STORAGE_SRID = 4490  # CGCS2000 geographic
_A = 6378245.0  # Krasovsky 1940 semi-major axis, as used by the GCJ-02 formula
_EE = 0.00669342162296594323  # its first eccentricity squared


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 shift (dlon, dlat) in degrees at WGS84 position (lon, lat)."""
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
            + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * math.pi) + 320 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * math.pi)
    return dlon, dlat


def in_china(lon, lat) -> np.ndarray:
    """Whether points lie in the rough box where GCJ-02 applies (outside it, no shift)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Shift WGS84/CGCS2000 lon/lat (scalars or arrays) to GCJ-02.

    >>> lon, lat = wgs84_to_gcj02(113.13, 27.83)   # Zhuzhou: about 570 m east, 350 m south
    >>> round(float(lon) - 113.13, 4), round(float(lat) - 27.83, 4)
    (0.0058, -0.0031)
    >>> [float(v) for v in wgs84_to_gcj02(2.35, 48.85)]   # Paris: outside China, no shift
    [2.35, 48.85]
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon, lat)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84(lon, lat, *, tol_deg: float = 1e-9,
                   max_iter: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Undo the GCJ-02 shift: iterate until the forward shift reproduces the input.

    Converges to ``tol_deg`` (1e-9° ≈ 0.1 mm) in a handful of steps; the one-step
    approximation common in the wild is off by up to about a metre.
    """
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon, wlat = wlon - elon, wlat - elat
        if np.all(np.abs(elon) < tol_deg) and np.all(np.abs(elat) < tol_deg):
            break
    return wlon, wlat


gcj02_to_cgcs2000 = gcj02_to_wgs84
cgcs2000_to_gcj02 = wgs84_to_gcj02


def to_cgcs2000(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """A point given in ``crs`` ('cgcs2000', 'wgs84' or 'gcj02') as CGCS2000 lon, lat.

    >>> gcj = [float(v) for v in wgs84_to_gcj02(113.13, 27.83)]
    >>> [round(v, 9) for v in to_cgcs2000(*gcj, "gcj02")]   # back to within 1e-9°
    [113.13, 27.83]
    >>> to_cgcs2000(113.13, 27.83, "wgs84")   # taken as is: they differ by centimetres
    (113.13, 27.83)
    """
    if crs != "gcj02":
        return lon, lat
    x, y = gcj02_to_wgs84(lon, lat)
    return float(x), float(y)


def _apply(geom: BaseGeometry, fn) -> BaseGeometry:
    def coords(xy: np.ndarray) -> np.ndarray:
        x, y = fn(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])
    return shapely.transform(geom, coords)


def geometry_gcj02_to_cgcs2000(geom):
    """Convert a shapely geometry (or array of them) from GCJ-02 to CGCS2000 lon/lat."""
    return _apply(geom, gcj02_to_wgs84)


def geometry_cgcs2000_to_gcj02(geom):
    """Shift a CGCS2000 geometry to GCJ-02, for display on GCJ-02 base maps only."""
    return _apply(geom, wgs84_to_gcj02)


@dataclass(frozen=True)
class GKZone:
    """A CGCS2000 3-degree Gauss-Kruger zone."""

    number: int            # zone number, 25 … 45 (central meridian = 3 × number)
    central_meridian: int  # degrees east
    epsg: int              # EPSG:4534 (CM 75°E) … EPSG:4554 (CM 135°E), no zone prefix


def gk_zone(lon: float) -> GKZone:
    """Return the CGCS2000 3-degree Gauss-Kruger zone whose central meridian is nearest ``lon``.

    >>> gk_zone(113.13).epsg   # Zhuzhou, central meridian 114°E
    4547
    """
    if not 73.5 <= lon <= 136.5:
        raise ValueError(f"longitude {lon} is outside China's 3-degree zones (73.5°E–136.5°E)")
    number = math.floor(lon / 3.0 + 0.5)
    return GKZone(number, 3 * number, 4534 + number - 25)


def local_projection(lon: float, lat: float) -> pyproj.Transformer:
    """A transverse Mercator centred near ``lon``, ``lat`` (to 0.1°): metres, with a scale
    error below 1e-5 within 30 km of its centre.

    >>> tr = local_projection(113.13, 27.83)
    >>> [round(float(v), 3) for v in project(tr, 113.1, 27.8)[0]]   # the centre is (0, 0)
    [0.0, 0.0]
    """
    return _tmerc(round(lon, 1), round(lat, 1))


@lru_cache(maxsize=64)
def _tmerc(lon: float, lat: float) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(
        "EPSG:4490", f"+proj=tmerc +lon_0={lon} +lat_0={lat} +k=1 +ellps=GRS80 +units=m",
        always_xy=True)


def project(tr: pyproj.Transformer, lon, lat) -> np.ndarray:
    """Lon/lat (scalars or arrays) in metres of ``tr``, as an (n, 2) array of x, y."""
    x, y = tr.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])


def to_metres(tr: pyproj.Transformer, geom):
    """A lon/lat shapely geometry (or array of them) in the metres of ``tr``.

    >>> from shapely.geometry import LineString
    >>> tr = local_projection(113.1, 27.8)
    >>> round(to_metres(tr, LineString([(113.1, 27.8), (113.1, 27.81)])).length)   # 0.01° north
    1108
    """
    return shapely.transform(geom, lambda xy: project(tr, xy[:, 0], xy[:, 1]))


class LocalMetres:
    """Metres east and north per degree near a latitude: a plain equirectangular scale for
    drawing to scale (arrows, chevrons, static maps), not for measuring.

    >>> m = LocalMetres(30.0)
    >>> [round(v) for v in m.metres(0.001, 0.001)]        # 0.001° east and north at 30°N
    [96, 111]
    >>> [round(v, 6) for v in m.degrees(*m.metres(113.1, 30.0))]
    [113.1, 30.0]
    """

    def __init__(self, lat0: float) -> None:
        self.kx = 111_320.0 * math.cos(math.radians(lat0))
        self.ky = 110_574.0

    def metres(self, lon: float, lat: float) -> tuple[float, float]:
        """Degrees as metres east and north (of 0°, 0°)."""
        return lon * self.kx, lat * self.ky

    def degrees(self, x: float, y: float) -> tuple[float, float]:
        """Metres east and north as degrees."""
        return x / self.kx, y / self.ky
