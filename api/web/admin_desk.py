# ruff: noqa: E501  (the label tables read best one label per line)
"""The administrator's pages: users, roles, passwords, tokens and sessions; the audit log.

Server-rendered from ``geo.users`` and ``geo.audit``; every change goes through the JSON
API (``api/admin.py``) from ``admin.js``. Only administrators see these pages (others get
the 403 page in their language): they hold names, sign-in times and addresses."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.deps import Conn, require
from api.web import i18n
from api.web.pages import desk_page
from geo import audit, pairing, users
from geo.audit import Actor
from geo.clock import BEIJING
from geo.errors import InvalidInput

router = APIRouter(prefix="/app/admin", include_in_schema=False)
N_ = i18n.N_
AdminOnly = Annotated[Actor, Depends(require("admin"))]
PAGE = 50
FILTER_MAX = 200
_TIME = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:?\d\d|Z)$")

# What the users page's script shows (admin.js), translated on the server.
USERS_MESSAGES = {
    "passwords_differ": N_("The two passwords differ."),
    "password_length": N_("A password has 10 to 256 characters."),
    "password_spaces": N_("A password has no spaces at its start or end."),
    "added": N_("User %(name)s added."),
    "password_reset": N_("The password of %(name)s is reset; %(n)s open sessions were closed."),
    "revoked": N_("%(name)s: %(tokens)s API tokens revoked, %(sessions)s sessions closed."),
    "once_password": N_("Password (shown only now)"),
    "once_token": N_("API token (shown only now)"),
    "once_hint": N_("Copy it now and hand it over in person: it is stored only as a hash and cannot be shown again."),
    "copy": N_("Copy"),
    "continue": N_("Done"),
    "pair_title": N_("Scan this code with the phone of %(name)s"),
    "pair_expires": N_("Valid until %(time)s (Beijing time), for one sign-in only."),
}

# The actions of the audit log as people read them; an action not listed shows its code.
ACTIONS = {
    "auth.sign_in": N_("Signed in"),
    "auth.sign_out": N_("Signed out"),
    "auth.sign_in_failed": N_("Sign-in failed"),
    "auth.sign_in_refused": N_("Sign-in refused (locked)"),
    "auth.locked": N_("Locked after failed sign-ins"),
    "auth.pair": N_("Signed in with a phone pairing code"),
    "auth.pair_refused": N_("Phone pairing code refused"),
    "users.add": N_("User added"),
    "users.role": N_("Role changed"),
    "users.passwd": N_("Password set"),
    "users.unlock": N_("User unlocked"),
    "users.token": N_("API token issued"),
    "users.tokens.revoke": N_("API tokens revoked"),
    "users.sessions.revoke": N_("Sessions closed"),
    "users.revoke": N_("Tokens and sessions revoked"),
    "users.pairing": N_("Phone pairing code made"),
    "fixtures.load": N_("Sample data loaded"),
    "create": N_("Record created"),
    "update": N_("Record updated"),
    "close_reports": N_("Public reports closed"),
    "set": N_("Settings changed"),
    "add_entrances": N_("Doors added"),
    "propose_numbering": N_("Numbering proposed"),
    "apply_numbering": N_("Numbering applied"),
    "number_roads": N_("Roads numbered"),
    "road.import": N_("Road imported"),
    "entrance.import": N_("Door imported"),
    "names.application.create": N_("Application created"),
    "names.application.submit": N_("Application submitted"),
    "names.application.assess": N_("Application assessed"),
    "names.application.approve": N_("Application approved"),
    "names.application.reject": N_("Application rejected"),
    "names.application.file": N_("Application filed"),
    "names.application.announce": N_("Application announced"),
    "names.application.withdraw": N_("Application withdrawn"),
    "facility.create": N_("Facility added"),
    "facility.update": N_("Facility updated"),
    "coverage.scenario.save": N_("Scenario saved"),
    "divisions.change": N_("Division change recorded"),
    "inspection_team.add": N_("Inspection team added"),
    "inspection_team.create": N_("Inspection team created"),
    "inspection_team.join": N_("Member joined a team"),
    "inspection_team.leave": N_("Member left a team"),
    "inspection.assign_team": N_("Team assigned to an inspection"),
    "inspection.create": N_("Inspection planned"),
    "inspection.sign": N_("Inspection signed"),
    "inspection.unsign": N_("Signature withdrawn"),
    "patrol.submit": N_("Patrol submitted"),
    "marker_check.submit": N_("Marker check submitted"),
    "marker_check.edit": N_("Marker check corrected"),
    "hazard.submit": N_("Hazard reported"),
    "hazard.follow_up": N_("Hazard followed up"),
    "marker.import": N_("Marker imported"),
}
# Families of actions the filter offers as one choice (``auth.*``: every ``auth.…``).
FAMILIES = {
    "auth.*": N_("Signing in and out (all)"),
    "users.*": N_("User management (all)"),
    "names.application.*": N_("Place-name applications (all)"),
    "inspection.*": N_("Boundary inspections (all)"),
}
ENTITIES = {
    "user": N_("User"),
    "session": N_("Session"),
    "dataset": N_("Data set"),
    "name_application": N_("Place-name application"),
    "road": N_("Road"),
    "entrance": N_("Door"),
    "plate": N_("House-number plate"),
    "plate_campaign": N_("Plate campaign"),
    "plate_settings": N_("Numbering settings"),
    "facility": N_("Facility"),
    "scenario": N_("Planning scenario"),
    "division_change": N_("Division change"),
    "inspection_team": N_("Inspection team"),
    "inspection": N_("Boundary inspection"),
    "patrol": N_("Patrol"),
    "marker_check": N_("Marker check"),
    "hazard": N_("Hazard"),
    "boundary_marker": N_("Boundary marker"),
}
DATE_FORMAT = N_("Dates are written as YYYY-MM-DD, e.g. 2026-12-05.")
DATE_ORDER = N_("The date range ends before it starts.")


def _when(value) -> str:
    """A time in China (Beijing time), to the second; '' for none."""
    return "" if value is None else value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _day(value) -> str:
    return "" if value is None else value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _shown_user(u: dict) -> dict:
    return {**u, "path": quote(u["name"], safe=""), "created": _day(u["created_at"]),
            "last_sign_in": _day(u["last_sign_in_at"]), "locked": _day(u["locked_until"])}


@router.get("", response_class=HTMLResponse)
@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, conn: Conn, actor: AdminOnly) -> HTMLResponse:
    """The users: roles, sign-ins, locks, sessions and tokens; add one, change a role,
    reset a password, revoke tokens, close sessions, unlock; pair a phone (an inspector's
    or an administrator's) with a one-time sign-in QR code."""
    rows = [_shown_user(u) for u in users.list_users(conn)]
    return desk_page(request, "admin_users.html", actor=actor, messages=USERS_MESSAGES,
                     users=rows, roles=users.ROLES, field_roles=pairing.FIELD_ROLES,
                     section="users")


def _shown_value(value) -> str:
    """A recorded value as text; a recorded time (ISO, with its zone) in China time."""
    if value is None:
        return "—"
    if isinstance(value, str) and _TIME.match(value):
        try:
            return _when(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _shown_state(value) -> dict | None:
    """Before/after as the page shows it: a few plain fields inline, more as JSON."""
    if value is None:
        return None
    if isinstance(value, dict) and len(value) <= 4 and all(
            not isinstance(v, dict | list) for v in value.values()):
        return {"fields": [(k, _shown_value(v)) for k, v in value.items()]}
    return {"json": json.dumps(value, ensure_ascii=False, indent=1, default=str),
            "n": len(value) if isinstance(value, dict | list) else 1}


def _filters(request: Request) -> dict[str, str]:
    keys = ("actor", "action", "entity", "entity_id", "since", "until")
    return {k: request.query_params.get(k, "").strip()[:FILTER_MAX] for k in keys}


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise InvalidInput(DATE_FORMAT) from None


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, conn: Conn, actor: AdminOnly) -> HTMLResponse:
    """The audit log, newest first, filtered by who, what, which record and which days
    (China time); fifty rows a page."""
    chosen = _filters(request)
    given = request.query_params.get("page", "1")
    page = min(max(int(given[:7]), 1), 200_000) if given[:7].isdecimal() else 1
    problem, rows = None, []
    try:
        since, until = _date(chosen["since"]), _date(chosen["until"])
        if since and until and since > until:
            raise InvalidInput(DATE_ORDER)
        rows = audit.list_entries(conn, **{k: chosen[k] or None for k in (
            "actor", "action", "entity", "entity_id")}, since=since, until=until,
            limit=PAGE + 1, offset=(page - 1) * PAGE)
    except InvalidInput as exc:
        problem = exc.detail
    more = len(rows) > PAGE
    entries = [{**r, "when": _when(r["at"]), "before_shown": _shown_state(r["before"]),
                "after_shown": _shown_state(r["after"])} for r in rows[:PAGE]]
    kept = {k: v for k, v in chosen.items() if v}

    def link(**change) -> str:
        return "/app/admin/audit?" + urlencode({**kept, **change})

    return desk_page(
        request, "admin_audit.html", actor=actor, section="audit", entries=entries,
        chosen=chosen, problem=problem, page_no=page,
        newer=link(page=page - 1) if page > 1 else None, older=link(page=page + 1) if more else None,
        actions=ACTIONS, families=FAMILIES, entities=ENTITIES, link=link,
        names=[u["name"] for u in users.list_users(conn)])
