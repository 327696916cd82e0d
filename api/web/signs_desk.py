"""The place-name signs (地名标志) of the names officer's desk: ``/app/names/signs`` (a
division's signs checked: outdated ones, road ends and intersections without a street sign,
行政村 without a village sign; sign campaigns) and ``/app/names/signs/{id}`` (one sign, its
lifecycle as a plate's: the same forms, posting to ``/signs/{id}``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.deps import Conn, require
from api.params import Id, OptionalDivision
from api.web import i18n, plates_desk
from api.web.names_desk import _division_names
from api.web.pages import desk_page
from geo import divisions
from geo.audit import Actor
from geo.names import signs
from geo.plates import campaigns, plates

router = APIRouter(prefix="/app/names/signs", include_in_schema=False)
N_ = i18n.N_
Officer = Annotated[Actor, Depends(require("names_officer"))]

KIND = {"street": N_("street or lane sign"), "village": N_("village sign"),
        "compound": N_("building or compound sign")}
WHY = {"end": N_("road end"), "intersection": N_("intersection")}
OUTDATED = {"renamed": N_("Renamed"), "abolished": N_("Abolished"),
            "name_differs": N_("Name differs"), "roman_differs": N_("Romanization differs")}
STEP = {**plates_desk.STEP, "replaced": N_("Replace (plans a new sign)"),
        "removed": N_("Remove the sign")}
CAMPAIGN_KIND = {"new": N_("signs for the gaps"), "replace": N_("replacements")}


def _render(request: Request, actor: Actor, template: str, **context) -> HTMLResponse:
    return desk_page(request, template, actor=actor, tab="signs", KIND=KIND,
                     STATUS=plates_desk.STATUS, STATUS_CLASS=plates_desk.STATUS_CLASS,
                     SIZE=plates_desk.SIZE, OUTDATED=OUTDATED, WHY=WHY,
                     CAMPAIGN_KIND=CAMPAIGN_KIND, **context)


@router.get("", response_class=HTMLResponse)
def check_page(request: Request, conn: Conn, actor: Officer,
               division: OptionalDivision = None) -> HTMLResponse:
    """A division's signs checked: counts by status, the outdated signs and why, the road
    ends and intersections without a street sign (each road's map draws them), the 行政村
    without a village sign, and the sign campaigns with a form for a new one."""
    found = signs.check(conn, division) if division else None
    return _render(request, actor, "names_signs.html", tree=divisions.tree(conn),
                   division=division, division_names=_division_names(conn), found=found,
                   campaigns=campaigns.campaigns(conn, subject="signs"),
                   today=dt.date.today().isoformat())


@router.get("/{sign_id}", response_class=HTMLResponse)
def sign_page(request: Request, conn: Conn, actor: Officer, sign_id: Id) -> HTMLResponse:
    """A sign: the standard name it stands for and what it shows, why it is outdated, its
    QR code, the next steps of its lifecycle, its public reports and its history."""
    locale = i18n.locale_of(request)
    sign = signs.get(conn, sign_id)
    for e in sign["events"]:
        e["note_text"] = plates_desk._said(locale, e["note"], plates_desk.NOTES)
    return _render(request, actor, "names_sign.html", sign=sign,
                   steps=[(s, STEP[s]) for s in plates.NEXT[sign["status"]]],
                   pending=plates.pending_reports(conn, sign_id),
                   ACTION=plates_desk.ACTION, REPORT=plates_desk.REPORT,
                   today=dt.date.today().isoformat(), messages=plates_desk.MESSAGES)
