"""The plates officer's desk (门牌): roads and their numbering, plates and public reports,
campaigns.

Pages are rendered here from the ``geo.plates`` domain functions; every change goes
through the JSON API (``/roads/{id}/numbering``, ``PATCH /plates/{id}``, ``POST
/plates/campaigns``) from ``static/plates.js`` and the declarative forms of ``desk.js``.
What the domain says in English (finding codes, the notes it writes itself) is said here
in the page's language from the catalog (``locale/zh/LC_MESSAGES/plates.po``)."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import Conn, require
from api.params import Id, OptionalDivision
from api.web import i18n
from api.web.pages import desk_page
from geo.audit import Actor
from geo.plates import campaigns, numbering, plates, roads, rules, validation

router = APIRouter(prefix="/app/plates", include_in_schema=False)
N_ = i18n.N_
Officer = Annotated[Actor, Depends(require("plates_officer"))]
PAGE = 50

STATUS = {"planned": N_("planned"), "ordered": N_("ordered"), "installed": N_("installed"),
          "damaged": N_("damaged"), "missing": N_("missing"), "replaced": N_("replaced"),
          "removed": N_("removed")}
STATUS_CLASS = {"planned": "info", "ordered": "info", "installed": "good", "damaged": "bad",
                "missing": "bad", "replaced": "", "removed": ""}
# What each step of the lifecycle is called on its button.
STEP = {"ordered": N_("Mark as ordered"), "installed": N_("Mark as installed"),
        "damaged": N_("Mark as damaged"), "missing": N_("Mark as missing"),
        "replaced": N_("Replace (plans a new plate)"), "removed": N_("Remove the plate")}
ACTION = {**STATUS, "token_revoked": N_("QR code withdrawn"),
          "token_reissued": N_("new QR code issued"),
          "public_report_damaged": N_("public report: damaged"),
          "public_report_missing": N_("public report: missing"),
          "reports_closed": N_("public reports closed"), "note": N_("officer's note")}
REPORT = {"damaged": N_("damaged"), "missing": N_("missing")}
KIND = {"door": N_("door plate"), "building": N_("building plate"), "unit": N_("unit plate")}
SIZE = {"large": N_("large"), "medium": N_("medium"), "small": N_("small")}
CAMPAIGN_KIND = {"new": N_("new plates"), "replace": N_("replacements")}
HOW = {"kept": N_("kept"), "slot": N_("frontage slot"), "reserved": N_("reserved number"),
       "sub": N_("sub-number"), "none": N_("unresolved"), "rule": N_("by the rule"),
       "manual": N_("by hand")}
SIDE = {"left": N_("left"), "right": N_("right")}
PARITY = {"odd": N_("odd"), "even": N_("even")}
DIRECTION = {"east": N_("from west to east"), "west": N_("from east to west"),
             "north": N_("from south to north"), "south": N_("from north to south")}
END = {"east": N_("east end"), "west": N_("west end"), "north": N_("north end"),
       "south": N_("south end"), "first": N_("first point as drawn"),
       "last": N_("last point as drawn")}

# Finding codes of ``geo.plates.validation``: their name and how serious they are.
FINDING = {
    "wrong_parity": (N_("Wrong side"), "error"), "duplicate": (N_("Duplicate number"), "error"),
    "out_of_order": (N_("Out of order"), "error"),
    "reversed": (N_("Numbered from the wrong end"), "error"),
    "gap": (N_("Numbers missing"), "warning"), "too_far": (N_("Too far from the road"), "warning"),
    "wrong_road": (N_("On the wrong road"), "error"),
    "unnumbered": (N_("No number"), "info"), "bad_number": (N_("Not a valid number"), "error"),
}
SENTENCE = {
    "wrong_parity": N_("%(label)s is on the %(side)s side, which takes %(expected)s numbers."),
    "duplicate": N_("%(label)s is given to %(count)s doors."),
    "out_of_order": N_("%(label)s is out of order between %(previous)s and %(next)s."),
    "out_of_order_after": N_("%(label)s comes after %(previous)s along the road; numbers "
                             "should rise."),
    "out_of_order_before": N_("%(label)s comes before %(next)s along the road; numbers "
                              "should rise."),
    "reversed": N_("The %(parity)s side is numbered from the wrong end: its numbers fall "
                   "%(descending)s times and rise %(ascending)s times."),
    "gap": N_("%(missing)s numbers are missing between %(previous)s and %(label)s on "
              "%(frontage)s m of frontage (the rule reserves %(reserved)s)."),
    "too_far": N_("%(label)s is %(offset)s m from %(road)s (at most %(tolerance)s m)."),
    "wrong_road": N_("%(label)s is %(offset)s m from %(road)s but only %(nearest)s m from "
                     "%(other)s: it may belong to that road."),
    "unnumbered": N_("Door %(id)s has no number yet."),
    "bad_number_letter": N_("“%(raw)s” is not a valid house number: house numbers take no "
                            "letters; give a sub-number such as 12-1 instead."),
    "bad_number": N_("“%(raw)s” is not written as a standard house number."),
}
# Notes the domain writes itself (English), said in the page's language.
NOTES = [
    (re.compile(r"replaces plate (?P<id>\d+)"), N_("replaces plate %(id)s")),
    (re.compile(r"replaced by plate (?P<id>\d+), now installed"),
     N_("replaced by plate %(id)s, now installed")),
    (re.compile(r"replaced by plate (?P<id>\d+)"), N_("replaced by plate %(id)s")),
    (re.compile(r"plate removed"), N_("plate removed")),
    (re.compile(r"a new QR token; the old one no longer answers"),
     N_("a new QR code; the old one no longer answers")),
    (re.compile(r"revoked"), N_("withdrawn")),
    (re.compile(r"campaign (?P<name>.+)"), N_("campaign %(name)s")),
]
REASONS = [
    (re.compile(r"renamed (?P<name>.+)"), N_("renamed %(name)s")),
    (re.compile(r"split, the far part named (?P<name>.+)"),
     N_("split, the far part named %(name)s")),
    (re.compile(r"road redrawn"), N_("road redrawn")),
    (re.compile(r"rule changed"), N_("rule changed")),
    (re.compile(r"renumbered by the rule"), N_("renumbered by the rule")),
    (re.compile(r"new doors numbered"), N_("new doors numbered")),
]

# What the desk's script shows (static/plates.js).
MESSAGES = {
    "door": N_("Door"), "side": N_("Side of the road"), "along": N_("Along the road (m)"),
    "old": N_("Now"), "new": N_("Proposed"), "how": N_("How"),
    "left": N_("left"), "right": N_("right"),
    "proposal_summary": N_("Proposal %(id)s: %(doors)s doors, %(changed)s change their "
                           "number."),
    "proposal_none": N_("Nothing changes: every door already has the number this proposal "
                        "gives."),
    "plates_affected": N_("%(n)s plates already made show an old number; they will be "
                          "offered to the next replacement campaign."),
    "unresolved": N_("%(n)s doors get no number from this proposal."),
    "apply": N_("Apply this numbering"),
    "apply_confirm": N_("Apply proposal %(id)s? %(changed)s doors of %(road)s get a new "
                        "number, and the change is kept in the numbering history."),
    "applied": N_("Applied: %(changed)s doors renumbered."),
    "only_changed": N_("Only doors that change"),
    "no_number": N_("no number"),
    **{f"how_{k}": v for k, v in HOW.items()},
}


def _said(locale: str, text: str | None, table: list) -> str | None:
    """A text the domain wrote in English, in ``locale`` when it has a known form."""
    if text is None:
        return None
    for pattern, msgid in table:
        if m := pattern.fullmatch(text):
            return i18n.gettext(locale, msgid, **m.groupdict())
    return text


def reason_text(locale: str, reason: str | None) -> str | None:
    """A renumbering's reason; the parts the domain writes ("; "-joined) translated."""
    if reason is None:
        return None
    parts = [_said(locale, p, REASONS) for p in reason.split("; ")]
    return ("；" if locale == "zh" else "; ").join(p for p in parts if p)


