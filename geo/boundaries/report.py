"""The joint inspection report (联合检查报告, DOMAIN §D) of a boundary line, gathered from
the database as an ``InspectionReport``; ``maps.inspection_report`` prints it (HTML, PDF,
a static SVG map) and ``maps.boundary`` draws it as an interactive map.

Its fields hold machine codes (``level``, ``kind``, ``status``, ``condition``); the faces
give them words. ``line`` is a dict of id, number, name, level, left and right
({code, name}), agreement, length_m (as registered), source and geometry (GeoJSON
MultiLineString, lon/lat). The rest:

- ``inspection``: None (a line with no inspection), or id, year, kind, reason, status,
  version, created_at, signed_at, and lead and support ({code, name, team: {id, name,
  side_code, members} or None}).
- ``signatures``: [{side_code, side_name, signed_by, signed_at}]; ``signed_by_both``;
  ``unsigned_sides``: [{code, name}] of the lead and support sides that have not signed.
- ``patrols``: [{id, uuid, side_code, side_name, team, members, started_at, ended_at,
  length_m (cleaned, along its segments), raw_points, track_points, notes, recorded_by,
  photos, track (the cleaned track as GeoJSON: a LineString, or a MultiLineString of its
  segments when it has gaps; or None), gaps ([{start, end, seconds, metres, cause}], one
  per break between segments, in order; times ISO 8601 UTC)}].
- ``markers``: every marker of the line in sequence: {id, marker_no, seq, type, form,
  custodian_code, custodian_name, lon, lat, source_x, source_y, source_datum, elevation_m,
  register_condition, registered_on, check}; ``check`` is None when the marker has no
  check in this inspection, else its latest check: {condition, required_action,
  recorded_action, note, checked_at, recorded_by, measured ([lon, lat] or None),
  displacement_m, reported_displacement_m, over_tolerance, photos, photos_pending}.
- ``hazards``: [{no ("H1" …), id, uuid, kind, description, lon, lat, from_line_m,
  near_marker, near_marker_m, status, follow_up ([{at, by, note, status}]), reported_at,
  closed_at, recorded_by, photos}].
- ``completion``: markers_total, markers_checked, markers_unchecked, by_condition and
  needing_action ({condition: count}), markers_needing_action, displaced_over_tolerance,
  hazards, open_hazards, patrolled_share (0–1, None without an inspection; gap-aware,
  ``inspections.share_of``), patrolled_m, line_m, patrolled_segments and
  unpatrolled_segments ([(from_m, to_m)] along the line).
- ``settings``: patrol_tolerance_m, displacement_tolerance_m; ``generated_at``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from geo.audit import Actor
from geo.boundaries import inspections, lines, tracks
from geo.boundaries.patrols import ACTIONS, CONDITIONS
from geo.boundaries.settings import defaults
from geo.boundaries.sync import record_id
from geo.db import fetch_all, fetch_one, load_queries
from geo.errors import InvalidInput, NotFound

_Q = load_queries(__file__)


@dataclass(frozen=True)
class InspectionReport:
    """A line and one of its inspections (or none), as the report and the map show it."""

    line: dict
    inspection: dict | None
    signatures: list[dict]
    signed_by_both: bool
    unsigned_sides: list[dict]
    patrols: list[dict]
    markers: list[dict]
    hazards: list[dict]
    completion: dict
    settings: dict
    generated_at: dt.datetime


def inspection_report(conn, inspection_id: int, actor: Actor | None = None) -> InspectionReport:
    """Everything the joint report of one inspection needs (see the module docstring).

    With ``actor``, only an inspection assigned to the actor's teams (``NotFound`` for
    another, as for an unknown one).
    """
    if actor is not None:
        inspections.get(conn, inspection_id, actor)
    inspection = fetch_one(conn, _Q["inspection"],
                           {"inspection_id": record_id(inspection_id, "inspection")})
    if inspection is None:
        raise NotFound(f"no inspection with id {inspection_id}", field="inspection")
    return _report(conn, inspection["line_id"], inspection)


def line_report(conn, line_id: int) -> InspectionReport:
    """The same for a line with no inspection: the line and its registered markers."""
    return _report(conn, line_id, None)


def line_map(conn, line_id: int, inspection_id: int | None = None,
             actor: Actor | None = None) -> InspectionReport:
    """What the map of a line shows: one of its inspections (by default the latest), or its
    registered markers when it has none. With ``actor``, only a line assigned to the actor's
    teams. ``NotFound`` for an unknown line or inspection, ``InvalidInput`` for an
    inspection of another line."""
    line_id = (inspections.assigned_line(conn, actor, line_id) if actor is not None
               else lines.get_line(conn, line_id))["id"]
    if inspection_id is None:
        inspection_id = latest_inspection_id(conn, line_id)
    if inspection_id is None:
        return line_report(conn, line_id)
    report = inspection_report(conn, inspection_id)
    if report.line["id"] != line_id:
        raise InvalidInput(f"inspection {inspection_id} is of line {report.line['id']}, "
                           f"not of line {line_id}", field="inspection")
    return report


def latest_inspection_id(conn, line_id: int) -> int | None:
    """The id of the line's latest inspection (by year, then creation), or None."""
    row = fetch_one(conn, _Q["latest_inspection"], {"line_id": line_id})
    return row["id"] if row else None


