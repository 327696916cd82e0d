"""Place-name plans (地名规划, issue 21): names reserved for planned roads and areas.

A division's plan is its reservations: a proposed name with its category, its planned
geometry (a road's line, an area's polygon, CGCS2000) and the project it is for. A
reservation is checked like a naming application (``checks.check_reservation``) and, while
it is active, blocks the same name for others in its legal scope: the checks of every
application see it (``duplicate-reserved``), and a second reservation of the same name
whose scope overlaps is refused (Conflict naming ``name``).

States: ``requested`` (a planning liaison asked, 审批前置: before the project is approved)
→ ``reserved`` (a names officer accepted; an officer's own reservation starts here) or
``declined`` (with a reason); ``reserved`` → ``used`` when the road is built and the
reservation becomes a naming application in one step (``apply``: a draft of
``workflow.create_application`` with the reserved name, category and geometry, linked
both ways); ``requested`` or ``reserved`` → ``released``. A reserved name lapses after its
expiry day (it then reads ``expired``, blocks nothing, and can be extended or released);
the default validity is the rule ``reservation_validity_days`` (``RESERVATION_VALIDITY_DAYS``
unless ``name_rules`` says otherwise for the province or city; 0 or null: no expiry). Every
action locks the row and compares the version the caller read (stale: Conflict).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import shapely
from shapely.geometry import mapping, shape

from geo import audit, plausible
from geo.audit import Actor
from geo.clock import BEIJING
from geo.db import execute, fetch_all, fetch_one, fetch_value, load_queries
from geo.divisions import check_code, division_prefix
from geo.errors import Conflict, Forbidden, InvalidInput, NotFound
from geo.names import checks, gazetteer, workflow
from geo.names import romanize as rz

_Q = load_queries(__file__)

# The validity of a reservation when the rules do not say (UNCONFIRMED: no national value
# was found; local practice reserves planned road names for the plan's period): two years.
RESERVATION_VALIDITY_DAYS = 730
OFFICER_ROLES = ("names_officer", "admin")
LIAISON_ROLE = "planning_liaison"
# What may read the plan and request reservations.
PLAN_ROLES = (*OFFICER_ROLES, LIAISON_ROLE)
STATES = ("requested", "reserved", "expired", "declined", "released", "used")
# action -> (states it starts from, as read on the day; state it leads to)
ACTIONS = {
    "accept": (("requested",), "reserved"),
    "decline": (("requested",), "declined"),
    "extend": (("reserved", "expired"), "reserved"),
    "release": (("requested", "reserved", "expired"), "released"),
    "apply": (("reserved",), "used"),
}
_TEXT = {"project": 200, "applicant": 200, "applicant_contact": 200, "meaning": 2000,
         "origin": 2000, "location_description": 500, "approval_basis": 500, "note": 2000}


@dataclass(frozen=True)
class Step:
    """What an action carries besides the version it was based on."""

    version: int
    reason: str | None = None          # decline (required), release, extend, accept: a note
    expires_on: dt.date | None = None  # accept, extend: the last day (default: the rule)
    applicant: str | None = None       # apply: the applicant, if not the reservation's
    applicant_contact: str | None = None
    location_description: str | None = None
    geometry: dict | None = None       # apply: the road as built, if not as planned


def beijing_today() -> dt.date:
    """Today's date in China (Beijing time)."""
    return dt.datetime.now(BEIJING).date()


def _require(actor: Actor, roles: tuple[str, ...], what: str) -> None:
    if actor.role not in roles:
        raise Forbidden(f"{what}; {actor.name} has the role {actor.role}")


def _geometry_wkt(geometry: dict | None) -> str | None:
    if geometry is None:
        return None
    try:
        geom = shape(geometry)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.ShapelyError):
        raise InvalidInput("geometry must be a GeoJSON Point, LineString or Polygon (or Multi…)"
                           " in CGCS2000 longitude, latitude", field="geometry") from None
    geom = shapely.force_2d(geom)
    plausible.geometry(geom, "geometry")
    return geom.wkt


