"""Patrol logging from the field, with sync that never loses or duplicates a record.

Rules (PEERS §3, after ODK Central and QFieldCloud):

- Every patrol, marker check, hazard and photo carries the client's UUID. Its content is
  hashed (canonical JSON); sending the same UUID with the same content again answers as a
  success with the stored record and writes nothing; the same UUID with other content is a
  Conflict (409), never a silent overwrite or a second record.
- A patrol may carry its marker checks, hazards and photo declarations; everything is
  written in the caller's one transaction, so a bad part leaves nothing behind.
- Photos are declared (UUID, SHA-256, size, type) by their record and uploaded separately,
  in parts if need be (``upload``: resumable at the byte offset the server reports); they
  are complete when the bytes match the hash and look like an image.
- Edits carry the version they were based on; a stale edit is a Conflict carrying both
  versions.
- Only inspectors of a team assigned to the inspection write to it, and not once both sides
  have signed it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid as uuidlib
from typing import Any

import psycopg2

from geo import audit
from geo.audit import Actor
from geo.boundaries import inspections, tracks
from geo.boundaries.settings import defaults
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
IMAGE_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


def content_hash(record: Any) -> str:
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _uuid(value: Any, field: str) -> str:
    try:
        return str(uuidlib.UUID(str(value)))
    except (ValueError, TypeError):
        raise InvalidInput(f"{field} must be a UUID made by the client, not {value!r}",
                           field=field) from None


def _time(value: Any, field: str, required: bool = True) -> dt.datetime | None:
    if value in (None, ""):
        if required:
            raise InvalidInput(f"{field} is required (ISO 8601 time)", field=field)
        return None
    try:
        t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{field} must be an ISO 8601 time, not {value!r}",
                           field=field) from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))   # Beijing time
    if t > dt.datetime.now(dt.UTC) + dt.timedelta(days=1):
        raise InvalidInput(f"{field} {t.isoformat()} is in the future", field=field)
    return t


def _lonlat(record: dict, field: str = "") -> tuple[float, float]:
    prefix = f"{field}." if field else ""
    try:
        lon, lat = float(record["lon"]), float(record["lat"])
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(f"{prefix}lon and {prefix}lat must be numbers",
                           field=f"{prefix}lon") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"{prefix}lon/lat {lon}, {lat} are impossible coordinates",
                           field=f"{prefix}lon")
    return lon, lat


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


# ------------------------------------------------------------------ patrols

def submit_patrol(conn, actor: Actor, inspection_id: int, record: dict, *,
                  track_bytes: bytes | None = None, track_format: str | None = None) -> dict:
    """Store a patrol (track, checks, hazards, photo declarations); idempotent by UUID.

    The track comes as ``record["track"]`` ({format, data}) or as raw bytes (a GPX file
    posted as is). Returns the stored patrol with ``duplicate`` telling a resubmission.
    """
    uid = _uuid(record.get("uuid"), "uuid")
    if track_bytes is not None:
        digest = content_hash({**record, "track_sha256": hashlib.sha256(track_bytes).hexdigest()})
    else:
        digest = content_hash(record)
    if _existing(conn, actor, "patrol_by_uuid", uid, digest, "patrol", inspection_id):
        return {**patrol(conn, uid), "duplicate": True}
    inspection, side = inspections.lock_open(conn, actor, inspection_id)
    _shape(record, {"members": list, "marker_checks": list, "hazards": list, "photos": list,
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
    _declare(conn, inspection_id, "patrol", uid, record.get("photos"), "photos")
    audit.record(conn, actor, "patrol.submit", "patrol", uid,
                 after={"inspection": inspection_id, **stats})
    return {**patrol(conn, uid), "cleaning": stats, "duplicate": False}


def _shape(record: dict, kinds: dict[str, type]) -> None:
    """InvalidInput naming the first field whose JSON type is wrong."""
    for key, kind in kinds.items():
        value = record.get(key)
        if value is not None and not isinstance(value, kind):
            raise InvalidInput(f"{key} must be a {'list' if kind is list else 'string'}",
                               field=key)


def _based_on(current: dict, changes: dict, inspection_id: int, what: str) -> int:
    """The version an edit is based on; NotFound if the record is not in this inspection,
    Conflict carrying both versions if the edit is stale."""
    if current["inspection_id"] != inspection_id:
        raise NotFound(f"no {what} {current['uuid']} in inspection {inspection_id}",
                       field="uuid")
    version = changes.get("version")
    if type(version) is not int:
        raise InvalidInput("version is required: the version your edit is based on",
                           field="version")
    if version != current["version"]:
        raise Conflict(f"{what} {current['uuid']} is at version {current['version']}, your "
                       f"edit is based on {version}", yours=changes, current=current)
    return version


def _nested(fn, where: str):
    try:
        return fn()
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.detail}", field=f"{where}.{exc.field}") from None


def patrol(conn, uid: str) -> dict:
    row = fetch_one(conn, _Q["patrol"], {"uuid": uid})
    if row is None:
        raise NotFound(f"no patrol {uid}", field="uuid")
    return row


# ------------------------------------------------------------------ marker checks

def submit_check(conn, actor: Actor, inspection_id: int, record: dict, *,
                 locked: tuple[dict, str] | None = None) -> dict:
    """A marker check: condition, measured position (→ displacement), photos."""
    uid = _uuid(record.get("uuid"), "uuid")
    digest = content_hash({k: v for k, v in record.items() if k != "patrol_uuid"})
    if _existing(conn, actor, "check_by_uuid", uid, digest, "marker check", inspection_id):
        return {**check(conn, uid), "duplicate": True}
    inspection, _side = locked or inspections.lock_open(conn, actor, inspection_id)
    _shape(record, {"note": str, "photos": list})
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
        lon, lat = _lonlat(record)
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
        "note": record.get("note"), "checked_at": _time(record.get("checked_at"), "checked_at"),
        "by": actor.name, "user_id": actor.user_id})
    execute(conn, _Q["marker_condition"], {"marker_id": marker["id"]})
    _declare(conn, inspection_id, "marker_check", uid, record.get("photos"), "photos")
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
    row = fetch_one(conn, _Q["check"], {"uuid": uid})
    if row is None:
        raise NotFound(f"no marker check {uid}", field="uuid")
    return row


def edit_check(conn, actor: Actor, inspection_id: int, uid: str, changes: dict) -> dict:
    """Change a check based on ``changes['version']``; a stale version is a Conflict with
    both versions."""
    current = check(conn, uid)
    inspections.lock_open(conn, actor, inspection_id)
    version = _based_on(current, changes, inspection_id, "marker check")
    _shape(changes, {"note": str})
    condition = changes.get("condition", current["condition"])
    if condition not in CONDITIONS:
        raise InvalidInput(f"condition must be one of {', '.join(CONDITIONS)}",
                           field="condition")
    lon, lat = (current["lon"], current["lat"])
    if "lon" in changes or "lat" in changes:
        lon, lat = _lonlat(changes)
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
    uid = _uuid(record.get("uuid"), "uuid")
    digest = content_hash(record)
    if _existing(conn, actor, "hazard_by_uuid", uid, digest, "hazard", inspection_id):
        return {**hazard(conn, uid), "duplicate": True}
    locked or inspections.lock_open(conn, actor, inspection_id)
    _shape(record, {"description": str, "photos": list})
    kind = record.get("kind")
    if kind not in HAZARD_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(HAZARD_KINDS)}", field="kind")
    description = str(record.get("description") or "").strip()
    if not description:
        raise InvalidInput("describe the hazard", field="description")
    lon, lat = _lonlat(record)
    fetch_one(conn, _Q["insert_hazard"], {
        "uuid": uid, "hash": digest, "inspection_id": inspection_id, "kind": kind,
        "description": description, "lon": lon, "lat": lat,
        "reported_at": _time(record.get("reported_at"), "reported_at"), "by": actor.name,
        "user_id": actor.user_id})
    _declare(conn, inspection_id, "hazard", uid, record.get("photos"), "photos")
    audit.record(conn, actor, "hazard.submit", "hazard", uid, after={"kind": kind})
    return {**hazard(conn, uid), "duplicate": False}


def hazard(conn, uid: str) -> dict:
    row = fetch_one(conn, _Q["hazard"], {"uuid": uid})
    if row is None:
        raise NotFound(f"no hazard {uid}", field="uuid")
    return row


def follow_up(conn, actor: Actor, inspection_id: int, uid: str, changes: dict) -> dict:
    """Add a follow-up (note, new status) to a hazard, based on its version."""
    current = hazard(conn, uid)
    version = _based_on(current, changes, inspection_id, "hazard")
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


# ------------------------------------------------------------------ photos

def _declare(conn, inspection_id: int, owner_kind: str, owner_uuid: str, photos: Any,
             field: str) -> None:
    s = defaults()
    for i, p in enumerate(photos or []):
        where = f"{field}[{i}]"
        if not isinstance(p, dict):
            raise InvalidInput(f"{where} must be {{uuid, sha256, size, media_type}}", field=where)
        uid = _uuid(p.get("uuid"), f"{where}.uuid")
        digest = str(p.get("sha256") or "").lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise InvalidInput(f"{where}.sha256 must be 64 hex digits", field=f"{where}.sha256")
        size = p.get("size")
        if not isinstance(size, int) or size <= 0:
            raise InvalidInput(f"{where}.size must be a positive whole number of bytes",
                               field=f"{where}.size")
        if size > int(s["photo_max_bytes"]):
            raise InvalidInput(f"{where} is {size:,} bytes; photos are at most "
                               f"{int(s['photo_max_bytes']):,}", field=f"{where}.size")
        media = p.get("media_type") or "image/jpeg"
        if media not in s["photo_types"]:
            raise InvalidInput(f"{where}.media_type {media} is not an accepted photo type "
                               f"({', '.join(s['photo_types'])})", field=f"{where}.media_type")
        existing = fetch_one(conn, _Q["attachment"], {"uuid": uid})
        if existing:
            if (existing["sha256"], existing["size"], str(existing["owner_uuid"])) != \
                    (digest, size, owner_uuid):
                raise Conflict(f"photo {uid} was declared before with other content",
                               field=f"{where}.uuid")
            continue
        execute(conn, _Q["declare_attachment"], {
            "uuid": uid, "inspection_id": inspection_id, "owner_kind": owner_kind,
            "owner_uuid": owner_uuid, "sha256": digest, "size": size, "media_type": media})


def attachment(conn, actor: Actor, uid: str) -> dict:
    row = fetch_one(conn, _Q["attachment"], {"uuid": _uuid(uid, "uuid")})
    if row is None:
        raise NotFound(f"no photo {uid} was declared; declare it with its record first",
                       field="uuid")
    inspections.get(conn, row["inspection_id"], actor)
    return row


def upload(conn, actor: Actor, uid: str, chunk: bytes, *, offset: int = 0,
           total: int | None = None) -> dict:
    """Append ``chunk`` at ``offset`` of a declared photo (resumable); completes it when
    every byte is there, the SHA-256 matches and the bytes are an image."""
    uid = _uuid(uid, "uuid")
    row = fetch_one(conn, _Q["attachment_for_update"], {"uuid": uid})
    if row is None:
        raise NotFound(f"no photo {uid} was declared; declare it with its record first",
                       field="uuid")
    inspection = inspections.get(conn, row["inspection_id"], actor)
    inspections.side_of(conn, actor, inspection)
    if total is not None and total != row["size"]:
        raise InvalidInput(f"the photo was declared with {row['size']} bytes, not {total}",
                           field="Content-Range")
    if row["complete"]:
        whole = fetch_one(conn, _Q["attachment_data"], {"uuid": uid})["data"]
        if bytes(whole)[offset:offset + len(chunk)] == chunk:
            return {**attachment(conn, actor, uid), "duplicate": True}
        raise Conflict(f"photo {uid} is complete and these bytes differ from it",
                       field="uuid")
    if offset != row["received"]:
        raise Conflict(f"photo {uid} has {row['received']} bytes; send from offset "
                       f"{row['received']}", field="Content-Range", received=row["received"])
    if row["received"] + len(chunk) > row["size"]:
        raise InvalidInput(f"more bytes than the {row['size']} declared", field="Content-Range")
    done = fetch_one(conn, _Q["append_attachment"], {"uuid": uid,
                                                     "chunk": psycopg2.Binary(chunk)})
    if done["received"] == row["size"]:
        rejected = None
        if bytes(done["digest"]).hex() != row["sha256"]:
            rejected = {"detail": f"photo {uid}: the bytes do not match the declared SHA-256; "
                                  "upload it again from offset 0", "field": "sha256"}
        elif not _is_image(bytes(done["head"])):
            rejected = {"detail": f"photo {uid} is not a JPEG, PNG, WebP or HEIC image; "
                                  "upload the right file from offset 0", "field": "media_type"}
        if rejected:
            # Start again from 0. The caller commits this and then answers 422, so that the
            # reset is not rolled back with the error (see ``rejected`` in the answer).
            execute(conn, _Q["reset_attachment"], {"uuid": uid})
            return {**attachment(conn, actor, uid), "duplicate": False, "rejected": rejected}
        execute(conn, _Q["complete_attachment"], {"uuid": uid})
    return {**attachment(conn, actor, uid), "duplicate": False}


def _is_image(head: bytes) -> bool:
    if any(head.startswith(magic) for magic, _ in IMAGE_MAGIC):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"heif")


def photo(conn, actor: Actor, uid: str) -> tuple[bytes, str]:
    row = fetch_one(conn, _Q["attachment_data"], {"uuid": _uuid(uid, "uuid")})
    if row is None or not row["complete"]:
        raise NotFound(f"photo {uid} is not (completely) uploaded", field="uuid")
    inspections.get(conn, row["inspection_id"], actor)
    return bytes(row["data"]), row["media_type"]