def _num(value: float | None) -> str | None:
    if value is None:
        return None
    number = int(value)
    sub = round((value - number) * 1000)
    return f"{number}-{sub}号" if sub else f"{number}号"


def finding_text(locale: str, f: dict, road: dict) -> str:
    """One validation finding as a sentence in ``locale``."""
    def t(msgid: str, **values) -> str:
        return i18n.gettext(locale, msgid, **{k: "—" if v is None else v
                                              for k, v in values.items()})

    d, kind = f["detail"] or {}, f["kind"]
    label = f["label"] or f["number_raw"] or i18n.gettext(locale, N_("an unnumbered door"))
    if kind == "wrong_parity":
        return t(SENTENCE[kind], label=label, side=t(SIDE.get(d.get("side"), d.get("side"))),
                 expected=t(PARITY[d["expected"]]))
    if kind == "duplicate":
        return t(SENTENCE[kind], label=label, count=d.get("count"))
    if kind == "out_of_order":
        before, after = _num(d.get("previous")), _num(d.get("next"))
        key = ("out_of_order" if before and after else
               "out_of_order_after" if before else "out_of_order_before")
        return t(SENTENCE[key], label=label, previous=before, next=after)
    if kind == "reversed":
        return t(SENTENCE[kind], parity=t(PARITY[d["parity"]]), descending=d["descending"],
                 ascending=d["ascending"])
    if kind == "gap":
        previous = f"{d['previous']}号" if d.get("previous") else t(N_("the start"))
        return t(SENTENCE[kind], missing=d["missing"], previous=previous, label=label,
                 frontage=d["frontage_m"], reserved=int(d["reserved"]))
    if kind == "too_far":
        return t(SENTENCE[kind], label=label, offset=d["offset_m"], road=road["name"],
                 tolerance=f"{d['tolerance_m']:.0f}")
    if kind == "wrong_road":
        return t(SENTENCE[kind], label=label, offset=d["offset_m"], road=road["name"],
                 nearest=d["nearest_m"], other=d["nearest_road"])
    if kind == "bad_number":
        raw = f["number_raw"] or ""
        letter = re.search(r"[A-Za-z]", raw) is not None
        return t(SENTENCE["bad_number_letter" if letter else "bad_number"], raw=raw)
    return t(SENTENCE["unnumbered"], id=f["entrance_id"])


