"""Clean-up campaigns (清理不规范地名, issue 21): the names an officer selects from the audit
of a division (``geo.names.audit``), each drafted as a renaming application in the naming
workflow, the audit's findings as its reason. Nothing is renamed here: each draft goes
through checks, assessment and approval like any other application, and is proposed a new
name by the officer (``propose-name``) unless the fix is mechanical (a name in traditional
characters is drafted in its simplified form).
"""

from __future__ import annotations

import json

from geo import audit as audit_log
from geo.audit import Actor
from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.divisions import check_code
from geo.errors import InvalidInput, NotFound
from geo.names import audit, checks, workflow

_Q = load_queries(__file__)

MAX_NAMES = 500
DEFAULT_APPLICANT = "地名管理部门（清理不规范地名）"


def create_campaign(conn, actor: Actor, division: str, title: str, name_ids: list,
                    applicant: str | None = None) -> dict:
    """Draft a renaming application for each of ``name_ids`` (each must have a finding in
    the audit of ``division``, and no clean-up draft still open); return the campaign with
    its drafts. Runs in the caller's transaction: a bad id leaves nothing."""
    workflow._require_officer(actor)
    title = (title or "").strip()
    if not 1 <= len(title) <= 200:
        raise InvalidInput("a campaign needs a title of 1 to 200 characters", field="title")
    if not isinstance(name_ids, list) or not 1 <= len(name_ids) <= MAX_NAMES:
        raise InvalidInput(f"select 1 to {MAX_NAMES} names (name_ids)", field="name_ids")
    if len(set(map(str, name_ids))) != len(name_ids):
        raise InvalidInput("a name is selected twice", field="name_ids")
    found = {n["id"]: n for n in audit.audit(conn, division)["names"]}
    for i, nid in enumerate(name_ids):
        if not isinstance(nid, int) or nid not in found:
            raise InvalidInput(f"name {nid} is not a standard name of {division} with a "
                               "finding in its audit", field=f"name_ids[{i}]")
    busy = {r["name_id"]: r for r in fetch_all(conn, _Q["open_drafts"], {"ids": name_ids})}
    for i, nid in enumerate(name_ids):
        if nid in busy:
            raise InvalidInput(f"{found[nid]['name']} (id {nid}) already has an open clean-up "
                               f"draft: application {busy[nid]['application_id']}",
                               field=f"name_ids[{i}]")
    applicant = (applicant or "").strip() or DEFAULT_APPLICANT
    campaign = fetch_one(conn, _Q["create"], {"division": check_code(division),
                                              "title": title, "applicant": applicant,
                                              "actor": actor.name})["id"]
    for nid in name_ids:
        name = found[nid]
        # The findings' details stay with the campaign (and the draft's own checks show
        # them again in the reader's language); the reason names the rules, in Chinese.
        rules = list(dict.fromkeys(f["rule_name"] for f in name["findings"]))
        reason = f"清理不规范地名（{title}）：{'、'.join(rules)}"
        simplified = checks._t2s(name["name"])
        app = workflow.create_application(conn, actor, {
            "kind": "renaming", "division_code": name["division_code"],
            "name": simplified, "category_code": name["category_code"], "target_id": nid,
            "reason": reason[:5000], "applicant": applicant})
        execute(conn, _Q["item"], {"campaign": campaign, "name_id": nid,
                                   "application": app["id"],
                                   "findings": json.dumps(name["findings"],
                                                          ensure_ascii=False)})
    audit_log.record(conn, actor, "names.cleanup.create", "name_cleanup_campaign", campaign,
                     after={"division": division, "title": title, "names": name_ids})
    return get_campaign(conn, campaign)


def get_campaign(conn, campaign_id: int) -> dict:
    """A campaign with each name, its draft application and where the draft stands."""
    head = fetch_one(conn, _Q["campaign"], {"id": campaign_id})
    if head is None:
        raise NotFound(f"no clean-up campaign {campaign_id}", field="id")
    return {**head, "items": fetch_all(conn, _Q["items"], {"id": campaign_id})}


def campaigns(conn, division: str | None = None) -> list[dict]:
    """The clean-up campaigns (of a division), newest first, with how far they got."""
    return fetch_all(conn, _Q["campaigns"], {"division": division})
