"""Patrols, marker checks and hazards logged from the field, with sync that never loses or
duplicates a record.

Rules (the UUID and hash rules are in ``sync``):

- A patrol may carry its marker checks, hazards and photo declarations; everything is
  written in the caller's one transaction, so a bad part leaves nothing behind.
- A patrol's track breaks into segments at its gaps (``tracks.clean``): source segments,
  the gaps the field app declares (``gaps``: start, end, cause), long silences and jumps no
  walk covers; the gaps are stored with the patrol and never count as patrolled.
- The same raw track sent again under another UUID for the same inspection is recognised
  by its SHA-256 and answered with the first patrol (``same_track_as``), not stored twice;
  if it carries marker checks, hazards or photos, that is a Conflict: they would be lost.
- Every answer carries the gap-aware patrolled share of the patrol (``patrolled``) and of
  the inspection so far (``inspection_patrolled``).
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

import numpy as np

from geo import audit, plausible
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
# The same reach for what is reported on the line: a hazard, a patrol's track. A team
# walking a line is never kilometres off it; a hazard 5 km away is not on this line.
MAX_LINE_DISTANCE_M = MAX_MARKER_DISTANCE_M
# A track is refused when fewer than this share of its points lie within reach of the line.
# Points are thinned by time and distance (every 5 s and 5 m at most), so their share is
# about the share of the patrol's time: the walk along the line takes most of it, while the
# drive out to it (tens of kilometres at speed) gives a few hundred points at most.
MIN_TRACK_SHARE_NEAR = 0.5

def _existing(conn, actor: Actor, query: str, uid: str, digest: str, what: str,
              inspection_id: int) -> dict | None:
    """The stored row for a UUID when the content is the same; Conflict when it is not."""
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


def _lock_new(conn, actor: Actor, inspection_id: int, query: str, uid: str, digest: str,
              what: str, locked: tuple[dict, str] | None = None) -> tuple[dict, str] | None:
    """Lock the inspection for a new record: the inspection and the actor's side, or None
    when this UUID was received already with the same content (Conflict with other).

    The UUID is looked up before the lock, so a resubmission answers as a success even after
    both sides have signed (a field app whose answer was lost must not see a refusal), and
    again once the lock is held: identical retries sent at once all pass the first look-up,
    the lock lets them in one at a time, and each finds the row the first one committed.
    """
    if locked is None:
        if _existing(conn, actor, query, uid, digest, what, inspection_id):
            return None
        locked = inspections.lock_open(conn, actor, inspection_id)
    if _existing(conn, actor, query, uid, digest, what, inspection_id):
        return None
    return locked


def _stored(conn, query: str, uid: str, what: str) -> dict:
    row = fetch_one(conn, _Q[query], {"uuid": client_uuid(uid, "uuid")})
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
    locked = _lock_new(conn, actor, inspection_id, "patrol_by_uuid", uid, digest, "patrol")
    if locked is None:
        return _answer(conn, inspection_id, uid, duplicate=True)
    inspection, side = locked
    check_types(record, {"members": list, "marker_checks": list, "hazards": list, "photos": list,
                "notes": str, "gaps": list})
    if track_bytes is None:
        track = record.get("track")
        if not isinstance(track, dict) or "data" not in track \
                or not isinstance(track.get("format", ""), str):
            raise InvalidInput("track must be {format: gpx|geojson, data: …}", field="track")
        data = track["data"]
        track_bytes = (json.dumps(data) if isinstance(data, dict) else str(data)).encode()
        track_format = track.get("format")
    raw = tracks.parse(track_bytes, track_format)
    raw_ewkt = tracks.to_ewkt_m(raw)
    sha256 = hashlib.sha256(raw_ewkt.encode()).hexdigest()
    same = fetch_one(conn, _Q["same_track"], {"inspection_id": inspection_id, "sha256": sha256})
    if same is not None:
        return _same_track(conn, inspection_id, record, same["uuid"])
    declared = tracks.read_declared(record.get("gaps"), raw)
    clean, stats = tracks.clean(raw, defaults(), declared)
    gaps, unplaced = stats.pop("gaps"), stats.pop("unplaced")
    kept = clean if stats["kept"] >= 2 else raw
    plausible.coordinates(np.column_stack([kept.lon, kept.lat]), "track")
    _near_line(conn, inspection["line_id"], kept)
    members = [str(m) for m in record.get("members") or []]
    team_id = inspection["lead_team_id"] if side == inspection["lead_code"] \
        else inspection["support_team_id"]
    stored = stats["kept"] >= 2
    fetch_one(conn, _Q["insert_patrol"], {
        "uuid": uid, "hash": digest, "inspection_id": inspection_id, "side": side,
        "team_id": team_id, "members": members, "started_at": stats["started_at"],
        "ended_at": stats["ended_at"], "raw": raw_ewkt,
        "clean": tracks.to_ewkt_m(clean) if stored else None,
        "raw_points": stats["raw_points"], "track_points": stats["kept"],
        "length_m": stats["length_m"], "notes": record.get("notes"), "by": actor.name,
        "user_id": actor.user_id, "gaps": json.dumps(gaps),
        "breaks": clean.breaks.tolist() if stored else [], "sha256": sha256})
    for i, item in enumerate((record.get("marker_checks") or []) + (record.get("hazards") or [])):
        if not isinstance(item, dict):
            raise InvalidInput("marker checks and hazards must be objects", field=f"item[{i}]")
    warnings = [tracks.unplaced_warning(record["gaps"][k], k) for k in unplaced]
    for i, check in enumerate(record.get("marker_checks") or []):
        warnings += _nested(lambda c=check: submit_check(conn, actor, inspection_id, {
            **c, "patrol_uuid": uid}, locked=(inspection, side)), f"marker_checks[{i}]")
    for i, hazard in enumerate(record.get("hazards") or []):
        warnings += _nested(lambda h=hazard: submit_hazard(conn, actor, inspection_id, h,
                                                           locked=(inspection, side)),
                            f"hazards[{i}]")
    attachments.declare(conn, inspection_id, "patrol", uid, record.get("photos"), "photos")
    audit.record(conn, actor, "patrol.submit", "patrol", uid,
                 after={"inspection": inspection_id, **stats, "gaps": len(gaps)})
    return _answer(conn, inspection_id, uid, cleaning=stats, duplicate=False,
                   warnings=warnings)


def _answer(conn, inspection_id: int, uid: str, **extra) -> dict:
    """The stored patrol with ``extra`` and the gap-aware shares of the line it and the
    inspection so far patrolled."""
    return {**patrol(conn, uid), **extra,
            "patrolled": inspections.patrol_patrolled(conn, inspection_id, uid),
            "inspection_patrolled": inspections.inspection_patrolled(conn, inspection_id)}


def _same_track(conn, inspection_id: int, record: dict, first: str) -> dict:
    """The answer to a track received before under another UUID: the first patrol, or a
    Conflict when the record carries what would otherwise be lost."""
    carried = [k for k in ("marker_checks", "hazards", "photos") if record.get(k)]
    if carried:
        raise Conflict(f"this track was already received as patrol {first}; its "
                       f"{', '.join(carried)} would be lost: send them on their own "
                       "(marker checks and hazards by their own uploads)", field="track",
                       same_track_as=first)
    return _answer(conn, inspection_id, first, duplicate=True, same_track_as=first)


def _nested(fn, where: str) -> list[dict]:
    """Store a record of a patrol; the warnings of its answer, each saying which it is."""
    try:
        stored = fn()
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.detail}", field=f"{where}.{exc.field}") from None
    return [{**w, "record": where} for w in stored.get("warnings", [])]


def _near_line(conn, line_id: int, track: tracks.Track) -> None:
    """Refuse a track that is not a patrol of this line: none of its points within
    ``MAX_LINE_DISTANCE_M`` of it, or fewer than ``MIN_TRACK_SHARE_NEAR`` of them."""
    reach = MAX_LINE_DISTANCE_M
    line = fetch_one(conn, _Q["line_wkb"], {"line_id": line_id})["wkb"]
    near, points = tracks.points_near(line, track, reach), len(track)
    if near == 0:
        nearest = fetch_one(conn, _Q["track_distance"], {"track": tracks.to_ewkt_m(track),
                                                         "line_id": line_id})["metres"]
        raise InvalidInput(f"the track is {nearest / 1000:.1f} km from the line at its "
                           f"nearest; a patrol of it comes within {reach / 1000:g} km: is it "
                           "the right file, and the right inspection?", field="track")
    if near < MIN_TRACK_SHARE_NEAR * points:
        raise InvalidInput(f"{points - near} of the track's {points} points lie more than "
                           f"{reach / 1000:g} km from the line; a patrol of it keeps at least "
                           f"{MIN_TRACK_SHARE_NEAR:.0%} of them within reach: is it the right "
                           "file?", field="track")


def patrol(conn, uid: str) -> dict:
    """The stored patrol with this UUID; NotFound if there is none."""
    return _stored(conn, "patrol", uid, "patrol")


# ------------------------------------------------------------------ marker checks

def submit_check(conn, actor: Actor, inspection_id: int, record: dict, *,
                 locked: tuple[dict, str] | None = None) -> dict:
    """A marker check: condition, measured position (→ displacement), photos."""
    uid = client_uuid(record.get("uuid"), "uuid")
    digest = content_hash({k: v for k, v in record.items() if k != "patrol_uuid"})
    locked = _lock_new(conn, actor, inspection_id, "check_by_uuid", uid, digest,
                       "marker check", locked)
    if locked is None:
        return {**check(conn, uid), "duplicate": True}
    inspection, _side = locked
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
    gcj02 = []
    if record.get("lon") is not None or record.get("lat") is not None:
        lon, lat = lonlat(record)
        displacement, gcj02 = _measured(conn, lon, lat, marker)
    elif condition not in ("lost",):
        raise InvalidInput("a check of a marker that is there needs its measured lon/lat",
                           field="lon")
    fetch_one(conn, _Q["insert_check"], {
        "uuid": uid, "hash": digest, "inspection_id": inspection_id, "marker_id": marker["id"],
        "patrol_uuid": record.get("patrol_uuid"), "condition": condition, "lon": lon,
        "lat": lat, "accuracy_m": _accuracy(record, lon), "displacement_m": displacement,
        "action": ACTIONS[condition], "note": record.get("note"),
        "checked_at": client_time(record.get("checked_at"), "checked_at"), "by": actor.name,
        "user_id": actor.user_id})
    execute(conn, _Q["marker_condition"], {"marker_id": marker["id"]})
    attachments.declare(conn, inspection_id, "marker_check", uid, record.get("photos"), "photos")
    audit.record(conn, actor, "marker_check.submit", "marker_check", uid,
                 after={"marker": marker["marker_no"], "condition": condition})
    return {**check(conn, uid), "duplicate": False,
            "warnings": _warnings(condition, displacement) + gcj02}


def _accuracy(record: dict, lon: float | None) -> float | None:
    """The accuracy (metres) of the fix behind a record's position, when it has both."""
    value = record.get("accuracy_m")
    if value is None or lon is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e5:
        raise InvalidInput("accuracy_m must be a number of metres, 0 or more",
                           field="accuracy_m")
    return float(value)


