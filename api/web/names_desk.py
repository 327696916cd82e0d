# ruff: noqa: E501  (the message tables read best one message per line)
"""The names officer's desk (地名, ``/app/names``): the application queue with its deadlines
(by state and kind), a new naming / renaming / abolition application or building-name
filing (建筑物名称备案) drawn on a map with its romanization as it is typed, an
application's checks, workflow actions, 备案公告 (its six fields and text) and history, a
filing's correction and its filing record, and the standard-names register (标准地名录) of
a division.

Pages are rendered here from ``geo.names.workflow``; every write goes through the JSON API
(``/names/applications``) from ``static/names.js``, with the session's CSRF token."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import Conn, require
from api.params import Id, OptionalDivision
from api.web import i18n
from api.web.pages import desk_page
from geo import divisions
from geo.audit import Actor
from geo.clock import BEIJING
from geo.names import audit, cleanup, filing, gazetteer, workflow
from geo.names import plan as name_plan

router = APIRouter(prefix="/app/names", include_in_schema=False)
N_ = i18n.N_
Officer = Annotated[Actor, Depends(require("names_officer"))]
PAGE_SIZE = 50

# The workflow's states in the order an application goes through them (workflow.ACTIONS),
# with how each is shown (its label and its .state class).
STATES = {
    "draft": (N_("Draft"), ""),
    "submitted": (N_("Submitted"), "info"),
    "checked": (N_("Checked, to be filed"), "info"),
    "returned": (N_("Returned"), "bad"),
    "assessed": (N_("Assessed"), "info"),
    "approved": (N_("Approval granted"), "warn"),
    "filed": (N_("Filed"), "warn"),
    "announced": (N_("Announced"), "good"),
    "rejected": (N_("Rejected"), "bad"),
    "withdrawn": (N_("Withdrawn"), ""),
}
KINDS = {"naming": N_("Naming"), "renaming": N_("Renaming"), "abolition": N_("Abolition"),
         "filing": N_("Building name filing")}
ACTIONS = {
    "create": N_("Application recorded"), "submit": N_("Submit"), "assess": N_("Record the assessment"),
    "approve": N_("Approve"), "reject": N_("Reject"), "file": N_("File with the higher authority"),
    "announce": N_("Announce"), "withdraw": N_("Withdraw"),
    "confirm-name": N_("Confirm the standard form"), "take-effect": N_("Name in force"),
    "propose-name": N_("Propose another name"),
    "check": N_("Checks run"), "correct": N_("Correct the filing"),
    "return": N_("Return with findings"),
}
# The 备案公告's six fields (workflow.ANNOUNCEMENT_FIELDS) as the page labels them.
ANNOUNCEMENT_LABELS = {"name": N_("Standard name"), "roman": N_("Romanization"),
                       "division": N_("Division it belongs to"),
                       "location_description": N_("Location described"),
                       "approving_authority": N_("Approving authority"),
                       "approved_on": N_("Date of approval")}
# A building-name filing's steps where they read otherwise than an approval's.
FILING_ACTIONS = {**ACTIONS, "submit": N_("Submit for the checks"),
                  "file": N_("File the name"), "withdraw": N_("Withdraw the filing")}
REPORTS = {"expert_review": N_("Expert review"), "impact_assessment": N_("Impact assessment"),
           "consultation": N_("Public consultation")}
SEVERITY = {"block": (N_("Blocks"), "error"), "warn": (N_("Warning"), "warning")}

# Each finding code of geo.names.checks as a sentence; the pattern takes the names and codes
# the sentence needs out of the check's English message. A code whose message has several
# forms has a list of (sentence, pattern), the first that matches wins.
_REF = r"^(?P<other>\S+) \((?P<division>\d+), id \d+\)"
_CATEGORY_CHANGE = r"^(?P<name>\S+) is (?P<old>\d+ ?\S*) and the renaming files it as (?P<new>\d+ ?\S*): a renaming keeps the category"
FINDINGS: dict[str, tuple | list[tuple]] = {
    "foreign-script": (N_("%(name)s contains letters or symbols: a standard name is written in standard Chinese characters only."), r"^(?P<name>\S+) contains"),
    "digits": (N_("%(name)s mixes Arabic digits into the name: write numbers in Chinese characters."), r"^(?P<name>\S+) mixes"),
    "traditional": [(N_("%(name)s uses traditional characters; the standard form is %(simplified)s: confirm it before the application goes on."), r"^(?P<name>\S+) uses .* standard form is (?P<simplified>[^\s:]+): confirm"),
                    (N_("%(name)s uses traditional characters; the standard form is %(simplified)s."), r"^(?P<name>\S+) uses .* standard form is (?P<simplified>\S+)$")],
    "grand-word": (N_("%(words)s may only be used in a name with the approval of a higher authority: give the approval basis."), r"^(?P<words>\S+) "),
    "foreign-name": (N_("%(words)s is a foreign place or personal name, or its transliteration."), r"^(?P<words>\S+) "),
    "banned-word": (N_("%(words)s is on the list of words not to be used in place names."), r"^(?P<words>\S+) "),
    "personal-name": (N_("%(words)s is a personal name; names of persons are not used as place names."), r"^(?P<words>\S+) "),
    "rare-character": (N_("%(chars)s is not a common character; avoid rare characters in place names."), r"^(?P<chars>\S+) is outside"),
    "duplicate": (N_("%(other)s (division %(division)s) already bears this name in the same area."), _REF),
    "same-proper-name": (N_("%(other)s (division %(division)s) has the same proper name with another generic in the same area."), _REF),
    "near-duplicate": (N_("%(other)s (division %(division)s) differs from this name only by a prefix such as new, old, big or small, in the same area."), _REF),
    "homophone": (N_("%(other)s (division %(division)s) sounds the same in the same area; homophones should be avoided."), _REF),
    "no-geometry": (N_("No location is given: the register and the announcement need it."), ""),
    "jurisdiction-unknown": (N_("No boundary of division %(division)s is loaded, so the location could not be checked."), r"boundary of (?P<division>\d+)"),
    "outside-jurisdiction": [(N_("The location lies %(amount)s m outside division %(division)s."), r"^the point lies (?P<amount>\d+) m outside division (?P<division>\d+)"),
                             (N_("%(amount)s m of the line lies outside division %(division)s."), r"^(?P<amount>\d+) m of the line lies outside division (?P<division>\d+)"),
                             (N_("%(amount)s m² of the area lies outside division %(division)s."), r"^(?P<amount>\d+) m² of the area lies outside division (?P<division>\d+)"),
                             (N_("The location lies outside division %(division)s."), r"outside division (?P<division>\d+)")],
    "duplicate-approved": (N_("%(other)s (division %(division)s) is approved with this name in the same area and comes into force on %(date)s."), r"^(?P<other>\S+) \((?P<division>\d+), application \d+\) .* on (?P<date>[\d-]+)$"),
    "category-change": [(N_("%(name)s is %(old)s and the renaming files it as %(new)s: a renaming keeps the category; a change of administrative level is a change of the division, not a renaming."), _CATEGORY_CHANGE + r" \(a change of administrative level"),
                        (N_("%(name)s is %(old)s and the renaming files it as %(new)s: a renaming keeps the category."), _CATEGORY_CHANGE)],
    "target-pending-change": (N_("%(name)s is already approved to be replaced on %(date)s (application %(id)s)."), r"^(?P<name>\S+) is already approved to be replaced on (?P<date>[\d-]+) \(application (?P<id>\d+)\)"),
    "minority-romanization": (N_("A name in a minority language needs its romanization entered by hand."), ""),
    "protected-name": (N_("%(name)s is on the place-name protection list: protective measures are required before it is renamed or abolished."), r"^(?P<name>\S+) is on"),
    "target-not-current": (N_("%(name)s is no longer a current standard name."), r"^(?P<name>\S+) is not"),
}

# The rules of the clean-up audit (geo.names.audit.RULES), as an officer reads them.
AUDIT_RULES = {
    "foreign-script": N_("Letters or symbols"), "digits": N_("Arabic digits"),
    "traditional": N_("Traditional characters"), "grand-word": N_("Grand words"),
    "foreign-name": N_("Foreign names"), "banned-word": N_("Banned words"),
    "personal-name": N_("Personal names"), "rare-character": N_("Rare characters"),
    "duplicate": N_("Duplicate names"), "homophone": N_("Homophones"),
}
AUDIT_PAGE = 100

# What names.js shows (civgeo.t).
MESSAGES = {
    "stale": N_("This application was changed by someone else since you opened it. Reload the page to see it as it is now."),
    "reload": N_("Reload"),
    "unacknowledged": N_("Approval needs each warning acknowledged with a reason. Not yet acknowledged: %(codes)s"),
    "blocked": N_("A check blocks this step: %(findings)s"),
    "roman_empty": N_("The romanization appears as you type the name."),
    "roman_minority": N_("A name in a minority language: enter its romanization by hand."),
    "roman_not_chinese": N_("A standard name is written in Chinese characters only."),
    "roman_failed": N_("The romanization could not be worked out."),
    "drawn": N_("Location drawn: %(type)s"),
    "not_drawn": N_("No location drawn yet: draw a point, a line or an area on the map."),
    "Point": N_("a point"), "LineString": N_("a line"), "Polygon": N_("an area"),
    "no_target": N_("Choose the standard name to be renamed or abolished."),
    "no_match": N_("No standard name found."),
    "chosen": N_("Chosen: %(name)s (id %(id)s)"),
    "none_selected": N_("Select the names to draft renaming applications for."),
    "drafted": N_("%(n)s renaming applications drafted."),
    "returned": N_("The checks returned this filing; the findings are shown below."),
}


def _state(code: str) -> dict:
    label, css = STATES.get(code, (code, ""))
    return {"code": code, "label": label, "css": css}


def finding_text(locale: str, finding: dict) -> str:
    """A finding of the checks as a sentence in ``locale`` (its English message when the
    code or its form is unknown)."""
    forms = FINDINGS.get(finding["code"], [])
    for text, pattern in forms if isinstance(forms, list) else [forms]:
        match = re.search(pattern, finding["message"])
        if match is not None:
            return i18n.gettext(locale, text, **match.groupdict())
    return finding["message"]


def _findings(locale: str, findings: list[dict] | None) -> list[dict]:
    out = []
    for f in findings or []:
        label, css = SEVERITY.get(f["severity"], (f["severity"], "info"))
        out.append({**f, "text": finding_text(locale, f), "label": label, "css": css})
    return out


def _division_names(conn) -> dict[str, str]:
    names = {}
    for city in divisions.tree(conn):
        names[city["code"]] = city["name"]
        names.update({c["code"]: c["name"] for c in city["counties"]})
    return names


@router.get("", response_class=HTMLResponse)
def queue(request: Request, conn: Conn, actor: Officer,
          state: Annotated[str | None, Query(max_length=20)] = None,
          kind: Annotated[str | None, Query(max_length=20)] = None,
          overdue: Annotated[bool, Query()] = False,
          offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> HTMLResponse:
    """The application queue, newest first, with filing and announcement due dates;
    overdue ones in red; of one state and one kind (building-name filings) when asked."""
    state = state if state in STATES else None
    kind = kind if kind in KINDS else None
    rows = workflow.list_applications(conn, state=state, overdue=overdue, kind=kind,
                                      limit=PAGE_SIZE + 1, offset=offset)
    counts = workflow.count_by_state(conn, kind=kind)
    return desk_page(request, "names_queue.html", actor=actor, tab="queue",
                     rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, offset=offset,
                     page_size=PAGE_SIZE, state=state, kind=kind, overdue=overdue,
                     states=STATES, counts=counts, kinds=KINDS, state_of=_state,
                     division_names=_division_names(conn))


@router.get("/new", response_class=HTMLResponse)
def new(request: Request, conn: Conn, actor: Officer,
        kind: Annotated[str | None, Query(max_length=20)] = None) -> HTMLResponse:
    """The form of a new application (of ``kind``: a building-name filing from the
    queue's button), with a map to draw its location."""
    categories = [c for c in gazetteer.categories(conn).values() if len(c["code"]) == 4]
    tree = divisions.tree(conn)
    centres = {}
    for code in [d["code"] for city in tree for d in [city, *city["counties"]]]:
        centre = divisions.get_division(conn, code)["centre"]
        if centre:
            centres[code] = [centre["coordinates"][1], centre["coordinates"][0]]
    return desk_page(request, "names_new.html", actor=actor, messages=MESSAGES, tab="new",
                     boot={"centres": centres, "building_class": filing.BUILDING_CLASS},
                     map=True, draw=True, kinds=KINDS, kind=kind if kind in KINDS else "naming",
                     tree=tree, categories=categories, reports=REPORTS)


@router.get("/romanize")
def romanize(conn: Conn, actor: Officer,
             name: Annotated[str, Query(max_length=50)] = "",
             category: Annotated[str | None, Query(max_length=12)] = None) -> dict:
    """The romanization (GB/T 16159) of a name as it is typed, for the new-application form."""
    return workflow.romanization(conn, name, category)


@router.get("/register", response_class=HTMLResponse)
def register(request: Request, conn: Conn, actor: Officer,
             division: OptionalDivision = None) -> HTMLResponse:
    """The standard-names register of a division: pick one, open its page or its PDF."""
    tree = divisions.tree(conn)
    return desk_page(request, "names_register.html", actor=actor, tab="register", tree=tree,
                     division=division, division_names=_division_names(conn))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, conn: Conn, actor: Officer,
               division: OptionalDivision = None,
               rule: Annotated[str | None, Query(max_length=30)] = None,
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> HTMLResponse:
    """The clean-up audit of a division's standard names: totals by rule, the names with
    their findings (a page at a time, by rule), a campaign drafting renaming applications
    for the names ticked, and the division's campaigns with their drafts."""
    locale = i18n.locale_of(request)
    tree = divisions.tree(conn)
    rule = rule if rule in audit.RULES else None
    found = page = None
    drives = []
    if division:
        found = audit.audit(conn, division)
        page = audit.page(found, rule=rule, limit=AUDIT_PAGE, offset=offset)
        for n in page["names"]:
            n["texts"] = _findings(locale, [{"code": f["rule"], "message": f["reason"],
                                             "severity": f["severity"]}
                                            for f in n["findings"]])
        drives = [cleanup.get_campaign(conn, c["id"])
                  for c in cleanup.campaigns(conn, division)[:10]]
    return desk_page(request, "names_audit.html", actor=actor, tab="audit", tree=tree,
                     division=division, rule=rule, offset=offset, page_size=AUDIT_PAGE,
                     found=found, page=page, rules=AUDIT_RULES, campaigns=drives,
                     messages=MESSAGES, state_of=_state,
                     division_names=_division_names(conn))


# ------------------------------------------------------------------ 地名规划 (place-name plans)
# The desk's tab of the plans (/app/names/plan) and the planning liaison's page (/app/plan):
# the reservations of a division as a list and on a map (names_plan.js), the form to reserve
# a name (officers) or to request it (liaisons), and the officers' decisions. Every write
# goes through the JSON API (/names/plan, api/name_plan.py). Before "/{app_id}" below.

PLAN_STATES = {
    "requested": (N_("Requested"), "info"),
    "reserved": (N_("Reserved"), "good"),
    "expired": (N_("Lapsed"), "warn"),
    "declined": (N_("Declined"), "bad"),
    "released": (N_("Released"), ""),
    "used": (N_("Applied for"), ""),
}
PLAN_PAGE = 200
PLAN_MESSAGES = {k: MESSAGES[k] for k in ("drawn", "not_drawn", "Point", "LineString", "Polygon")}
_RESERVED = r"^(?P<other>\S+) \((?P<division>\d+), reservation (?P<id>\d+)\)"
FINDINGS.update({
    "duplicate-reserved": [(N_("%(other)s (division %(division)s) is reserved with this name in the place-name plan of the same area and is being applied for."), _RESERVED + r" .* and applied for"),
                           (N_("%(other)s (division %(division)s) is reserved with this name in the place-name plan of the same area until %(date)s."), _RESERVED + r" .* until (?P<date>[\d-]+);"),
                           (N_("%(other)s (division %(division)s) is reserved with this name in the place-name plan of the same area."), _RESERVED)],
    "reservation-requested": (N_("%(other)s (division %(division)s) is requested for reservation with this name in the same area: decide the request first."), _RESERVED),
    "homophone-reserved": (N_("%(other)s (division %(division)s), reserved in the place-name plan, sounds the same in the same area; homophones should be avoided."), _RESERVED),
})
Liaison = Annotated[Actor, Depends(require("planning_liaison"))]
# The planning liaison's page: they have no other desk (api/web/pages.py sends them here).
plan_desk = APIRouter(prefix="/app/plan", include_in_schema=False)


def _plan_state(code: str) -> dict:
    label, css = PLAN_STATES.get(code, (code, ""))
    return {"code": code, "label": label, "css": css}


def _centres(conn, tree: list[dict]) -> dict[str, list[float]]:
    """Each division's centre as [lat, lon], where the map opens for it."""
    out = {}
    for code in [d["code"] for city in tree for d in [city, *city["counties"]]]:
        centre = divisions.get_division(conn, code)["centre"]
        if centre:
            out[code] = [centre["coordinates"][1], centre["coordinates"][0]]
    return out


def _plan_page(request: Request, conn, actor: Actor, template: str, division: str | None,
               state: str | None, q: str | None, **context) -> HTMLResponse:
    """A page of the plan: the reservations (newest PLAN_PAGE) with their findings in the
    reader's language, their geometries for the map, and the form's choices."""
    locale = i18n.locale_of(request)
    state = state if state in PLAN_STATES else None
    rows = name_plan.list_plan(conn, actor, division=division, q=q, state=state,
                               limit=PLAN_PAGE + 1)
    for r in rows:
        r["texts"] = _findings(locale, r["findings"])
    tree = divisions.tree(conn)
    features = [{"type": "Feature", "id": r["id"], "geometry": r["geometry"],
                 "properties": {"name": r["name"], "state": r["state"]}}
                for r in rows[:PLAN_PAGE] if r["geometry"]]
    return desk_page(
        request, template, actor=actor, messages=PLAN_MESSAGES, map=True, draw=True,
        boot={"features": {"type": "FeatureCollection", "features": features},
              "centres": _centres(conn, tree), "division": division},
        rows=rows[:PLAN_PAGE], more=len(rows) > PLAN_PAGE, tree=tree, division=division,
        state=state, q=q or "", states=PLAN_STATES, plan_state=_plan_state,
        counts=name_plan.count_by_state(conn, division),
        categories=[c for c in gazetteer.categories(conn).values() if len(c["code"]) == 4],
        division_names=_division_names(conn), today=name_plan.beijing_today(), **context)


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, conn: Conn, actor: Officer, division: OptionalDivision = None,
              state: Annotated[str | None, Query(max_length=20)] = None,
              q: Annotated[str | None, Query(max_length=50)] = None) -> HTMLResponse:
    """地名规划: a division's reserved and requested names on a list and a map, the form to
    reserve one, and the decisions: accept or decline a request, turn a reservation into a
    naming application, extend or release it."""
    return _plan_page(request, conn, actor, "names_plan.html", division, state, q,
                      tab="plan", officer=True)


