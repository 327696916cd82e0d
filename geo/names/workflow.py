"""Naming, renaming and abolition applications (命名、更名、销名; DOMAIN §A1), and the
filing of building and compound names (建筑物名称备案, kind ``filing``: see ``filing``).

States: draft → submitted → assessed → approved → filed → announced, plus rejected and
withdrawn; a filing goes draft → checked → filed, or is returned with the findings.
Checks run on submit and again on approval; a ``block`` finding stops the step, and
approval goes through only when each ``warn`` finding's code is acknowledged with
a reason (kept with the findings of the approval event). A name filed in traditional
characters blocks until the officer confirms its standard form (``confirm-name``, which
keeps the form as filed). Every action locks the application's row, then compares the
version the caller read (a stale one gets Conflict, before any check runs).

Dates are Beijing dates and hold against each other and today: approval, filing and
announcement are never in the future, filing and announcement never before approval. An
approval may name a later date from which the name is in force (``effective_on``): the
gazetteer changes on that date, not before (``take_effect``, run by the approval itself when
the date has come and at each change of day); on renaming the old name becomes historical
then and points to the new one. Filing and announcement are due 15 days after approval
(rules). Every transition is an event and an audit row. Each approval has its 备案公告:
the text written when it is approved (``announcement``) and the structured record of the
six fields the 2023 filing rules require (``announcement_record``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass

import shapely
from shapely.geometry import shape

from geo import audit, plausible
from geo.audit import Actor
from geo.clock import BEIJING
from geo.db import execute, fetch_all, fetch_one, fetch_value, load_queries
from geo.divisions import check_code
from geo.errors import Conflict, Forbidden, InvalidInput, NotFound
from geo.names import checks, filing, gazetteer
from geo.names import romanize as rz

_Q = load_queries(__file__)
_LOG = logging.getLogger(__name__)
KINDS = ("naming", "renaming", "abolition", filing.KIND)
REPORT_TYPES = ("impact_assessment", "expert_review", "consultation")
# action -> (states it starts from, state it leads to)
ACTIONS = {
    "submit": (("draft",), "submitted"),
    "assess": (("submitted",), "assessed"),
    "approve": (("assessed",), "approved"),
    "reject": (("submitted", "assessed"), "rejected"),
    "file": (("approved",), "filed"),
    "announce": (("approved", "filed"), "announced"),
    "withdraw": (("draft", "submitted", "assessed"), "withdrawn"),
    # the officer confirms the standard form of the name; the state stays as it is
    "confirm-name": (("draft", "submitted", "assessed"), None),
    # the officer proposes another name for a draft (a clean-up campaign's draft carries
    # the non-standard name until then); the state stays as it is
    "propose-name": (("draft",), None),
}
OFFICER_ROLES = ("names_officer", "admin")
APPROVED = ("approved", "filed", "announced")   # the states of an approval (with its 公告)
# The 备案公告's fields the 2023 filing rules require, as the record names them.
ANNOUNCEMENT_FIELDS = (("name", "标准名称"), ("roman", "罗马字母拼写"), ("division", "所属政区"),
                       ("location_description", "位置描述"),
                       ("approving_authority", "批准机关"), ("approved_on", "批准时间"))


def actions_for(kind: str) -> dict:
    """The actions of an application of ``kind``: (states they start from, state they lead
    to)."""
    return filing.ACTIONS if kind == filing.KIND else ACTIONS


@dataclass(frozen=True)
class Step:
    """What an action carries besides the version it was based on."""

    version: int
    note: str | None = None
    reports: list[dict] | None = None
    approving_authority: str | None = None
    document_no: str | None = None
    on: dt.date | None = None  # approval, filing or announcement date (default today)
    acknowledgements: dict[str, str] | None = None  # warning code -> why it is accepted
    effective_on: dt.date | None = None  # approve: in force from (default: the approval date)
    name: str | None = None  # confirm-name: the standard form; propose-name: a new name
    filing_no: str | None = None  # file: the 备案号 (a filing's is drawn when not given)
    corrections: dict | None = None  # correct (a filing): the fields corrected, by column


def beijing_today() -> dt.date:
    """Today's date in China (Beijing time), whatever the server's time zone."""
    return dt.datetime.now(BEIJING).date()


def _require_officer(actor: Actor) -> None:
    if actor.role not in OFFICER_ROLES:
        raise Forbidden("only a names_officer acts on naming applications")


def _deadlines(conn, division_code: str) -> dict:
    r = checks.rules(conn, division_code)
    return {"filing_days": int(r["filing_deadline_days"]),
            "announcement_days": int(r["announcement_deadline_days"])}


def _geometry_wkt(geometry: dict | None) -> str | None:
    if geometry is None:
        return None
    try:
        geom = shape(geometry)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.ShapelyError):
        raise InvalidInput("geometry must be a GeoJSON Point, LineString or Polygon",
                           field="geometry") from None
    geom = shapely.force_2d(geom)  # heights from GPS devices are not part of a place name
    plausible.geometry(geom, "geometry")
    return geom.wkt


def _check_reports(reports: list[dict] | None) -> list[dict]:
    out = []
    for i, rep in enumerate(reports or []):
        if not isinstance(rep, dict) or rep.get("type") not in REPORT_TYPES:
            raise InvalidInput(f"reports[{i}].type must be one of {', '.join(REPORT_TYPES)}",
                               field=f"reports[{i}].type")
        if not str(rep.get("title") or "").strip():
            raise InvalidInput(f"reports[{i}] needs a title", field=f"reports[{i}].title")
        out.append({k: rep.get(k) for k in ("type", "title", "date", "summary")})
    return out


def _valid_name(kind: str, given: str | None) -> str | None:
    name = (given or "").strip() or None
    if kind != "abolition" and (not name or len(name) > 50):
        raise InvalidInput("a proposed name of 1 to 50 characters is required", field="name")
    return name


def _valid_category(conn, kind: str, code: str | None) -> None:
    categories = gazetteer.categories(conn)
    if (kind != "abolition" or code is not None) and code not in categories:
        raise InvalidInput("category_code must be a known category", field="category_code")
    if kind == filing.KIND:
        filing.check_category(categories, code)


def _valid_roman(roman: str | None) -> None:
    if roman is not None and not re.fullmatch(r"[A-Za-zÀ-ɏ' \-]{1,200}", roman):
        raise InvalidInput("roman_manual is Latin letters (with diacritics), spaces, "
                           "apostrophes and hyphens only", field="roman_manual")


def create_application(conn, actor: Actor, data: dict) -> dict:
    """Record a draft application; checks its shape, not yet its content."""
    _require_officer(actor)
    kind = data.get("kind")
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    division = check_code(str(data.get("division_code") or ""), "division_code")
    name = _valid_name(kind, data.get("name"))
    _valid_category(conn, kind, data.get("category_code"))
    if kind in ("renaming", "abolition") and not data.get("target_id"):
        raise InvalidInput("renaming and abolition name the current name (target_id)",
                           field="target_id")
    if kind == filing.KIND and data.get("target_id"):
        raise InvalidInput("a building-name filing names a new building or compound, not a "
                           "current name (no target_id)", field="target_id")
    if data.get("target_id") and fetch_one(conn, _Q["target"], {"id": data["target_id"]}) is None:
        raise InvalidInput(f"no place name with id {data['target_id']}", field="target_id")
    _valid_roman(data.get("roman_manual"))
    if not str(data.get("applicant") or "").strip():
        raise InvalidInput("the applicant (organisation) is required", field="applicant")
    row = {k: data.get(k) for k in ("category_code", "target_id", "reason", "meaning", "origin",
                                    "location_description", "roman_manual",
                                    "protective_measures", "approval_basis",
                                    "applicant_contact")}
    new_id = fetch_one(conn, _Q["create"], {
        **row, "kind": kind, "name": name, "division_code": division,
        "applicant": data["applicant"].strip(),
        "geom_wkt": _geometry_wkt(data.get("geometry")),
        "reports": json.dumps(_check_reports(data.get("reports")), ensure_ascii=False),
        "created_by": actor.name})["id"]
    execute(conn, _Q["event"], {"id": new_id, "actor": actor.name, "action": "create",
                                "from_state": None, "to_state": "draft", "note": None,
                                "findings": None})
    audit.record(conn, actor, "names.application.create", "name_application", new_id,
                 after={"kind": kind, "name": name, "division_code": division})
    return get_application(conn, new_id)


def get_application(conn, app_id: int) -> dict:
    """One application with its deadlines and events."""
    head = fetch_one(conn, _Q["division_of_application"], {"id": app_id})
    if head is None:
        raise NotFound(f"no naming application {app_id}", field="id")
    app = fetch_one(conn, _Q["get"], {"id": app_id, **_deadlines(conn, head["division_code"])})
    app.pop("geom", None)
    app["events"] = fetch_all(conn, _Q["events"], {"id": app_id})
    return app


def list_applications(conn, *, state: str | None = None, overdue: bool = False,
                      limit: int = 50, offset: int = 0, today: dt.date | None = None,
                      kind: str | None = None) -> list:
    """Applications (of one ``kind`` when given), newest first, with due dates by the rules
    of each one's division; ``overdue`` keeps those past their filing or announcement
    date."""
    today = today or beijing_today()
    out = []
    for row in fetch_all(conn, _Q["list"], {"state": state, "kind": kind}):
        days = _deadlines(conn, row["division_code"])
        approved = row["approved_on"]
        row["filing_due"] = approved and approved + dt.timedelta(days=days["filing_days"])
        row["announcement_due"] = approved and approved + dt.timedelta(
            days=days["announcement_days"])
        row["filing_overdue"] = bool(row["state"] == "approved" and row["filing_due"]
                                     and row["filing_due"] < today)
        row["announcement_overdue"] = bool(row["state"] in ("approved", "filed")
                                           and row["announcement_due"]
                                           and row["announcement_due"] < today)
        if not overdue or row["filing_overdue"] or row["announcement_overdue"]:
            out.append(row)
    return out[offset:offset + limit]


def count_by_state(conn, kind: str | None = None) -> dict[str, int]:
    """How many applications (of one ``kind`` when given) are in each state."""
    return {r["state"]: r["n"] for r in fetch_all(conn, _Q["count_by_state"], {"kind": kind})}


def _findings(conn, app: dict) -> list[checks.Finding]:
    categories = gazetteer.categories(conn)
    target = fetch_one(conn, _Q["target"], {"id": app["target_id"]}) if app["target_id"] else None
    return checks.run_checks(conn, app, categories.get(app["category_code"]), target,
                             categories)


def act(conn, actor: Actor, app_id: int, action: str, step: Step,
        today: dt.date | None = None) -> dict:
    """Apply ``action`` to an application; Conflict if the version is stale or a check blocks.

    The application's row is locked first and the version compared before anything else,
    so that of two officers acting at once the second always hears that it changed. A
    building-name filing whose checks block is returned with the findings instead (the
    answer's state says so; ``refusal`` turns it into the caller's 4xx).
    """
    _require_officer(actor)
    if action not in ACTIONS and action not in filing.ACTIONS:
        raise NotFound(f"no action {action!r}; actions: "
                       f"{', '.join(dict.fromkeys([*ACTIONS, *filing.ACTIONS]))}",
                       field="action")
    today = today or beijing_today()
    locked = fetch_one(conn, _Q["lock"], {"id": app_id})
    if locked is None:
        raise NotFound(f"no naming application {app_id}", field="id")
    if step.version != locked["version"]:
        raise Conflict(f"the application changed since version {step.version} (now "
                       f"{locked['version']}); reload it", field="version",
                       current=locked["version"])
    app = get_application(conn, app_id)
    table = actions_for(app["kind"])
    if action not in table:
        raise Conflict(f"a {app['kind']} application has no action {action}; its actions: "
                       f"{', '.join(table)}", field="action", kind=app["kind"])
    from_states, to_state = table[action]
    to_state = to_state or app["state"]
    if app["state"] not in from_states:
        raise Conflict(f"cannot {action} an application that is {app['state']}", field="state",
                       state=app["state"])
    app, note = _prepared(conn, app, action, step)
    findings, to_state = _checked_for(conn, app, action, step, to_state)
    changes = _changes(conn, app, action, step, findings, today, to_state)
    filed = app["kind"] == filing.KIND and to_state == "filed"
    if filed:
        changes.update(filing_no=filing.filing_number(conn, app, step.filing_no,
                                                      changes["filed_on"]),
                       effective_on=changes["filed_on"])
    row = fetch_one(conn, _Q["transition"], {
        "id": app_id, "version": step.version, "from_states": list(from_states),
        "to_state": to_state, "filed_by": actor.name if to_state == "filed" else None,
        **changes})
    if row is None:  # cannot happen under the row lock; kept as the last guard
        raise Conflict("the application was changed by someone else; reload it",
                       field="version")
    _events(conn, actor, app, action, to_state, note, findings)
    if action == "approve":
        approved = {**app, **{k: v for k, v in changes.items() if v is not None}}
        execute(conn, _Q["record_announcement"], {"id": app_id,
                                                  "text": announcement(conn, approved)})
    if (action == "approve" and changes["effective_on"] <= today) or filed:
        _bring_into_force(conn, actor, app_id, later=False)
    acks = {f["code"]: f["acknowledgement"] for f in findings or [] if "acknowledgement" in f}
    audit.record(conn, actor, f"names.application.{action}", "name_application", app_id,
                 before={"state": app["state"], "version": app["version"]},
                 after={"state": to_state, "version": row["version"],
                        **({"acknowledgements": acks} if acks else {})})
    return get_application(conn, app_id)


def _prepared(conn, app: dict, action: str, step: Step) -> tuple[dict, str | None]:
    """The application as the action changes it before the checks (the confirmed, proposed
    or corrected name and fields; a correction is written at once), and the event's note."""
    note = step.note
    if action == "confirm-name":
        app, note = _confirmed_name(app, step), _confirmation_note(app, step)
    if action == "propose-name":
        app, note = _proposed_name(app, step), _confirmation_note(app, step)
    if action == "correct":
        app, note = _corrected(conn, app, step)
        execute(conn, _Q["correct"], app)
    if action == "return" and not (note or "").strip():
        raise InvalidInput("returning a filing needs a note saying what to correct",
                           field="note")
    return app, note


