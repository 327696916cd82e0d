"""What a population grid shows that community centres hide (issue 20).

- ``compare``: for a division and each of its districts (the counties of a city, the
  townships of a county), the share of its elderly the 15-minute circle covers counted per
  100 m cell, beside the share the community-centroid method gives for the same people
  (summed per community and placed at its centre), with site capacity and by distance
  only; and ``hidden_elderly``, the elderly of communities the centroid method calls
  covered whom the cells find uncovered.
- ``hotspots``: where the uncovered elderly (beyond the walking limit of any site with
  room: too far, only full sites in reach, or off the street network) are densest. The
  densest disc of ``hotspot_radius_m`` first, its uncovered cells taken, then the next,
  until ``hotspots_top`` are found: each with its uncovered elderly, its cells (their
  squares as its outline, so it is clipped to where people live), its communities and why
  they are uncovered.
- ``heat``: the uncovered elderly per cell, as a raster for maps (``Heat``) or as cell
  squares for GIS (``heat_cells``).

Everything here needs a grid of people aged 60+ (``InvalidInput`` on ``division``
otherwise) and credits it (``population_credit``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.signal import fftconvolve

from geo.coverage import circle as circles
from geo.coverage import context as contexts
from geo.coverage import gain as gains
from geo.coverage import settings as cs
from geo.coverage.context import Context
from geo.db import fetch_all, load_queries
from geo.errors import InvalidInput

_Q = load_queries(__file__)

TOP_RANGE = (1, 50)
RADIUS_RANGE = (100.0, 3000.0)        # metres
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0


@dataclass(frozen=True)
class Uncovered:
    """The circle of a division counted per cell: each cell's status, the elderly it leaves
    unserved, and its nearest site and walk (within 20 × the limit where beyond it)."""

    ctx: Context
    sites: pd.DataFrame
    served: circles.Served
    status: np.ndarray
    left: np.ndarray
    nearest: np.ndarray
    metres: np.ndarray


def uncovered(conn, code: str, *, minutes: float | None = None, speed: float | None = None,
              profile: str | None = None, capacity: bool = True,
              far: bool = True) -> Uncovered:
    """Today's circle of ``code`` on its population grid (InvalidInput naming ``division``
    without one); ``far``: also each cell's nearest site beyond the limit (one more
    Dijkstra over 20 × the limit), which the comparison does not need."""
    ctx = contexts.build(conn, code, minutes=minutes, speed=speed, profile=profile)
    if not ctx.demand.cells:
        raise InvalidInput(f"no population grid of people aged 60+ covers {ctx.division['name']}"
                           f" ({ctx.division['code']}): its elderly are the census spread over "
                           "its communities, so there are no cells to compare or map",
                           field="division")
    sites = circles.sites_frame(conn, ctx, None)
    s = circles.serve(ctx, sites, capacity=capacity)
    far_site, far_dist = circles.far_sites(ctx, sites, s) if far else (
        np.full(len(ctx.demand), -1), np.full(len(ctx.demand), np.inf))
    return Uncovered(ctx, sites, s, circles.status_of(ctx, s),
                     gains.unserved(ctx.demand.elderly, s.served, cells=True),
                     np.where(s.nearest >= 0, s.nearest, far_site),
                     np.where(np.isfinite(s.dist), s.dist, far_dist))


def _share(part: float, whole: float) -> float | None:
    return None if whole <= 0 else round(float(part) / float(whole), 4)


def compare(conn, code: str, *, minutes: float | None = None, speed: float | None = None,
            profile: str | None = None, capacity: bool = True) -> dict:
    """Covered shares per cell beside the community-centroid method, for ``code`` (first
    row) and each of its districts, all from the circle of ``code``: the places of a site
    near a district line are shared by everyone in ``code`` who reaches it, so a district's
    row can differ from its own circle's (``note``)."""
    u = uncovered(conn, code, minutes=minutes, speed=speed, profile=profile,
                  capacity=capacity, far=False)
    ctx, d = u.ctx, u.ctx.demand
    cent = contexts.build(conn, code, minutes=minutes, speed=speed, profile=profile,
                          demand=contexts.COMMUNITIES)
    sc = circles.serve(cent, u.sites, capacity=capacity)
    n = len(ctx.communities)
    per = {
        "elderly": d.per_community(d.elderly, n),
        "cells": np.bincount(d.community, minlength=n).astype(float),
        "covered_cells": d.per_community(u.served.served, n),
        "within_cells": d.per_community(np.where(np.isfinite(u.served.dist), d.elderly, 0), n),
        "covered_centroids": np.asarray(sc.served, dtype=float),
        "within_centroids": np.where(np.isfinite(sc.dist), cent.demand.elderly, 0.0),
    }
    per["hidden"] = np.where(circles.status_of(cent, sc) == circles.COVERED,
                             np.maximum(per["elderly"] - per["covered_cells"], 0), 0.0)
    comms = ctx.communities
    div = ctx.division
    groups = [(div["code"], div["name"], div["level"], np.ones(n, dtype=bool))]
    if div["level"] in ("province", "prefecture"):
        county = comms["code"].str[:6].to_numpy()
        names = {r["code"]: r["name"] for r in fetch_all(
            conn, _Q["names"], {"codes": sorted(set(county))})}
        groups += [(c, names.get(c, c), "county", county == c) for c in sorted(set(county))]
    elif div["level"] == "county":
        for (town, name), part in comms.groupby(["township", "township_name"], sort=True):
            mask = np.zeros(n, dtype=bool)
            mask[part.index.to_numpy()] = True
            groups.append((town, name, "township", mask))
    rows = []
    for g_code, g_name, level, mask in groups:
        total = {k: float(v[mask].sum()) for k, v in per.items()}
        cells_share = _share(total["covered_cells"], total["elderly"])
        cent_share = _share(total["covered_centroids"], total["elderly"])
        rows.append({
            "code": g_code, "name": g_name, "level": level, "communities": int(mask.sum()),
            "cells": int(total["cells"]), "elderly": round(total["elderly"]),
            "covered_elderly_cells": round(total["covered_cells"]),
            "covered_elderly_centroids": round(total["covered_centroids"]),
            "covered_share_cells": cells_share, "covered_share_centroids": cent_share,
            "difference_pp": None if cells_share is None or cent_share is None
            else round((cells_share - cent_share) * 100, 1),
            "within_share_cells": _share(total["within_cells"], total["elderly"]),
            "within_share_centroids": _share(total["within_centroids"], total["elderly"]),
            "hidden_elderly": round(total["hidden"])})
    return {**ctx.header(), "capacity": capacity, "districts": rows,
            "note": f"every row is from the circle of {ctx.division['name']}: a site's places "
                    "are shared by all who reach it there, so a district opened on its own "
                    "(its sites serving it alone) can show other shares"}


