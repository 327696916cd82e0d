# ruff: noqa: E501  (the message tables read best one message per line)
"""The inspectors' desk (界线联检): lines and markers, the five-year plan, inspections, sign-off
and reports; teams for admins.

An inspector sees only the lines of its teams' inspections (``geo.boundaries.inspections``);
another team's line or inspection answers the same 404 page as one that does not exist, as
the API does, so the desk does not tell which lines exist elsewhere. Pages are rendered
here from the domain; every change goes through the JSON API (sign, unsign, teams)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import Conn, require
from api.params import Id
from api.web import i18n
from api.web.pages import desk_page
from geo import divisions
from geo.audit import Actor
from geo.boundaries import attachments, inspections, lines, report, teams
from geo.clock import BEIJING
from geo.errors import NotFound

router = APIRouter(prefix="/app/boundaries", include_in_schema=False)
N_ = i18n.N_
Inspector = Annotated[Actor, Depends(require("inspector"))]
Admin = Annotated[Actor, Depends(require("admin"))]

LEVELS = {"province": N_("provincial"), "prefecture": N_("prefectural"),
          "county": N_("county-level"), "township": N_("township-level")}
CONDITIONS = {"intact": N_("intact"), "damaged": N_("damaged"), "lost": N_("lost"),
              "displaced": N_("displaced"), "reference_incomplete": N_("reference features incomplete"),
              "threatened": N_("threatened")}
CONDITION_STATE = {"intact": "good", "damaged": "bad", "lost": "bad", "displaced": "warn",
                   "reference_incomplete": "warn", "threatened": "bad"}
# What each condition requires (DOMAIN §D; geo.boundaries.patrols.ACTIONS).
ACTIONS = {"intact": N_("Clear vegetation, repaint the inscriptions red, photograph"),
           "damaged": N_("The custodian repairs it with the neighbour present"),
           "lost": N_("The custodian re-erects it at the original spot with the neighbour present"),
           "displaced": N_("Both sides restore it to the registered position together"),
           "reference_incomplete": N_("Choose new reference features and update the marker register"),
           "threatened": N_("Stop the digging or mining and restore the site")}
MARKER_TYPES = {"Q": N_("single"), "A": N_("pair"), "B": N_("pair"), "C": N_("triple"),
                "D": N_("triple"), "E": N_("triple")}
KINDS = {"regular": N_("regular (five-yearly)"), "ad_hoc": N_("ad hoc")}
STATUSES = {"planned": N_("planned"), "in_progress": N_("in progress"),
            "signed": N_("signed by both sides")}
STATUS_STATE = {"planned": "info", "in_progress": "warn", "signed": "good"}
PLAN = {"never inspected": N_("never inspected"), "overdue": N_("overdue"), "due": N_("due"),
        "not due": N_("not due")}
PLAN_STATE = {"never inspected": "bad", "overdue": "bad", "due": "warn", "not due": "good"}
HAZARDS = {"construction": N_("construction across the line"), "damage": N_("damage"),
           "dispute": N_("dispute"), "mining": N_("mining"), "other": N_("other")}
HAZARD_STATUSES = {"open": N_("open"), "in_progress": N_("being dealt with"), "closed": N_("closed")}
# Why a patrol track broke off (geo.boundaries.tracks; the field app declares the first five).
GAP_CAUSES = {"screen_off": N_("screen off"), "app_closed": N_("app closed"),
              "no_fix": N_("no GPS fix"), "paused": N_("paused"), "other": N_("other"),
              "time": N_("time gap"), "distance": N_("distance jump"), "segment": N_("track segment")}
SIDES = {"lead": N_("lead side"), "support": N_("supporting side")}
ROLES = {"inspector": N_("Boundary inspector"), "admin": N_("Administrator")}
OWNERS = {"patrol": N_("patrol"), "marker_check": N_("marker check"), "hazard": N_("hazard")}
WORDS = {"levels": LEVELS, "conditions": CONDITIONS, "condition_state": CONDITION_STATE,
         "actions": ACTIONS, "marker_types": MARKER_TYPES, "kinds": KINDS,
         "statuses": STATUSES, "status_state": STATUS_STATE, "plan": PLAN,
         "plan_state": PLAN_STATE, "hazards": HAZARDS, "hazard_statuses": HAZARD_STATUSES,
         "sides": SIDES, "owners": OWNERS}

# What the desk's script shows (boundaries.js).
MESSAGES = {
    "gap": N_("Gap in the track: %(minutes)s min, %(metres)s m (%(cause)s)"),
    **{f"gap_cause_{k}": v for k, v in GAP_CAUSES.items()},
    "marker": N_("Marker %(no)s"), "line": N_("Boundary line"),
    "patrol": N_("Patrol by %(team)s"), "hazard": N_("Hazard %(no)s"),
    "open_line": N_("Open this line"),
    "sign_confirm": N_("Sign this inspection for your side? What is signed cannot change until the signature is withdrawn."),
    "unsign_confirm": N_("Withdraw your side's signature?"),
    "remove_confirm": N_("Take %(user)s out of this team?"),
    **{f"condition_{k}": v for k, v in CONDITIONS.items()},
    **{f"hazard_{k}": v for k, v in HAZARDS.items()},
}


def beijing(moment: dt.datetime | None, form: str = "%Y-%m-%d %H:%M") -> str:
    """A time as people here read it: Beijing time (the database answers in UTC).

    >>> beijing(dt.datetime(2026, 10, 12, 2, 0, tzinfo=dt.UTC))
    '2026-10-12 10:00'
    """
    if moment is None:
        return "—"
    if moment.tzinfo is not None:
        moment = moment.astimezone(BEIJING)
    return moment.strftime(form)


def _page(request: Request, template: str, actor: Actor, section: str, *, status: int = 200,
          boot: dict | None = None, **context) -> HTMLResponse:
    return desk_page(request, template, actor=actor, messages=MESSAGES, boot=boot,
                     status=status, section=section, words=WORDS, beijing=beijing, **context)


def _missing(request: Request, actor: Actor, section: str) -> HTMLResponse:
    """The 404 page: not there, or not one of the actor's teams' (the desk does not say
    which, as the API does not)."""
    return _page(request, "boundaries_missing.html", actor, section, status=404,
                 what=section)


@router.get("", response_class=HTMLResponse)
def lines_page(request: Request, conn: Conn, actor: Inspector) -> HTMLResponse:
    """The lines the user's teams work on, in a table and on an overview map."""
    mine = inspections.lines_for(conn, actor)
    outlines = lines.outlines(conn, [r["id"] for r in mine]) if mine else []
    return _page(request, "boundaries_lines.html", actor, "lines", lines=mine,
                 map=bool(mine), boot={"outlines": outlines},
                 teams=_team_names(conn, actor))