def _report(conn, line_id: int, inspection: dict | None) -> InspectionReport:
    line = fetch_one(conn, _Q["line"], {"line_id": line_id})
    if line is None:
        raise NotFound(f"no boundary line with id {line_id}", field="line")
    s = defaults()
    inspection_id = inspection["id"] if inspection else None
    params = {"line_id": line_id, "inspection_id": inspection_id}
    marker_rows = fetch_all(conn, _Q["markers"], params)
    patrols = fetch_all(conn, _Q["patrols"], params) if inspection else []
    hazards = fetch_all(conn, _Q["hazards"], params) if inspection else []
    signatures = fetch_all(conn, _Q["signatures"], params) if inspection else []
    codes = {line["left_code"], line["right_code"], *(m["custodian_code"] for m in marker_rows),
             *(p["side_code"] for p in patrols), *(g["side_code"] for g in signatures)}
    if inspection:
        codes |= {inspection["lead_code"], inspection["support_code"]}
    names = {r["code"]: r["name"]
             for r in fetch_all(conn, _Q["division_names"], {"codes": sorted(codes)})}

    markers = [_marker(r, names, s["displacement_tolerance_m"]) for r in marker_rows]
    hazard_list = [_hazard(i, r) for i, r in enumerate(hazards, start=1)]
    for p in patrols:
        p["side_name"] = names.get(p["side_code"])
        p["track"] = tracks.segmented(p["track"], p.pop("breaks"))
    for g in signatures:
        g["side_name"] = names.get(g["side_code"])
    signed = {g["side_code"] for g in signatures}
    sides = [inspection["lead_code"], inspection["support_code"]] if inspection else []
    unsigned = [{"code": c, "name": names.get(c)} for c in sides if c not in signed]
    share = _share(line, patrols, s["patrol_tolerance_m"]) if inspection else None
    return InspectionReport(
        line=_line(line, names),
        inspection=_inspection(conn, inspection, names) if inspection else None,
        signatures=signatures, signed_by_both=bool(inspection) and not unsigned,
        unsigned_sides=unsigned, patrols=patrols, markers=markers, hazards=hazard_list,
        completion=_completion(markers, hazard_list, share),
        settings={"patrol_tolerance_m": s["patrol_tolerance_m"],
                  "displacement_tolerance_m": s["displacement_tolerance_m"]},
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0))


def _line(row: dict, names: dict) -> dict:
    side = {k: {"code": row[f"{k}_code"], "name": names.get(row[f"{k}_code"])}
            for k in ("left", "right")}
    return {"id": row["id"], "number": row["number"], "name": row["name"],
            "level": row["level"],
            **side, "agreement": row["agreement"], "length_m": row["length_m"],
            "source": row["source"], "geometry": row["geometry"]}


