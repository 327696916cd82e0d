"""Saved coverage scenarios: a set of suggested sites (``suggest``) or of sites a planner
tried (``what_if``), named, kept with the assumptions they were computed under, and
compared side by side: what each adds, how they differ from the first, and a warning when
they were computed under different assumptions (walking speed or limit, capacity, division).
"""

from __future__ import annotations

import json

from geo import audit
from geo.audit import Actor
from geo.coverage import circle as circles
from geo.db import fetch_all, fetch_one, load_queries
from geo.errors import InvalidInput, NotFound

_Q = load_queries(__file__)

MAX_COMPARED = 10
# Assumption → warning code, in the order warnings are given.
_WARNINGS = (("division", "different_division"), ("speed_m_per_min", "different_speed"),
             ("minutes", "different_minutes"), ("capacity", "different_capacity"),
             ("demand", "different_demand"))


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
                 after={"name": name, "division": code, "kind": params.get("kind")})
    return {"id": row["id"], "created_at": row["created_at"]}


def what_if_and_save(conn, actor: Actor, code: str, name: str | None, *,
                     lon: float | None = None, lat: float | None = None,
                     sites: list[dict] | None = None, minutes: float | None = None,
                     speed: float | None = None, profile: str | None = None,
                     capacity: bool = True) -> dict:
    """``circle.what_if``, then the result saved as a named scenario (under ``scenario``)."""
    if not name or not name.strip():
        raise InvalidInput("a saved scenario needs a name", field="name")
    result = circles.what_if(conn, code, lon, lat, sites=sites, minutes=minutes, speed=speed,
                             profile=profile, capacity=capacity)
    params = {"kind": "what_if", "division": code, "lon": lon, "lat": lat, "sites": sites,
              "minutes": minutes, "speed": speed, "profile": profile, "capacity": capacity,
              "assumptions": result["assumptions"]}
    return {**result, "scenario": save(conn, actor, code, name, params, result)}


def scenarios(conn, code: str | None = None) -> list[dict]:
    """The saved scenarios (of a division), newest first."""
    return fetch_all(conn, _Q["list"], {"code": code})


def scenario(conn, scenario_id: int) -> dict:
    """One saved scenario with its parameters and result."""
    row = fetch_one(conn, _Q["get"], {"id": scenario_id})
    if row is None:
        raise NotFound(f"no scenario {scenario_id}", field="id")
    return row


def figures(row: dict) -> dict:
    """A saved scenario's figures: kind, division, assumptions, the sites added with what
    each newly covers (and its communities), the totals and the shares."""
    r, params = row["result"], row["params"] or {}
    kind = params.get("kind") or ("what_if" if "suggestions" not in r else "suggestions")
    sites = r.get("suggestions") if kind == "suggestions" else r.get("sites")
    return {"id": row["id"], "name": row["name"], "kind": kind,
            "division": row["division_code"], "created_by": row["created_by"],
            "created_at": row["created_at"], "params": params, "k": r.get("k"),
            "assumptions": assumptions_of(row),
            "newly_covered_elderly": r.get("newly_covered_elderly"),
            "share_before": r.get("share_before"), "share_after": r.get("share_after"),
            "demand": r.get("demand"), "population_credit": r.get("population_credit"),
            "sites": [{"rank": s.get("rank", n), "label": s.get("label"), "lon": s["lon"],
                       "lat": s["lat"], "newly_covered_elderly": s["newly_covered_elderly"],
                       "communities": [{k: c.get(k) for k in ("code", "name", "elderly_gained",
                                                              "distance_m", "minutes")}
                                       for c in s.get("communities", [])]}
                      for n, s in enumerate(sites or [], 1)]}


def assumptions_of(row: dict) -> dict:
    """The assumptions a scenario was computed under; those saved before scenarios kept
    them were suggestions, which always counted capacity."""
    r, params = row["result"], row["params"] or {}
    found = r.get("assumptions") or params.get("assumptions")
    if found:
        return found
    return {"minutes": r.get("minutes"), "speed_m_per_min": r.get("speed_m_per_min"),
            "profile": "custom" if params.get("speed") is not None
            else (params.get("profile") or "adult"), "capacity": True}


def compare(conn, ids: list[int]) -> dict:
    """Scenarios side by side (``scenarios``), how each after the first differs from the
    first (``differences``, one per later scenario), and ``warnings`` where their
    assumptions differ."""
    if not 1 <= len(ids) <= MAX_COMPARED:
        raise InvalidInput(f"compare 1 to {MAX_COMPARED} scenarios", field="ids")
    table = [figures(scenario(conn, i)) for i in ids]
    return {"scenarios": table,
            "differences": [differences(table[0], other) for other in table[1:]],
            "warnings": warnings(table)}


def differences(base: dict, other: dict) -> dict:
    """How ``other`` differs from ``base`` (both ``figures``): sites only in one,
    communities newly covered by one and not the other, and the change (``_delta``: other
    − base) in newly covered elderly and in the share after."""
    def key(site):
        return round(float(site["lon"]), 6), round(float(site["lat"]), 6)

    def covered(fig):
        out = {}
        for s in fig["sites"]:
            for c in s["communities"]:
                out[c["code"]] = {"code": c["code"], "name": c["name"],
                                  "elderly": c["elderly_gained"]}
        return out

    here, there = {key(s) for s in base["sites"]}, {key(s) for s in other["sites"]}
    mine, theirs = covered(base), covered(other)
    after = (None if other["share_after"] is None or base["share_after"] is None
             else round(other["share_after"] - base["share_after"], 4))
    return {"base": base["id"], "other": other["id"],
            "sites_only_in_base": [_site(s) for s in base["sites"] if key(s) not in there],
            "sites_only_in_other": [_site(s) for s in other["sites"] if key(s) not in here],
            "communities_only_in_base": [c for k, c in sorted(mine.items()) if k not in theirs],
            "communities_only_in_other": [c for k, c in sorted(theirs.items())
                                          if k not in mine],
            "newly_covered_elderly_delta": (other["newly_covered_elderly"] or 0)
            - (base["newly_covered_elderly"] or 0),
            "share_after_delta": after}


def _site(s: dict) -> dict:
    return {k: s[k] for k in ("label", "lon", "lat", "newly_covered_elderly")}


def warnings(table: list[dict]) -> list[dict]:
    """One warning per assumption the scenarios do not share (machine codes: a page says
    them in its language), with every scenario's id and value."""
    out = []
    for name, code in _WARNINGS:
        values = [t["division"] if name == "division"
                  else t["demand"] or "communities" if name == "demand"   # saved before grids
                  else t["assumptions"].get(name) for t in table]
        if len({_same(v) for v in values}) > 1:
            out.append({"code": code, "scenarios": [t["id"] for t in table],
                        "values": values})
    return out


def _same(value):
    """A value as compared: 60 and 60.0 m/min are one speed."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return json.dumps(value, sort_keys=True)