@router.get("/lines/{line_id}", response_class=HTMLResponse)
def line_page(request: Request, conn: Conn, actor: Inspector, line_id: Id) -> HTMLResponse:
    """A line on the map with its markers (number, type, position, last condition) and
    its inspections."""
    try:
        line = inspections.assigned_line(conn, actor, line_id)
    except NotFound:
        return _missing(request, actor, "lines")
    checks = lines.last_checks(conn, line["id"])
    markers = [{**m, "last": checks.get(m["id"])} for m in lines.markers(conn, line["id"])]
    return _page(request, "boundaries_line.html", actor, "lines", line=line, markers=markers,
                 inspections=inspections.list_for(conn, actor, line["id"]), map=True,
                 boot={"line": line["geometry"], "markers": [
                     {"no": m["marker_no"], "lon": m["lon"], "lat": m["lat"],
                      "condition": (m["last"] or m)["condition"]} for m in markers]})


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, conn: Conn, actor: Inspector,
              year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
              everything: Annotated[bool, Query(alias="all")] = False) -> HTMLResponse:
    """The five-year plan: the lines due or overdue this year (every line with ``all``)."""
    year = year or dt.date.today().year
    rows = inspections.plan_for(conn, actor, year)
    shown = rows if everything else [r for r in rows if r["status"] != "not due"]
    return _page(request, "boundaries_plan.html", actor, "plan", rows=shown, year=year,
                 everything=everything, hidden=len(rows) - len(shown),
                 names=_side_names(conn, actor))


