"""The 15-minute eldercare circle (15分钟养老服务圈) of a division.

Each community (社区/村) is represented by its centre, placed on the walking network. One
multi-source Dijkstra from every community-level eldercare site that can serve the
division gives each community its nearest site and walking distance (the site's
catchment). A community is *covered* when the sites within the time limit have room for
all its elderly: sites are filled nearest-first, AccessMod-style, each holding
``places ÷ elderly_places_share`` elderly (a site whose places are unknown is not capped,
and the answer says how many such sites there are); ``covered_elderly`` counts the part
served. Uncovered communities say why: too far
(and how far), served only by full sites, or off the street network.
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
TOO_FAR_NONE = "too_far_none"      # a reason code only: no site at all within 20 × the limit


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
    the facility types."""

    result: dict
    frame: gpd.GeoDataFrame
    tiers: list[dict]
    facilities: list[dict]
    type_names: dict[str, str]


def circle_map(conn, code: str, *, minutes: float | None = None, speed: float | None = None,
               profile: str | None = None) -> CircleMap:
    """The circle of a division with all its map needs (``InvalidInput`` for an unknown
    division or setting)."""
    ctx = contexts.build(conn, code, minutes=minutes, speed=speed, profile=profile)
    result = evaluate(conn, ctx, sites_frame(conn, ctx, None))
    div = result["division"]
    return CircleMap(result, divisions_frame(conn, div["code"], [div["level"], "community"]),
                     tier_polygons(conn, ctx), facilities.select(conn, division=div["code"]),
                     facilities.type_names(conn))


def circle(conn, code: str, *, minutes: float | None = None, speed: float | None = None,
           profile: str | None = None, sites: list[dict] | None = None,
           capacity: bool = True) -> dict:
    """Coverage of a division's elderly by community eldercare sites within ``minutes``."""
    ctx = contexts.build(conn, code, minutes=minutes, speed=speed, profile=profile)
    return evaluate(conn, ctx, sites_frame(conn, ctx, sites), capacity=capacity)


@dataclass(frozen=True)
class Served:
    """Who serves whom in a circle: per community the nearest site (index, -1: none) and
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
    demand = ctx.communities["elderly"].to_numpy(float)
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
    comms = ctx.communities
    h = hashlib.sha1(repr((id(ctx.model), capacity, ctx.limit_m, ctx.snap_max)).encode())
    for a in (sites["lon"], sites["lat"], cap, comms["lon"], comms["lat"], comms["elderly"]):
        h.update(np.ascontiguousarray(np.asarray(a, dtype=float)).tobytes())
    return h.hexdigest()


def status_of(ctx: Context, s: Served) -> np.ndarray:
    """Each community's status: covered, over_capacity, too_far or off_network."""
    demand = ctx.communities["elderly"].to_numpy(float)
    reached = np.isfinite(s.dist)
    whole = reached & (s.served >= demand - 0.5)
    on_net = ctx.reachable(ctx.targets)
    return np.where(whole, COVERED,
                    np.where(reached, FULL, np.where(on_net, TOO_FAR, OFF_NETWORK)))


def summary(ctx: Context, sites: pd.DataFrame, s: Served) -> dict:
    """The summary figures of a circle (as ``evaluate`` gives them under ``summary``)."""
    return _summary(ctx.communities, status_of(ctx, s),
                    ctx.communities["elderly"].to_numpy(float), s.served, sites, s.cap, s.usable)