def direction(road: dict) -> str | None:
    """Which way a road's numbering runs (``roads.register``'s ends): a DIRECTION key."""
    if road.get("from_lon") is None:
        return None
    dx = (road["to_lon"] - road["from_lon"]) * math.cos(math.radians(road["from_lat"]))
    dy = road["to_lat"] - road["from_lat"]
    if abs(dx) >= abs(dy):
        return "east" if dx > 0 else "west"
    return "north" if dy > 0 else "south"


def label_side(road: dict, side: str) -> str:
    """Where a door's label goes on the map (Leaflet's tooltip direction): away from the
    road on the door's side, ``side`` being left or right looking along the numbering."""
    if road.get("from_lon") is None:
        return "top"
    dx = (road["to_lon"] - road["from_lon"]) * math.cos(math.radians(road["from_lat"]))
    dy = road["to_lat"] - road["from_lat"]
    nx, ny = (-dy, dx) if side == "left" else (dy, -dx)     # the normal towards the door
    if abs(dy) >= abs(dx):
        return "right" if nx > 0 else "left"
    return "top" if ny > 0 else "bottom"


def rule_lines(locale: str, rule: dict, road: dict | None = None) -> list[str]:
    """A numbering rule in words: direction, odd side, spacing, skipped numbers."""
    def t(msgid: str, **values) -> str:
        return i18n.gettext(locale, msgid, **values)

    lines = []
    way = direction(road) if road else None
    if way:
        lines.append(t(N_("numbered %(direction)s"), direction=t(DIRECTION[way])))
    sides = rule.get("sides", "both")
    if sides == "both":
        lines.append(t(N_("odd numbers on the %(side)s, even numbers on the other side"),
                       side=t(SIDE[rule.get("odd_side", "right")])))
    else:
        lines.append(t(N_("one side only: %(parity)s numbers"), parity=t(PARITY[sides])))
    spacing = rule.get("spacing_m") or 0
    lines.append(t(N_("one number per %(m)s m of frontage (step 2 per side)"),
                   m=f"{spacing:g}") if spacing else
                 t(N_("numbers run on door by door, none reserved (step 2 per side)")))
    if rule.get("skip_numbers"):
        lines.append(t(N_("numbers never given: %(numbers)s"),
                       numbers=", ".join(map(str, rule["skip_numbers"]))))
    return lines