def _disc(radius: float, dx: float, dy: float) -> np.ndarray:
    """The cells (a kernel of ones) whose centres lie within ``radius`` metres of the
    middle one, on cells ``dx`` × ``dy`` metres."""
    ry, rx = int(radius // dy), int(radius // dx)
    yy, xx = np.mgrid[-ry:ry + 1, -rx:rx + 1]
    return ((yy * dy) ** 2 + (xx * dx) ** 2 <= radius ** 2).astype(float)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values, kind="stable")
    run = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(run, run[-1] / 2)])


def hotspots(conn, code: str, *, top: int | None = None, radius_m: float | None = None,
             minutes: float | None = None, speed: float | None = None,
             profile: str | None = None, capacity: bool = True) -> dict:
    """The ``top`` densest clusters of uncovered elderly of a division, densest first, as
    GeoJSON features (outline: the squares of their uncovered cells)."""
    return find(uncovered(conn, code, minutes=minutes, speed=speed, profile=profile,
                          capacity=capacity), top=top, radius_m=radius_m)


def find(u: Uncovered, *, top: int | None = None, radius_m: float | None = None) -> dict:
    """``hotspots`` of a circle already counted per cell."""
    ctx, d = u.ctx, u.ctx.demand
    s = ctx.settings
    top = int(cs.check_range(float(top if top is not None else s["hotspots_top"]), "top",
                             TOP_RANGE, "hot spots"))
    radius = cs.check_range(float(radius_m if radius_m is not None
                                  else s["hotspot_radius_m"]), "radius_m", RADIUS_RANGE, "m")
    cell = float(d.grid["cell_deg"])
    mask = u.left > 0
    features = []
    if mask.any():
        idx = np.flatnonzero(mask)
        c0, r0 = d.col[idx].min(), d.row[idx].min()
        shape = (int(d.row[idx].max() - r0) + 1, int(d.col[idx].max() - c0) + 1)
        people = np.zeros(shape)
        unit = np.full(shape, -1)
        people[d.row[idx] - r0, d.col[idx] - c0] = u.left[idx]
        unit[d.row[idx] - r0, d.col[idx] - c0] = idx
        lat0 = float(np.mean(d.lat[idx]))
        dy, dx = cell * _M_PER_DEG_LAT, cell * _M_PER_DEG_LON * np.cos(np.radians(lat0))
        kernel = _disc(radius, dx, dy)
        ky, kx = kernel.shape[0] // 2, kernel.shape[1] // 2
        for rank in range(1, top + 1):
            density = fftconvolve(people, kernel, mode="same")
            y, x = np.unravel_index(int(np.argmax(density)), shape)
            if density[y, x] < 0.5:
                break
            y0, y1 = max(y - ky, 0), min(y + ky + 1, shape[0])
            x0, x1 = max(x - kx, 0), min(x + kx + 1, shape[1])
            window = (slice(y0, y1), slice(x0, x1))
            k = kernel[ky - (y - y0): ky + (y1 - y), kx - (x - x0): kx + (x1 - x)]
            taken = unit[window][(k > 0) & (people[window] > 0)]
            people[window][k > 0] = 0.0
            features.append(_spot(u, rank, taken, cell, radius))
    total = float(u.left.sum())
    summary = {"cells": len(d), "cells_uncovered": int(mask.sum()),
               "elderly": round(float(d.elderly.sum())), "uncovered_elderly": round(total),
               "hotspots": len(features),
               "hotspot_elderly": sum(f["properties"]["uncovered_elderly"] for f in features),
               "radius_m": radius}
    return {"type": "FeatureCollection", **ctx.header(), "summary": summary,
            "features": features}