def validity_days(conn, division_code: str) -> int | None:
    """How long a reservation in the division holds by default (days; None: no expiry)."""
    days = checks.rules(conn, division_code).get("reservation_validity_days",
                                                 RESERVATION_VALIDITY_DAYS)
    return int(days) if days else None


def _expiry(conn, division_code: str, given: dt.date | None, today: dt.date) -> dt.date | None:
    if given is not None:
        if given < today:
            raise InvalidInput(f"the expiry day ({given}) is before today ({today}, Beijing)",
                               field="expires_on", today=str(today))
        return given
    days = validity_days(conn, division_code)
    return today + dt.timedelta(days=days) if days else None


def _shape(conn, data: dict) -> tuple[dict, dict]:
    """The columns of a new reservation from a request body, and its category;
    InvalidInput naming the field at fault."""
    name = str(data.get("name") or "").strip()
    if not 1 <= len(name) <= 50:
        raise InvalidInput("a proposed name of 1 to 50 characters is required", field="name")
    category = gazetteer.categories(conn).get(str(data.get("category_code") or ""))
    if category is None:
        raise InvalidInput("category_code must be a known category", field="category_code")
    division = check_code(str(data.get("division_code") or ""), "division_code")
    row = {}
    for key, limit in _TEXT.items():
        value = str(data.get(key) or "").strip() or None
        if value is not None and len(value) > limit:
            raise InvalidInput(f"{key} is at most {limit} characters", field=key)
        row[key] = value
    if not row["applicant"]:
        raise InvalidInput("the department asking (applicant) is required", field="applicant")
    generic = rz.split(name).generic
    proper = name[: len(name) - len(generic)]
    return {**row, "name": name, "proper": proper,
            "proper_pinyin": gazetteer.search_keys(name, proper).proper_pinyin,
            "category_code": category["code"], "division_code": division,
            "geom_wkt": _geometry_wkt(data.get("geometry"))}, category


def _conflict(conn, res: dict, scope: list[str] | None, today: dt.date) -> None:
    """Conflict naming ``name`` when another active reservation holds the name in a scope
    that overlaps this one's."""
    other = fetch_one(conn, _Q["conflicting"], {
        "name": res["name"], "id": res.get("id"), "category": res["category_code"],
        "scope_prefixes": scope, "today": today})
    if other is not None:
        held = {"used": "reserved and applied for"}.get(other["state"], other["state"])
        raise Conflict(f"{other['name']} is already {held} in the plan of "
                       f"{other['division_code']} (reservation {other['id']}), whose scope "
                       "overlaps this one's", field="name", reservation=other["id"])


def _checked(conn, res: dict, category: dict, today: dt.date) -> list[dict]:
    """The findings of the naming checks; Conflict when one of them blocks."""
    findings = [f.as_dict() for f in checks.check_reservation(conn, res, category, today)]
    blocking = [f for f in findings if f["severity"] == "block"]
    if blocking:
        raise Conflict(f"{len(blocking)} check(s) block this reservation: "
                       + "; ".join(f["message"] for f in blocking), field="findings",
                       findings=findings)
    return findings