def _checked_for(conn, app: dict, action: str, step: Step,
                 to_state: str) -> tuple[list[dict] | None, str]:
    """The findings an action records (None when it runs no checks) and the state it leads
    to: Conflict when a check blocks a naming's submission or approval; a filing the checks
    block is returned instead; approval and filing need each warning acknowledged."""
    if app["kind"] == filing.KIND and action in filing.CHECKED_BY:
        findings = [f.as_dict() for f in _findings(conn, app)]
        if any(f["severity"] == "block" for f in findings):
            return findings, "returned"
        if action == "file":
            findings = _acknowledged(findings, step.acknowledgements or {}, "filing")
        return findings, to_state
    if action not in ("submit", "approve"):
        return None, to_state
    findings = _checked(conn, app, action)
    if action == "approve":
        findings = _acknowledged(findings, step.acknowledgements or {})
    return findings, to_state


def _events(conn, actor: Actor, app: dict, action: str, to_state: str, note: str | None,
            findings: list[dict] | None) -> None:
    """The events of an action: one, or for a filing's checks the submission and what the
    checks made of it (``check``: checked, or returned with the findings)."""
    found = None if findings is None else json.dumps(findings, ensure_ascii=False)
    steps = [(action, app["state"], to_state, note, found)]
    if app["kind"] == filing.KIND and action == "submit":
        steps = [(action, app["state"], "submitted", note, None),
                 ("check", "submitted", to_state, None, found)]
    elif app["kind"] == filing.KIND and to_state == "returned" and action == "file":
        steps = [("check", app["state"], to_state, note, found)]
    for name, from_state, to, text, with_findings in steps:
        execute(conn, _Q["event"], {"id": app["id"], "actor": actor.name, "action": name,
                                    "from_state": from_state, "to_state": to, "note": text,
                                    "findings": with_findings})