@router.get("/inspections", response_class=HTMLResponse)
def inspections_page(request: Request, conn: Conn, actor: Inspector) -> HTMLResponse:
    """The inspections of the user's teams, newest first."""
    return _page(request, "boundaries_inspections.html", actor, "inspections",
                 rows=inspections.list_for(conn, actor))


@router.get("/inspections/{inspection_id}", response_class=HTMLResponse)
def inspection_page(request: Request, conn: Conn, actor: Inspector,
                    inspection_id: Id) -> HTMLResponse:
    """One inspection: patrols on the map with the patrolled share, marker checks, hazards,
    their photos, both sides' signatures with the sign buttons, and the joint report."""
    try:
        found = report.inspection_report(conn, inspection_id, actor)
        photos = attachments.photos_of(conn, actor, inspection_id)
        row = inspections.get(conn, inspection_id, actor)
    except NotFound:
        return _missing(request, actor, "inspections")
    return _page(request, "boundaries_inspection.html", actor, "inspections", r=found,
                 row=row, photos=_photos_by_owner(photos), my_side=_my_side(conn, actor, row),
                 map=True, boot=_inspection_boot(found))


@router.get("/teams", response_class=HTMLResponse)
def teams_page(request: Request, conn: Conn, actor: Admin) -> HTMLResponse:
    """Teams with their members (names and roles) and lines; add a team, add or remove
    members, give a team an inspection's side."""
    tree = divisions.tree(conn)
    rows = teams.list_teams(conn)
    sides = {c["code"]: c["name"] for city in tree for c in [city, *city["counties"]]}
    sides.update({t["side_code"]: t["side_name"] or t["side_code"] for t in rows})
    open_ones = [i for i in inspections.list_for(conn, actor) if i["status"] != "signed"]
    return _page(request, "boundaries_teams.html", actor, "teams", teams=rows,
                 sides=sorted(sides.items()), inspectors=teams.inspector_names(conn),
                 open_inspections=open_ones, roles=ROLES)


# ------------------------------------------------------------------ shaping

def _team_names(conn, actor: Actor) -> list[str] | None:
    mine = inspections.teams_of(conn, actor)
    if mine is None:
        return None
    by_id = {t["id"]: t["name"] for t in teams.list_teams(conn)}
    return [by_id[t["id"]] for t in mine if t["id"] in by_id]


def _my_side(conn, actor: Actor, row: dict) -> str | None:
    """``lead`` or ``support``: the side the actor signs for; None for an admin or a user
    on neither team."""
    mine = inspections.teams_of(conn, actor)
    ids = set() if mine is None else {t["id"] for t in mine}
    return next((s for s in ("lead", "support") if row[f"{s}_team_id"] in ids), None)


def _photos_by_owner(photos: list[dict]) -> dict[str, list[dict]]:
    """Photos by the patrol's or hazard's UUID, and a marker's checks' by ``marker:NO``
    (the page shows a marker's latest check, with the photos of all its checks)."""
    out: dict[str, list[dict]] = {}
    for p in photos:
        key = f"marker:{p['marker_no']}" if p["owner_kind"] == "marker_check" else p["owner_uuid"]
        out.setdefault(key, []).append(p)
    return out


def _side_names(conn, actor: Actor) -> dict[str, str]:
    """Division names of the parties of the actor's lines, by code."""
    out = {}
    for line in inspections.lines_for(conn, actor):
        out[line["left_code"]] = line["left_name"] or line["left_code"]
        out[line["right_code"]] = line["right_name"] or line["right_code"]
    return out


def _inspection_boot(found: report.InspectionReport) -> dict:
    """What the inspection's map draws: the line, the cleaned tracks (a MultiLineString of
    its segments when a track has gaps: no line across a gap; each gap dashed), the markers (checked ones
    coloured by condition) and the hazards."""
    return {"line": found.line["geometry"],
            "patrols": [{"team": p["team"] or p["side_name"], "track": p["track"],
                         "gaps": p["gaps"]} for p in found.patrols if p["track"]],
            "markers": [{"no": m["marker_no"], "lon": m["lon"], "lat": m["lat"],
                         "condition": m["check"]["condition"] if m["check"] else None}
                        for m in found.markers],
            "hazards": [{"no": h["no"], "lon": h["lon"], "lat": h["lat"], "kind": h["kind"]}
                        for h in found.hazards]}
