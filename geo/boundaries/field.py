"""What the field app (``/field/``) keeps on an inspector's phone for offline work: the open
inspections of its teams, each with its line, markers (registered position, type, last
condition) and what is already on the server, and the settings the phone applies the same
way the server does (gap rule, tolerances, photo size)."""

from __future__ import annotations

from geo.audit import Actor
from geo.boundaries import inspections, lines
from geo.boundaries.settings import defaults
from geo.db import fetch_all, load_queries
from geo.errors import Forbidden

_Q = load_queries(__file__)

# The settings the phone needs; the server applies the same ones to what it receives.
PHONE_SETTINGS = ("patrol_tolerance_m", "marker_tolerance_m", "displacement_tolerance_m",
                  "track_gap_s", "track_gap_min_m", "track_walk_max_m_s", "photo_max_bytes",
                  "photo_types", "photo_long_side_px", "photo_chunk_bytes")


def settings() -> dict:
    """The boundary settings the phone applies (missing ones are left out)."""
    s = defaults()
    return {k: s[k] for k in PHONE_SETTINGS if k in s}


def bundle(conn, actor: Actor) -> dict:
    """The actor's open inspections (not yet signed by both sides) with their lines and
    markers, the side the actor writes for in each, and the settings."""
    out = []
    for i in inspections.list_for(conn, actor):
        if i["status"] == "signed":
            continue
        try:
            side = inspections.side_of(conn, actor, i)
        except Forbidden:
            side = None
        line = lines.get_line(conn, i["line_id"])
        last = lines.last_checks(conn, i["line_id"])
        markers = [{"id": m["id"], "no": m["marker_no"], "type": m["type"], "form": m["form"],
                    "lon": m["lon"], "lat": m["lat"], "condition": m["condition"],
                    "last_checked": (last.get(m["id"]) or {}).get("checked_at")}
                   for m in lines.markers(conn, i["line_id"])]
        out.append({**i, "side": side,
                    "line": {k: line[k] for k in ("id", "name", "number", "level", "left_code",
                                                  "left_name", "right_code", "right_name",
                                                  "length_m", "geometry")},
                    "markers": markers,
                    "records": fetch_all(conn, _Q["records"], {"id": i["id"]}),
                    "patrolled": inspections.inspection_patrolled(conn, i["id"]),
                    "patrol_list": fetch_all(conn, _Q["patrols"], {"id": i["id"]})})
    teams = fetch_all(conn, _Q["team_names"], {"user_id": actor.user_id}) \
        if actor.user_id is not None else []
    return {"user": {"name": actor.name, "role": actor.role, "teams": teams},
            "inspections": out, "settings": settings()}
