"""Accessibility scores: two-step floating catchment area (2SFCA) and its enhanced form
(E2SFCA, step weights by travel-time zone), on network walking costs.

Step 1, per site j: R_j = S_j / Σ_k P_k · W(d_kj) over demand units k in the catchment.
Step 2, per demand unit i: A_i = Σ_j R_j · W(d_ij). W is 1 inside the catchment for 2SFCA;
for E2SFCA it steps down by zone (``access_weights``: 5/10/15 minutes → 1, 0.68, 0.22 by
default — a common choice in the literature, not a standard). Supply S is a site's places
(community eldercare sites) and demand P the people aged 60+ of a demand unit: a grid
cell where a population grid exists, else a community centre. A community's score is the
people-weighted mean of its units'. The same formulas as PySAL ``access``
(``two_stage_fca`` and ``enhanced_two_stage_fca``), which the tests check on a worked
case, computed here on the site–unit pairs within reach (``fca_pairs``; one Dijkstra pass
per batch of sites).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from geo.coverage import circle as circles
from geo.coverage import context as contexts
from geo.errors import InvalidInput

METHODS = ("2sfca", "e2sfca")


def weights(minutes: np.ndarray, method: str, zones: list[list[float]], limit_min: float):
    """W(d) for travel minutes (inf = out of reach)."""
    w = np.where(minutes <= limit_min, 1.0, 0.0)
    if method == "e2sfca":
        w = np.zeros_like(minutes, dtype=float)
        lower = -np.inf
        for upper, weight in sorted(zones):
            w = np.where((minutes > lower) & (minutes <= upper), weight, w)
            lower = upper
        w = np.where(minutes <= limit_min, w, 0.0)
    return w


def fca(costs_min: np.ndarray, supply: np.ndarray, demand: np.ndarray, method: str,
        zones: list[list[float]], limit_min: float) -> tuple[np.ndarray, np.ndarray]:
    """(score per demand point, ratio per site) from a sites × demand matrix of minutes."""
    w = weights(costs_min, method, zones, limit_min)
    reached = w @ demand
    ratio = np.divide(supply, reached, out=np.zeros(len(supply)), where=reached > 0)
    score = w.T @ ratio
    return score, ratio


def fca_pairs(pairs: tuple[np.ndarray, np.ndarray, np.ndarray], supply: np.ndarray,
              demand: np.ndarray, method: str, zones: list[list[float]], limit_min: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """``fca`` on the (site, unit, minutes) pairs within reach instead of a full matrix."""
    site, unit, minutes = pairs
    w = sp.csr_matrix((weights(minutes, method, zones, limit_min), (site, unit)),
                      shape=(len(supply), len(demand)))
    reached = w @ demand
    ratio = np.divide(supply, reached, out=np.zeros(len(supply)), where=reached > 0)
    return w.T @ ratio, ratio


def accessibility(conn, code: str, *, method: str = "e2sfca", minutes: float | None = None,
                  speed: float | None = None, profile: str | None = None) -> dict:
    """Places per 1000 elderly each community can reach (2SFCA / E2SFCA)."""
    if method not in METHODS:
        raise InvalidInput(f"method must be one of {', '.join(METHODS)}", field="method")
    ctx = contexts.build(conn, code, minutes=minutes, speed=speed, profile=profile)
    s = ctx.settings
    if minutes is None:
        ctx.minutes = float(s["access_catchment_min"])
    sites = circles.sites_frame(conn, ctx, None)
    supply = sites["places"].fillna(0).to_numpy(float)
    units = ctx.demand.elderly
    placed = ctx.place(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
    i, j, metres = ctx.model.pairs(placed, ctx.targets, ctx.limit_m)
    unit_score, ratio = fca_pairs((i, j, metres / ctx.speed), supply, units, method,
                                  s["access_weights"], ctx.minutes)
    comms = ctx.communities
    demand = ctx.demand.per_community(units, len(comms))
    score = np.divide(ctx.demand.per_community(unit_score * units, len(comms)), demand,
                      out=np.zeros(len(comms)), where=demand > 0) * 1000
    features = [{"type": "Feature", "id": c.code,
                 "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                 "properties": {"code": c.code, "name": c.name, "township_name": c.township_name,
                                "elderly": int(round(c.elderly)),
                                "score": round(float(score[k]), 2)}}
                for k, c in enumerate(comms.itertuples(index=False))]
    with_people = demand > 0
    summary = {
        "communities": len(comms), "sites": len(sites), "places": int(supply.sum()),
        "places_per_1000": round(float(supply.sum() / demand.sum() * 1000), 2)
        if demand.sum() else None,
        "score_median": round(float(np.median(score[with_people])), 2) if with_people.any()
        else None,
        "score_weighted_mean": round(float(np.average(score, weights=demand)), 2)
        if demand.sum() else None,
        "zero_score_communities": int(((score == 0) & with_people).sum()),
        "zero_score_elderly": int(round(float(units[unit_score == 0].sum())))}
    return {"type": "FeatureCollection", **ctx.header(), "score_method": method,
            "score_unit": "community eldercare places per 1000 people aged 60+ within reach",
            "weights": s["access_weights"] if method == "e2sfca" else None,
            "summary": summary, "features": features}