def _measured(conn, lon: float, lat: float, marker: dict) -> tuple[float, list[dict]]:
    """The distance of a measured position from its marker's registered one, and a warning
    when the position looks like GCJ-02; InvalidInput when it is too far to be a measure."""
    def metres(x: float, y: float) -> float:
        return fetch_one(conn, _Q["displacement"], {"lon": x, "lat": y,
                                                    "id": marker["id"]})["metres"]

    displacement = metres(lon, lat)
    if displacement > MAX_MARKER_DISTANCE_M:
        raise InvalidInput(f"the measured position is {displacement / 1000:.1f} km from "
                           f"marker {marker['marker_no']}: check the coordinates", field="lon")
    warning = plausible.gcj02_warning(lon, lat, displacement, metres,
                                      f"marker {marker['marker_no']}")
    return displacement, [warning] if warning else []


def _warnings(condition: str, displacement: float | None) -> list[dict]:
    tol = float(defaults()["displacement_tolerance_m"])
    if condition == "intact" and displacement is not None and displacement > tol:
        return [{"code": "intact_but_moved",
                 "message": f"measured {displacement:.1f} m from the registered position "
                            f"(tolerance {tol:g} m): check it, or record the marker as "
                            "displaced"}]
    return []


def check(conn, uid: str) -> dict:
    """The stored marker check with this UUID; NotFound if there is none."""
    return _stored(conn, "check", uid, "marker check")


