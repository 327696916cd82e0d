"""Patrols, marker checks and hazards logged from the field, with sync that never loses or
duplicates a record.

Rules (the UUID and hash rules are in ``sync``):

- A patrol may carry its marker checks, hazards and photo declarations; everything is
  written in the caller's one transaction, so a bad part leaves nothing behind.
- Photos are declared (UUID, SHA-256, size, type) by their record and uploaded separately
  (``attachments``).
- Edits carry the version they were based on; a stale edit is a Conflict carrying both
  versions.
- Only inspectors of a team assigned to the inspection write to it, and not once both sides
  have signed it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from geo import audit
from geo.audit import Actor
from geo.boundaries import attachments, inspections, tracks
from geo.boundaries.settings import defaults
from geo.boundaries.sync import (
    based_on,
    check_types,
    client_time,
    client_uuid,
    content_hash,
    lonlat,
)
from geo.db import execute, fetch_one, load_queries
from geo.errors import Conflict, InvalidInput, NotFound

_Q = load_queries(__file__)

CONDITIONS = ("intact", "damaged", "lost", "displaced", "reference_incomplete", "threatened")
# DOMAIN §D: what each marker condition requires.
ACTIONS = {
    "intact": "清除杂草、描红、拍照 clear vegetation, repaint the inscriptions red, photograph",
    "damaged": "管护方修复，双方在场 the custodian repairs it with the neighbour present",
    "lost": "管护方在原位重建，双方在场 the custodian re-erects it at the original spot with "
            "the neighbour present",
    "displaced": "双方共同恢复到登记位置 restore it jointly to the registered position",
    "reference_incomplete": "选定新的方位物，更新界桩登记表 choose new reference features and "
                            "update the 界桩登记表",
    "threatened": "制止并恢复原状 stop the digging or mining and restore the site",
}
HAZARD_KINDS = ("construction", "damage", "dispute", "mining", "other")
HAZARD_STATES = ("open", "in_progress", "closed")
MAX_MARKER_DISTANCE_M = 5_000    # a measured position farther than this is a typing error

def _existing(conn, actor: Actor, query: str, uid: str, digest: str, what: str,
              inspection_id: int) -> dict | None:
    """The stored row for a UUID when the content is the same; Conflict when it is not.

    Looked up before the inspection is locked, so a resubmission answers as a success even
    after both sides have signed (a field app whose answer was lost must not see a refusal).
    """
    row = fetch_one(conn, _Q[query], {"uuid": uid})
    if row is None:
        return None
    if row["content_hash"] != digest:
        raise Conflict(f"{what} {uid} was already received with different content; "
                       "send a new UUID for a new record, or edit with its version",
                       field="uuid")
    if row["inspection_id"] != inspection_id:
        raise Conflict(f"{what} {uid} belongs to another inspection", field="uuid")
    inspections.get(conn, inspection_id, actor)       # it must be yours to see
    return row


def _stored(conn, query: str, uid: str, what: str) -> dict:
    row = fetch_one(conn, _Q[query], {"uuid": uid})
    if row is None:
        raise NotFound(f"no {what} {uid}", field="uuid")
    return row


# ------------------------------------------------------------------ patrols

def submit_patrol(conn, actor: Actor, inspection_id: int, record: dict, *,
                  track_bytes: bytes | None = None, track_format: str | None = None) -> dict:
    """Store a patrol (track, checks, hazards, photo declarations); idempotent by UUID.

    The track comes as ``record["track"]`` ({format, data}) or as raw bytes (a GPX file
    posted as is). Returns the stored patrol with ``duplicate`` telling a resubmission.
    """
    uid = client_uuid(record.get("uuid"), "uuid")
    if track_bytes is not None:
        digest = content_hash({**record, "track_sha256": hashlib.sha256(track_bytes).hexdigest()})
    else:
        digest = content_hash(record)
    if _existing(conn, actor, "patrol_by_uuid", uid, digest, "patrol", inspection_id):
        return {**patrol(conn, uid), "duplicate": True}
    inspection, side = inspections.lock_open(conn, actor, inspection_id)
    check_types(record, {"members": list, "marker_checks": list, "hazards": list, "photos": list,
                "notes": str})
    if track_bytes is None:
        track = record.get("track")
        if not isinstance(track, dict) or "data" not in track \
                or not isinstance(track.get("format", ""), str):
            raise InvalidInput("track must be {format: gpx|geojson, data: …}", field="track")
        data = track["data"]
        track_bytes = (json.dumps(data) if isinstance(data, dict) else str(data)).encode()
        track_format = track.get("format")
    raw = tracks.parse(track_bytes, track_format)
    clean, stats = tracks.clean(raw, defaults())
    members = [str(m) for m in record.get("members") or []]
    team_id = inspection["lead_team_id"] if side == inspection["lead_code"] \
        else inspection["support_team_id"]
    fetch_one(conn, _Q["insert_patrol"], {
        "uuid": uid, "hash": digest, "inspection_id": inspection_id, "side": side,
        "team_id": team_id, "members": members, "started_at": stats["started_at"],
        "ended_at": stats["ended_at"], "raw": tracks.to_ewkt_m(raw),
        "clean": tracks.to_ewkt_m(clean) if stats["kept"] >= 2 else None,
        "raw_points": stats["raw_points"], "track_points": stats["kept"],
        "length_m": stats["length_m"], "notes": record.get("notes"), "by": actor.name,
        "user_id": actor.user_id})
    for i, item in enumerate((record.get("marker_checks") or []) + (record.get("hazards") or [])):
        if not isinstance(item, dict):
            raise InvalidInput("marker checks and hazards must be objects", field=f"item[{i}]")
    for i, check in enumerate(record.get("marker_checks") or []):
        _nested(lambda c=check: submit_check(conn, actor, inspection_id, {
            **c, "patrol_uuid": uid}, locked=(inspection, side)), f"marker_checks[{i}]")
    for i, hazard in enumerate(record.get("hazards") or []):
        _nested(lambda h=hazard: submit_hazard(conn, actor, inspection_id, h,
                                               locked=(inspection, side)), f"hazards[{i}]")
    attachments.declare(conn, inspection_id, "patrol", uid, record.get("photos"), "photos")
    audit.record(conn, actor, "patrol.submit", "patrol", uid,
                 after={"inspection": inspection_id, **stats})
    return {**patrol(conn, uid), "cleaning": stats, "duplicate": False}


def _nested(fn, where: str):
    try:
        return fn()
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.detail}", field=f"{where}.{exc.field}") from None


def patrol(conn, uid: str) -> dict:
    """The stored patrol with this UUID; NotFound if there is none."""
    return _stored(conn, "patrol", uid, "patrol")


# ------------------------------------------------------------------ marker checks

def submit_check(conn, actor: Actor, inspection_id: int, record: dict, *,
                 locked: tuple[dict, str] | None = None) -> dict:
    """A marker check: condition, measured position (→ displacement), photos."""
    uid = client_uuid(record.get("uuid"), "uuid")
    digest = content_hash({k: v for k, v in record.items() if k != "patrol_uuid"})
    if _existing(conn, actor, "check_by_uuid", uid, digest, "marker check", inspection_id):
        return {**check(conn, uid), "duplicate": True}
    inspection, _side = locked or inspections.lock_open(conn, actor, inspection_id)
    check_types(record, {"note": str, "photos": list})
    condition = record.get("condition")
    if condition not in CONDITIONS:
        raise InvalidInput(f"condition must be one of {', '.join(CONDITIONS)}",
                           field="condition")
    marker = fetch_one(conn, _Q["marker_of_line"], {"line_id": inspection["line_id"],
                                                    "marker": str(record.get("marker") or
                                                                  record.get("marker_no"))})
    if marker is None:
        raise InvalidInput(f"marker {record.get('marker') or record.get('marker_no')} is not "
                           "on this inspection's line", field="marker")
    lon = lat = displacement = None
    if record.get("lon") is not None or record.get("lat") is not None:
        lon, lat = lonlat(record)
        displacement = fetch_one(conn, _Q["displacement"], {"lon": lon, "lat": lat,
                                                             "id": marker["id"]})["metres"]
        if displacement > MAX_MARKER_DISTANCE_M:
            raise InvalidInput(f"the measured position is {displacement / 1000:.1f} km from "
                               f"marker {marker['marker_no']}: check the coordinates",
                               field="lon")
    elif condition not in ("lost",):
        raise InvalidInput("a check of a marker that is there needs its measured lon/lat",
                           field="lon")
    fetch_one(conn, _Q["insert_check"], {
        "uuid": uid, "hash": digest, "inspection_id": inspection_id, "marker_id": marker["id"],
        "patrol_uuid": record.get("patrol_uuid"), "condition": condition, "lon": lon,
        "lat": lat, "displacement_m": displacement, "action": ACTIONS[condition],
        "note": record.get("note"),
        "checked_at": client_time(record.get("checked_at"), "checked_at"), "by": actor.name,
        "user_id": actor.user_id})
    execute(conn, _Q["marker_condition"], {"marker_id": marker["id"]})
    attachments.declare(conn, inspection_id, "marker_check", uid, record.get("photos"), "photos")
    audit.record(conn, actor, "marker_check.submit", "marker_check", uid,
                 after={"marker": marker["marker_no"], "condition": condition})
    return {**check(conn, uid), "duplicate": False, "warnings": _warnings(condition,
                                                                           displacement)}


def _warnings(condition: str, displacement: float | None) -> list[str]:
    tol = float(defaults()["displacement_tolerance_m"])
    if condition == "intact" and displacement is not None and displacement > tol:
        return [f"measured {displacement:.1f} m from the registered position (tolerance "
                f"{tol:g} m): check it, or record the marker as displaced"]
    return []


def check(conn, uid: str) -> dict:
    """The stored marker check with this UUID; NotFound if there is none."""
    return _stored(conn, "check", uid, "marker check")


def edit_check(conn, actor: Actor, inspection_id: int, uid: str, changes: dict) -> dict:
    """Change a check based on ``changes['version']``; a stale version is a Conflict with
    both versions."""
    current = check(conn, uid)
    inspections.lock_open(conn, actor, inspection_id)
    version = based_on(current, changes, inspection_id, "marker check")
    check_types(changes, {"note": str})
    condition = changes.get("condition", current["condition"])
    if condition not in CONDITIONS:
        raise InvalidInput(f"condition must be one of {', '.join(CONDITIONS)}",
                           field="condition")
    lon, lat = (current["lon"], current["lat"])
    if "lon" in changes or "lat" in changes:
        lon, lat = lonlat(changes)
    row = fetch_one(conn, _Q["check_marker"], {"uuid": uid})
    displacement = None if lon is None else fetch_one(conn, _Q["displacement"], {
        "lon": lon, "lat": lat, "id": row["marker_id"]})["metres"]
    if fetch_one(conn, _Q["update_check"], {
            "uuid": uid, "version": version, "condition": condition, "lon": lon, "lat": lat,
            "displacement_m": displacement, "action": ACTIONS[condition],
            "note": changes.get("note", current["note"])}) is None:
        raise Conflict(f"marker check {uid} changed while you were editing it",
                       yours=changes, current=check(conn, uid))
    execute(conn, _Q["marker_condition"], {"marker_id": row["marker_id"]})
    updated = check(conn, uid)
    audit.record(conn, actor, "marker_check.edit", "marker_check", uid, before=current,
                 after=updated)
    return updated


# ------------------------------------------------------------------ hazards

def submit_hazard(conn, actor: Actor, inspection_id: int, record: dict, *,
                  locked: tuple[dict, str] | None = None) -> dict:
    """A hazard on the line (construction across it, damage, a dispute …), to follow up."""
    uid = client_uuid(record.get("uuid"), "uuid")
    digest = content_hash(record)
    if _existing(conn, actor, "hazard_by_uuid", uid, digest, "hazard", inspection_id):
        return {**hazard(conn, uid), "duplicate": True}
    locked or inspections.lock_open(conn, actor, inspection_id)
    check_types(record, {"description": str, "photos": list})
    kind = record.get("kind")
    if kind not in HAZARD_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(HAZARD_KINDS)}", field="kind")
    description = str(record.get("description") or "").strip()
    if not description:
        raise InvalidInput("describe the hazard", field="description")
    lon, lat = lonlat(record)
    fetch_one(conn, _Q["insert_hazard"], {
        "uuid": uid, "hash": digest, "inspection_id": inspection_id, "kind": kind,
        "description": description, "lon": lon, "lat": lat,
        "reported_at": client_time(record.get("reported_at"), "reported_at"), "by": actor.name,
        "user_id": actor.user_id})
    attachments.declare(conn, inspection_id, "hazard", uid, record.get("photos"), "photos")
    audit.record(conn, actor, "hazard.submit", "hazard", uid, after={"kind": kind})
    return {**hazard(conn, uid), "duplicate": False}


def hazard(conn, uid: str) -> dict:
    """The stored hazard with this UUID; NotFound if there is none."""
    return _stored(conn, "hazard", uid, "hazard")


def follow_up(conn, actor: Actor, inspection_id: int, uid: str, changes: dict) -> dict:
    """Add a follow-up (note, new status) to a hazard, based on its version."""
    current = hazard(conn, uid)
    version = based_on(current, changes, inspection_id, "hazard")
    inspections.lock_open(conn, actor, inspection_id)
    status = changes.get("status", current["status"])
    if status not in HAZARD_STATES:
        raise InvalidInput(f"status must be one of {', '.join(HAZARD_STATES)}", field="status")
    note = str(changes.get("note") or "").strip()
    if not note:
        raise InvalidInput("a follow-up needs a note", field="note")
    entry = [{"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "by": actor.name,
              "note": note, "status": status}]
    if fetch_one(conn, _Q["update_hazard"], {"uuid": uid, "version": version, "status": status,
                                             "entry": json.dumps(entry, ensure_ascii=False)}) \
            is None:
        raise Conflict(f"hazard {uid} changed while you were editing it", yours=changes,
                       current=hazard(conn, uid))
    updated = hazard(conn, uid)
    audit.record(conn, actor, "hazard.follow_up", "hazard", uid, before=current, after=updated)
    return updated