def refusal(app: dict, action: str) -> InvalidInput | None:
    """The 4xx (InvalidInput, naming the field) for a filing that ``action`` left returned by
    the checks; None when the action went through (see ``filing.refusal``)."""
    return filing.refusal(app, action)


def _acknowledged(findings: list[dict], acknowledgements: dict[str, str],
                  what: str = "approval") -> list[dict]:
    """The findings with each warning's acknowledgement; InvalidInput naming the codes of
    the warnings nobody acknowledged with a reason."""
    reasons = {code: str(why).strip() for code, why in acknowledgements.items()
               if why is not None and str(why).strip()}
    missing = sorted({f["code"] for f in findings if f["severity"] == "warn"} - set(reasons))
    if missing:
        raise InvalidInput(f"{what} needs each warning acknowledged with a reason; not "
                           f"acknowledged: {', '.join(missing)}", field="acknowledgements",
                           unacknowledged=missing, findings=findings)
    return [{**f, "acknowledgement": reasons[f["code"]]} if f["severity"] == "warn" else f
            for f in findings]


def current_findings(conn, app_id: int) -> list[dict]:
    """What the checks find now (as approval will see it), without recording anything."""
    app = get_application(conn, app_id)
    return [f.as_dict() for f in _findings(conn, app)]


def romanization(conn, name: str, category_code: str | None) -> dict:
    """The romanization (GB/T 16159) a proposed name will get, as the register writes it:
    ``roman`` and ``roman_toned``, or None with ``why`` (``minority``: entered by hand;
    ``not_chinese``: letters, digits or symbols; ``empty``)."""
    name = checks._t2s((name or "").strip())
    out = {"name": name, "roman": None, "roman_toned": None, "why": None}
    if not name:
        return {**out, "why": "empty"}
    if rz.needs_manual(name):
        return {**out, "why": "minority"}
    category = gazetteer.categories(conn).get(category_code or "")
    try:
        roman = rz.romanize(name, joined=bool(category and category["joined"]),
                            category=category_code or None)
    except InvalidInput:
        return {**out, "why": "not_chinese"}
    return {**out, "roman": roman.plain, "roman_toned": roman.toned}


