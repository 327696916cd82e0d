"""The automatic checks of a naming application (DOMAIN §A3, the 2018 大洋怪重 clean-up).

Each check gives named findings with a severity: ``block`` stops submission and approval,
``warn`` is shown to the reviewer. Word lists and deadlines are rules: defaults in
``data/rules.json``, overridden per province or city in the ``name_rules`` table.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from geo.clock import BEIJING
from geo.db import fetch_all, fetch_one, load_queries
from geo.names import romanize as rz
from geo.names.gazetteer import search_keys

_Q = load_queries(__file__)
_RULES_FILE = Path(__file__).with_name("data") / "rules.json"
_HAN = re.compile(rf"^[{rz.HAN_CHARS}]$")


@dataclass(frozen=True)
class Finding:
    """One result of a check, readable by a reviewer."""

    code: str       # e.g. 'duplicate', 'homophone', 'grand-word'
    severity: str   # 'block' or 'warn'
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


# rule (a word list in the rules) -> finding code and what it means; all block.
_WORD_LISTS = (
    ("grand_words", "grand-word", "may only be used with approval (大): give the approval basis"),
    ("foreign_words", "foreign-name",
     "is a foreign place or personal name or its transliteration (洋)"),
    ("banned_words", "banned-word", "is on the list of words not used in names (怪)"),
    ("personal_names", "personal-name",
     "is a personal name; names of persons are not used as place names (rule 4)"),
)


@cache
def _defaults() -> dict:
    return json.loads(_RULES_FILE.read_text(encoding="utf-8"))


def rules(conn, division_code: str) -> dict:
    """The rules in force for a division: defaults, then province, then city overrides."""
    merged = dict(_defaults())
    for row in fetch_all(conn, _Q["rules"], {"code": division_code}):
        merged[row["key"]] = row["value"]
    return merged


def _t2s(text: str) -> str:
    from geo.names.search import _t2s as converter

    return converter().convert(text)


def check_wording(name: str, r: dict, approval_basis: str | None,
                  confirmed: bool = False) -> list[Finding]:
    """Script, characters and words of the name itself (大、洋、怪 and rule 3–6).

    A name with traditional characters blocks until the officer has confirmed its
    standard form (``confirmed``: the application's name is the form the officer chose).
    """
    out = []
    if re.search(r"[A-Za-zＡ-Ｚａ-ｚ]", name) or not re.fullmatch(rf"[{rz.HAN_CHARS}0-9０-９]+",
                                                                   name):
        out.append(Finding("foreign-script", "block",
                           f"{name} contains letters or symbols: a standard name is written in "
                           "国家通用语言文字 only (洋)"))
    if re.search(r"[0-9０-９]", name):
        out.append(Finding("digits", "block", f"{name} mixes Arabic digits into the name (怪); "
                           "write numbers in characters"))
    simplified = _t2s(name)
    if simplified != name and not confirmed:
        out.append(Finding("traditional", "block", f"{name} uses traditional characters; the "
                           f"standard form is {simplified}: confirm it (confirm-name) before "
                           "the name goes on"))
    for rule, code, why in _WORD_LISTS:
        found = [w for w in r[rule] if w in name]
        if found and not (rule == "grand_words" and approval_basis):
            out.append(Finding(code, "block", f"{'、'.join(found)} {why}"))
    rare = [ch for ch in name if _HAN.match(ch) and not _common(ch, r["common_characters"])]
    if rare:
        out.append(Finding("rare-character", "warn", f"{''.join(rare)} is outside the common "
                           "character list; avoid rare characters (生僻字, rule 3)"))
    return out


def _common(ch: str, charset: str) -> bool:
    if charset == "gb2312":
        try:
            ch.encode("gb2312")
            return True
        except UnicodeEncodeError:
            return False
    return ch in charset


def scope_prefixes(conn, scope: str | None, division_code: str) -> list[str] | None:
    """County-code LIKE patterns of the legal uniqueness scope (None = the whole nation)."""
    if scope in (None, "nation"):
        return None
    if scope == "province":
        return [division_code[:2] + "%"]
    if scope == "county":
        return [division_code[:6] + "%"]
    return fetch_one(conn, _Q["built_up_prefixes"], {"code": division_code})["prefixes"]


def check_uniqueness(conn, name: str, category: dict, division_code: str, r: dict,
                     target_id: int | None = None, app_id: int | None = None,
                     confirmed: bool = False, *, reservation_id: int | None = None,
                     today: dt.date | None = None) -> list[Finding]:
    """Duplicates and homophones within the legal scope of the category (rules 7–8, 重),
    among the standard names, the names approved to come into force later and the names
    reserved in the place-name plans (``reserved_names``; ``reservation_id``: the
    reservation being checked, which does not clash with itself). The name is compared in
    its simplified form, or as it is when the officer confirmed that form."""
    simplified = name if confirmed else _t2s(name)
    generic = rz.split(simplified).generic
    proper = simplified[: len(simplified) - len(generic)]
    keys = search_keys(simplified, proper)
    variants = [proper[1:] for p in r["near_duplicate_prefixes"] if proper.startswith(p)] + \
               [p + proper for p in r["near_duplicate_prefixes"]]
    prefixes = scope_prefixes(conn, category["scope"], division_code)
    where = {None: "the whole country", "nation": "the whole country"}.get(
        category["scope"], f"the same {category['scope'].replace('_', '-')} area")
    rows = fetch_all(conn, _Q["same_scope_names"], {
        "name": simplified, "proper": proper, "proper_pinyin": keys.proper_pinyin,
        "variants": variants, "category": category["code"], "scope_prefixes": prefixes,
        "target_id": target_id})
    out = [Finding("duplicate-approved", "block", f"{row['name']} ({row['division_code']}, "
                   f"application {row['id']}) is approved with this name in {where} and comes "
                   f"into force on {row['effective_on']}")
           for row in fetch_all(conn, _Q["pending_names"], {
               "name": simplified, "category": category["code"], "scope_prefixes": prefixes,
               "app_id": app_id})]
    for row in rows:
        ref = f"{row['name']} ({row['division_code']}, id {row['id']})"
        if row["name"] == simplified:
            out.append(Finding("duplicate", "block", f"{ref} already has this name in {where}"))
        elif row["proper"] == proper:
            out.append(Finding("same-proper-name", "warn", f"{ref} has the same 专名 {proper} "
                               f"with another 通名 in {where}"))
        elif row["proper"] in variants:
            out.append(Finding("near-duplicate", "warn", f"{ref} differs only by a 新/老/大/小-"
                               f"style prefix in {where}"))
        elif row["proper_pinyin"] == keys.proper_pinyin:
            out.append(Finding("homophone", "warn", f"{ref} sounds the same ({keys.proper_pinyin}"
                               f") in {where}; homophones should be avoided"))
    return out + reserved_names(conn, simplified, keys.proper_pinyin, category, prefixes, where,
                                app_id=app_id, reservation_id=reservation_id, today=today)


def reserved_names(conn, name: str, proper_pinyin: str, category: dict,
                   prefixes: list[str] | None, where: str, *, app_id: int | None = None,
                   reservation_id: int | None = None,
                   today: dt.date | None = None) -> list[Finding]:
    """The name against the active reservations of the place-name plans (地名规划) in the
    same legal scope: a name reserved, or used by an application still in progress, blocks
    (``duplicate-reserved``); a name only requested warns (``reservation-requested``: the
    officer decides the request first); the same pinyin of the 专名 warns
    (``homophone-reserved``). A reserved name is lapsed after its expiry day (Beijing)."""
    rows = fetch_all(conn, _Q["same_scope_reservations"], {
        "name": name, "proper_pinyin": proper_pinyin, "category": category["code"],
        "scope_prefixes": prefixes, "app_id": app_id, "reservation_id": reservation_id,
        "today": today or dt.datetime.now(BEIJING).date()})
    out = []
    for row in rows:
        ref = f"{row['name']} ({row['division_code']}, reservation {row['id']})"
        if row["name"] != name:
            out.append(Finding("homophone-reserved", "warn", f"{ref} sounds the same "
                               f"({proper_pinyin}) in {where}; homophones should be avoided"))
        elif row["state"] == "requested":
            out.append(Finding("reservation-requested", "warn", f"{ref} is requested for "
                               f"reservation with this name in {where}; decide the request "
                               "first"))
        elif row["state"] == "used":
            out.append(Finding("duplicate-reserved", "block", f"{ref} is reserved with this "
                               f"name in {where} and applied for (application "
                               f"{row['application_id']})"))
        else:
            until = f" until {row['expires_on']}" if row["expires_on"] else ""
            out.append(Finding("duplicate-reserved", "block", f"{ref} is reserved with this "
                               f"name in {where}{until}; when the road or area is built, the "
                               "reservation becomes the application (apply)"))
    return out


def check_reservation(conn, res: dict, category: dict,
                      today: dt.date | None = None) -> list[Finding]:
    """The checks of an application, for a name reserved in a place-name plan (a row of
    name_reservations, geometry as WKT): its wording, duplicates and homophones in its
    legal scope (other reservations included, itself not), and its jurisdiction."""
    r = rules(conn, res["division_code"])
    return (check_wording(res["name"], r, res.get("approval_basis"))
            + check_uniqueness(conn, res["name"], category, res["division_code"], r,
                               reservation_id=res.get("id"), today=today)
            + check_jurisdiction(conn, res.get("geom_wkt"), res["division_code"]))


def check_jurisdiction(conn, geom_wkt: str | None, division_code: str) -> list[Finding]:
    """The geometry must lie in the applicant's division."""
    if geom_wkt is None:
        return [Finding("no-geometry", "warn", "no location given; the position is needed for "
                        "the register and the announcement")]
    row = fetch_one(conn, _Q["outside_jurisdiction"], {"wkt": geom_wkt, "code": division_code})
    if not row["known"]:
        return [Finding("jurisdiction-unknown", "warn", f"no boundary of {division_code} is "
                        "loaded, so the location could not be checked")]
    if row["inside"]:
        return []
    amount = round(row["outside"])
    what = {0: f"the point lies {amount} m outside division {division_code}",
            1: f"{amount} m of the line lies outside division {division_code}"}.get(
        row["dimension"], f"{amount} m² of the area lies outside division {division_code}")
    return [Finding("outside-jurisdiction", "block", what)]


def check_renaming(conn, app: dict, categories: dict, target: dict) -> list[Finding]:
    """What a renaming or an abolition must respect of the name it replaces: the category
    (a renaming names the same thing; a change of administrative level is a change of the
    division, not a renaming) and no other approval waiting to replace it."""
    out = []
    old, new = target["category_code"], app.get("category_code")
    if app["kind"] == "renaming" and new and new != old:
        blocks = old[:2] != new[:2] or old.startswith("04")
        out.append(Finding(
            "category-change", "block" if blocks else "warn",
            f"{target['name']} is {old} {categories.get(old, {}).get('name', '')} and the "
            f"renaming files it as {new} {categories.get(new, {}).get('name', '')}: a renaming "
            "keeps the category" + (" (a change of administrative level is a change of the "
                                    "division, not a renaming)" if old.startswith("04") else "")))
    for other in fetch_all(conn, _Q["target_pending"], {"target_id": target["id"],
                                                        "app_id": app.get("id")}):
        out.append(Finding("target-pending-change", "block", f"{target['name']} is already "
                           f"approved to be replaced on {other['effective_on']} (application "
                           f"{other['id']})"))
    return out


def run_checks(conn, app: dict, category: dict | None, target: dict | None,
               categories: dict | None = None) -> list[Finding]:
    """All checks for an application (a row of name_applications, geometry as WKT)."""
    r = rules(conn, app["division_code"])
    out: list[Finding] = []
    if app["kind"] != "abolition":
        confirmed = app.get("name_as_filed") is not None
        out += check_wording(app["name"], r, app.get("approval_basis"), confirmed)
        out += check_uniqueness(conn, app["name"], category, app["division_code"], r,
                                app.get("target_id"), app.get("id"), confirmed)
        if rz.needs_manual(_t2s(app["name"])) and not app.get("roman_manual"):
            out.append(Finding("minority-romanization", "block", "a minority-language name "
                               "needs its romanization entered by hand (roman_manual)"))
        out += check_jurisdiction(conn, app.get("geom_wkt"), app["division_code"])
    if target is not None and target["protected"] and not app.get("protective_measures"):
        out.append(Finding("protected-name", "block", f"{target['name']} is on the place-name "
                           "protection list: protective measures are required before it is "
                           "renamed or abolished (§25)"))
    if target is not None:
        out += check_renaming(conn, app, categories or {}, target)
    if target is not None and target["status"] != "standard":
        out.append(Finding("target-not-current", "block", f"{target['name']} is not a current "
                           "standard name"))
    return out
