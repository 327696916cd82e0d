"""The clean-up of non-standard names (清理不规范地名, issue 21): the naming checks of an
application (``geo.names.checks``) run over every current standard name of a division as a
batch audit.

- **Wording**, name by name, by the rules in force for its city (``checks.rules``):
  letters or symbols (洋), Arabic digits (怪), traditional characters, grand words (大),
  foreign names, banned words, personal names, rare characters.
- **Duplicates and homophones** (重) among the names themselves, in the legal scope of each
  name's category (``checks.scope_prefixes``: the nation, the province, the county, or the
  built-up area, approximated by a city's districts together), within the same category
  group as an application is checked: the same name (``duplicate``), or another 专名 read
  the same (``homophone``).

Each finding names its rule, its severity and the reason in words. The answer holds the
totals per rule and per category, and the findings name by name (``names``), for a page, an
XLSX sheet, or a clean-up campaign (``geo.names.cleanup``) that drafts renaming
applications for the names an officer selects; nothing is ever renamed by the audit.
"""

from __future__ import annotations

import io
import threading
import time
from collections import Counter, OrderedDict

import pandas as pd

from geo.db import fetch_all, load_queries
from geo.divisions import check_code, division_prefix
from geo.errors import InvalidInput
from geo.names import checks

_Q = load_queries(__file__)

# rule code -> (Chinese name, what it is about)
RULES = {
    "foreign-script": ("含字母或符号", "洋"),
    "digits": ("含阿拉伯数字", "怪"),
    "traditional": ("使用繁体字", "不规范用字"),
    "grand-word": ("夸大词语", "大"),
    "foreign-name": ("外国地名或人名", "洋"),
    "banned-word": ("禁用词语", "怪"),
    "personal-name": ("以人名命名", "不规范"),
    "rare-character": ("生僻字", "不规范用字"),
    "duplicate": ("重名", "重"),
    "homophone": ("同音", "重"),
}
MAX_PAGE = 1000
_KEPT: OrderedDict[tuple, dict] = OrderedDict()
_LOCK = threading.Lock()


def _scope_key(scope: str | None, code: str, urban_districts: set[str]) -> str:
    """The legal uniqueness scope of a name, as a key: names sharing it are compared."""
    code = code or ""
    if scope in (None, "nation"):
        return ""
    if scope == "province":
        return code[:2]
    if scope == "built_up" and code[:6] in urban_districts:
        return "B" + code[:4]          # a city's districts (市辖区) are one built-up area
    return code[:6]


def audit(conn, division: str, *, progress=lambda _m: None) -> dict:
    """The audit of every current standard name under ``division`` (``000000``: the
    nation): ``totals`` (names, names with findings, per rule, per category and rule) and
    ``names`` (each name with findings: id, name, category, division, findings). Kept while
    the names are unchanged."""
    code = check_code(division, "division")
    prefix = "" if code == "000000" else division_prefix(code)
    stamp = fetch_all(conn, _Q["stamp"])
    key = (prefix, tuple((r["version"], r["changed_at"]) for r in stamp))
    with _LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
    result = _audit(conn, code, prefix, progress)
    with _LOCK:
        _KEPT[key] = result
        while len(_KEPT) > 8:
            _KEPT.popitem(last=False)
    return result


