"""Building and compound names (建筑物名称备案; DOMAIN §A2, issue 21 item 4).

Names of significant 住宅区 (楼盘, 小区) and 楼宇 (大厦) are filed with the names office
rather than approved by it. A filing is a kind of name application (``workflow``, kind
``filing``) with a shorter path than an approval:

    draft ──submit──▶ checked ──file──▶ filed        (the name is in the register)
      ▲                  │
      └──correct── returned ◀──(the checks block)──┘

Submitting runs the naming checks (``checks.run_checks``, the same as an approval's); a
filing they block is returned with the findings instead of going on, and the caller hears
it as a 4xx naming the field at fault (``refusal``). A returned filing is corrected
(``correct``) and submitted again. The officer files a checked one (备案): the checks run
once more (another filing may have taken the name meanwhile), each warning is acknowledged
with a reason, and the name enters the register with its filing record: the 备案号 (given,
or drawn per county and year), the day, and the officer who recorded it. An officer may
also return a checked filing with a note (what the checks cannot see: a name far beyond
the building's size or role).
"""

from __future__ import annotations

import datetime as dt

import shapely

from geo.db import execute, fetch_value, load_queries
from geo.errors import Conflict, InvalidInput
from geo.names import gazetteer

_Q = load_queries(__file__)
KIND = "filing"
BUILDING_CLASS = "11"   # 建筑物: 1101 住宅区, 1102 楼宇 (data/categories.csv)
# action -> (states it starts from, state it leads to); submit and file lead to
# 'returned' instead when a check blocks.
ACTIONS = {
    "correct": (("draft", "returned"), None),
    "confirm-name": (("draft", "returned"), None),
    "submit": (("draft", "returned"), "checked"),
    "file": (("checked",), "filed"),
    "return": (("checked",), "returned"),
    "withdraw": (("draft", "returned", "checked"), "withdrawn"),
}
CHECKED_BY = ("submit", "file")   # the actions that run the checks
# What a filing's applicant may correct once it is returned (the columns of the application).
CORRECTABLE = ("name", "category_code", "geometry", "location_description", "roman_manual",
               "approval_basis", "meaning", "origin", "reason")
# The field of the application each check's finding is about (else the name).
FINDING_FIELDS = {"outside-jurisdiction": "geometry", "no-geometry": "geometry",
                  "jurisdiction-unknown": "geometry", "minority-romanization": "roman_manual"}


def check_category(categories: dict, code: str | None) -> None:
    """A filing files a building or a compound: a category of the 建筑物 class (one with a
    uniqueness scope, not the class itself)."""
    allowed = sorted(c for c in categories if c.startswith(BUILDING_CLASS)
                     and c != BUILDING_CLASS)
    if code not in allowed:
        listed = ", ".join(f"{c} {categories[c]['name']}" for c in allowed)
        raise InvalidInput(f"a building-name filing (建筑物名称备案) takes a building or "
                           f"compound category: {listed}", field="category_code")


def filing_number(conn, app: dict, given: str | None, on: dt.date) -> str:
    """The 备案号: the one the officer gives (unused by another filing), else the next of
    the county and year, e.g. 430202建名备〔2026〕3号."""
    if given is not None and given.strip():
        number = given.strip()
        other = fetch_value(conn, _Q["number_taken"], {"no": number, "id": app["id"]})
        if other is not None:
            raise Conflict(f"the filing number {number} is already given to application "
                           f"{other}", field="filing_no")
        return number
    prefix = f"{app['division_code'][:6]}建名备〔{on.year}〕"
    last = fetch_value(conn, _Q["last_number"], {"prefix": prefix}) or 0
    return f"{prefix}{last + 1}号"


def register(conn, app: dict) -> int:
    """Put the filed name into the register (standard from the filing day) with its filing
    record; return the new name's id."""
    [name_id] = gazetteer.add_names(conn, [gazetteer.NameRow(
        app["name"], app["category_code"], f"filed: {app['filing_no']}", app["division_code"],
        shapely.from_wkt(app["geom_wkt"]) if app["geom_wkt"] else None,
        meaning=app["meaning"])], None)
    execute(conn, _Q["set_filing"], {
        "id": name_id, "filing_no": app["filing_no"], "on": app["filed_on"],
        "by": app["filed_by"], "origin": app["origin"], "roman_manual": app["roman_manual"]})
    return name_id


def refusal(app: dict, action: str) -> InvalidInput | None:
    """The 4xx a caller hears when its submission or filing came back returned by the
    checks: the findings (each with the field it is about), the first blocking one's field
    as the problem's; None when the action went through."""
    if app["kind"] != KIND or action not in CHECKED_BY or app["state"] != "returned":
        return None
    findings = [{**f, "field": FINDING_FIELDS.get(f["code"], "name")}
                for f in app["findings"] or []]
    blocking = [f for f in findings if f["severity"] == "block"]
    return InvalidInput(
        f"the filing of {app['name']} is returned: {len(blocking)} check(s) block it: "
        + "; ".join(f["message"] for f in blocking)
        + "; correct it (correct) and submit it again",
        field=blocking[0]["field"] if blocking else "name", findings=findings,
        state=app["state"], version=app["version"], application_id=app["id"])