def start_text(locale: str, rule: dict) -> str:
    """Where numbering starts, as the rule says it."""
    start = rule.get("start", "auto")
    if start == "auto":
        return i18n.gettext(locale, N_("east-west roads from the %(ew)s, north-south roads "
                                       "from the %(ns)s"),
                            ew=i18n.gettext(locale, END[rule.get("ew_from", "east")]),
                            ns=i18n.gettext(locale, END[rule.get("ns_from", "north")]))
    return i18n.gettext(locale, N_("from the %(end)s"),
                        end=i18n.gettext(locale, END[start]))


def _common(conn, locale: str) -> dict:
    """What every page of the desk shows: the subnav's count of waiting reports."""
    return {"waiting": plates.list_plates(conn, reported=True, limit=1)[1],
            "sep": "；" if locale == "zh" else "; ",
            "STATUS": STATUS, "STATUS_CLASS": STATUS_CLASS, "KIND": KIND}


def _render(request: Request, conn, actor: Actor, template: str, tab: str, **context):
    return desk_page(request, template, actor=actor, tab=tab,
                     **_common(conn, i18n.locale_of(request)), **context)


# ------------------------------------------------------------------ roads

@router.get("", response_class=HTMLResponse)
def road_list(request: Request, conn: Conn, actor: Officer, division: OptionalDivision = None,
              q: Annotated[str | None, Query(max_length=60)] = None,
              page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
    """The roads of a division with their numbering rule, doors and validation status."""
    locale = i18n.locale_of(request)
    divisions = roads.divisions_with_roads(conn)
    codes = [d["code"] for d in divisions]
    if division not in codes:
        division = codes[0] if codes else None
    q = (q or "").strip() or None
    rows = roads.register(conn, division=division, q=q, limit=PAGE + 1,
                          offset=(page - 1) * PAGE) if division else []
    more, rows = len(rows) > PAGE, rows[:PAGE]
    counts = validation.counts_by_road(conn, [r["id"] for r in rows])
    for r in rows:
        r["rule_lines"] = rule_lines(locale, r["rule_in_force"], r)
        found = counts.get(r["id"], {})
        r["problems"] = sum(n for k, n in found.items() if k != "unnumbered")
        r["kinds"] = [FINDING[k][0] for k in found if k != "unnumbered"]
    return _render(request, conn, actor, "plates_roads.html", "roads", divisions=divisions,
                   division=division, q=q, rows=rows, page=page, more=more)


@router.get("/roads/{road_id}", response_class=HTMLResponse)
def road_page(request: Request, conn: Conn, actor: Officer, road_id: Id) -> HTMLResponse:
    """A road: its doors on a map, the validation findings, a numbering proposal side by
    side (old → new) applied with one confirmation, and the numbering history."""
    locale = i18n.locale_of(request)
    road = roads.get(conn, road_id)
    [listed] = roads.register(conn, ids=[road_id], limit=1) or [road]
    report = validation.validate(conn, road_id)
    findings = [{**f, "title": FINDING[f["kind"]][0], "level": FINDING[f["kind"]][1],
                 "text": finding_text(locale, f, road)} for f in report["findings"]]
    history = numbering.history(conn, road_id)
    for h in history:
        h["reason_text"] = reason_text(locale, h["reason"])
    doors = [{"id": p["entrance_id"], "lon": p["lon"], "lat": p["lat"],
              "towards": label_side(listed, p["side"]),
              "label": rules.label(p["number"], p["sub"]) or p["number_raw"]}
             for p in roads.positions(conn, road_id)]
    flagged = sorted({f["entrance_id"] for f in findings if f["entrance_id"]
                      and f["level"] == "error"})
    boot = {"road": {"id": road["id"], "name": road["name"], "version": road["version"],
                     "geometry": road["geometry"]},
            "doors": doors, "flagged": flagged}
    return _render(request, conn, actor, "plates_road.html", "roads", road=road,
                   rule_lines=rule_lines(locale, road["rule_in_force"], listed),
                   start=start_text(locale, road["rule_in_force"]), report=report,
                   findings=findings, history=history, map=True, boot=boot,
                   messages=MESSAGES, HOW=HOW)


# ------------------------------------------------------------------ plates

@router.get("/list", response_class=HTMLResponse)
def plate_list(request: Request, conn: Conn, actor: Officer,
               status: Annotated[str | None, Query(max_length=20)] = None,
               road: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
               page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
    """Plates with their lifecycle status, filtered by status and road."""
    status = status if status in STATUS else None
    rows, total = plates.list_plates(conn, status=status, road=road, limit=PAGE,
                                     offset=(page - 1) * PAGE)
    road_row = roads.get(conn, road) if road else None
    return _render(request, conn, actor, "plates_list.html", "plates", rows=rows, total=total,
                   chosen=status, road=road_row, page=page, more=page * PAGE < total)


@router.get("/plate/{plate_id}", response_class=HTMLResponse)
def plate_page(request: Request, conn: Conn, actor: Officer, plate_id: Id) -> HTMLResponse:
    """A plate: its address, QR code, installation photo, history and the steps of its
    lifecycle it can take next; its public reports waiting for an answer."""
    locale = i18n.locale_of(request)
    plate = plates.get(conn, plate_id)
    for e in plate["events"]:
        e["note_text"] = _said(locale, e["note"], NOTES)
    pending = plates.pending_reports(conn, plate_id)
    return _render(request, conn, actor, "plates_plate.html", "plates", plate=plate,
                   steps=[(s, STEP[s]) for s in plates.NEXT[plate["status"]]],
                   pending=pending, ACTION=ACTION, REPORT=REPORT, SIZE=SIZE,
                   today=dt.date.today().isoformat(), messages=MESSAGES)


@router.get("/reports", response_class=HTMLResponse)
def report_queue(request: Request, conn: Conn, actor: Officer) -> HTMLResponse:
    """The public reports waiting for an answer, the longest waiting first, each with a
    form to close it with a note."""
    return _render(request, conn, actor, "plates_reports.html", "reports",
                   rows=plates.reports_queue(conn, limit=200), REPORT=REPORT)


# ------------------------------------------------------------------ campaigns

@router.get("/campaigns", response_class=HTMLResponse)
def campaign_list(request: Request, conn: Conn, actor: Officer) -> HTMLResponse:
    """Campaigns with their progress, and a form for a new one."""
    return _render(request, conn, actor, "plates_campaigns.html", "campaigns",
                   rows=campaigns.campaigns(conn), CAMPAIGN_KIND=CAMPAIGN_KIND,
                   divisions=roads.divisions_with_roads(conn), SIZE=SIZE)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(request: Request, conn: Conn, actor: Officer,
                  campaign_id: Id) -> HTMLResponse:
    """One campaign: its progress, its plates and its printable sheet."""
    found = campaigns.campaign(conn, campaign_id)
    return _render(request, conn, actor, "plates_campaign.html", "campaigns", c=found,
                   rows=plates.list_plates(conn, campaign=campaign_id, limit=10_000)[0],
                   CAMPAIGN_KIND=CAMPAIGN_KIND, SIZE=SIZE)
