"""Plates as physical assets (门牌/楼牌/单元牌), their lifecycle, campaigns and QR tokens.

Lifecycle (every step is an event in ``plate_events``; the status is the latest state):

    planned → ordered → installed (date, position, photo) → damaged / missing
                                                          → replaced / removed

A damaged, missing or outdated plate is *replaced* by a new plate (planned, same door, new
token); the old plate's token keeps answering until the new plate is installed, then it is
revoked. A removed plate's token is revoked at once. The public may report a plate
damaged or missing through its QR page: the report waits for an officer (``list_plates``
with ``reported``, ``pending_reports``) and changes nothing by itself; nothing about the
reporter is kept. An officer answers it by a step of the plate's lifecycle or by closing
it with a note (``close_reports``: the event ``reports_closed``); an officer's bare note
(the event ``note``) is kept but answers nothing, so a report is never closed by a remark
such as "will visit on Tuesday".
When a door's address changes (renumbering, rename, split), plates already made for it
keep what they show in ``printed_address`` and are offered to the next replace campaign.

Tokens are opaque (``secrets.token_urlsafe``), never given out twice (``plate_tokens``
keeps every one), and revocable; a withdrawn token answers "withdrawn" for good. The QR
code carries only ``{public_base_url}/qr/{token}`` (DOMAIN §C).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
import secrets
from typing import Any

from geo import audit
from geo.audit import Actor
from geo.db import execute, fetch_all, fetch_one, fetch_value, load_queries
from geo.errors import Conflict, Gone, InvalidInput, NotFound
from geo.plates import addresses, rules

_Q = load_queries(__file__)
KINDS = ("door", "building", "unit")
SIZES = ("large", "medium", "small")
STATUSES = ("planned", "ordered", "installed", "damaged", "missing", "replaced", "removed")
NEXT = {
    "planned": ("ordered", "removed"),
    "ordered": ("installed", "removed"),
    "installed": ("damaged", "missing", "replaced", "removed"),
    "damaged": ("installed", "missing", "replaced", "removed"),
    "missing": ("installed", "replaced", "removed"),
    "replaced": (),
    "removed": (),
}
STATUS_LABELS = {"planned": "计划 planned", "ordered": "已订制 ordered",
                 "installed": "已安装 installed", "damaged": "损坏 damaged",
                 "missing": "缺失 missing", "replaced": "已更换 replaced",
                 "removed": "已拆除 removed"}
TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_PHOTO = 10 * 1024 * 1024
IMAGE_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
PUBLIC_REPORTS = ("damaged", "missing")


def new_token() -> str:
    """A new opaque QR token (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


def qr_url(token: str) -> str:
    """What a plate's QR code encodes: its public page."""
    return f"{rules.public_base_url()}/qr/{token}"


def checked_token(conn, token: Any) -> str:
    """A QR token given for a new plate or sign, checked: well formed and never given out."""
    if not isinstance(token, str) or not TOKEN.match(token):
        raise InvalidInput("token must be 8 to 64 letters, digits, - or _", field="token")
    taken = fetch_value(conn, _Q["token_taken"], {"token": token})
    if taken is not None:
        raise Conflict(f"the token is already on plate {taken}; every plate needs its own",
                       field="token", plate=taken)
    return token


# ------------------------------------------------------------------ create, read

def create(conn, actor: Actor, record: Any, *, replaces: int | None = None) -> dict:
    """A planned plate for a door (门牌), a building (楼牌) or a unit (单元牌)."""
    if not isinstance(record, dict):
        raise InvalidInput("the body must be an object", field="body")
    kind = record.get("kind", "door")
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    size = record.get("size", "medium" if kind == "door" else "small")
    if size not in SIZES:
        raise InvalidInput(f"size must be one of {', '.join(SIZES)}", field="size")
    entrance_id = record.get("entrance_id")
    if not isinstance(entrance_id, int) or isinstance(entrance_id, bool):
        raise InvalidInput("entrance_id must be the id of a numbered door", field="entrance_id")
    door = fetch_one(conn, _Q["entrance_ok"], {"id": entrance_id})
    if door is None or door["status"] != "current":
        raise NotFound(f"no current door {entrance_id}", field="entrance_id")
    if door["number"] is None:
        raise InvalidInput(f"door {entrance_id} has no number yet: number its road first",
                           field="entrance_id")
    building_id, unit = None, None
    if kind in ("building", "unit"):
        no = record.get("building")
        b = fetch_one(conn, _Q["building_of"], {"entrance": entrance_id, "no": no})
        if b is None:
            raise InvalidInput(f"door {entrance_id} has no building {no!r}", field="building")
        building_id = b["id"]
        if kind == "unit":
            unit = record.get("unit")
            if not isinstance(unit, int) or not 1 <= unit <= b["units"]:
                raise InvalidInput(f"unit must be 1 to {b['units']} for building {no}",
                                   field="unit")
    if replaces is None:
        active = fetch_value(conn, _Q["active_plate"], {"entrance": entrance_id, "kind": kind,
                                                        "building": building_id, "unit": unit})
        if active is not None:
            raise Conflict(f"plate {active} already serves this place; replace it instead",
                           field="entrance_id", plate=active)
    token = (checked_token(conn, record["token"]) if record.get("token") is not None
             else new_token())
    plate_id = fetch_value(conn, _Q["insert_plate"], {
        "kind": kind, "size": size, "entrance": entrance_id, "building": building_id,
        "unit": unit, "token": token, "replaces": replaces, "by": actor.name})
    event(conn, plate_id, "planned", None, "planned", actor.name,
           f"replaces plate {replaces}" if replaces else None)
    audit.record(conn, actor, "create", "plate", plate_id, after={"entrance": entrance_id,
                                                                  "kind": kind})
    return get(conn, plate_id)


def event(conn, plate_id: int, action: str, before: str | None, after: str | None, by: str,
          note: str | None = None, lon: float | None = None, lat: float | None = None) -> None:
    """One step of a plate's (or sign's) history."""
    execute(conn, _Q["insert_event"], {"plate": plate_id, "action": action, "from": before,
                                       "to": after, "by": by, "note": note, "lon": lon,
                                       "lat": lat})


def get(conn, plate_id: int, *, events: bool = True, family: str | None = "plate") -> dict:
    """One plate with its address and (unless ``events`` is false) its lifecycle; NotFound
    if there is none. ``family``: ``plate`` (a door, building or unit plate, the default),
    ``sign`` (a place-name sign, ``geo.names.signs``, which has no address) or None (either)."""
    plate = fetch_one(conn, _Q["plate"], {"id": plate_id})
    is_sign = plate is not None and plate["entrance_id"] is None
    if plate is None or (family == "plate" and is_sign) or (family == "sign" and not is_sign):
        raise NotFound(f"no {family or 'plate'} {plate_id}", field="id")
    plate["status_label"] = STATUS_LABELS[plate["status"]]
    plate["url"] = qr_url(plate["token"])
    plate["address"] = (None if is_sign else addresses.address(
        conn, plate["entrance_id"], plate["building_no"], plate["unit"]))
    if events:
        plate["events"] = events_of(conn, plate_id)
    return plate


def events_of(conn, plate_id: int) -> list[dict]:
    """Every step of a plate's (or sign's) history, oldest first."""
    return fetch_all(conn, _Q["events"], {"id": plate_id})


def list_plates(conn, *, status: str | None = None, road: int | None = None,
                campaign: int | None = None, reported: bool = False, limit: int = 100,
                offset: int = 0) -> tuple[list[dict], int]:
    """Plates, filtered; ``reported`` keeps those with public reports no officer has acted
    on since."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
    params = {"status": status, "road": road, "campaign": campaign, "reported": reported,
              "limit": limit, "offset": offset}
    return fetch_all(conn, _Q["list_plates"], params), fetch_value(conn, _Q["count_plates"],
                                                                    params)


# ------------------------------------------------------------------ lifecycle

def _photo(value: Any) -> tuple[bytes, str]:
    if not isinstance(value, str):
        raise InvalidInput("photo must be base64-encoded JPEG or PNG", field="photo")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("photo is not valid base64", field="photo") from None
    if len(data) > MAX_PHOTO:
        raise InvalidInput(f"photo is larger than {MAX_PHOTO // (1024 * 1024)} MB", field="photo")
    for magic, media_type in IMAGE_MAGIC:
        if data.startswith(magic):
            return data, media_type
    raise InvalidInput("photo must be a JPEG or PNG image", field="photo")


def position(changes: dict) -> tuple[float | None, float | None]:
    """``lon`` and ``lat`` of a change, checked to lie in China; (None, None) for none."""
    lon, lat = changes.get("lon"), changes.get("lat")
    if lon is None and lat is None:
        return None, None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in (lon, lat)):
        raise InvalidInput("lon and lat must be numbers", field="lon")
    from geo.names.search import check_point
    check_point(lon, lat)
    return float(lon), float(lat)


EDITABLE = ("status", "installed_on", "lon", "lat", "photo", "note", "revoke", "reissue",
            "close_reports", "version")
NOTE_ONLY = "note"              # an officer's note: kept, answers no public report
REPORTS_CLOSED = "reports_closed"


def update(conn, actor: Actor, plate_id: int, changes: Any, *,
           family: str | None = "plate") -> dict:
    """Move a plate (or a sign, with ``family="sign"``) along its lifecycle, revoke or
    reissue its token; based on a version."""
    if not isinstance(changes, dict):
        raise InvalidInput("the body must be an object", field="body")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput(f"{field} cannot be changed here; the fields are "
                           f"{', '.join(EDITABLE)}", field=field)
    if fetch_value(conn, _Q["lock_plate"], {"id": plate_id}) is None:
        raise NotFound(f"no {family or 'plate'} {plate_id}", field="id")
    plate = get(conn, plate_id, events=False, family=family)
    version = changes.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidInput("version is required: send the version your change is based on",
                           field="version")
    if version != plate["version"]:
        raise Conflict(f"plate {plate_id} is at version {plate['version']}, your change is "
                       f"based on {version}", field="version", current=plate)
    note = changes.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        raise InvalidInput("note must be text up to 500 characters", field="note")
    if note is not None:
        note = note.strip()
        if not note:
            raise InvalidInput("note is empty; leave it out or say something", field="note")
    closing = _closing(conn, plate_id, changes, note)
    result: dict[str, Any] = {}
    status = changes.get("status", plate["status"])
    moved = status != plate["status"]
    if moved:
        result = _move(conn, actor, plate, status, changes, note)
    elif any(k in changes for k in ("installed_on", "lon", "lat", "photo")):
        raise InvalidInput("installed_on, position and photo go with status installed",
                           field="status")
    if closing:
        event(conn, plate_id, REPORTS_CLOSED, status, status, actor.name, note)
    elif note is not None and not moved:
        event(conn, plate_id, NOTE_ONLY, status, status, actor.name, note)
    if changes.get("revoke"):
        reason = changes["revoke"] if isinstance(changes["revoke"], str) else "revoked"
        execute(conn, _Q["revoke"], {"id": plate_id, "reason": reason[:200]})
        event(conn, plate_id, "token_revoked", status, status, actor.name, reason[:200])
    if changes.get("reissue"):
        if status in ("replaced", "removed"):
            raise Conflict(f"a {status} plate gets no new QR code", field="reissue")
        token = new_token()
        execute(conn, _Q["reissue"], {"id": plate_id, "token": token})
        event(conn, plate_id, "token_reissued", status, status, actor.name,
               "a new QR token; the old one no longer answers")
    audit.record(conn, actor, "close_reports" if closing else "update", "plate", plate_id,
                 before={"status": plate["status"], "version": plate["version"],
                         "pending_reports": closing or None},
                 after={k: v for k, v in changes.items() if k != "photo"})
    return {**get(conn, plate_id, family=family), **result}


def _closing(conn, plate_id: int, changes: dict, note: str | None) -> int:
    """How many public reports ``close_reports`` answers (0 when it is not asked for):
    closing needs a note saying what was done, and a report waiting for an answer."""
    close = changes.get("close_reports")
    if close is None or close is False:
        return 0
    if close is not True:
        raise InvalidInput("close_reports must be true or false", field="close_reports")
    if note is None:
        raise InvalidInput("closing public reports needs a note saying what was done about "
                           "them", field="note")
    pending = fetch_value(conn, _Q["pending_count"], {"id": plate_id})
    if not pending:
        raise Conflict(f"plate {plate_id} has no public report waiting for an answer",
                       field="close_reports")
    return pending


def pending_reports(conn, plate_id: int) -> list[dict]:
    """The public reports on a plate that no officer has answered yet, oldest first."""
    return fetch_all(conn, _Q["pending_reports"], {"ids": [plate_id]})


def reports_queue(conn, *, limit: int = 100, offset: int = 0) -> list[dict]:
    """Plates with public reports waiting for an answer, the longest waiting first, each
    with those reports (``reports``: at, kind, note)."""
    rows = fetch_all(conn, _Q["reports_queue"], {"limit": limit, "offset": offset})
    waiting = fetch_all(conn, _Q["pending_reports"], {"ids": [r["id"] for r in rows]})
    for row in rows:
        row["reports"] = [w for w in waiting if w["plate_id"] == row["id"]]
    return rows


def _move(conn, actor: Actor, plate: dict, status: Any, changes: dict, note: str | None) -> dict:
    if status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
    if status not in NEXT[plate["status"]]:
        allowed = ", ".join(NEXT[plate["status"]]) or "nothing (it is closed)"
        raise Conflict(f"a {plate['status']} plate can become {allowed}, not {status}",
                       field="status", current=plate["status"])
    lon, lat = position(changes)
    photo, photo_type = None, None
    installed_on = plate["installed_on"]
    if status == "installed":
        try:
            installed_on = dt.date.fromisoformat(changes.get("installed_on")
                                                 or dt.date.today().isoformat())
        except (TypeError, ValueError):
            raise InvalidInput("installed_on must be a date (YYYY-MM-DD)",
                               field="installed_on") from None
        if installed_on > dt.date.today():
            raise InvalidInput("installed_on cannot be in the future", field="installed_on")
        if lon is None and plate["installed_lon"] is None:
            raise InvalidInput("an installed plate needs its position: lon and lat",
                               field="lon")
        if changes.get("photo") is not None:
            photo, photo_type = _photo(changes["photo"])
    elif any(k in changes for k in ("installed_on", "photo")):
        raise InvalidInput("installed_on and photo go with status installed", field="status")
    if fetch_one(conn, _Q["update_plate"], {
            "id": plate["id"], "version": plate["version"], "status": status,
            "installed_on": installed_on, "lon": lon, "lat": lat, "photo": photo,
            "photo_type": photo_type}) is None:
        raise Conflict(f"plate {plate['id']} changed meanwhile; read it again", field="version")
    event(conn, plate["id"], status, plate["status"], status, actor.name, note, lon, lat)
    result: dict[str, Any] = {}
    if status == "replaced":
        new = _replacement(conn, actor, plate)
        result["replacement"] = {"id": new["id"], "token": new["token"], "url": new["url"]}
    if status == "removed":
        execute(conn, _Q["revoke"], {"id": plate["id"], "reason": "plate removed"})
        event(conn, plate["id"], "token_revoked", status, status, actor.name, "plate removed")
    if status == "installed" and plate["replaces_id"]:
        execute(conn, _Q["revoke"], {"id": plate["replaces_id"],
                                     "reason": f"replaced by plate {plate['id']}"})
        event(conn, plate["replaces_id"], "token_revoked", "replaced", "replaced", actor.name,
               f"replaced by plate {plate['id']}, now installed")
    return result


def _replacement(conn, actor: Actor, plate: dict) -> dict:
    """The planned plate that replaces ``plate``: for the same door, building or unit; a
    sign's replacement prints the name it stands for today."""
    if plate["entrance_id"] is None:
        from geo.names import signs  # signs build on plates
        return signs.replacement(conn, actor, plate)
    return create(conn, actor, {"entrance_id": plate["entrance_id"], "kind": plate["kind"],
                                "size": plate["size"], "building": plate["building_no"],
                                "unit": plate["unit"]}, replaces=plate["id"])


def photo(conn, plate_id: int) -> tuple[bytes, str]:
    """A plate's installation photo and its media type; NotFound without one."""
    row = fetch_one(conn, _Q["photo"], {"id": plate_id})
    if row is None or row["photo"] is None:
        raise NotFound(f"plate {plate_id} has no installation photo", field="id")
    return bytes(row["photo"]), row["photo_type"]


# ------------------------------------------------------------------ public: QR page, reports

def by_token(conn, token: str) -> dict:
    """What a scanned plate shows the public: the standard address and its standard names
    with romanization; nothing personal or internal. Unknown → NotFound; withdrawn → Gone."""
    if not isinstance(token, str) or not TOKEN.match(token):
        raise NotFound("this QR code is not one of ours (malformed token)", field="token")
    found = fetch_one(conn, _Q["plate_by_token"], {"token": token})
    if found is None:
        raise NotFound("no plate has this QR code; it may be mistyped or not ours",
                       field="token")
    plate = get(conn, found["id"], events=False, family=None)
    withdrawn = found["revoked_at"] or (plate["token_revoked_at"] if found["current"] else None)
    if withdrawn is not None:
        raise Gone(f"this QR code was withdrawn on {withdrawn:%Y-%m-%d} and no longer stands "
                   "for an address", field="token", withdrawn_on=withdrawn.date().isoformat())
    if plate["address"] is None:
        from geo.names import signs  # signs build on plates
        return {"token": token, **signs.public_view(conn, plate["id"])}
    a = plate["address"]
    return {"token": token, "plate": {"kind": plate["kind"], "size": plate["size"],
                                      "status": plate["status"],
                                      "status_label": plate["status_label"],
                                      "being_replaced": plate["replaced_by"] is not None,
                                      "printed_address": plate["printed_address"]},
            "address": a["address"], "address_roman": a["address_roman"], "parts": a["parts"],
            "parts_roman": a["parts_roman"], "place": a["place"],
            "standard_names": a["standard_names"], "lon": a["lon"], "lat": a["lat"]}


def public_report(conn, token: str, report: Any) -> dict:
    """A member of the public reports a plate damaged or missing. The report waits for an
    officer; one report of a kind a day per plate is kept; nothing about the reporter is."""
    page = by_token(conn, token)
    if not isinstance(report, dict) or report.get("kind") not in PUBLIC_REPORTS:
        raise InvalidInput("kind must be damaged or missing", field="kind")
    note = report.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 300):
        raise InvalidInput("note must be text up to 300 characters", field="note")
    plate_id = fetch_one(conn, _Q["plate_by_token"], {"token": token})["id"]
    action = f"public_report_{report['kind']}"
    already = fetch_value(conn, _Q["recent_public_report"], {"id": plate_id, "action": action})
    if already is None:
        status = page["plate"]["status"]
        event(conn, plate_id, action, status, status, "public", note)
    return {"received": True, "already_reported": already is not None,
            "address": page["address"], "kind": report["kind"]}