def _checked(conn, app: dict, action: str) -> list[dict]:
    """The findings of the checks; Conflict when one of them blocks the action."""
    findings = [f.as_dict() for f in _findings(conn, app)]
    blocking = [f for f in findings if f["severity"] == "block"]
    if blocking:
        raise Conflict(f"{len(blocking)} check(s) block this {action}: "
                       + "; ".join(f["message"] for f in blocking), field="findings",
                       findings=findings)
    return findings


def _changes(conn, app: dict, action: str, step: Step, findings: list[dict] | None,
             today: dt.date, to_state: str | None = None) -> dict:
    """The columns an action sets (each None when it leaves them as they are)."""
    changes: dict = {"findings": None, "reports": None, "approving_authority": None,
                     "approved_on": None, "document_no": None, "filed_on": None,
                     "announced_on": None, "result_name_id": None, "announcement": None,
                     "name": None, "name_as_filed": None, "effective_on": None,
                     "filing_no": None}
    if findings is not None:
        changes["findings"] = json.dumps(findings, ensure_ascii=False)
    if action == "confirm-name":
        changes.update(name=app["name"], name_as_filed=app["name_as_filed"])
    if action == "propose-name":
        changes["name"] = app["name"]
    if action == "assess":
        reports = _check_reports(step.reports) if step.reports is not None else app["reports"]
        _require_reports(conn, app, reports)
        changes["reports"] = json.dumps(reports, ensure_ascii=False)
    on = step.on or today
    what = {"approve": "approval", "file": "filing", "announce": "announcement"}.get(action)
    if what and on > today:
        raise InvalidInput(f"the {what} date ({on}) is in the future: today is {today} "
                           "(Beijing); a name that comes into force later is approved with "
                           "effective_on", field="on", today=str(today))
    if action == "approve":
        _check_approval(conn, app, step, on)
        changes.update(approving_authority=step.approving_authority, approved_on=on,
                       document_no=step.document_no, effective_on=step.effective_on or on)
    if action in ("file", "announce") and app["approved_on"] and on < app["approved_on"]:
        raise InvalidInput(f"the {what} date ({on}) is before the approval of "
                           f"{app['approved_on']}", field="on",
                           approved_on=str(app["approved_on"]))
    made = app["created_at"].astimezone(BEIJING).date()
    if action == "file" and app["kind"] == filing.KIND and on < made:
        raise InvalidInput(f"the filing date ({on}) is before the filing was made ({made})",
                           field="on", created_on=str(made))
    if action == "file" and to_state != "returned":
        changes["filed_on"] = on
        changes["filing_no"] = step.filing_no.strip() if step.filing_no else None
    if action == "announce":
        changes["announced_on"] = on
    return changes


