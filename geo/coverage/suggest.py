"""Site suggestions: k new community eldercare sites that bring the most uncovered elderly
within reach (maximal covering location problem, PySAL ``spopt`` MCLP solved by CBC).

Existing sites stay where they are. The elderly they already serve (capacity counted, as
in the 15-minute circle) need nothing more, so the model is posed on what is left: each
community weighs its uncovered elderly, and a candidate covers the communities within the
walking limit. This is the same optimum as an MCLP with the existing sites fixed
(``predefined_facilities``), on a much smaller matrix. Candidates are walkable street
intersections on a ``candidate_spacing_m`` grid (at most a quarter of the walking limit;
network), or grid points (straight-line),
that lie in the division within reach of an uncovered community; a planner may pass their
own candidate points (public buildings, vacant parcels) instead.

Each suggestion is explained by the communities it newly covers (each counted once, for
the nearest suggestion) and their elderly: ``geo.coverage.gain``, the computation the
what-if uses too, so a point suggested and the same point clicked give the same figures.
``capacity=False`` poses it all on distance only. Scenarios are saved and compared in
``geo.coverage.scenarios``.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp
from scipy.spatial import cKDTree
from spopt.locate import MCLP

from geo import facilities
from geo.audit import Actor
from geo.coverage import circle as circles
from geo.coverage import context as contexts
from geo.coverage import gain as gains
from geo.coverage.graph import Graph
from geo.coverage.scenarios import compare, save, scenario, scenarios  # noqa: F401 (callers)
from geo.crs import project
from geo.db import fetch_all, load_queries
from geo.divisions import divisions_frame
from geo.errors import InvalidInput

_Q = load_queries(__file__)

MAX_K = 20
MAX_CANDIDATES = 2_000


def _candidates(conn, ctx, need: np.ndarray, points: list[dict] | None) -> pd.DataFrame:
    """Candidate sites as lon, lat (and where they came from)."""
    if points:
        if len(points) > MAX_CANDIDATES:
            raise InvalidInput(f"at most {MAX_CANDIDATES} candidates", field="candidates")
        rows = []
        for i, p in enumerate(points):
            lon, lat = contexts.point_of(p, f"candidates[{i}]")
            rows.append({"lon": lon, "lat": lat, "label": p.get("name") or f"候选点 {i + 1}"})
        frame = pd.DataFrame(rows)
        inside = _inside(conn, ctx, frame)
        if not inside.all():
            bad = int(np.flatnonzero(~inside)[0])
            raise InvalidInput(f"candidates[{bad}] lies outside {ctx.division['name']}",
                               field=f"candidates[{bad}]")
        return frame
    spacing = min(float(ctx.settings["candidate_spacing_m"]), ctx.limit_m / 4)
    comms = ctx.communities
    lack = need > 0
    if not lack.any():
        return pd.DataFrame(columns=["lon", "lat", "label"])
    model = ctx.model
    demand_xy = project(model.proj, comms["lon"].to_numpy(float)[lack],
                        comms["lat"].to_numpy(float)[lack])
    if isinstance(model, Graph):
        xy = model.node_xy
    else:
        low, high = demand_xy.min(axis=0) - ctx.limit_m, demand_xy.max(axis=0) + ctx.limit_m
        gx, gy = np.meshgrid(np.arange(low[0], high[0], spacing), np.arange(low[1], high[1],
                                                                              spacing))
        xy = np.column_stack([gx.ravel(), gy.ravel()])
    reach = ctx.limit_m / getattr(model, "detour", 1.0)
    near = np.isfinite(cKDTree(demand_xy).query(xy, distance_upper_bound=reach)[0])
    xy = xy[near]
    while True:
        cells = np.floor(xy / spacing).astype(np.int64)
        _, first = np.unique(cells, axis=0, return_index=True)
        if len(first) <= MAX_CANDIDATES:
            break
        spacing *= 1.5
    lonlat = model.to_lonlat(xy[np.sort(first)])
    frame = pd.DataFrame({"lon": lonlat[:, 0], "lat": lonlat[:, 1]})
    frame = frame[_inside(conn, ctx, frame)].reset_index(drop=True)
    frame["label"] = [f"候选点 {i + 1}" for i in range(len(frame))]
    return frame


def _inside(conn, ctx, frame: pd.DataFrame) -> np.ndarray:
    if not len(frame):
        return np.zeros(0, dtype=bool)
    rows = fetch_all(conn, _Q["inside"], {"code": ctx.division["code"],
                                          "lons": frame["lon"].tolist(),
                                          "lats": frame["lat"].tolist()})
    return np.array([r["inside"] for r in rows], dtype=bool)


def suggest(conn, code: str, *, k: int = 3, minutes: float | None = None,
            speed: float | None = None, profile: str | None = None,
            candidates: list[dict] | None = None, places: int | None = None,
            capacity: bool = True) -> dict:
    """The ``k`` candidate sites covering the most uncovered elderly, each explained.

    With ``capacity`` (the default) the uncovered are the elderly today's sites cannot
    serve; without it, those of the communities no site reaches (distance only).
    """
    if not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidInput(f"k must be a whole number from 1 to {MAX_K}", field="k")
    ctx = contexts.build(conn, code, minutes=minutes, speed=speed, profile=profile)
    before, need = gains.current(conn, ctx, capacity=capacity)
    cand = _candidates(conn, ctx, need, candidates)
    header = {**ctx.header(), "k": k, "candidates": len(cand), "before": before,
              "assumptions": gains.assumptions(ctx, speed=speed, profile=profile,
                                               capacity=capacity)}
    if not len(cand) or not need.any():
        nothing = gains.gain(ctx, need, cand.iloc[:0])
        return {**header, "suggestions": [], "newly_covered_elderly": 0,
                "share_before": nothing["share_before"], "share_after": nothing["share_after"],
                "assumption": "nothing left to cover" if not need.any()
                else "no candidate site in reach of an uncovered community"}
    placed = ctx.place(cand["lon"].to_numpy(float), cand["lat"].to_numpy(float))
    usable = ctx.reachable(placed)
    if candidates and not usable.all():
        bad = int(np.flatnonzero(~usable)[0])
        raise InvalidInput(f"candidates[{bad}] is farther than {ctx.snap_max:g} m from any "
                           "walkable street", field=f"candidates[{bad}]")
    cand = cand[usable].reset_index(drop=True)
    placed = ctx.place(cand["lon"].to_numpy(float), cand["lat"].to_numpy(float))
    costs = ctx.model.costs(placed, ctx.targets, ctx.limit_m)       # candidates × communities
    lacking = np.flatnonzero(need > 0)
    sub = costs[:, lacking].T                                        # communities × candidates
    sub = np.where(np.isfinite(sub), sub, ctx.limit_m * 10)
    p = min(k, len(cand))
    model = MCLP.from_cost_matrix(sub, need[lacking], service_radius=ctx.limit_m,
                                  p_facilities=p, name="civgeo-mclp")
    model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=60))
    chosen = [j for j in range(len(cand)) if model.fac2cli[j] is not None
              and pulp.value(model.fac_vars[j]) > 0.5]
    return {**header, **_explain(ctx, cand, costs, need, chosen),
            "assumption": gains.sentence(capacity)}


def _explain(ctx, cand: pd.DataFrame, costs: np.ndarray, need: np.ndarray,
             chosen: list[int]) -> dict:
    """The chosen candidates with what each newly covers (``gain``), most first."""
    g = gains.gain(ctx, need, cand.iloc[chosen].reset_index(drop=True), costs[chosen])
    suggestions = sorted(g.pop("sites"), key=lambda s: -s["newly_covered_elderly"])
    for rank, s in enumerate(suggestions, 1):
        s["rank"] = rank
        s["why"], s["why_code"], s["why_args"] = gains.why(ctx, s)
    return {"suggestions": suggestions, **g}


def suggest_and_save(conn, actor: Actor, code: str, name: str | None, *, k: int = 3,
                     minutes: float | None = None, speed: float | None = None,
                     profile: str | None = None, candidates: list[dict] | None = None,
                     capacity: bool = True) -> dict:
    """``suggest``, then the result saved as a named scenario (under ``scenario``)."""
    if not name or not name.strip():
        raise InvalidInput("a saved scenario needs a name", field="name")
    params = {"kind": "suggestions", "division": code, "k": k, "minutes": minutes,
              "speed": speed, "profile": profile, "candidates": candidates,
              "capacity": capacity}
    result = suggest(conn, code, k=k, minutes=minutes, speed=speed, profile=profile,
                     candidates=candidates, capacity=capacity)
    params["assumptions"] = result["assumptions"]
    return {**result, "scenario": save(conn, actor, code, name, params, result)}


@dataclass(frozen=True)
class SuggestionsMap:
    """What the map of suggested sites shows: the suggestions (``suggest``, or a saved
    scenario's result), today's circle at the same walking limit and speed, the division's
    and its communities' polygons, the names of the facility types, and the scenario
    (None for fresh suggestions)."""

    result: dict
    current: dict
    frame: gpd.GeoDataFrame
    type_names: dict[str, str]
    scenario: dict | None = None


def suggestions_map(conn, code: str | None, *, k: int = 3,
                    scenario_id: int | None = None) -> SuggestionsMap:
    """Suggested sites for a division, or those of a saved scenario (whose division wins)."""
    saved = None
    if scenario_id is not None:
        saved = scenario(conn, scenario_id)
        result, code = saved["result"], saved["division_code"]
    elif not code:
        raise InvalidInput("give a division or a saved scenario", field="division")
    else:
        result = suggest(conn, code, k=k)
    if "suggestions" not in result:         # a saved what-if: its sites, in the order given
        result = {**result, "suggestions": [{**s, "rank": n}
                                            for n, s in enumerate(result.get("sites", []), 1)]}
    capacity = (result.get("assumptions") or {}).get("capacity", True)
    current = circles.circle(conn, code, minutes=result["minutes"],
                             speed=result["speed_m_per_min"], capacity=capacity)
    div = current["division"]
    return SuggestionsMap(result, current,
                          divisions_frame(conn, div["code"], [div["level"], "community"]),
                          facilities.type_names(conn), saved)