def create_reservation(conn, actor: Actor, data: dict, today: dt.date | None = None) -> dict:
    """Reserve a name in a division's plan (an officer: ``reserved``, until ``expires_on``
    or for the rule's validity), or request it (a planning liaison: ``requested``, for an
    officer to decide). Conflict naming ``name`` when the name is active in an overlapping
    scope; Conflict naming ``findings`` when a check blocks."""
    _require(actor, PLAN_ROLES, "only names officers and planning liaisons reserve names")
    today = today or beijing_today()
    res, category = _shape(conn, data)
    officer = actor.role in OFFICER_ROLES
    if data.get("expires_on") is not None and not officer:
        raise Forbidden("a names officer sets the expiry of a reservation when accepting it")
    expires = data.get("expires_on")
    if isinstance(expires, str):
        expires = _day(expires, "expires_on")
    execute(conn, _Q["name_lock"], {"name": res["name"]})
    scope = checks.scope_prefixes(conn, category["scope"], res["division_code"])
    _conflict(conn, res, scope, today)
    findings = _checked(conn, res, category, today)
    state = "reserved" if officer else "requested"
    new_id = fetch_value(conn, _Q["create"], {
        **res, "state": state, "scope_prefixes": scope,
        "findings": json.dumps(findings, ensure_ascii=False),
        "expires_on": _expiry(conn, res["division_code"], expires, today) if officer else None,
        "created_by": actor.name, "decided_by": actor.name if officer else None})
    action = "reserve" if officer else "request"
    _event(conn, actor, new_id, action, None, state, res["note"])
    audit.record(conn, actor, f"names.plan.{action}", "name_reservation", new_id,
                 after={"name": res["name"], "division_code": res["division_code"],
                        "state": state})
    return get_reservation(conn, new_id, actor, today)


def _day(value: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value} is not a day of the calendar (YYYY-MM-DD)",
                           field=field) from None


def _event(conn, actor: Actor, res_id: int, action: str, from_state: str | None,
           to_state: str, note: str | None) -> None:
    execute(conn, _Q["event"], {"id": res_id, "actor": actor.name, "action": action,
                                "from_state": from_state, "to_state": to_state, "note": note})


def _shown(row: dict, actor: Actor | None) -> dict:
    """A reservation as ``actor`` may read it: a liaison does not see the contact person
    of another's request (personal data)."""
    if actor is not None and actor.role == LIAISON_ROLE and row["created_by"] != actor.name:
        row["applicant_contact"] = None
    return row


def get_reservation(conn, res_id: int, actor: Actor | None = None,
                    today: dt.date | None = None) -> dict:
    """One reservation as it stands today, with its steps; NotFound if there is none."""
    row = fetch_one(conn, _Q["get"], {"id": res_id, "today": today or beijing_today()})
    if row is None:
        raise NotFound(f"no reservation {res_id} in the place-name plans", field="id")
    row["events"] = fetch_all(conn, _Q["events"], {"id": res_id})
    return _shown(row, actor)


def list_plan(conn, actor: Actor | None = None, *, division: str | None = None,
              q: str | None = None, state: str | None = None, limit: int = 100,
              offset: int = 0, today: dt.date | None = None) -> list[dict]:
    """The reservations under a division (all without one), newest first; ``q``: a part of
    the name or of the project; ``state`` as read today (``expired`` included)."""
    if state is not None and state not in STATES:
        raise InvalidInput(f"state must be one of {', '.join(STATES)}", field="state")
    prefix = division_prefix(check_code(division)) if division else None
    rows = fetch_all(conn, _Q["list"], {
        "prefix": prefix, "q": (q or "").strip() or None, "state": state, "limit": limit,
        "offset": offset, "today": today or beijing_today()})
    return [_shown(r, actor) for r in rows]


def count_by_state(conn, division: str | None = None,
                   today: dt.date | None = None) -> dict[str, int]:
    """How many reservations of the plan are in each state (as read today)."""
    prefix = division_prefix(check_code(division)) if division else None
    return {r["state"]: r["n"] for r in fetch_all(conn, _Q["count_by_state"], {
        "prefix": prefix, "today": today or beijing_today()})}