def evaluate(conn, ctx: Context, sites: pd.DataFrame, *, capacity: bool = True) -> dict:
    """The circle of ``ctx`` with ``sites``: each community's status, nearest site, distance
    and the reason it is not covered; each site's catchment and load; summary shares."""
    comms = ctx.communities
    s = serve(ctx, sites, capacity=capacity)
    dist, nearest, served, main, usable, cap = (s.dist, s.nearest, s.served, s.main, s.usable,
                                                s.cap)
    demand = comms["elderly"].to_numpy(float)
    limit = ctx.limit_m
    on_net = ctx.reachable(ctx.targets)
    far = np.flatnonzero(~np.isfinite(dist) & on_net)
    far_dist = np.full(len(comms), np.inf)
    far_site = np.full(len(comms), -1)
    if len(far) and usable.any():
        placed = ctx.place(sites["lon"].to_numpy(float), sites["lat"].to_numpy(float))
        d_all, s_all = ctx.model.nearest(placed, ctx.targets, limit * 20)
        far_dist[far], far_site[far] = d_all[far], s_all[far]

    status = status_of(ctx, s)
    names = sites["name"].tolist()
    refs = _site_refs(sites)
    near_all = np.where(nearest >= 0, nearest, far_site).tolist()
    metres_all = np.where(np.isfinite(dist), dist, far_dist).tolist()
    cols = [comms[c].tolist() for c in ("code", "name", "urban", "township", "township_name",
                                        "elderly", "total", "lon", "lat")]
    records = []
    for k, (code, name, urban, township, township_name, elderly, total, lon, lat) in \
            enumerate(zip(*cols, strict=True)):
        near, metres = near_all[k], metres_all[k]
        known = np.isfinite(metres)
        rec = {"code": code, "name": name, "urban": urban,
               "township": township, "township_name": township_name,
               "elderly": int(elderly), "total": int(total),
               "lon": float(lon), "lat": float(lat), "status": str(status[k]),
               "covered_elderly": int(round(served[k])),
               "nearest_site": None if near < 0 else refs[near],
               "distance_m": round(metres) if known else None,
               "minutes": round(metres / ctx.speed, 1) if known else None,
               "served_by": None if main[k] < 0 else refs[int(main[k])]}
        rec["reason"], rec["reason_code"], rec["reason_args"] = _reason(
            ctx, status[k], metres, names[near] if near >= 0 else None, served[k], elderly)
        records.append(rec)

    site_rows = _site_rows(sites, refs, cap, s.load, nearest, demand, usable, capacity)
    return {**ctx.header(), "summary": _summary(comms, status, demand, served, sites, cap, usable),
            "communities": records, "sites": site_rows}


def _site_rows(sites: pd.DataFrame, refs: list[dict], cap: np.ndarray, load: np.ndarray,
               nearest: np.ndarray, demand: np.ndarray, usable: np.ndarray,
               capacity: bool) -> list[dict]:
    """Each site with its capacity, catchment (the elderly it is nearest to) and load."""
    reached = nearest >= 0
    catch = np.bincount(nearest[reached], weights=demand[reached], minlength=len(sites))
    count = np.bincount(nearest[reached], minlength=len(sites))
    return [{**refs[i], "lon": lon, "lat": lat,
             "places": None if pd.isna(places) else int(places),
             "capacity_elderly": None if not np.isfinite(cap[i]) else round(float(cap[i])),
             "catchment_elderly": int(catch[i]), "served_elderly": int(round(load[i])),
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
            elderly: int) -> tuple[str | None, str | None, dict | None]:
    """Why a community is not covered: an English sentence, a machine code and the numbers
    in the sentence (``reason_args``), so that a page can say it from a message catalog."""
    if status == COVERED:
        return None, None, None
    lim = {"limit_minutes": ctx.minutes, "limit_m": round(ctx.limit_m), "speed": ctx.speed}
    limit = f"{ctx.minutes:g} minutes ({lim['limit_m']} m at {ctx.speed:g} m/min)"
    if status == FULL:
        a = {**lim, "room": round(float(served)), "elderly": int(elderly), "site": site,
             "distance_m": round(float(metres))}
        return (f"over capacity: the sites within {limit} have room for {a['room']} of its "
                f"{a['elderly']} elderly (nearest {site}, {a['distance_m']} m)", FULL, a)
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


def _summary(comms, status, demand, served, sites, cap, usable) -> dict:
    covered = status == COVERED
    urban = comms["urban"].fillna(True).to_numpy(bool)
    total = float(demand.sum())

    def share(mask):
        n = int(mask.sum())
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
        "by_status": {s: int((status == s).sum()) for s in (COVERED, FULL, TOO_FAR, OFF_NETWORK)},
        "sites": len(sites), "sites_off_network": int((~usable).sum()),
        "sites_without_capacity": int((~np.isfinite(cap)).sum()),
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
