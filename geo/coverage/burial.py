"""Burial-prohibited zones (三沿六区, DOMAIN §F): graves and cemeteries inside them.

What the zones are differs by province, so they are a setting (``burial_zones``): road
classes of the loaded network (OSM ``highway`` values, e.g. 公路主干道 → motorway, trunk,
primary) with a buffer, line layers (railway, river …) with a buffer each, and polygon
layers (水源保护区, 风景名胜区, 耕地 …) imported into ``burial_zone_features``. The report
lists every grave (散葬坟墓) and cemetery in the division that lies in one, with the zone
and the distance.
"""

from __future__ import annotations

import shapely

from geo.coverage import context as contexts
from geo.coverage import settings as cs
from geo.db import fetch_all, fetch_one, load_queries
from geo.divisions import division_prefix

_Q = load_queries(__file__)

CHECKED_TYPES = ["grave", "public_cemetery", "village_cemetery", "commercial_cemetery"]


def _params(code: str, rules: dict) -> dict:
    layers = rules.get("line_layers") or {}
    road_buffer = float(rules.get("road_buffer_m") or 0)
    return {"code": code, "prefix": division_prefix(code), "types": CHECKED_TYPES,
            "highways": list(rules.get("road_highways") or []), "road_buffer": road_buffer,
            "line_layers": list(layers),
            "line_buffers": [float(v) for v in layers.values()],
            "polygon_layers": list(rules.get("polygon_layers") or [])}


def report(conn, code: str) -> dict:
    """Graves and cemeteries of ``code`` inside burial-prohibited zones, as GeoJSON."""
    div = contexts.division(conn, code)
    rules = cs.for_division(conn, code)["burial_zones"]
    params = _params(code, rules)
    rows = fetch_all(conn, _Q["violations"], params)
    checked = fetch_one(conn, _Q["checked"], params)["n"]
    by_site: dict[int, dict] = {}
    for r in rows:
        site = by_site.setdefault(r["id"], {
            "type": "Feature", "id": r["id"],
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
            "properties": {"id": r["id"], "name": r["name"], "type": r["type"],
                           "type_name": r["type_name"], "division_code": r["division_code"],
                           "zones": []}})
        site["properties"]["zones"].append({
            "layer": r["layer"], "name": r["zone_name"],
            "distance_m": round(float(r["distance_m"]), 1), "buffer_m": r["buffer_m"]})
    roads = fetch_one(conn, _Q["roads_near"], params)["n"] > 0
    notes = [] if roads or not params["highways"] else [
        "roads NOT checked: no road network is loaded here, so the 沿路 zones are missing; "
        "import one (civgeo network import) to check them"]
    return {"type": "FeatureCollection",
            "division": {"code": div["code"], "name": div["name"]},
            "rules": rules, "roads_checked": roads, "notes": notes, "checked": checked,
            "inside_zones": len(by_site), "features": list(by_site.values())}


def zones(conn, code: str) -> list[dict]:
    """The zones around a division as polygons (for maps)."""
    rules = cs.for_division(conn, code)["burial_zones"]
    return [{"layer": r["layer"], "name": r["name"],
             "geometry": shapely.from_wkb(bytes(r["geom"]))}
            for r in fetch_all(conn, _Q["zones"], _params(code, rules)) if r["geom"]]