# How far ahead an approval may put a name into force: a day that is known (a plan, an
# opening), not an open-ended reservation.
MAX_EFFECTIVE_DELAY = dt.timedelta(days=366)


def _check_approval(conn, app: dict, step: Step, on: dt.date) -> None:
    """An approval names its authority and document, dated after the name it replaces; it
    comes into force on its date or on a later ``effective_on`` within a year."""
    if app["target_id"]:
        since = fetch_value(conn, _Q["valid_from"], {"id": app["target_id"]})
        if since is not None and on <= since:
            raise InvalidInput(f"the approval date must be after {since}, when the name it "
                               "replaces became valid", field="on")
    effective = step.effective_on
    if effective is not None and effective < on:
        raise InvalidInput(f"the name cannot come into force ({effective}) before it is "
                           f"approved ({on})", field="effective_on")
    if effective is not None and effective > on + MAX_EFFECTIVE_DELAY:
        raise InvalidInput(f"effective_on ({effective}) is more than a year after the "
                           f"approval ({on})", field="effective_on")
    if not (step.approving_authority and step.document_no):
        raise InvalidInput("approval needs the approving authority and the document number",
                           field="approving_authority" if not step.approving_authority
                           else "document_no")


def _confirmed_name(app: dict, step: Step) -> dict:
    """The application with the standard form the officer confirms: the same name up to
    the script (its simplified reading is the filed name's), the filed form kept."""
    if app["kind"] == "abolition":
        raise InvalidInput("an abolition proposes no name to confirm", field="name")
    given = (step.name or "").strip()
    if not given or len(given) > 50:
        raise InvalidInput("name: the standard form of 1 to 50 characters is required",
                           field="name")
    filed = app["name_as_filed"] or app["name"]
    if checks._t2s(given) != checks._t2s(filed):
        raise InvalidInput(f"{given} is not {filed} in another script: its simplified form "
                           f"is {checks._t2s(given)}, the filed name's is {checks._t2s(filed)}",
                           field="name")
    return {**app, "name": given, "name_as_filed": filed}


