"""The 15-minute eldercare circle (15分钟养老服务圈) of a division.

The elderly are counted per demand unit (``geo.coverage.context.Demand``): each populated
100 m cell of a population grid where one exists, else each community's (社区/村) centre,
placed on the walking network. One multi-source Dijkstra from every community-level
eldercare site that can serve the division gives each unit its nearest site and walking
distance (the site's catchment). A unit is *covered* when the sites within the time limit
have room for all its elderly: sites are filled nearest-first, AccessMod-style, each
holding ``places ÷ elderly_places_share`` elderly (a site whose places are unknown is not
capped, and the answer says how many such sites there are); ``covered_elderly`` counts the
part served. Uncovered units say why: too far (and how far), served only by full sites,
or off the street network.

On a grid a community's figures are the sums of its cells: it is covered when all of its
elderly are, *partly covered* when some are (its reason says how many and why not the
rest), and otherwise takes the reason of most of its elderly; its distance is the walk of
its median elderly person (``distance_basis``).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import facilities
from geo.coverage import context as contexts
from geo.coverage.context import Context
from geo.divisions import divisions_frame

COVERED, FULL, TOO_FAR, OFF_NETWORK = "covered", "over_capacity", "too_far", "off_network"
PARTLY, EMPTY = "partly_covered", "no_elderly"   # communities on a grid only
TOO_FAR_NONE = "too_far_none"      # a reason code only: no site at all within 20 × the limit
OFF_NETWORK_CELLS = "off_network_cells"   # a reason code only: on a grid
CELL_SLACK = 1e-6    # a grid cell is served when what is left is below this share of it


def sites_frame(conn, ctx: Context, extra: list[dict] | None) -> pd.DataFrame:
    """The circle sites of a context (and ``extra`` planned sites) as a DataFrame."""
    sites = ctx.sites(conn, contexts.circle_types(conn))
    if extra:
        rows = []
        for i, site in enumerate(extra):
            lon, lat = contexts.point_of(site, f"sites[{i}]")
            rows.append({"id": None, "name": site.get("name") or f"新增站点 {i + 1}",
                         "type": "community_station", "type_name": "社区养老服务站 (planned)",
                         "places": site.get("places"), "lon": lon, "lat": lat, "inside": True,
                         "planned": True})
        sites = pd.concat([sites, pd.DataFrame(rows)], ignore_index=True)
    if "planned" not in sites:
        sites["planned"] = False
    sites["planned"] = sites["planned"].fillna(False).astype(bool)
    return sites


def _capacity(ctx: Context, sites: pd.DataFrame) -> np.ndarray:
    share = float(ctx.settings["elderly_places_share"])
    places = pd.to_numeric(sites["places"], errors="coerce").to_numpy(float)
    return np.where(np.isfinite(places), places / share, np.inf)


def allocate(pairs: tuple[np.ndarray, np.ndarray, np.ndarray], demand: np.ndarray,
             capacity: np.ndarray):
    """Share out site capacity nearest-first; return the elderly served per community, the
    site serving most of each community (-1: none; the first such site on a tie) and the
    elderly each site serves.

    ``pairs`` are (site, community, metres) within reach, in site then community order.
    Pairs are taken in order of distance; each takes what the community still needs, up to
    what the site has left.
    """
    site_of, comm_of, metres = pairs
    served = np.zeros(len(demand))
    main = np.full(len(demand), -1)
    most = np.zeros(len(demand))
    load = np.zeros(len(capacity))
    left = capacity.astype(float).copy()
    need = demand.astype(float).copy()
    for k in np.argsort(metres, kind="stable"):
        site, comm = site_of[k], comm_of[k]
        take = min(left[site], need[comm])
        if take > 0:
            served[comm] += take
            load[site] += take
            if take > most[comm] or (take == most[comm] and site < main[comm]):
                most[comm], main[comm] = take, site
            left[site] -= take
            need[comm] -= take
    return served, main, load


@dataclass(frozen=True)
class CircleMap:
    """What the map of a division's circle shows: the circle (as ``circle`` returns it),
    the division's and its communities' polygons, the walking tiers around the circle sites
    (``tier_polygons``), every facility there (``geo.facilities.select``) and the names of
    the facility types; on a population grid, the uncovered elderly per cell (``heat``) and
    the hot spots (``geo.coverage.hotspots``)."""

    result: dict
    frame: gpd.GeoDataFrame
    tiers: list[dict]
    facilities: list[dict]
    type_names: dict[str, str]
    heat: object = None
    hotspots: dict | None = None


def circle_map(conn, code: str, *, minutes: float | None = None, speed: float | None = None,
               profile: str | None = None) -> CircleMap:
    """The circle of a division with all its map needs (``InvalidInput`` for an unknown
    division or setting)."""
    ctx = contexts.build(conn, code, minutes=minutes, speed=speed, profile=profile)
    result = evaluate(conn, ctx, sites_frame(conn, ctx, None))
    div = result["division"]
    heat = spots = None
    if ctx.demand.cells:
        from geo.coverage import hotspots  # builds on this module

        u = hotspots.uncovered(conn, code, minutes=minutes, speed=speed, profile=profile)
        heat, spots = hotspots.heat(u), hotspots.find(u)
    return CircleMap(result, divisions_frame(conn, div["code"], [div["level"], "community"]),
                     tier_polygons(conn, ctx), facilities.select(conn, division=div["code"]),
                     facilities.type_names(conn), heat, spots)


def circle(conn, code: str, *, minutes: float | None = None, speed: float | None = None,
           profile: str | None = None, sites: list[dict] | None = None,
           capacity: bool = True, demand: str = "auto") -> dict:
    """Coverage of a division's elderly by community eldercare sites within ``minutes``
    (``demand``: as ``geo.coverage.context.build`` takes it)."""
    ctx = contexts.build(conn, code, minutes=minutes, speed=speed, profile=profile,
                         demand=demand)
    return evaluate(conn, ctx, sites_frame(conn, ctx, sites), capacity=capacity)


@dataclass(frozen=True)
class Served:
    """Who serves whom in a circle: per demand unit the nearest site (index, -1: none) and
    its distance (inf beyond the limit), the elderly served and the main serving site; per
    site whether it is on the network, its capacity in elderly and the elderly it serves."""

    dist: np.ndarray
    nearest: np.ndarray
    served: np.ndarray
    main: np.ndarray
    usable: np.ndarray
    cap: np.ndarray
    load: np.ndarray


# The last few ``serve`` answers, keyed by everything they depend on, so that trying new
# sites (what-if) does not recompute today's circle on every click: (model, answer) by key.
_SERVED: OrderedDict[str, tuple[object, Served]] = OrderedDict()
_SERVED_MAX = 8
_LOCK = threading.Lock()


def serve(ctx: Context, sites: pd.DataFrame, *, capacity: bool = True) -> Served:
    """Today's circle of ``ctx`` with ``sites`` before any explaining: distances, nearest
    sites and, with ``capacity``, places shared out nearest-first (``allocate``)."""
    cap = _capacity(ctx, sites)
    key = _served_key(ctx, sites, cap, capacity)
    with _LOCK:
        hit = _SERVED.get(key)
        if hit is not None and hit[0] is ctx.model:
            _SERVED.move_to_end(key)
            return hit[1]
    placed = ctx.place(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
    dist, nearest = ctx.model.nearest(placed, ctx.targets, ctx.limit_m)
    demand = ctx.demand.elderly
    if capacity and len(sites):
        served, main, load = allocate(ctx.model.pairs(placed, ctx.targets, ctx.limit_m),
                                      demand, cap)
    else:
        served = np.where(np.isfinite(dist), demand, 0.0)
        main, load = nearest.copy(), np.zeros(len(sites))
    out = Served(dist, nearest, served, main, ctx.reachable(placed), cap, load)
    for a in vars(out).values():
        a.setflags(write=False)          # shared by every caller of the memo
    with _LOCK:
        _SERVED[key] = (ctx.model, out)
        while len(_SERVED) > _SERVED_MAX:
            _SERVED.popitem(last=False)
    return out


def _served_key(ctx: Context, sites: pd.DataFrame, cap: np.ndarray, capacity: bool) -> str:
    d = ctx.demand
    h = hashlib.sha1(repr((id(ctx.model), capacity, ctx.limit_m, ctx.snap_max, d.kind)
                          ).encode())
    for a in (sites["lon"], sites["lat"], cap, d.lon, d.lat, d.elderly):
        h.update(np.ascontiguousarray(np.asarray(a, dtype=float)).tobytes())
    return h.hexdigest()


def status_of(ctx: Context, s: Served) -> np.ndarray:
    """Each demand unit's status: covered, over_capacity, too_far or off_network."""
    demand = ctx.demand.elderly
    reached = np.isfinite(s.dist)
    slack = demand * CELL_SLACK if ctx.demand.cells else 0.5
    whole = reached & (s.served >= demand - slack)
    on_net = ctx.reachable(ctx.targets)
    return np.where(whole, COVERED,
                    np.where(reached, FULL, np.where(on_net, TOO_FAR, OFF_NETWORK)))


