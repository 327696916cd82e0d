"""Site suggestions: k new community eldercare sites that bring the most uncovered elderly
within reach (maximal covering location problem, PySAL ``spopt`` MCLP solved by CBC).

Existing sites stay where they are. The elderly they already serve (capacity counted, as
in the 15-minute circle) need nothing more, so the model is posed on what is left: each
demand unit (a grid cell, or a community centre where no grid exists) weighs its
uncovered elderly, and a candidate covers the units within the walking limit. This is the
same optimum as an MCLP with the existing sites fixed (``predefined_facilities``), on a
much smaller matrix. Units that the same candidates cover are one client of the model
(the same optimum, fewer rows); where more than ``MAX_CLIENTS`` remain, neighbouring cells
are merged into square blocks, a block counting as covered by a candidate that reaches
at least half its uncovered elderly, and the answer says so (``clients``). What each
chosen site newly covers is then counted cell by cell. Candidates are walkable street
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
import scipy.sparse as sp
from scipy.spatial import cKDTree

from geo import facilities
from geo.audit import Actor
from geo.coverage import circle as circles
from geo.coverage import context as contexts
from geo.coverage import gain as gains
from geo.coverage.graph import Graph, Snapped
from geo.coverage.scenarios import compare, save, scenario, scenarios  # noqa: F401 (callers)
from geo.crs import project
from geo.db import fetch_all, load_queries
from geo.divisions import divisions_frame
from geo.errors import InvalidInput

_Q = load_queries(__file__)

MAX_K = 20
MAX_CANDIDATES = 2_000
MAX_CLIENTS = 3_000


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
    lack = need > 0
    if not lack.any():
        return pd.DataFrame(columns=["lon", "lat", "label"])
    model = ctx.model
    demand_xy = project(model.proj, ctx.demand.lon[lack], ctx.demand.lat[lack])
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
            capacity: bool = True, demand: str = "auto") -> dict:
    """The ``k`` candidate sites covering the most uncovered elderly, each explained.

    With ``capacity`` (the default) the uncovered are the elderly today's sites cannot
    serve; without it, those of the communities no site reaches (distance only).
    """
    if not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidInput(f"k must be a whole number from 1 to {MAX_K}", field="k")
    ctx = contexts.build(conn, code, minutes=minutes, speed=speed, profile=profile,
                         demand=demand)
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
    lacking = np.flatnonzero(need > 0)
    pairs = ctx.model.pairs(placed, _subset(ctx.targets, lacking), ctx.limit_m)
    cover, weight, clients = _clients(ctx, lacking, need, pairs, len(cand))
    chosen = mclp(cover, weight, min(k, len(cand)))
    picked = cand.iloc[chosen].reset_index(drop=True)
    costs = ctx.model.costs(_subset(placed, np.array(chosen, dtype=int)), ctx.targets,
                            ctx.limit_m)
    return {**header, "clients": clients, **_explain(ctx, picked, costs, need),
            "assumption": gains.sentence(capacity)}


def _subset(placed, which: np.ndarray):
    """Some of the points placed on a travel model (snapped, or projected)."""
    if isinstance(placed, Snapped):
        return Snapped(placed.edge[which], placed.frac[which], placed.leg[which])
    return placed[which]


def _clients(ctx, lacking: np.ndarray, need: np.ndarray, pairs, candidates: int
             ) -> tuple[np.ndarray, np.ndarray, dict]:
    """The clients of the covering model: (clients × candidates coverage, the uncovered
    elderly each weighs, how they were formed). ``pairs`` are (candidate, position in
    ``lacking``, metres) within reach."""
    cand_of, unit_of, _ = pairs
    units = len(lacking)
    cover = sp.csr_matrix((np.ones(len(cand_of), dtype=np.int8), (unit_of, cand_of)),
                          shape=(units, candidates))
    cover.sum_duplicates()
    cover.sort_indices()
    cells_cover, cells_weight = cover, need[lacking]
    weight = cells_weight
    how = {"units": units, "block_cells": None}
    d = ctx.demand
    side = 1
    while True:
        key = _signatures(cover)
        groups, client = np.unique(key, return_inverse=True)
        if len(groups) <= MAX_CLIENTS or not d.cells:
            break
        # Too many distinct clients: cells merged into blocks of side × side cells, each
        # covered by a candidate reaching at least half its uncovered elderly.
        side *= 2
        col, row = d.col[lacking] // side, d.row[lacking] // side
        _, block = np.unique(col * (1 << 32) + row, return_inverse=True)
        per = sp.csr_matrix((cells_weight, (block, np.arange(units))),
                            shape=(block.max() + 1, units))
        reached = (per @ cells_cover.astype(float)).toarray()
        weight = np.bincount(block, weights=cells_weight)
        cover = sp.csr_matrix(reached >= weight[:, None] / 2)
        cover.sort_indices()
        how["block_cells"] = side
    w = np.bincount(client, weights=weight, minlength=len(groups))
    first = np.unique(client, return_index=True)[1]
    cover = cover[first]
    keep = np.diff(cover.indptr) > 0            # clients no candidate reaches weigh nothing
    how["clients"] = int(keep.sum())
    return cover[keep], w[keep], how


def mclp(cover: sp.csr_matrix, weight: np.ndarray, p: int) -> list[int]:
    """The ``p`` candidates (columns of ``cover``, clients × candidates) covering the most
    client weight: the maximal covering location problem as PySAL ``spopt`` poses it
    (``MCLP``: maximise Σ wᵢ yᵢ subject to Σ xⱼ = p and yᵢ ≤ Σ_{j covers i} xⱼ), with
    each constraint built from the candidates that cover the client only (spopt's builder
    walks every client × candidate pair: 26 s for 1,347 clients × 1,394 candidates), solved
    by CBC. The candidates chosen, in column order."""
    prob = pulp.LpProblem("civgeo-mclp", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x_{j}", cat="Binary") for j in range(cover.shape[1])]
    y = [pulp.LpVariable(f"y_{i}", cat="Binary") for i in range(cover.shape[0])]
    prob += pulp.LpAffineExpression(zip(y, weight.tolist(), strict=True))
    prob += pulp.lpSum(x) == p
    for i, (a, b) in enumerate(zip(cover.indptr[:-1], cover.indptr[1:], strict=True)):
        prob += pulp.LpAffineExpression([(x[j], 1) for j in cover.indices[a:b]]
                                        + [(y[i], -1)]) >= 0
    prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=60))
    return [j for j, v in enumerate(x) if (v.value() or 0) > 0.5]


def _signatures(cover: sp.csr_matrix) -> np.ndarray:
    """A key per row of a sorted sparse matrix, equal for rows with the same columns."""
    keys = [hash(cover.indices[a:b].tobytes()) for a, b in zip(cover.indptr[:-1],
                                                               cover.indptr[1:],
                                                               strict=True)]
    return np.array(keys, dtype=np.int64)


def _explain(ctx, picked: pd.DataFrame, costs: np.ndarray, need: np.ndarray) -> dict:
    """The chosen candidates with what each newly covers (``gain``), most first."""
    g = gains.gain(ctx, need, picked, costs)
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