def _spot(u: Uncovered, rank: int, units: np.ndarray, cell: float, radius: float) -> dict:
    """One hot spot: its uncovered cells, elderly, communities and reasons."""
    ctx, d = u.ctx, u.ctx.demand
    left = u.left[units]
    comms = ctx.communities
    by_comm = pd.Series(left).groupby(d.community[units]).sum().sort_values(ascending=False)
    status = u.status[units]
    metres = u.metres[units]
    known = np.isfinite(metres)
    walk = _weighted_median(metres[known], left[known]) if known.any() else None
    near = u.nearest[units][known]
    site = None
    if walk is not None and len(near):
        pick = near[np.argmin(np.abs(metres[known] - walk))]
        site = None if pick < 0 else str(u.sites["name"].iloc[int(pick)])
    lon = float(np.average(d.lon[units], weights=left))
    lat = float(np.average(d.lat[units], weights=left))
    half = cell / 2
    outline = shapely.union_all(shapely.box(d.lon[units] - half, d.lat[units] - half,
                                            d.lon[units] + half, d.lat[units] + half))
    return {"type": "Feature", "id": rank,
            "geometry": shapely.geometry.mapping(outline),
            "properties": {
                "rank": rank, "lon": round(lon, 6), "lat": round(lat, 6),
                "uncovered_elderly": round(float(left.sum())), "cells": len(units),
                "radius_m": radius,
                "too_far": round(float(left[status == circles.TOO_FAR].sum())),
                "over_capacity": round(float(left[status == circles.FULL].sum())),
                "off_network": round(float(left[status == circles.OFF_NETWORK].sum())),
                "median_walk_m": None if walk is None else round(walk),
                "median_walk_min": None if walk is None else round(walk / ctx.speed, 1),
                "nearest_site": site,
                "townships": sorted({str(t) for t in comms["township_name"].iloc[
                    by_comm.index.to_numpy()] if t}),
                "communities": [{"code": comms["code"].iloc[i], "name": comms["name"].iloc[i],
                                 "uncovered_elderly": round(float(v))}
                                for i, v in by_comm.head(5).items()]}}


@dataclass(frozen=True)
class Heat:
    """Uncovered elderly per cell on the grid's raster (NaN: nobody uncovered there), its
    bounds (west, south, east, north) and the grid's credit."""

    values: np.ndarray
    bounds: tuple[float, float, float, float]
    credit: str


def heat(u: Uncovered) -> Heat | None:
    """The uncovered elderly of a circle as a raster (None when every cell is covered)."""
    d = u.ctx.demand
    mask = u.left > 0
    if not mask.any():
        return None
    cell = float(d.grid["cell_deg"])
    idx = np.flatnonzero(mask)
    c0, r0 = d.col[idx].min(), d.row[idx].min()
    values = np.full((int(d.row[idx].max() - r0) + 1, int(d.col[idx].max() - c0) + 1), np.nan)
    values[d.row[idx] - r0, d.col[idx] - c0] = u.left[idx]
    west = float(d.lon[idx][np.argmin(d.col[idx])]) - cell / 2
    north = float(d.lat[idx][np.argmin(d.row[idx])]) + cell / 2
    return Heat(values, (west, north - values.shape[0] * cell, west + values.shape[1] * cell,
                         north), u.ctx.demand.as_dict()["population_credit"])


def heat_cells(conn, code: str, *, minutes: float | None = None, speed: float | None = None,
               profile: str | None = None, capacity: bool = True) -> dict:
    """Every cell of a division that leaves elderly uncovered, as GeoJSON squares with its
    elderly, those uncovered, its status and community (for GIS)."""
    u = uncovered(conn, code, minutes=minutes, speed=speed, profile=profile,
                  capacity=capacity)
    d = u.ctx.demand
    half = float(d.grid["cell_deg"]) / 2
    codes = u.ctx.communities["code"].to_numpy()
    features = [{"type": "Feature", "id": f"{int(d.col[i])}-{int(d.row[i])}",
                 "geometry": {"type": "Polygon", "coordinates": [[
                     [round(x0, 7), round(y0, 7)], [round(x1, 7), round(y0, 7)],
                     [round(x1, 7), round(y1, 7)], [round(x0, 7), round(y1, 7)],
                     [round(x0, 7), round(y0, 7)]]]},
                 "properties": {"elderly": round(float(d.elderly[i]), 2),
                                "uncovered_elderly": round(float(u.left[i]), 2),
                                "status": str(u.status[i]), "community": str(codes[d.community[i]]),
                                "walk_m": None if not np.isfinite(u.metres[i])
                                else round(float(u.metres[i]))}}
                for i in np.flatnonzero(u.left > 0)
                for x0, y0, x1, y1 in [(float(d.lon[i]) - half, float(d.lat[i]) - half,
                                        float(d.lon[i]) + half, float(d.lat[i]) + half)]]
    return {"type": "FeatureCollection", **u.ctx.header(), "features": features}