@dataclass(frozen=True)
class PerCommunity:
    """A circle per community: its elderly and those served, its status, the main serving
    site (-1: none), and the nearest site and walk (inf: none within 20 × the limit) of its
    centre or, on a grid, of its median elderly person; whether it lies within the limit
    of a site (distance only: its centre does, or on a grid at least half its elderly do);
    on a grid its cells, cells covered and its unserved elderly by the reason of their
    cells."""

    elderly: np.ndarray
    served: np.ndarray
    status: np.ndarray
    main: np.ndarray
    nearest: np.ndarray
    metres: np.ndarray
    within: np.ndarray
    cells: np.ndarray | None = None
    cells_covered: np.ndarray | None = None
    unserved_by: dict | None = None


def per_community(ctx: Context, s: Served, unit_status: np.ndarray,
                  far: tuple[np.ndarray, np.ndarray] | None = None) -> PerCommunity:
    """The units' figures of a circle per community (``far``: each unit's nearest site and
    metres within 20 × the limit, where beyond the limit)."""
    d = ctx.demand
    near = s.nearest if far is None else np.where(s.nearest >= 0, s.nearest, far[0])
    metres = s.dist if far is None else np.where(np.isfinite(s.dist), s.dist, far[1])
    if not d.cells:
        return PerCommunity(d.elderly, s.served, unit_status, s.main, near, metres,
                            np.isfinite(s.dist))
    n = len(ctx.communities)
    c = d.community
    elderly, served = d.per_community(d.elderly, n), d.per_community(s.served, n)
    left = np.maximum(d.elderly - s.served, 0)
    unserved_by = {k: d.per_community(np.where(unit_status == k, left, 0.0), n)
                   for k in (FULL, TOO_FAR, OFF_NETWORK)}
    most = np.array([FULL, TOO_FAR, OFF_NETWORK])[
        np.argmax(np.column_stack([unserved_by[k] for k in (FULL, TOO_FAR, OFF_NETWORK)]),
                  axis=1)]
    status = np.where(elderly <= 0, EMPTY, np.where(
        served >= elderly - 0.5, COVERED, np.where(served < 0.5, most, PARTLY)))
    # The median elderly person's walk: units by community then walk, the first whose
    # running total reaches half the community's elderly.
    order = np.lexsort((metres, c))
    run = np.cumsum(d.elderly[order])
    start = np.concatenate([[0.0], run])[np.searchsorted(c[order], np.arange(n))]
    half = start + elderly / 2
    at = np.minimum(np.searchsorted(run, half - 1e-9, side="left"), len(run) - 1)
    pick = order[at] if len(order) else np.zeros(n, dtype=int)
    has = elderly > 0
    # The site serving most of each community's elderly (the first such site on a tie).
    by = s.main >= 0
    sites_n = int(s.main.max()) + 1 if by.any() else 1
    w = np.bincount(c[by] * sites_n + s.main[by], weights=s.served[by],
                    minlength=n * sites_n).reshape(n, sites_n)
    main = np.where(w.max(axis=1) > 0, w.argmax(axis=1), -1)
    cells = np.bincount(c, minlength=n)
    covered = np.bincount(c, weights=(unit_status == COVERED).astype(float), minlength=n)
    within = d.per_community(np.where(np.isfinite(s.dist), d.elderly, 0.0), n)
    return PerCommunity(elderly, served, status, main,
                        np.where(has, near[pick], -1), np.where(has, metres[pick], np.inf),
                        has & (within >= elderly / 2), cells, covered.astype(int),
                        unserved_by)