def _inspection(conn, row: dict, names: dict) -> dict:
    ids = [i for i in (row["lead_team_id"], row["support_team_id"]) if i is not None]
    teams = {t["id"]: t for t in fetch_all(conn, _Q["teams"], {"ids": ids})}

    def side(code: str, team_id: int | None) -> dict:
        return {"code": code, "name": names.get(code), "team": teams.get(team_id)}

    return {"id": row["id"], "year": row["year"], "kind": row["kind"],
            "reason": row["reason"], "status": row["status"],
            "version": row["version"], "created_at": row["created_at"],
            "signed_at": row["signed_at"],
            "lead": side(row["lead_code"], row["lead_team_id"]),
            "support": side(row["support_code"], row["support_team_id"])}


def _marker(row: dict, names: dict, tolerance_m: float) -> dict:
    check = None
    if row["check_uuid"] is not None:
        condition, moved = row["condition"], row["displacement_m"]
        measured = None
        if row["measured_lon"] is not None:
            measured = [row["measured_lon"], row["measured_lat"]]
        check = {"condition": condition, "required_action": ACTIONS[condition],
                 "recorded_action": row["recorded_action"], "note": row["note"],
                 "checked_at": row["checked_at"], "recorded_by": row["recorded_by"],
                 "measured": measured, "displacement_m": moved,
                 "reported_displacement_m": row["reported_displacement_m"],
                 "over_tolerance": moved is not None and moved > tolerance_m,
                 "photos": row["photos"], "photos_pending": row["photos_pending"]}
    return {"id": row["id"], "marker_no": row["marker_no"], "seq": row["seq"],
            "type": row["type"], "form": row["form"],
            "custodian_code": row["custodian_code"],
            "custodian_name": names.get(row["custodian_code"]),
            "lon": row["lon"], "lat": row["lat"], "source_x": row["source_x"],
            "source_y": row["source_y"], "source_datum": row["source_datum"],
            "elevation_m": row["elevation_m"], "register_condition": row["register_condition"],
            "registered_on": row["registered_on"], "check": check}


def _hazard(number: int, row: dict) -> dict:
    history = [f for f in (row["follow_up"] or []) if isinstance(f, dict)]
    return {"no": f"H{number}", **row, "follow_up": history}


def _share(line: dict, patrols: list[dict], tolerance_m: float) -> dict:
    """The part of the line within ``tolerance_m`` of any cleaned track, segment by segment
    (``inspections.share_of``, which the API's answers use too)."""
    result = inspections.share_of(line["geometry"], patrols, tolerance_m)
    return {"share": result["share"], "patrolled_m": result["patrolled_m"],
            "line_m": result["line_length_m"], "segments": result["segments"],
            "gaps": result["unpatrolled"]}


def _completion(markers: list[dict], hazards: list[dict], share: dict | None) -> dict:
    checks = [m["check"] for m in markers if m["check"]]
    by_condition = {c: n for c in CONDITIONS
                    if (n := sum(k["condition"] == c for k in checks))}
    needing = {c: n for c, n in by_condition.items() if c != "intact"}
    share = share or {}
    return {"markers_total": len(markers), "markers_checked": len(checks),
            "markers_unchecked": len(markers) - len(checks),
            "by_condition": by_condition, "needing_action": needing,
            "markers_needing_action": sum(needing.values()),
            "displaced_over_tolerance": sum(k["over_tolerance"] for k in checks),
            "hazards": len(hazards),
            "open_hazards": sum(h["status"] != "closed" for h in hazards),
            "patrolled_share": share.get("share"), "patrolled_m": share.get("patrolled_m"),
            "line_m": share.get("line_m"),
            "patrolled_segments": share.get("segments", []),
            "unpatrolled_segments": share.get("gaps", [])}
