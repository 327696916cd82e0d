"""What new sites add to a division's circle: the one computation (``gain``) behind both
the what-if of a planner's clicks (``what_if``) and the explanation of suggested sites
(``geo.coverage.suggest``), so that the two agree.

Today's circle decides what is left to cover: with ``capacity`` (the default) the elderly
the existing sites cannot serve, nearest first and up to their places, as in the 15-minute
circle; without it, the elderly of the demand units (grid cells, or community centres
where no grid exists) no site reaches (distance only). Each new site is assumed to have
room for the elderly it newly covers. A unit within the walking limit of a new site gains
what it still lacks, counted once, for its nearest new site; a site's gain is told per
community (the sum of its units).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.coverage import circle as circles
from geo.coverage import context as contexts
from geo.coverage import method as methods
from geo.coverage import settings as cs
from geo.coverage.context import Context
from geo.errors import InvalidInput

MAX_WHAT_IF_SITES = 20


def current(conn, ctx: Context, *, capacity: bool = True) -> tuple[dict, np.ndarray]:
    """Today's circle of ``ctx`` (with capacity, or distance only): its summary, and the
    elderly of each demand unit it leaves unserved (what new sites could still cover)."""
    sites = circles.sites_frame(conn, ctx, None)
    s = circles.serve(ctx, sites, capacity=capacity)
    return (circles.summary(ctx, sites, s),
            unserved(ctx.demand.elderly, s.served, cells=ctx.demand.cells))


def what_if(conn, code: str, lon: float | None = None, lat: float | None = None, *,
            sites: list[dict] | None = None, minutes: float | None = None,
            speed: float | None = None, profile: str | None = None,
            capacity: bool = True, demand: str = "auto") -> dict:
    """What new sites at ``lon``, ``lat`` (or at each of ``sites``, up to 20) would add:
    the communities and elderly newly covered, and the share before and after.

    The same computation as the explanation of suggested sites (``geo.coverage.gain``):
    with ``capacity`` the elderly today's sites cannot serve, without it those of the
    communities no site reaches; each new site has room for what it newly covers.
    """
    points, field = _what_if_points(conn, lon, lat, sites)
    ctx = contexts.build(conn, code, minutes=minutes, speed=speed, profile=profile,
                         demand=demand)
    placed = ctx.place(points["lon"].to_numpy(float), points["lat"].to_numpy(float))
    on = ctx.reachable(placed)
    if not on.all():
        bad = int(np.flatnonzero(~on)[0])
        name = "lon" if field == "lon" else f"sites[{bad}]"
        raise InvalidInput(f"no walkable street within {ctx.snap_max:g} m of the new site"
                           + ("" if field == "lon" else f" {name}"), field=name)
    before, need = current(conn, ctx, capacity=capacity)
    g = gain(ctx, need, points, ctx.model.costs(placed, ctx.targets, ctx.limit_m))
    newly = []
    for n, site in enumerate(g["sites"], 1):
        site["why"], site["why_code"], site["why_args"] = why(ctx, site)
        newly += [{**c, "site": n} for c in site["communities"]]
    one = {"site": {"lon": float(points.at[0, "lon"]), "lat": float(points.at[0, "lat"])}} \
        if field == "lon" else {}
    return {**ctx.header(), **one, **g,
            "newly_covered": sorted(newly, key=lambda c: c["code"]), "before": before,
            "assumptions": assumptions(ctx, speed=speed, profile=profile, capacity=capacity),
            "assumption": sentence(capacity)}


def _what_if_points(conn, lon, lat, sites) -> tuple[pd.DataFrame, str]:
    """The new sites of a what-if (lon, lat, label) and the field that names them."""
    if sites is not None and (lon is not None or lat is not None):
        raise InvalidInput("give lon and lat of one new site, or sites, not both",
                           field="sites")
    if sites is None:
        if lon is None or lat is None:
            raise InvalidInput("give lon and lat of the new site, or sites",
                               field="lon" if lon is None else "lat")
        given, field = [{"lon": lon, "lat": lat}], "lon"
    else:
        if not 1 <= len(sites) <= MAX_WHAT_IF_SITES:
            raise InvalidInput(f"give 1 to {MAX_WHAT_IF_SITES} sites", field="sites")
        given, field = sites, "sites"
    rows = []
    for i, p in enumerate(given):
        name = "lon" if field == "lon" else f"sites[{i}]"
        x, y = contexts.point_of(p, name)
        cs.check_range(x, name, (-180, 180), "degrees (longitude)")
        cs.check_range(y, "lat" if field == "lon" else name, (-90, 90), "degrees (latitude)")
        methods.division_at(conn, x, y, field=name)  # InvalidInput outside every division
        rows.append({"lon": x, "lat": y, "label": p.get("name") or f"新增站点 {i + 1}"})
    return pd.DataFrame(rows), field


def assumptions(ctx: Context, *, speed: float | None, profile: str | None,
                capacity: bool) -> dict:
    """The assumptions behind an answer, for comparing scenarios: the walking limit, the
    speed, the walking profile (``custom`` for an explicit speed) and capacity."""
    return {"minutes": ctx.minutes, "speed_m_per_min": ctx.speed,
            "profile": "custom" if speed is not None else (profile or "adult"),
            "capacity": bool(capacity)}


def sentence(capacity: bool) -> str:
    """The capacity assumption in an English sentence (``assumptions`` has it as data)."""
    if capacity:
        return ("existing sites serve the elderly up to their places, nearest first; each "
                "new site is assumed to have room for the elderly it newly covers")
    return ("distance only: every site, existing or new, is assumed to have room for "
            "everyone it reaches")


def unserved(demand: np.ndarray, covered: np.ndarray, *, cells: bool = False) -> np.ndarray:
    """The elderly of each demand unit that today's circle leaves unserved: whole people
    per community (``covered`` rounded as the circle reports it), the exact remainder per
    grid cell (cells hold fractions of people)."""
    if cells:
        left = demand - covered
        return np.where(left > circles.CELL_SLACK * demand, left, 0.0)
    return np.maximum(demand - np.round(covered), 0)


def gain(ctx: Context, need: np.ndarray, points: pd.DataFrame,
         costs: np.ndarray | None = None) -> dict:
    """The elderly newly covered by new sites at ``points`` (``lon``, ``lat``, ``label``).

    Parameters
    ----------
    need
        Per demand unit (in ``ctx.demand`` order), the elderly today's circle leaves
        unserved (``unserved``).
    costs
        Metres from each point to each demand unit (points × units, inf beyond the
        walking limit), when the caller has them already.

    Returns
    -------
    dict
        ``sites`` (one per point, in order: ``lon``, ``lat``, ``label``,
        ``newly_covered_elderly`` and its ``communities``, nearest first, each with
        ``code``, ``name``, ``elderly``, ``elderly_gained``, ``distance_m``, ``minutes``
        and, on a grid, the ``cells`` gained and ``distance_m`` to the nearest of them),
        ``newly_covered_elderly``, ``share_before`` and ``share_after``.
    """
    d = ctx.demand
    if costs is None:
        placed = ctx.place(points["lon"].to_numpy(float), points["lat"].to_numpy(float))
        costs = ctx.model.costs(placed, ctx.targets, ctx.limit_m)
    if len(points):
        best = costs.argmin(axis=0)
        reach = np.isfinite(costs.min(axis=0))
    else:
        best = np.zeros(len(d), dtype=int)
        reach = np.zeros(len(d), dtype=bool)
    gained = reach & (need > 0)
    sites = []
    for j, p in enumerate(points.itertuples(index=False)):
        mine = np.flatnonzero(gained & (best == j))
        mine = mine[np.argsort(costs[j, mine], kind="stable")]
        got = need[mine]
        sites.append({"lon": round(float(p.lon), 7), "lat": round(float(p.lat), 7),
                      "label": p.label, "newly_covered_elderly": _people(got.sum()),
                      "communities": _communities(ctx, d.community[mine], got,
                                                  costs[j, mine])})
    total = float(d.elderly.sum())
    covered = total - float(need.sum())
    got = float(need[gained].sum())
    share = (lambda v: round(v / total, 4)) if total else (lambda v: None)
    out = {"sites": sites, "newly_covered_elderly": _people(got),
           "share_before": share(covered), "share_after": share(covered + got)}
    if d.cells:
        out["newly_covered_cells"] = int(gained.sum())
    return out


def _people(value: float) -> int:
    return int(round(float(value)))


def _communities(ctx: Context, which: np.ndarray, need: np.ndarray,
                 metres: np.ndarray) -> list[dict]:
    """The units gained (nearest first) told per community, in order of its nearest."""
    comms = ctx.communities
    order, first = np.unique(which, return_index=True)
    gained = np.bincount(np.searchsorted(order, which), weights=need, minlength=len(order))
    cells = np.bincount(np.searchsorted(order, which), minlength=len(order))
    out = []
    for k in np.argsort(first, kind="stable"):
        row = comms.iloc[int(order[k])]
        m = float(metres[first[k]])
        c = {"code": row["code"], "name": row["name"], "elderly": _people(row["elderly"]),
             "elderly_gained": _people(gained[k]), "distance_m": round(m),
             "minutes": round(m / ctx.speed, 1)}
        if ctx.demand.cells:
            c["cells"] = int(cells[k])
        out.append(c)
    return out


def why(ctx: Context, site: dict) -> tuple[str, str, dict]:
    """A site's gain in words: (English sentence, code, its numbers for a catalog)."""
    args = {"elderly": site["newly_covered_elderly"], "communities": len(site["communities"]),
            "minutes": ctx.minutes}
    return (f"brings {args['elderly']:,} uncovered elderly in {args['communities']} "
            f"communities within {ctx.minutes:g} minutes", "newly_covers", args)
