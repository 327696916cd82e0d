"""The shared query vocabulary of the API: coordinate systems, division codes, bounding
boxes, points, paging. Each is an ``Annotated`` dependency, parsed once here; a malformed
value is ``InvalidInput`` naming its parameter (422 problem+json). Coordinates given in
GCJ-02 (``crs=gcj02``) come out in CGCS2000, as every domain function takes them. The
dependencies are ``async``: they only parse, so they run on the event loop instead of
costing each request a trip through the thread pool."""


import datetime as dt
import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query

from geo.crs import to_cgcs2000
from geo.errors import InvalidInput
from geo.text import CODE_MAX

Crs = Annotated[str, Query(pattern="^(cgcs2000|wgs84|gcj02)$",
                           description="CRS of the coordinates given: cgcs2000 (= wgs84, the "
                                       "default) or gcj02 (Amap, Tencent)")]
Division = Annotated[str, Query(max_length=CODE_MAX,
                                description="6-, 9- or 12-digit division code, e.g. 430202 "
                                            "(荷塘区)")]
OptionalDivision = Annotated[str | None, Query(
    max_length=CODE_MAX, description="6-, 9- or 12-digit division code (everything under it)")]
Box = tuple[float, float, float, float]
# A record's id in a path: a positive 64-bit integer (anything else is 422, not a query).
Id = Annotated[int, Path(ge=1, le=2**63 - 1, description="the record's id")]
# A calendar day in a query: YYYY-MM-DD only (a bare number is not a day), read by ``day``.
DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def day(value: str | None, field: str) -> dt.date | None:
    """A YYYY-MM-DD day of the calendar, or InvalidInput naming ``field`` (2026-02-30)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value} is not a day of the calendar (YYYY-MM-DD)",
                           field=field) from None
# A field record's key in a path: the UUID its client made.
ClientUuid = Annotated[str, Path(
    pattern="^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$",
    description="the UUID the client made for the record")]


def numbers(raw: str, count: int, field: str) -> tuple[float, ...]:
    """``count`` finite numbers separated by commas, or InvalidInput naming ``field``.

    >>> numbers("113.1, 27.8", 2, "near")
    (113.1, 27.8)
    """
    try:
        values = tuple(float(v) for v in raw.split(","))
    except ValueError:
        values = ()
    if len(values) != count or not all(math.isfinite(v) for v in values):
        raise InvalidInput(f"{field} must be {count} numbers separated by commas, not "
                           f"{raw[:40]!r}", field=field)
    return values


def number_list(raw: str, field: str) -> list[float]:
    """Numbers separated by commas (empty parts skipped), or InvalidInput naming ``field``.

    >>> number_list("5,10,15,", "minutes")
    [5.0, 10.0, 15.0]
    """
    parts = [v for v in raw.split(",") if v.strip()]
    return list(numbers(",".join(parts), len(parts), field)) if parts else []


async def _bbox(bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")]
                = None) -> Box | None:
    return numbers(bbox, 4, "bbox") if bbox is not None else None  # type: ignore[return-value]


async def _bbox_in_crs(box: Annotated[Box | None, Depends(_bbox)],
                       crs: Crs = "cgcs2000") -> Box | None:
    if box is None or crs != "gcj02":
        return box
    return (*to_cgcs2000(box[0], box[1], crs), *to_cgcs2000(box[2], box[3], crs))


async def _near(near: Annotated[str | None, Query(description="lon,lat: nearest first, "
                                                              "within radius_m")] = None,
                crs: Crs = "cgcs2000") -> tuple[float, float] | None:
    if near is None:
        return None
    lon, lat = numbers(near, 2, "near")
    return to_cgcs2000(lon, lat, crs)


BBox = Annotated[Box | None, Depends(_bbox)]
BBoxInCrs = Annotated[Box | None, Depends(_bbox_in_crs)]
Near = Annotated[tuple[float, float] | None, Depends(_near)]


@dataclass(frozen=True)
class Page:
    """A page of a list: at most ``limit`` items from ``offset``."""

    limit: int
    offset: int = 0


def paging(default: int, maximum: int):
    """A ``Page`` dependency with ``limit`` (1 to ``maximum``, ``default`` when not given)
    and ``offset`` query parameters."""
    async def page(limit: Annotated[int, Query(ge=1, le=maximum,
                                               description="items per page")] = default,
                   offset: Annotated[int, Query(ge=0, le=10_000_000,
                                                description="items to skip")] = 0) -> Page:
        return Page(limit, offset)
    return Annotated[Page, Depends(page)]


async def _lonlat(lon: Annotated[float, Query(description="longitude")],
                  lat: Annotated[float, Query(description="latitude")],
                  crs: Crs = "cgcs2000") -> tuple[float, float]:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput("lon and lat must be finite numbers", field="lon")
    return to_cgcs2000(lon, lat, crs)


LonLat = Annotated[tuple[float, float], Depends(_lonlat)]


async def _format_renamed(f: Annotated[str | None, Query(include_in_schema=False)] = None
                          ) -> None:
    if f is not None:
        raise InvalidInput(f"the parameter f is now called format: send format={f[:10]}",
                           field="f")


# On routes that took ``f`` before ``format`` was the one name: an old ``f=pdf`` is refused
# with the new name rather than silently answered in the default format.
FormatRenamed = Depends(_format_renamed)