def _proposed_name(app: dict, step: Step) -> dict:
    """The draft with another proposed name (1 to 50 characters), before its form was
    confirmed (a confirmed form is the officer's decision on the filed name)."""
    if app["kind"] == "abolition":
        raise InvalidInput("an abolition proposes no name", field="name")
    given = (step.name or "").strip()
    if not given or len(given) > 50:
        raise InvalidInput("name: a proposed name of 1 to 50 characters is required",
                           field="name")
    if app["name_as_filed"] is not None:
        raise InvalidInput(f"the standard form {app['name']} of this draft was confirmed; "
                           "withdraw it and draft another", field="name")
    return {**app, "name": given}


def _corrected(conn, app: dict, step: Step) -> tuple[dict, str | None]:
    """A returned (or draft) filing with the fields its applicant corrected, each checked as
    when the filing was made (InvalidInput naming ``corrections.<field>``), and the note
    saying what changed."""
    given = step.corrections or {}
    unknown = sorted(set(given) - set(filing.CORRECTABLE))
    if unknown or not given:
        raise InvalidInput("corrections name the fields to correct: "
                           f"{', '.join(filing.CORRECTABLE)}"
                           + (f"; not {', '.join(unknown)}" if unknown else ""),
                           field=f"corrections.{unknown[0]}" if unknown else "corrections")
    out = dict(app)
    try:
        for key, value in given.items():
            if key == "name":
                out["name"] = _valid_name(app["kind"], value)
            elif key == "category_code":
                _valid_category(conn, app["kind"], value)
                out[key] = value
            elif key == "geometry":
                out["geom_wkt"] = _geometry_wkt(value)
            else:
                if key == "roman_manual":
                    _valid_roman(value)
                out[key] = (str(value).strip() or None) if value is not None else None
    except InvalidInput as err:
        raise InvalidInput(err.detail, field=f"corrections.{err.field}", **err.extra) from None
    if out["name"] != app["name"]:
        out["name_as_filed"] = None   # a new name: its standard form is confirmed anew
    # what changed, as values (the note is read in either language); the map shows a
    # corrected location
    note = "; ".join(f"{app[k] or '—'} → {out[k] or '—'}" for k in given
                     if k != "geometry" and out[k] != app[k])
    return out, "; ".join(n for n in (note, step.note) if n) or None


