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
the nearest suggestion) and their elderly. Scenarios can be saved and compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp
from scipy.spatial import cKDTree
from spopt.locate import MCLP

from geo import audit, facilities
from geo.audit import Actor
from geo.coverage import circle as circles
from geo.coverage import context as contexts
from geo.coverage.graph import Graph
from geo.crs import project
from geo.db import fetch_all, fetch_one, load_queries
from geo.divisions import divisions_frame
from geo.errors import InvalidInput, NotFound

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
            candidates: list[dict] | None = None, places: int | None = None) -> dict:
    """The ``k`` candidate sites covering the most uncovered elderly, each explained."""
    if not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidInput(f"k must be a whole number from 1 to {MAX_K}", field="k")
    ctx = contexts.build(conn, code, minutes=minutes, speed=speed, profile=profile)
    before = circles.evaluate(conn, ctx, circles.sites_frame(conn, ctx, None))
    comms = ctx.communities
    covered = np.array([c["covered_elderly"] for c in before["communities"]], dtype=float)
    need = np.maximum(comms["elderly"].to_numpy(float) - covered, 0)
    cand = _candidates(conn, ctx, need, candidates)
    header = {**ctx.header(), "k": k, "candidates": len(cand),
              "before": before["summary"]}
    if not len(cand) or not need.any():
        share = before["summary"]["elderly_share"]
        return {**header, "suggestions": [], "newly_covered_elderly": 0,
                "share_before": share, "share_after": share,
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
    return {**header, **_explain(ctx, cand, costs, need, chosen)}


def _explain(ctx, cand: pd.DataFrame, costs: np.ndarray, need: np.ndarray,
             chosen: list[int]) -> dict:
    comms = ctx.communities
    sub = costs[chosen]
    best = sub.argmin(axis=0) if len(chosen) else np.zeros(len(comms), dtype=int)
    reach = np.isfinite(sub.min(axis=0)) if len(chosen) else np.zeros(len(comms), dtype=bool)
    gain = reach & (need > 0)
    suggestions = []
    for rank, j in enumerate(chosen):
        mine = np.flatnonzero(gain & (best == rank))
        suggestions.append({
            "rank": rank + 1, "lon": round(float(cand.at[j, "lon"]), 7),
            "lat": round(float(cand.at[j, "lat"]), 7), "label": cand.at[j, "label"],
            "newly_covered_elderly": int(need[mine].sum()),
            "communities": [{"code": comms.at[i, "code"], "name": comms.at[i, "name"],
                             "elderly_gained": int(need[i]),
                             "distance_m": round(float(sub[rank, i])),
                             "minutes": round(float(sub[rank, i]) / ctx.speed, 1)}
                            for i in mine[np.argsort(sub[rank, mine])]]})
    suggestions.sort(key=lambda s: -s["newly_covered_elderly"])
    for rank, s in enumerate(suggestions, 1):
        s["rank"] = rank
        s["why"] = (f"brings {s['newly_covered_elderly']:,} uncovered elderly in "
                    f"{len(s['communities'])} communities within {ctx.minutes:g} minutes")
    total = float(comms["elderly"].sum()) or 1.0
    gained = float(need[gain].sum())
    covered = total - float(need.sum())
    return {"suggestions": suggestions, "newly_covered_elderly": int(gained),
            "share_before": round(covered / total, 4),
            "share_after": round((covered + gained) / total, 4),
            "assumption": "each new site is assumed to have room for the elderly it newly "
                          "covers"}


def suggest_and_save(conn, actor: Actor, code: str, name: str | None, *, k: int = 3,
                     minutes: float | None = None, speed: float | None = None,
                     profile: str | None = None, candidates: list[dict] | None = None) -> dict:
    """``suggest``, then the result saved as a named scenario (under ``scenario``)."""
    if not name or not name.strip():
        raise InvalidInput("a saved scenario needs a name", field="name")
    params = {"division": code, "k": k, "minutes": minutes, "speed": speed,
              "profile": profile, "candidates": candidates}
    result = suggest(conn, code, k=k, minutes=minutes, speed=speed, profile=profile,
                     candidates=candidates)
    return {**result, "scenario": save(conn, actor, code, name, params, result)}


def save(conn, actor: Actor, code: str, name: str, params: dict, result: dict) -> dict:
    """Store a scenario (its parameters and result) for later comparison."""
    if not name or not name.strip():
        raise InvalidInput("a saved scenario needs a name", field="name")
    row = fetch_one(conn, _Q["save"], {"code": code, "name": name.strip(),
                                       "params": json.dumps(params, ensure_ascii=False),
                                       "result": json.dumps(result, ensure_ascii=False,
                                                            default=str),
                                       "actor": actor.name})
    audit.record(conn, actor, "coverage.scenario.save", "scenario", row["id"],
                 after={"name": name, "division": code})
    return {"id": row["id"], "created_at": row["created_at"]}


def scenarios(conn, code: str | None = None) -> list[dict]:
    """The saved scenarios (of a division), newest first."""
    return fetch_all(conn, _Q["list"], {"code": code})


def scenario(conn, scenario_id: int) -> dict:
    """One saved scenario with its parameters and result."""
    row = fetch_one(conn, _Q["get"], {"id": scenario_id})
    if row is None:
        raise NotFound(f"no scenario {scenario_id}", field="id")
    return row


def compare(conn, ids: list[int]) -> list[dict]:
    """Side by side: each scenario's division, k, sites and elderly newly covered."""
    if not 1 <= len(ids) <= 10:
        raise InvalidInput("compare 1 to 10 scenarios", field="ids")
    out = []
    for scenario_id in ids:
        row = scenario(conn, scenario_id)
        r = row["result"]
        out.append({"id": row["id"], "name": row["name"], "division": row["division_code"],
                    "created_by": row["created_by"], "created_at": row["created_at"],
                    "params": row["params"], "k": r.get("k"),
                    "newly_covered_elderly": r.get("newly_covered_elderly"),
                    "share_before": r.get("share_before"), "share_after": r.get("share_after"),
                    "sites": [{k: s[k] for k in ("rank", "lon", "lat", "newly_covered_elderly")}
                              for s in r.get("suggestions", [])]})
    return out


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
    current = circles.circle(conn, code, minutes=result["minutes"],
                             speed=result["speed_m_per_min"])
    div = current["division"]
    return SuggestionsMap(result, current,
                          divisions_frame(conn, div["code"], [div["level"], "community"]),
                          facilities.type_names(conn), saved)