def act(conn, actor: Actor, res_id: int, action: str, step: Step,
        today: dt.date | None = None) -> dict:
    """Accept, decline, extend, release or apply a reservation (names officers only).

    The row is locked and the version compared first (stale: Conflict naming ``version``);
    accept and extend run the checks again, apply drafts the naming application. Returns
    the reservation, with ``application`` after apply."""
    _require(actor, OFFICER_ROLES, "only a names officer decides on reservations")
    if action not in ACTIONS:
        raise NotFound(f"no action {action!r}; actions: {', '.join(ACTIONS)}", field="action")
    today = today or beijing_today()
    locked = fetch_one(conn, _Q["lock"], {"id": res_id})
    if locked is None:
        raise NotFound(f"no reservation {res_id} in the place-name plans", field="id")
    if step.version != locked["version"]:
        raise Conflict(f"the reservation changed since version {step.version} (now "
                       f"{locked['version']}); reload it", field="version",
                       current=locked["version"])
    res = get_reservation(conn, res_id, today=today)
    starts, to_state = ACTIONS[action]
    if res["state"] not in starts:
        raise Conflict(f"cannot {action} a reservation that is {res['state']}"
                       + (f" (it lapsed after {res['expires_on']}: extend it first)"
                          if res["state"] == "expired" and action == "apply" else ""),
                       field="state", state=res["state"])
    changes = {"findings": None, "set_expiry": False, "expires_on": None,
               "decision_note": None, "application_id": None, "decided": False}
    note = (step.reason or "").strip() or None
    application = None
    if action in ("accept", "extend"):
        changes.update(_reaffirmed(conn, res, step, today), decided=action == "accept")
    if action == "decline":
        if not note:
            raise InvalidInput("declining a request needs the reason", field="reason")
        changes.update(decision_note=note, decided=True)
    if action == "release":
        changes["decision_note"] = note
    if action == "apply":
        application = _application(conn, actor, res, step)
        changes["application_id"] = application["id"]
        note = f"application {application['id']}"
    row = fetch_one(conn, _Q["transition"], {"id": res_id, "version": step.version,
                                             "to_state": to_state, "actor": actor.name,
                                             **changes})
    if row is None:  # cannot happen under the row lock; kept as the last guard
        raise Conflict("the reservation was changed by someone else; reload it",
                       field="version")
    _event(conn, actor, res_id, action, res["state"], to_state, note)
    audit.record(conn, actor, f"names.plan.{action}", "name_reservation", res_id,
                 before={"state": res["state"], "version": res["version"]},
                 after={"state": to_state, "version": row["version"],
                        **({"application_id": application["id"]} if application else {}),
                        **({"expires_on": changes["expires_on"]}
                           if changes["set_expiry"] else {})})
    out = get_reservation(conn, res_id, actor, today)
    return {**out, "application": application} if application else out


def _reaffirmed(conn, res: dict, step: Step, today: dt.date) -> dict:
    """Accept or extend: the name checked again as it stands now (no other active
    reservation of it in an overlapping scope, no check blocking) and its expiry day."""
    category = gazetteer.categories(conn)[res["category_code"]]
    _conflict(conn, res, res["scope_prefixes"], today)
    findings = _checked(conn, res, category, today)
    return {"findings": json.dumps(findings, ensure_ascii=False), "set_expiry": True,
            "expires_on": _expiry(conn, res["division_code"], step.expires_on, today)}


def _application(conn, actor: Actor, res: dict, step: Step) -> dict:
    """The naming application a reservation becomes (a draft, checked when submitted; its
    own reservation does not block it)."""
    # The planned geometry at full precision (``geometry`` is rounded to 1 cm for reading).
    planned = mapping(shapely.from_wkt(res["geom_wkt"])) if res["geom_wkt"] else None
    reason = f"地名规划预留名称（预留编号 {res['id']}）" + (f"：{res['project']}"
                                                    if res["project"] else "")
    return workflow.create_application(conn, actor, {
        "kind": "naming", "name": res["name"], "category_code": res["category_code"],
        "division_code": res["division_code"],
        "geometry": step.geometry if step.geometry is not None else planned,
        "applicant": (step.applicant or "").strip() or res["applicant"],
        "applicant_contact": (step.applicant_contact or "").strip() or res["applicant_contact"],
        "location_description": (step.location_description or "").strip()
        or res["location_description"],
        "meaning": res["meaning"], "origin": res["origin"],
        "approval_basis": res["approval_basis"], "reason": reason})