def edit_check(conn, actor: Actor, inspection_id: int, uid: str, changes: dict) -> dict:
    """Change a check based on ``changes['version']``; a stale version is a Conflict with
    both versions."""
    uid = client_uuid(uid, "uuid")
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
    marker = fetch_one(conn, _Q["check_marker"], {"uuid": uid})
    displacement, gcj02 = (None, []) if lon is None else _measured(conn, lon, lat, marker)
    if fetch_one(conn, _Q["update_check"], {
            "uuid": uid, "version": version, "condition": condition, "lon": lon, "lat": lat,
            "displacement_m": displacement, "action": ACTIONS[condition],
            "note": changes.get("note", current["note"])}) is None:
        raise Conflict(f"marker check {uid} changed while you were editing it",
                       yours=changes, current=check(conn, uid))
    execute(conn, _Q["marker_condition"], {"marker_id": marker["id"]})
    updated = check(conn, uid)
    audit.record(conn, actor, "marker_check.edit", "marker_check", uid, before=current,
                 after=updated)
    return {**updated, "warnings": _warnings(condition, displacement) + gcj02}


# ------------------------------------------------------------------ hazards

def submit_hazard(conn, actor: Actor, inspection_id: int, record: dict, *,
                  locked: tuple[dict, str] | None = None) -> dict:
    """A hazard on the line (construction across it, damage, a dispute …), to follow up."""
    uid = client_uuid(record.get("uuid"), "uuid")
    digest = content_hash(record)
    locked = _lock_new(conn, actor, inspection_id, "hazard_by_uuid", uid, digest, "hazard",
                       locked)
    if locked is None:
        return {**hazard(conn, uid), "duplicate": True}
    inspection, _side = locked
    check_types(record, {"description": str, "photos": list})
    kind = record.get("kind")
    if kind not in HAZARD_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(HAZARD_KINDS)}", field="kind")
    description = str(record.get("description") or "").strip()
    if not description:
        raise InvalidInput("describe the hazard", field="description")
    lon, lat = lonlat(record)
    gcj02 = _on_the_line(conn, lon, lat, inspection["line_id"])
    fetch_one(conn, _Q["insert_hazard"], {
        "uuid": uid, "hash": digest, "inspection_id": inspection_id, "kind": kind,
        "description": description, "lon": lon, "lat": lat,
        "accuracy_m": _accuracy(record, lon),
        "reported_at": client_time(record.get("reported_at"), "reported_at"), "by": actor.name,
        "user_id": actor.user_id})
    attachments.declare(conn, inspection_id, "hazard", uid, record.get("photos"), "photos")
    audit.record(conn, actor, "hazard.submit", "hazard", uid, after={"kind": kind})
    return {**hazard(conn, uid), "duplicate": False, "warnings": gcj02}


def _on_the_line(conn, lon: float, lat: float, line_id: int) -> list[dict]:
    """Refuse a hazard farther than ``MAX_LINE_DISTANCE_M`` from the inspection's line; a
    warning when its position looks like GCJ-02."""
    def metres(x: float, y: float) -> float:
        return fetch_one(conn, _Q["distance_to_line"], {"lon": x, "lat": y,
                                                        "line_id": line_id})["metres"]

    distance = metres(lon, lat)
    if distance > MAX_LINE_DISTANCE_M:
        raise InvalidInput(f"the hazard is {distance / 1000:.1f} km from the line; one on it "
                           f"lies within {MAX_LINE_DISTANCE_M / 1000:g} km: check the "
                           "coordinates", field="lon")
    warning = plausible.gcj02_warning(lon, lat, distance, metres, "the boundary line")
    return [warning] if warning else []


def hazard(conn, uid: str) -> dict:
    """The stored hazard with this UUID; NotFound if there is none."""
    return _stored(conn, "hazard", uid, "hazard")


def follow_up(conn, actor: Actor, inspection_id: int, uid: str, changes: dict) -> dict:
    """Add a follow-up (note, new status) to a hazard, based on its version."""
    uid = client_uuid(uid, "uuid")
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