@plan_desk.get("", response_class=HTMLResponse)
def liaison_page(request: Request, conn: Conn, actor: Liaison,
                 division: OptionalDivision = None,
                 state: Annotated[str | None, Query(max_length=20)] = None,
                 q: Annotated[str | None, Query(max_length=50)] = None) -> HTMLResponse:
    """The planning liaison's page: search the plans, and request a name for a planned road
    or area before the project is approved (审批前置)."""
    return _plan_page(request, conn, actor, "plan_liaison.html", division, state, q,
                      officer=False)

@router.get("/{app_id}", response_class=HTMLResponse)
def application(request: Request, conn: Conn, actor: Officer, app_id: Id) -> HTMLResponse:
    """One application: its data and location, the checks' findings, the actions its state
    allows (each sending the version shown), the announcement and the history."""
    locale = i18n.locale_of(request)
    app = workflow.get_application(conn, app_id)
    is_filing = app["kind"] == filing.KIND
    live = app["state"] in ("draft", "submitted", "assessed", "returned", "checked")
    findings = workflow.current_findings(conn, app_id) if live else app["findings"]
    target = gazetteer.get_name(conn, app["target_id"]) if app["target_id"] else None
    categories = gazetteer.categories(conn)
    category = categories.get(app["category_code"] or "")
    actions = [a for a, (starts, _) in workflow.actions_for(app["kind"]).items()
               if app["state"] in starts]
    record = (workflow.announcement_record(conn, app_id)
              if not is_filing and app["state"] in workflow.APPROVED else None)
    warnings = sorted({f["code"] for f in findings or [] if f["severity"] == "warn"})
    traditional = live and any(f["code"] == "traditional" for f in findings or [])
    suggested = workflow.romanization(conn, app["name"], None)["name"] if traditional else None
    roman = None
    if app["name"]:
        spelt = workflow.romanization(conn, app["name"], app["category_code"])
        roman = app["roman_manual"] or (spelt["roman"] and
                                        f"{spelt['roman']} ({spelt['roman_toned']})")
    return desk_page(
        request, "names_application.html", actor=actor, messages=MESSAGES, map=True,
        boot={"id": app_id, "version": app["version"], "geometry": app["geometry"]},
        app=app, findings=_findings(locale, findings), live=live, target=target,
        category=category, actions=actions, warnings=warnings, state_of=_state, kinds=KINDS,
        roman=roman, today=workflow.beijing_today(), suggested=suggested,
        action_names=FILING_ACTIONS if is_filing else ACTIONS, reports=REPORTS,
        required_reports=[] if is_filing else workflow.required_reports(conn, app),
        division_names=_division_names(conn), finding_text=lambda f: finding_text(locale, f),
        is_filing=is_filing, record=record, record_labels=ANNOUNCEMENT_LABELS, made_on=app["created_at"].astimezone(BEIJING).date(),
        building_categories=[c for code, c in categories.items()
                             if code.startswith(filing.BUILDING_CLASS) and len(code) > 2])

