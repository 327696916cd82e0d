"""Numbering rules and house numbers.

A road's rule is the defaults (``data/defaults.json``, Beijing-style), then its division's
settings (``plate_settings``), then the road's own; each key is checked here. House numbers
are whole numbers with an optional 附号 (12-1); ``parse_number`` reads the ways people
write them and says why it refuses the rest.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from geo.errors import InvalidInput
from geo.names.romanize import chinese_number

_DEFAULTS = Path(__file__).with_name("data") / "defaults.json"
STARTS = ("auto", "first", "last", "east", "west", "north", "south")
MAX_NUMBER = 99_999


@cache
def defaults() -> dict[str, Any]:
    """The numbering defaults (``data/defaults.json``)."""
    data = json.loads(_DEFAULTS.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def defaults_json() -> str:
    """The numbering defaults as the JSON the SQL functions take."""
    return json.dumps({k: v for k, v in defaults().items() if k in CHECKS})


def public_base_url() -> str:
    """Where QR codes point: ``CIVGEO_PUBLIC_URL`` or the setting, without a trailing /."""
    return (os.environ.get("CIVGEO_PUBLIC_URL") or defaults()["public_base_url"]).rstrip("/")


def _choice(options: tuple[str, ...]):
    def check(value: Any) -> str:
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return value
    return check


def _metres(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 10_000:
        raise ValueError("must be a number of metres between 0 and 10000")
    return float(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
        raise ValueError("must be a whole number between 0 and 1000")
    return value


def _numbers(value: Any) -> list[int]:
    if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_NUMBER for v in value):
        raise ValueError("must be a list of house numbers, e.g. [4, 13, 14]")
    return sorted(set(value))


def _ratio(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ValueError("must be a ratio above 0 and at most 1")
    return float(value)


CHECKS = {
    "start": _choice(STARTS), "ew_from": _choice(("east", "west")),
    "ns_from": _choice(("north", "south")), "odd_side": _choice(("left", "right")),
    "sides": _choice(("both", "odd", "even")), "spacing_m": _metres,
    "skip_numbers": _numbers, "gap_tolerance": _count, "door_tolerance_m": _metres,
    "wrong_road_min_m": _metres, "wrong_road_ratio": _ratio, "sign_radius_m": _metres,
}


def check_rule(rule: Any, field: str = "rule") -> dict[str, Any]:
    """A road's (or division's) own rule, checked key by key."""
    if rule is None:
        return {}
    if not isinstance(rule, dict):
        raise InvalidInput(f"{field} must be an object of numbering settings", field=field)
    clean = {}
    for key, value in rule.items():
        if key not in CHECKS:
            raise InvalidInput(f"{field}.{key} is not a numbering setting; the settings are "
                               f"{', '.join(CHECKS)}", field=f"{field}.{key}")
        try:
            clean[key] = CHECKS[key](value)
        except ValueError as exc:
            raise InvalidInput(f"{field}.{key} {exc}", field=f"{field}.{key}") from None
    return clean


def resolved(own: dict | None, division_rule: dict | None = None) -> dict[str, Any]:
    """The rule in force: defaults, then the division's, then the road's."""
    keep = {k: v for k, v in defaults().items() if k in CHECKS}
    return {**keep, **(division_rule or {}), **(own or {})}


def set_division_rule(conn, actor, prefix: str, rule: dict) -> dict:
    """Numbering settings for every road under a division code prefix (e.g. 3201), merged
    into what the prefix had; audited."""
    from geo import audit
    from geo.db import fetch_one

    if not re.fullmatch(r"[0-9]{2,12}", prefix or ""):
        raise InvalidInput("prefix must be 2 to 12 digits of a division code", field="prefix")
    clean = check_rule(rule)
    row = fetch_one(conn, """
        INSERT INTO plate_settings (division_prefix, rule) VALUES (%s, %s::jsonb)
        ON CONFLICT (division_prefix) DO UPDATE SET rule = plate_settings.rule || EXCLUDED.rule
        RETURNING rule""", (prefix, json.dumps(clean)))
    audit.record(conn, actor, "set", "plate_settings", prefix, after=row["rule"])
    return row["rule"]


# ------------------------------------------------------------------ house numbers

_SUB = re.compile(r"^(\d+)(?:号)?(?:-|之|附)(\d+|[一二三四五六七八九十]+)(?:号)?$")
_PLAIN = re.compile(r"^(\d+)号?$")


def parse_number(text: Any, field: str = "number") -> tuple[int, int | None]:
    """A house number as (number, 附号 or None): '12', '１２', '12号', '12號', '十二号',
    '12-1', '12号之一', '12附1号' are read; letters ('12A'), zero and ranges are refused
    with the reason.

    >>> parse_number("１２號"), parse_number("一〇八号"), parse_number("12号之一")
    ((12, None), (108, None), (12, 1))
    >>> parse_number("12A")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: number: '12A' has a letter; house numbers take no letters ...
    """
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(f"{field} must be a house number such as 12 or 12-1", field=field)
    raw = text
    s = unicodedata.normalize("NFKC", text).strip().replace("號", "号").replace(" ", "")
    s = s.replace("—", "-").replace("–", "-").replace("－", "-")
    if s.startswith("第"):
        s = s[1:]
    # Chinese numerals before 号 or 之: 十二号 → 12号, and digit by digit: 一〇八号 → 108号
    s = re.sub(r"^[零〇一二两三四五六七八九十百千]+(?=号|之|附|-|$)", _arabic, s)
    if re.search(r"[A-Za-z]", s):
        raise InvalidInput(f"{field}: {raw!r} has a letter; house numbers take no letters "
                           "(DOMAIN §C) — write a 附号 instead, e.g. 12-1",
                           field=field, value=raw)
    m = _SUB.match(s)
    if m:
        number = int(m.group(1))
        sub_text = m.group(2)
        sub = int(sub_text) if sub_text.isdigit() else chinese_number(sub_text)
    else:
        m = _PLAIN.match(s)
        if not m:
            raise InvalidInput(f"{field}: {raw!r} is not a house number (expected 12, 12号 "
                               "or 12-1)", field=field, value=raw)
        number, sub = int(m.group(1)), None
    if not 0 < number <= MAX_NUMBER:
        raise InvalidInput(f"{field}: {raw!r}: a house number is between 1 and {MAX_NUMBER}",
                           field=field, value=raw)
    if sub is not None and not 0 < sub <= 99:
        raise InvalidInput(f"{field}: {raw!r}: a 附号 is between 1 and 99", field=field, value=raw)
    return number, sub


_DIGIT = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0", "两": "2"}


def _arabic(match: re.Match) -> str:
    text = match.group()
    if not any(unit in text for unit in "十百千"):
        return "".join(_DIGIT[c] for c in text)           # 一〇八 read digit by digit
    value = chinese_number(text.replace("两", "二").replace("〇", "零"))
    return str(value) if value else text


def label(number: int | None, sub: int | None) -> str | None:
    """12 → '12号'; 12, 1 → '12-1号' (the SQL twin is civgeo_house_number).

    >>> label(*parse_number("十二号")), label(*parse_number("12附1号")), label(None, None)
    ('12号', '12-1号', None)
    """
    if number is None:
        return None
    return f"{number}-{sub}号" if sub else f"{number}号"