def summary(ctx: Context, sites: pd.DataFrame, s: Served) -> dict:
    """The summary figures of a circle (as ``evaluate`` gives them under ``summary``)."""
    pc = per_community(ctx, s, status_of(ctx, s))
    return _summary(ctx.communities, pc, sites, s.cap, s.usable, ctx.demand)


def far_sites(ctx: Context, sites: pd.DataFrame, s: Served) -> tuple[np.ndarray, np.ndarray]:
    """For each unit beyond the limit (and on the network): its nearest site within 20 ×
    the limit and the metres to it (-1, inf elsewhere)."""
    on_net = ctx.reachable(ctx.targets)
    far = np.flatnonzero(~np.isfinite(s.dist) & on_net)
    far_dist = np.full(len(ctx.demand), np.inf)
    far_site = np.full(len(ctx.demand), -1)
    if len(far) and s.usable.any():
        placed = ctx.place(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
        d_all, s_all = ctx.model.nearest(placed, ctx.targets, ctx.limit_m * 20)
        far_dist[far], far_site[far] = d_all[far], s_all[far]
    return far_site, far_dist


def evaluate(conn, ctx: Context, sites: pd.DataFrame, *, capacity: bool = True) -> dict:
    """The circle of ``ctx`` with ``sites``: each community's status, nearest site, distance
    and the reason it is not covered; each site's catchment and load; summary shares."""
    comms = ctx.communities
    s = serve(ctx, sites, capacity=capacity)
    pc = per_community(ctx, s, status_of(ctx, s), far_sites(ctx, sites, s))
    names = sites["name"].tolist()
    refs = _site_refs(sites)
    near_all, metres_all = pc.nearest.tolist(), pc.metres.tolist()
    cols = [comms[c].tolist() for c in ("code", "name", "urban", "township", "township_name",
                                        "total", "lon", "lat")]
    records = []
    for k, (code, name, urban, township, township_name, total, lon, lat) in \
            enumerate(zip(*cols, strict=True)):
        near, metres = near_all[k], metres_all[k]
        known = np.isfinite(metres)
        elderly = float(pc.elderly[k])
        rec = {"code": code, "name": name, "urban": urban,
               "township": township, "township_name": township_name,
               "elderly": int(round(elderly)), "total": int(total),
               "lon": float(lon), "lat": float(lat), "status": str(pc.status[k]),
               "covered_elderly": int(round(pc.served[k])),
               "within_limit": bool(pc.within[k]),
               "nearest_site": None if near < 0 else refs[near],
               "distance_m": round(metres) if known else None,
               "minutes": round(metres / ctx.speed, 1) if known else None,
               "served_by": None if pc.main[k] < 0 else refs[int(pc.main[k])]}
        if pc.cells is not None:
            rec["cells"], rec["cells_covered"] = int(pc.cells[k]), int(pc.cells_covered[k])
        rec["reason"], rec["reason_code"], rec["reason_args"] = _reason(
            ctx, pc.status[k], metres, names[near] if near >= 0 else None, pc.served[k],
            rec["elderly"], None if pc.unserved_by is None
            else {key: v[k] for key, v in pc.unserved_by.items()})
        records.append(rec)

    site_rows = _site_rows(sites, refs, s.cap, s.load, s.nearest, ctx.demand.elderly,
                           s.usable, capacity, pc)
    return {**ctx.header(), "distance_basis": "median" if ctx.demand.cells else "centre",
            "summary": _summary(comms, pc, sites, s.cap, s.usable, ctx.demand),
            "communities": records, "sites": site_rows}


def _site_rows(sites: pd.DataFrame, refs: list[dict], cap: np.ndarray, load: np.ndarray,
               nearest: np.ndarray, demand: np.ndarray, usable: np.ndarray,
               capacity: bool, pc: PerCommunity) -> list[dict]:
    """Each site with its capacity, catchment (the elderly it is nearest to, and the
    communities whose centre or median elderly person it is nearest to) and load."""
    reached = nearest >= 0
    catch = np.bincount(nearest[reached], weights=demand[reached], minlength=len(sites))
    within = (pc.nearest >= 0) & np.isfinite(pc.metres) & np.isin(
        pc.status, [COVERED, FULL, PARTLY])
    count = np.bincount(pc.nearest[within], minlength=len(sites))
    return [{**refs[i], "lon": lon, "lat": lat,
             "places": None if pd.isna(places) else int(places),
             "capacity_elderly": None if not np.isfinite(cap[i]) else round(float(cap[i])),
             "catchment_elderly": int(round(catch[i])),
             "served_elderly": int(round(load[i])),
             "catchment_communities": int(count[i]),
             "full": bool(capacity and np.isfinite(cap[i]) and catch[i] > cap[i]),
             "on_network": bool(usable[i]), "inside": bool(inside)}
            for i, (lon, lat, places, inside) in enumerate(zip(
                sites["lon"], sites["lat"], sites["places"], sites["inside"], strict=True))]


def _site_refs(sites: pd.DataFrame) -> list[dict]:
    """Each site as communities and site rows name it: id, name, type, planned."""
    planned = sites["planned"] if "planned" in sites else [False] * len(sites)
    return [{"id": None if pd.isna(i) else int(i), "name": name, "type": type_,
             "planned": bool(p)}
            for i, name, type_, p in zip(sites["id"], sites["name"], sites["type"], planned,
                                         strict=True)]


def _reason(ctx: Context, status: str, metres: float, site: str | None, served: float,
            elderly: int, unserved_by: dict | None = None
            ) -> tuple[str | None, str | None, dict | None]:
    """Why a community is not covered: an English sentence, a machine code and the numbers
    in the sentence (``reason_args``), so that a page can say it from a message catalog."""
    if status == COVERED:
        return None, None, None
    lim = {"limit_minutes": ctx.minutes, "limit_m": round(ctx.limit_m), "speed": ctx.speed}
    limit = f"{ctx.minutes:g} minutes ({lim['limit_m']} m at {ctx.speed:g} m/min)"
    if status == EMPTY:
        return ("no one aged 60+ lives here on the population grid", EMPTY, {})
    if status == PARTLY:
        by = {k: round(float(v)) for k, v in (unserved_by or {}).items()}
        a = {**lim, "covered": round(float(served)), "elderly": int(elderly),
             "too_far": by.get(TOO_FAR, 0), "over_capacity": by.get(FULL, 0),
             "off_network": by.get(OFF_NETWORK, 0)}
        rest = "; ".join(f"{a[k]} {words}" for k, words in (
            ("too_far", "live beyond the limit"), ("over_capacity", "are within reach of full "
                                                   "sites only"),
            ("off_network", "live off the street network")) if a[k])
        return (f"partly covered: {a['covered']} of its {a['elderly']} elderly are within "
                f"{limit} of a site with room; of the rest, {rest}", PARTLY, a)
    if status == FULL:
        a = {**lim, "room": round(float(served)), "elderly": int(elderly), "site": site,
             "distance_m": round(float(metres))}
        return (f"over capacity: the sites within {limit} have room for {a['room']} of its "
                f"{a['elderly']} elderly (nearest {site}, {a['distance_m']} m)", FULL, a)
    if status == OFF_NETWORK and unserved_by is not None:
        a = {"snap_m": ctx.snap_max, "off_network": round(float(unserved_by[OFF_NETWORK])),
             "elderly": int(elderly)}
        return (f"{a['off_network']} of its {a['elderly']} elderly live farther than "
                f"{ctx.snap_max:g} m from any walkable street", OFF_NETWORK_CELLS, a)
    if status == OFF_NETWORK:
        a = {"snap_m": ctx.snap_max}
        return (f"no walkable street within {ctx.snap_max:g} m of the community centre",
                OFF_NETWORK, a)
    if np.isfinite(metres):
        a = {**lim, "site": site, "distance_m": round(float(metres)),
             "minutes": round(float(metres) / ctx.speed)}
        return (f"too far: nearest site {site} is {a['distance_m']} m away "
                f"({a['minutes']} min), beyond {limit}", TOO_FAR, a)
    a = {**lim, "km": round(20 * ctx.limit_m / 1000)}
    return (f"too far: no community eldercare site within {a['km']} km", TOO_FAR_NONE, a)


def _summary(comms, pc: PerCommunity, sites, cap, usable, demand_units) -> dict:
    status, demand, served = pc.status, pc.elderly, pc.served
    covered = status == COVERED
    urban = comms["urban"].fillna(True).to_numpy(bool)
    total = float(demand.sum())
    people = status != EMPTY

    def share(mask):
        n = int((mask & people).sum())
        return None if n == 0 else round(float((covered & mask).sum()) / n, 4)

    def elderly_share(mask):
        d = float(demand[mask].sum())
        return None if d == 0 else round(float(served[mask].sum()) / d, 4)

    return {
        "communities": len(comms), "elderly": int(total),
        "covered_communities": int(covered.sum()),
        "covered_elderly": int(round(served.sum())),
        "elderly_share": None if total == 0 else round(float(served.sum()) / total, 4),
        "community_share_urban": share(urban), "community_share_rural": share(~urban),
        "elderly_share_urban": elderly_share(urban), "elderly_share_rural": elderly_share(~urban),
        "by_status": {s: int((status == s).sum()) for s in (
            (COVERED, PARTLY, FULL, TOO_FAR, OFF_NETWORK, EMPTY) if pc.cells is not None
            else (COVERED, FULL, TOO_FAR, OFF_NETWORK))},
        "sites": len(sites), "sites_off_network": int((~usable).sum()),
        "sites_without_capacity": int((~np.isfinite(cap)).sum()),
        **({"cells": len(demand_units),
            "cells_covered": int(pc.cells_covered.sum())} if pc.cells is not None else {}),
    }


def what_if(conn, code: str, lon: float | None = None, lat: float | None = None,
            **kw) -> dict:
    """What new sites would add to the circle: ``geo.coverage.gain.what_if``."""
    from geo.coverage import gain  # builds on this module

    return gain.what_if(conn, code, lon, lat, **kw)


def tier_polygons(conn, ctx: Context, tiers: list[float] | None = None) -> list[dict]:
    """For maps: the area within each tier (minutes) of any circle site, dissolved.

    On a network: the streets whose both ends lie within the tier, buffered by
    ``isochrone_buffer_m`` and merged, with the blocks they enclose filled (one
    multi-source Dijkstra for all sites). Without:
    discs of radius distance ÷ detour factor. Display shapes; the analysis uses distances.
    """
    import shapely

    from geo.coverage.graph import Graph
    from geo.coverage.isochrone import fill_holes

    if not tiers:
        tiers = [t for t in ctx.settings["tiers_min"] if t < ctx.minutes] + [ctx.minutes]
    tiers = sorted(tiers)
    sites = sites_frame(conn, ctx, None)
    placed = ctx.place(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
    model = ctx.model
    out = []
    if isinstance(model, Graph):
        dist, _ = model.node_distances(placed, tiers[-1] * ctx.speed)
        width = float(ctx.settings["isochrone_buffer_m"])
        for minutes in tiers:
            b = minutes * ctx.speed
            keep = (dist[model.src] <= b) & (dist[model.tgt] <= b)
            merged = shapely.union_all(shapely.buffer(model.lines[keep], width, quad_segs=1))
            merged = fill_holes(merged, float(ctx.settings["isochrone_hole_max_m2"]))
            out.append({"minutes": minutes, "geometry": _lonlat(model, merged)})
    else:
        xy = placed
        for minutes in tiers:
            discs = shapely.buffer(shapely.points(xy), minutes * ctx.speed / model.detour,
                                   quad_segs=8)
            out.append({"minutes": minutes, "geometry": _lonlat(model, shapely.union_all(discs))})
    return out


def _lonlat(model, geom):
    import shapely

    return shapely.transform(geom, lambda xy: model.to_lonlat(xy))
