"""Indicators per division (DOMAIN §E–F), for a division and each county or township in it.

- 每千名老年人养老床位数: beds in open eldercare sites ÷ people aged 60+ × 1000, against
  ``beds_per_1000_target`` (35 by default; Zhuzhou's 2018 plan: 32).
- 护理型床位占比: nursing beds ÷ institutional beds, against ``nursing_share_target`` (55 %).
- 社区养老服务设施覆盖率: share of 社区 (urban) and 村 (rural) within the walking limit of a
  community eldercare site (distance only: the community's centre, or on a population
  grid at least half of its elderly), against the city's targets where set
  (Zhuzhou: 80 % / 58 %); and the share of the elderly the 15-minute circle covers with
  site capacity taken into account.
- 公益性公墓 coverage of villages: share of 村 whose township has a public cemetery (or that
  have their own village 公益性墓地), against ``cemetery_village_coverage_target`` (100 %:
  the 2018 guidance asks for every township).
- Relief reach: share of people living within ``relief_sla_hours`` by road of a relief
  warehouse, at ``relief_road_speed_kmh``, and the longest time.

Divisions without a network get the straight-line estimate, and every row says which.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.coverage import circle as circles
from geo.coverage import context as contexts
from geo.db import fetch_all, load_queries
from geo.divisions import division_prefix

_Q = load_queries(__file__)


def _ratio(a: float, b: float, scale: float = 1.0, digits: int = 4):
    return None if not b else round(float(a) / float(b) * scale, digits)


def indicators(conn, code: str, *, minutes: float | None = None, speed: float | None = None,
               profile: str | None = None) -> dict:
    """The indicator table of ``code`` (first row) and its children, with targets."""
    ctx = contexts.build(conn, code, minutes=minutes, speed=speed, profile=profile)
    s = ctx.settings
    circle = circles.evaluate(conn, ctx, circles.sites_frame(conn, ctx, None))
    comms = pd.DataFrame(circle["communities"])
    relief = _relief(conn, code, s)
    rows = []
    for r in fetch_all(conn, _Q["rows"], {"code": code}):
        prefix = division_prefix(r["code"])
        mine = comms[comms["code"].str.startswith(prefix)] if len(comms) else comms
        rows.append(_row(r, mine, relief, s))
    targets = {
        "beds_per_1000": s["beds_per_1000_target"], "nursing_share": s["nursing_share_target"],
        "community_coverage_urban": s["community_coverage_target_urban"],
        "community_coverage_rural": s["community_coverage_target_rural"],
        "cemetery_village_coverage": s["cemetery_village_coverage_target"],
        "relief_sla_hours": s["relief_sla_hours"]}
    features = [{"type": "Feature", "id": row["code"],
                 "geometry": shapely.geometry.mapping(shapely.from_wkb(bytes(geom)))
                 if geom is not None else None,
                 "properties": row} for row, geom in rows]
    return {"type": "FeatureCollection", **ctx.header(), "targets": targets,
            "relief_method": relief["method"], "features": features,
            "summary": features[0]["properties"] if features else None}


def _row(r: dict, comms: pd.DataFrame, relief: dict, s: dict):
    # The loaded communities sum to the census figures of a loaded county; a city loaded
    # in part (central Wuhan) counts only what is loaded.
    elderly = int(round(comms["elderly"].sum())) if len(comms) else (r["elderly"] or 0)
    beds_per_1000 = _ratio(r["beds"], elderly, 1000, 1)
    nursing = _ratio(r["nursing_beds"], r["institution_beds"])
    row = {"code": r["code"], "name": r["name"], "level": r["level"],
           "elderly": elderly, "total": r["total"],
           "beds": int(r["beds"]), "institution_beds": int(r["institution_beds"]),
           "nursing_beds": int(r["nursing_beds"]), "institutions": r["institutions"],
           "beds_per_1000": beds_per_1000,
           "beds_ok": None if beds_per_1000 is None else beds_per_1000 >= s["beds_per_1000_target"],
           "nursing_share": nursing,
           "nursing_ok": None if nursing is None else nursing >= s["nursing_share_target"],
           "circle_sites": r["circle_sites"]}
    if len(comms):
        reach = comms["within_limit"].astype(bool)
        urban = comms["urban"].fillna(True).astype(bool)
        row.update(
            communities_urban=int(urban.sum()), communities_rural=int((~urban).sum()),
            community_coverage_urban=_ratio((reach & urban).sum(), urban.sum()),
            community_coverage_rural=_ratio((reach & ~urban).sum(), (~urban).sum()),
            circle_elderly_share=_ratio(comms["covered_elderly"].sum(), comms["elderly"].sum()))
        for side in ("urban", "rural"):
            target = s[f"community_coverage_target_{side}"]
            value = row[f"community_coverage_{side}"]
            row[f"community_coverage_{side}_ok"] = (None if target is None or value is None
                                                    else value >= target)
    cemetery = _ratio(r["villages_served"], r["villages"])
    row.update(villages=r["villages"], villages_with_public_cemetery=r["villages_served"],
               cemetery_village_coverage=cemetery,
               cemetery_ok=None if cemetery is None
               else cemetery >= s["cemetery_village_coverage_target"])
    mine = relief["frame"][relief["frame"]["code"].str.startswith(division_prefix(r["code"]))]
    if len(mine):
        within = mine["hours"] <= s["relief_sla_hours"]
        finite = mine["hours"][np.isfinite(mine["hours"])]
        row.update(relief_share_within_sla=_ratio(mine.loc[within, "total"].sum(),
                                                  mine["total"].sum()),
                   relief_max_hours=round(float(finite.max()), 2) if len(finite) else None,
                   relief_unreachable_communities=int((~np.isfinite(mine["hours"])).sum()),
                   relief_ok=bool(within.all()))
    return row, r["geom"]


def _relief(conn, code: str, s: dict) -> dict:
    """Hours by road from each community to its nearest relief warehouse."""
    speed_m_per_min = float(s["relief_road_speed_kmh"]) * 1000 / 60
    hours = float(s["relief_sla_hours"])
    ctx = contexts.build(conn, code, minutes=hours * 60 * 4, speed=None, road=True)
    ctx.speed = speed_m_per_min
    ctx.targets = ctx.place(ctx.communities["lon"].to_numpy(float),
                            ctx.communities["lat"].to_numpy(float))
    types = list(s["relief_tiers"])
    sites = ctx.sites(conn, types)
    frame = ctx.communities[["code", "total"]].copy()
    if len(sites):
        placed = ctx.place(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
        dist, _ = ctx.model.nearest(placed, ctx.targets, ctx.limit_m)
    else:
        dist = np.full(len(frame), np.inf)
    frame["hours"] = dist / speed_m_per_min / 60
    return {"frame": frame, "method": {**ctx.method.as_dict(), "speed_kmh":
                                       s["relief_road_speed_kmh"], "warehouses": len(sites)}}