def _confirmation_note(app: dict, step: Step) -> str:
    note = f"{app['name']} → {(step.name or '').strip()}"
    return f"{note}: {step.note}" if step.note else note


def required_reports(conn, app: dict) -> list[str]:
    """The report types the assessment of an application needs (its division's rules; an
    abolition goes by the category of the name it abolishes)."""
    required = checks.rules(conn, app["division_code"])["reports_required"]
    category = app["category_code"]
    if category is None and app["target_id"]:  # abolition: the category of the name abolished
        category = fetch_one(conn, _Q["target"], {"id": app["target_id"]})["category_code"]
    keys = [k for k in required if (category or "").startswith(k)]
    return sorted(required[max(keys, key=len)] if keys else [])


def _require_reports(conn, app: dict, reports: list[dict]) -> None:
    missing = set(required_reports(conn, app)) - {r["type"] for r in reports}
    if missing:
        raise InvalidInput(f"the assessment needs these reports: {', '.join(sorted(missing))}",
                           field="reports")


def take_effect(conn, actor: Actor | None = None, today: dt.date | None = None) -> list[int]:
    """Bring into force every approval whose date has come (``effective_on`` up to
    ``today``, Beijing): the new name becomes standard, the old one historical or abolished.
    Returns the applications changed; one that cannot be applied (the name it replaces was
    changed meanwhile) is left waiting and logged. Safe to run from several processes."""
    actor = actor or Actor("civgeo:effective-dates", "admin")
    done = []
    for row in fetch_all(conn, _Q["due"], {"today": today or beijing_today()}):
        execute(conn, "SAVEPOINT take_effect")
        try:
            _bring_into_force(conn, actor, row["id"], later=True)
        except Conflict as err:
            execute(conn, "ROLLBACK TO SAVEPOINT take_effect")
            _LOG.warning("application %s could not take effect: %s", row["id"], err.detail)
            continue
        execute(conn, "RELEASE SAVEPOINT take_effect")
        done.append(row["id"])
    return done


def _bring_into_force(conn, actor: Actor, app_id: int, later: bool) -> None:
    """An approved application's effect on the gazetteer, in the caller's transaction, on
    its effective date: the new standard name valid from that date, the old name's validity
    ending on it. ``later``: on a day after the approval (an event and an audit row of its
    own; otherwise the approval's stand for it)."""
    app = get_application(conn, app_id)
    on = app["effective_on"]
    new_id = None
    if app["kind"] == filing.KIND:   # filed: standard from the filing day, not approved
        new_id = filing.register(conn, app)
    if app["kind"] in ("naming", "renaming"):
        [new_id] = gazetteer.add_names(conn, [gazetteer.NameRow(
            app["name"], app["category_code"], f"approved: {app['document_no']}",
            app["division_code"],
            shapely.from_wkt(app["geom_wkt"]) if app["geom_wkt"] else None,
            meaning=app["meaning"])], None)
        execute(conn, _Q["set_approval"], {
            "id": new_id, "authority": app["approving_authority"], "on": app["approved_on"],
            "valid_from": on, "document_no": app["document_no"], "meaning": app["meaning"],
            "origin": app["origin"], "roman_manual": app["roman_manual"]})
    if app["kind"] in ("renaming", "abolition"):
        retired = fetch_one(conn, _Q["retire_name"], {
            "id": app["target_id"], "on": on, "current_id": new_id,
            "status": "historical" if app["kind"] == "renaming" else "abolished"})
        if retired is None:
            raise Conflict("the name to rename or abolish is no longer a current standard name",
                           field="target_id")
    execute(conn, _Q["record_result"], {"name_id": new_id, "id": app_id})
    if not later:
        return
    execute(conn, _Q["event"], {
        "id": app_id, "actor": actor.name, "action": "take-effect", "from_state": app["state"],
        "to_state": app["state"], "note": f"in force from {on}", "findings": None})
    audit.record(conn, actor, "names.application.take-effect", "name_application", app_id,
                 after={"effective_on": on, "result_name_id": new_id,
                        "target_id": app["target_id"]})