def _audit(conn, code: str, prefix: str, progress) -> dict:
    started = time.perf_counter()
    names = pd.DataFrame(fetch_all(conn, _Q["names"], {"prefix": prefix}),
                         columns=["id", "name", "proper", "proper_pinyin", "category_code",
                                  "category_name", "division_code", "scope"])
    if names.empty and prefix and not fetch_all(conn, _Q["division"], {"code": code}):
        raise InvalidInput(f"no division with code {code} is loaded", field="division")
    progress(f"{len(names):,} standard names read")
    found: dict[int, list[dict]] = {}

    def add(i: int, rule: str, severity: str, reason: str) -> None:
        found.setdefault(i, []).append({"rule": rule, "rule_name": RULES[rule][0],
                                        "severity": severity, "reason": reason})

    rules: dict[str, dict] = {}
    for i, (name, division) in enumerate(zip(names["name"], names["division_code"],
                                             strict=True)):
        city = (division or "")[:4]
        if city not in rules:
            rules[city] = checks.rules(conn, city or "00")
        for f in checks.check_wording(name, rules[city], None):
            add(i, f.code, f.severity, f.message)
    progress(f"wording checked in {time.perf_counter() - started:.1f} s")
    urban = {r["code"] for r in fetch_all(conn, _Q["urban_districts"])}
    names["scope_key"] = [_scope_key(s, c, urban) for s, c in
                          zip(names["scope"], names["division_code"], strict=True)]
    names["group"] = names["category_code"].str[:2]
    same = ["group", "scope_key", "name"]
    for _k, rows in names[names.duplicated(same, keep=False)].groupby(same, sort=False):
        _clash(rows, "duplicate", add)
    sound = ["group", "scope_key", "proper_pinyin"]
    heard = names[(names["proper_pinyin"] != "") & names.duplicated(sound, keep=False)]
    for _k, rows in heard.groupby(sound, sort=False):
        if rows["proper"].nunique() > 1:
            _clash(rows, "homophone", add)
    progress(f"duplicates and homophones found in {time.perf_counter() - started:.1f} s")
    listed = []
    per_rule: Counter = Counter()
    per_category: Counter = Counter()
    cols = {c: names[c].tolist() for c in ("id", "name", "category_code", "category_name",
                                           "division_code")}
    for i in sorted(found):
        for f in found[i]:
            per_rule[f["rule"]] += 1
            per_category[(cols["category_code"][i], f["rule"])] += 1
        listed.append({"id": int(cols["id"][i]), "name": cols["name"][i],
                       "category_code": cols["category_code"][i],
                       "category_name": cols["category_name"][i],
                       "division_code": cols["division_code"][i], "findings": found[i]})
    names_of = dict(zip(names["category_code"], names["category_name"], strict=False))
    totals = {
        "names": len(names), "names_with_findings": len(listed),
        "findings": sum(per_rule.values()),
        "by_rule": [{"rule": r, "rule_name": RULES[r][0], "kind": RULES[r][1],
                     "findings": per_rule[r]} for r in RULES if per_rule[r]],
        "by_category": [{"category_code": c, "category_name": names_of.get(c), "rule": r,
                         "rule_name": RULES[r][0], "findings": n}
                        for (c, r), n in sorted(per_category.items())],
        "seconds": round(time.perf_counter() - started, 1)}
    return {"division": code, "totals": totals, "names": listed}


def _clash(rows: pd.DataFrame, rule: str, add) -> None:
    """A finding for each name of a group that share a name (or a reading)."""
    ids = rows["id"].tolist()
    where = rows["division_code"].tolist()
    texts = rows["name"].tolist()
    for k, i in enumerate(rows.index):
        others = [f"{texts[j]} ({where[j]}, id {ids[j]})" for j in range(len(ids)) if j != k]
        more = (f"; also {'、'.join(others[1:4])}" + (f" and {len(others) - 4} more"
                                                     if len(others) > 4 else "")
                if len(others) > 1 else "")
        # Worded as the application's checks word them (the desks translate those).
        if rule == "duplicate":
            add(i, rule, "block", f"{others[0]} already has this name in the same legal "
                                  f"scope{more}")
        else:
            add(i, rule, "warn", f"{others[0]} sounds the same in the same legal scope; "
                                 f"homophones should be avoided{more}")


def page(result: dict, *, rule: str | None = None, category: str | None = None,
         limit: int = 100, offset: int = 0) -> dict:
    """A page of an audit's names (those with a finding of ``rule`` or in ``category``)."""
    if rule is not None and rule not in RULES:
        raise InvalidInput(f"rule must be one of {', '.join(RULES)}", field="rule")
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be 1 to {MAX_PAGE}", field="limit")
    chosen = [n for n in result["names"]
              if (rule is None or any(f["rule"] == rule for f in n["findings"]))
              and (category is None or n["category_code"].startswith(category))]
    return {"division": result["division"], "totals": result["totals"],
            "matched": len(chosen), "limit": limit, "offset": offset,
            "names": chosen[offset:offset + limit]}


def to_xlsx(result: dict) -> bytes:
    """The audit as a workbook: totals by rule and by category, then every finding (one
    row each), headers Chinese first with the field name after."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    t = result["totals"]
    head = book.create_sheet("汇总")
    head.append(["项目 item", "数值 value"])
    for item, value in (("division", result["division"]), ("names", t["names"]),
                        ("names_with_findings", t["names_with_findings"]),
                        ("findings", t["findings"])):
        head.append([item, value])
    head.append([])
    head.append(["规则 rule", "规则名称 rule_name", "类型 kind", "问题数 findings"])
    for r in t["by_rule"]:
        head.append([r["rule"], r["rule_name"], r["kind"], r["findings"]])
    cats = book.create_sheet("按类别")
    cats.append(["类别代码 category_code", "类别 category_name", "规则 rule",
                 "规则名称 rule_name", "问题数 findings"])
    for r in t["by_category"]:
        cats.append([r["category_code"], r["category_name"], r["rule"], r["rule_name"],
                     r["findings"]])
    rows = book.create_sheet("问题地名")
    rows.append(["地名编号 id", "标准名称 name", "类别代码 category_code", "类别 category_name",
                 "行政区划代码 division_code", "规则 rule", "规则名称 rule_name",
                 "严重程度 severity", "原因 reason"])
    for n in result["names"]:
        for f in n["findings"]:
            rows.append([n["id"], n["name"], n["category_code"], n["category_name"],
                         n["division_code"], f["rule"], f["rule_name"], f["severity"],
                         f["reason"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