def _roman(conn, app: dict) -> str:
    """The romanization the approved name gets in the register (as ``gazetteer`` writes it)."""
    if app["roman_manual"]:
        return app["roman_manual"]
    category = gazetteer.categories(conn).get(app["category_code"] or "")
    try:
        return rz.romanize(app["name"], joined=bool(category and category["joined"]),
                           category=app["category_code"] or None).plain
    except InvalidInput:
        return ""


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _announced(conn, app: dict) -> dict:
    """What the 备案公告 of an approval says, field by field: the six the 2023 filing rules
    require (``ANNOUNCEMENT_FIELDS``), then the former name of a renaming, the name's 含义
    and its 启用时间."""
    within = fetch_value(conn, _Q["division_chain"], {"c": app["division_code"]})
    out = {"change": {"naming": "命名", "renaming": "更名", "abolition": "销名"}[app["kind"]],
           "former_name": None, "meaning": None}
    if app["kind"] == "abolition":
        target = fetch_one(conn, _Q["target"], {"id": app["target_id"]})
        out.update(name=target["name"], roman=target["roman"] or None)
    else:
        out.update(name=app["name"], roman=_roman(conn, app) or None,
                   meaning=(app["meaning"] or "").strip() or None)
    if app["kind"] == "renaming":
        out["former_name"] = fetch_one(conn, _Q["target"], {"id": app["target_id"]})["name"]
    return {**out, "division": within or app["division_code"],
            "division_code": app["division_code"],
            "location_description": app["location_description"],
            "approving_authority": app["approving_authority"],
            "approved_on": app["approved_on"], "document_no": app["document_no"],
            "effective_on": app["effective_on"] or app["approved_on"]}


def announcement(conn, app: dict) -> str:
    """公告 text (§14): 标准名称、罗马字母拼写、所属政区、位置描述、批准机关、批准时间, and the
    name's 含义 when it was given and its 启用时间 when it comes into force later."""
    f = _announced(conn, app)
    if app["kind"] == "abolition":
        lines = [f"销名：{f['name']}" + (f"（{f['roman']}）" if f["roman"] else "")]
    else:
        lines = [f"标准名称：{f['name']}", f"罗马字母拼写：{f['roman'] or ''}"]
        if f["former_name"]:
            lines.append(f"原名称：{f['former_name']}")
    lines += [f"所属政区：{f['division']}",
              f"位置描述：{f['location_description'] or '—'}"]
    if f["meaning"]:
        lines.append(f"地名含义：{f['meaning']}")
    on, effective = f["approved_on"], f["effective_on"]
    lines += [f"批准机关：{f['approving_authority']}",
              f"批准时间：{_cn_date(on)}（{f['document_no']}）"]
    if effective and effective != on:
        lines.append(f"启用时间：{_cn_date(effective)}")
    return "\n".join(lines)


def announcement_record(conn, app_id: int) -> dict:
    """The 备案公告 of an approval as a record: the six fields the 2023 filing rules require
    (标准名称 ``name``, 罗马字母拼写 ``roman``, 所属政区 ``division`` with its code, 位置描述,
    批准机关, 批准时间), the document, the change (命名/更名/销名) with the former name, 含义
    and 启用时间, the announcement's due and actual dates, and its text. NotFound for no
    application; Conflict before approval, and for a filing (filed, never approved)."""
    app = get_application(conn, app_id)
    if app["kind"] == filing.KIND:
        raise Conflict(f"application {app_id} is a building-name filing (建筑物名称备案): it "
                       "is filed, not approved, and has no 备案公告", field="kind",
                       kind=app["kind"])
    if app["state"] not in APPROVED:
        raise Conflict(f"application {app_id} is {app['state']}: its 备案公告 is made when it "
                       "is approved", field="state", state=app["state"])
    return {"application_id": app_id, "kind": app["kind"], **_announced(conn, app),
            "state": app["state"], "announced_on": app["announced_on"],
            "announcement_due": app["announcement_due"], "text": app["announcement"],
            "labels": dict(ANNOUNCEMENT_FIELDS)}
