"""Standard addresses (标准地址, 条例 §21): composed from standard names, parsed back from
text, searched and reverse-geocoded.

The hierarchy (DOMAIN §C): 省/市/区县 → 乡镇/街道 → 社区/村 → 街路巷 → 门牌号 → 楼栋 →
单元 → 户室. A door's address comes from the divisions its point lies in, its road and its
number; buildings, units and rooms hang below the door.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from geo.db import fetch_all, fetch_one, load_queries
from geo.divisions import division_prefix
from geo.errors import InvalidInput, NotFound
from geo.names.romanize import chinese_number, romanize
from geo.names.search import _t2s, check_point
from geo.plates import rules

_Q = load_queries(__file__)
LEVELS = ("province", "prefecture", "county", "township", "community")
MAX_QUERY = 120
_CN_NUM = "零〇一二两三四五六七八九十百"
_NUMBER = re.compile(rf"^第?([0-9{_CN_NUM}]+(?:号?(?:-|之|附)[0-9{_CN_NUM}]+号?|号)?)")
_BUILDING = re.compile(rf"^([0-9{_CN_NUM}]+)(?:栋|幢|座|号楼|楼)")
_UNIT = re.compile(rf"^([0-9{_CN_NUM}]+)单元")
_ROOM = re.compile(r"^([0-9]{3,5})(?:室|号房|房)?$")
_ROADISH = re.compile(r"^(.{1,20}?(?:大街|大道|胡同|路|街|巷|道|里|弄))")


def _int(text: str) -> int:
    return int(text) if text.isdigit() else (chinese_number(text.replace("两", "二")) or 0)


# ------------------------------------------------------------------ composing

def compose(row: dict, building: int | None = None, unit: int | None = None,
            room: int | None = None) -> dict:
    """The standard address of a door row (from the ``addresses`` query), optionally down to
    a building, unit and room: its parts, the full text, the romanization of each part and
    of the whole (``parts_roman``, ``address_roman``), and the standard names in it."""
    levels: dict[str, dict] = {}
    for d in row["divisions"]:
        levels.setdefault(d["level"], d)
    chain = [levels[lv] for lv in LEVELS if lv in levels]
    shown = [d for i, d in enumerate(chain) if i == 0 or d["name"] != chain[i - 1]["name"]]
    text = "".join(d["name"] for d in shown) + row["road"] + (row["number_label"] or "")
    parts = {lv: levels[lv]["name"] if lv in levels else None for lv in LEVELS}
    parts.update(road=row["road"], number=row["number_label"], building=None, unit=None,
                 room=None)
    romans = {d["code"]: _roman(d["name"], d["level"], d["roman"], d["roman_toned"])
              for d in chain}
    road_roman = _roman(row["road"], "road", row["road_roman"], row.get("road_roman_toned"))
    parts_roman = {lv: romans[levels[lv]["code"]][0] if lv in levels else None
                   for lv in LEVELS}
    parts_roman.update(road=road_roman[0], number=_roman_label(row["number_label"]),
                       building=None, unit=None, room=None)
    below = {"building": (building, "栋"), "unit": (unit, "单元"), "room": (room, "室")}
    for key, (value, generic) in below.items():
        if value:
            parts[key] = f"{value}{generic}"
            parts_roman[key] = _roman_label(parts[key])
            text += parts[key]
    roman_words = [romans[d["code"]][0] for d in shown] + [road_roman[0]] + [
        parts_roman[k] for k in ("number", "building", "unit", "room")]
    standard_names = [{"level": d["level"], "name": d["name"], "roman": romans[d["code"]][0],
                       "roman_toned": romans[d["code"]][1], "code": d["code"]} for d in chain]
    standard_names.append({"level": "road", "name": row["road"], "roman": road_roman[0],
                           "roman_toned": road_roman[1], "code": None,
                           "name_id": row["name_id"],
                           "districts": [x["name"] for x in row.get("road_districts") or []]})
    return {"entrance_id": row["entrance_id"], "road_id": row["road_id"], "address": text,
            "address_roman": " ".join(w for w in roman_words if w),
            "parts": parts, "parts_roman": parts_roman, "place": _text(row["place"]),
            "standard_names": standard_names,
            "division_code": chain[-1]["code"] if chain else None,
            "lon": row["lon"], "lat": row["lat"]}


# The category a name of each address level is romanized as (geo.names.romanize) when the
# gazetteer holds no romanization for it.
_LEVEL_CATEGORY = {"province": "0401", "prefecture": "0402", "county": "0403",
                   "township": "0404", "community": "0501", "road": "0801"}
# The generics of the parts below a road, in Hanyu Pinyin (GB/T 16159: numbers stay digits).
_LABEL_ROMAN = (("号", "Hao"), ("栋", "Dong"), ("单元", "Danyuan"), ("室", "Shi"))
_MISSING = frozenset({"", "nan", "none", "null", "undefined", "nat", "<na>"})


def _text(value: Any) -> str | None:
    """Text, or None for a missing value however it was spelt (NaN, None, null...)."""
    if not isinstance(value, str) or value.strip().lower() in _MISSING:
        return None
    return value


def _roman(name: str, level: str, roman: str | None,
           toned: str | None) -> tuple[str | None, str | None]:
    """The romanization of a name in an address (plain, toned): the gazetteer's, else
    worked out from the name by the 1984 rules (``geo.names.romanize``); None only for a
    name that cannot be romanized by rule (a minority-language name the gazetteer lacks)."""
    if _text(roman):
        return roman, _text(toned) or roman
    village = level == "community" and name.endswith("村")
    category = "0502" if village else _LEVEL_CATEGORY.get(level)
    try:
        worked = romanize(name, category=category)
    except InvalidInput:
        return None, None
    return worked.plain, worked.toned


def _roman_label(label: str | None) -> str | None:
    """12-1号 → 12-1 Hao, 3栋 → 3 Dong, 2单元 → 2 Danyuan, 101室 → 101 Shi."""
    if not label:
        return None
    for generic, roman in _LABEL_ROMAN:
        if label.endswith(generic):
            return f"{label[:-len(generic)]} {roman}"
    return label


def addresses(conn, entrance_ids: list[int]) -> dict[int, dict]:
    """Standard addresses of doors by id."""
    if not entrance_ids:
        return {}
    rows = fetch_all(conn, _Q["addresses"], {"ids": list(entrance_ids)}, prepared=True)
    return {r["entrance_id"]: compose(r) for r in rows}


def address(conn, entrance_id: int, building: int | None = None, unit: int | None = None,
            room: int | None = None) -> dict:
    """The standard address of a door, or of a building, unit or room below it; NotFound for
    an unknown door."""
    row = fetch_one(conn, _Q["addresses"], {"ids": [entrance_id]}, prepared=True)
    if row is None:
        raise NotFound(f"no door {entrance_id}", field="entrance_id")
    return compose(row, building, unit, room)


def buildings(conn, entrance_ids: list[int]) -> dict[int, list[dict]]:
    """The buildings behind each door, by door id."""
    out: dict[int, list[dict]] = {}
    for b in fetch_all(conn, _Q["buildings"], {"ids": list(entrance_ids)}, prepared=True):
        out.setdefault(b["entrance_id"], []).append(b)
    return out


# ------------------------------------------------------------------ parsing

def normalise(text: Any, field: str = "q") -> str:
    """Full-width to half-width, traditional to simplified, 號 to 号, no spaces."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("give an address, e.g. 南京市玄武区中山路18号", field=field)
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"an address is at most {MAX_QUERY} characters", field=field)
    s = unicodedata.normalize("NFKC", text)
    s = _t2s().convert(s)
    s = re.sub(r"\s+", "", s).replace("號", "号").replace("#", "号")
    return s.replace("—", "-").replace("－", "-")


def parse(conn, text: Any, field: str = "q") -> dict:
    """Split an address into its parts, tolerating missing levels and common variants.

    Divisions and roads are recognised by their standard names (the gazetteer and the road
    register, not a word list), so 南京玄武中山路18号 and 江苏省南京市玄武区中山路18號 parse
    alike. What is left over is returned in ``rest``; a malformed number is reported in
    ``problems`` (with the reason) rather than guessed. Each step reads its part from the
    front of the text and hands on the rest: divisions, road (or named compound), number,
    building, unit, room."""
    s = normalise(text, field)
    out: dict[str, Any] = {"input": text, "normalised": s, "divisions": [], "road": None,
                           "road_ids": [], "compound": None, "compound_ids": [],
                           "number": None, "sub": None, "building": None, "unit": None,
                           "room": None, "rest": "", "problems": []}
    for step in (_read_divisions, _read_road, _read_number, _read_below):
        s = step(conn, out, s)
    out["rest"] = s
    return out


def _read_divisions(conn, out: dict, s: str) -> str:
    """省 → 市 → 区县 → 乡镇 → 社区, each below the one before, any of them left out."""
    parent = None
    while s:
        match = _division_at(conn, s, parent)
        if match is None:
            break
        road = _roads_at(conn, s, None)
        if road and len(road[0]["name"]) >= match["matched"]:
            break  # 太平南路 is a road, not 太平(社区) + 南路
        out["divisions"].append({"level": match["level"], "code": match["code"],
                                 "name": match["name"]})
        parent = match
        s = s[match["matched"]:]
        if match["matched"] < len(match["name"]):  # 南京 for 南京市: drop a generic after it
            s = re.sub(r"^(省|市|区|县|街道|镇|乡)", "", s)
    return s


def _read_road(conn, out: dict, s: str) -> str:
    """The road in the register (in the county read, else anywhere, with a problem noted),
    else a named compound (小区), else a road-like name that is not in the register."""
    county = next((d["code"] for d in reversed(out["divisions"]) if len(d["code"]) >= 6),
                  None)
    roads = _roads_at(conn, s, county)
    if not roads and county:
        roads = _roads_at(conn, s, None)
        if roads:
            out["problems"].append({"part": "road", "text": roads[0]["name"],
                                    "reason": f"{roads[0]['name']} is not in the division "
                                              f"named ({county}); found in "
                                              f"{roads[0]['division_code']}"})
    if roads:
        name = roads[0]["name"]
        out["road"], out["road_ids"] = name, [r["id"] for r in roads if r["name"] == name]
        return s[len(name):]
    if compounds := fetch_all(conn, _Q["compound_prefixes"], {"prefixes": _prefixes(s)},
                               prepared=True):
        name = compounds[0]["name"]  # 小区 / a named compound instead of road and number
        out["compound"] = name
        out["compound_ids"] = [c["id"] for c in compounds if c["name"] == name]
        return s[len(name):]
    if m := _ROADISH.match(s):
        out["road"] = m.group(1)
        out["problems"].append({"part": "road", "text": m.group(1),
                                "reason": f"{m.group(1)} is not a road in the register"})
        return s[m.end():]
    return s


def _read_number(conn, out: dict, s: str) -> str:
    """The house number (12号, 12-1号, 十二号); a lettered one (12A) is a problem."""
    if letter := re.match(r"^(\d+[A-Za-z]+)号?", s):
        _number(out, letter.group(1), store=False)
        return s[letter.end():]
    m = _NUMBER.match(s)
    if m and not _BUILDING.match(s):
        _number(out, m.group(1), store=True)
        return s[m.end():]
    return s


def _number(out: dict, text: str, *, store: bool) -> None:
    try:
        number, sub = rules.parse_number(text)
    except InvalidInput as exc:
        out["problems"].append({"part": "number", "text": text, "reason": exc.detail})
        return
    if store:
        out["number"], out["sub"] = number, sub


def _read_below(conn, out: dict, s: str) -> str:
    """Building (栋/幢/座), unit (单元) and room (室), each optional, in that order."""
    for key, pattern in (("building", _BUILDING), ("unit", _UNIT), ("room", _ROOM)):
        if m := pattern.match(s):
            out[key] = _int(m.group(1))
            s = s[m.end():]
    return s


def _division_at(conn, text: str, parent: dict | None) -> dict | None:
    rows = fetch_all(conn, _Q["division_prefixes"], {"prefixes": _prefixes(text)},
                     prepared=True)
    if parent is not None:  # only divisions below the one already read
        rows = [r for r in rows if r["code"].startswith(division_prefix(parent["code"]))
                and r["code"] != parent["code"]]
    else:  # with nothing above it, a township or community must be written in full
        rows = [r for r in rows if r["level"] in ("province", "prefecture", "county")
                or r["matched"] == len(r["name"])]
    return rows[0] if rows else None


def _prefixes(text: str) -> list[str]:
    """Every leading part of the text a name could be (2 to 30 characters)."""
    return [text[:n] for n in range(min(len(text), 30), 1, -1)]


def _roads_at(conn, text: str, division: str | None) -> list[dict]:
    """Current roads whose name starts the text (longest first), within a division."""
    return fetch_all(conn, _Q["road_prefixes"], {"prefixes": _prefixes(text),
                                                  "division": division}, prepared=True)


# ------------------------------------------------------------------ search, reverse

def search(conn, q: Any, *, limit: int = 20) -> dict:
    """Standard addresses matching a typed address: the road (within the divisions named)
    and, when given, the number; below a door, the building, unit and room as typed.

    Each result says how it matched (``match``): ``number`` (the road and the house number
    typed), ``road`` (a door on the road typed, no number given) or ``compound`` (the
    named compound, 小区, typed)."""
    parsed = parse(conn, q)
    match = ("compound" if parsed["compound_ids"] else
             "number" if parsed["number"] is not None else "road")
    if parsed["compound_ids"]:
        ids = parsed["compound_ids"][:limit]
    elif parsed["road_ids"]:
        smallest = parsed["divisions"][-1]["code"] if parsed["divisions"] else None
        ids = [r["id"] for r in fetch_all(conn, _Q["find_doors"], {
            "roads": parsed["road_ids"], "number": parsed["number"], "sub": parsed["sub"],
            "division": smallest if smallest and len(smallest) > 6 else None,
            "limit": limit}, prepared=True)]
    else:
        return {"query": parsed, "results": [], "nearest": None}
    if not ids and match == "number" and parsed["road_ids"]:
        return {"query": parsed, "results": [],
                "nearest": nearest_numbers(conn, parsed["road_ids"], parsed["number"],
                                           parsed["sub"])}
    found = addresses(conn, ids)
    blds = buildings(conn, ids)
    results = []
    for i in ids:
        a = found[i]
        if parsed["building"] and (parsed["number"] is not None or parsed["compound_ids"]):
            known = {b["no"]: b for b in blds.get(i, [])}
            b = known.get(parsed["building"])
            if b is None:
                parsed["problems"].append({"part": "building", "text": str(parsed["building"]),
                                           "reason": f"{a['address']} has no building "
                                                     f"{parsed['building']}栋"})
            else:
                a = {**a, **_below(conn, a, b, parsed)}
        results.append({**a, "match": match})
    return {"query": parsed, "results": results, "nearest": None}


def nearest_numbers(conn, road_ids: list[int], number: int, sub: int | None = None
                    ) -> dict | None:
    """The existing numbers nearest one a road does not have, on both sides of the road.

    ``by_number``: on the number's own side (its parity, ``same_side``) the next number
    below and above it, and on the other side the same (``other_side``). ``along``: where
    the missing number would stand (its place along the road interpolated between its
    neighbours by number) and the door nearest that place on each side, with the distance
    along the road. Of several roads of the name, the one with the closest number answers.
    None when the roads have no numbered door."""
    rows = fetch_all(conn, _Q["numbered_positions"], {
        "roads": list(road_ids), "defaults": rules.defaults_json()})
    best = None
    for road_id in dict.fromkeys(r["road_id"] for r in rows):
        doors = [r for r in rows if r["road_id"] == road_id]
        gap = min(abs(d["number"] - number) for d in doors)
        if best is None or gap < best[0]:
            best = (gap, road_id, doors)
    if best is None:
        return None
    _, road_id, doors = best
    key = (number, sub or 0)
    odd = number % 2 == 1
    same = sorted((d for d in doors if d["number"] % 2 == number % 2), key=_number_key)
    other = sorted((d for d in doors if d["number"] % 2 != number % 2), key=_number_key)

    def around(group: list[dict]) -> list[dict]:
        below = [d for d in group if _number_key(d) < key]
        above = [d for d in group if _number_key(d) > key]
        return [d for d in (below[-1] if below else None, above[0] if above else None) if d]

    by_same, by_other = around(same), around(other)
    anchors = by_same or by_other
    if len(anchors) == 2 and anchors[1]["number"] != anchors[0]["number"]:
        lo, hi = anchors
        share = (number - lo["number"]) / (hi["number"] - lo["number"])
        measure = lo["measure_m"] + share * (hi["measure_m"] - lo["measure_m"])
    else:
        measure = anchors[0]["measure_m"]
    along = []
    for side, on_side in (("same", True), ("other", False)):
        there = [d for d in doors if d["odd_side"] == (odd if on_side else not odd)]
        if there:
            d = min(there, key=lambda x: (abs(x["measure_m"] - measure), _number_key(x)))
            along.append({**_door(d), "side": side,
                          "distance_m": round(abs(d["measure_m"] - measure), 1)})
    found = addresses(conn, [d["entrance_id"] for d in by_same + by_other + along])
    for d in (*by_same, *by_other, *along):
        d["address"] = found[d["entrance_id"]]["address"]
    return {"road_id": road_id, "road": doors[0]["road_name"],
            "number": rules.label(number, sub), "parity": "odd" if odd else "even",
            "by_number": {"same_side": [_door(d) | {"address": d["address"]} for d in by_same],
                          "other_side": [_door(d) | {"address": d["address"]}
                                         for d in by_other]},
            "along": along, "estimated_measure_m": round(measure, 1)}


def _number_key(door: dict) -> tuple[int, int]:
    return door["number"], door["sub"] or 0


def _door(d: dict) -> dict:
    return {"entrance_id": d["entrance_id"], "number": d["label"],
            "measure_m": round(d["measure_m"], 1), "lon": d["lon"], "lat": d["lat"]}


def _below(conn, a: dict, b: dict, parsed: dict) -> dict:
    unit, room = parsed["unit"], parsed["room"]
    if unit and unit > b["units"]:
        parsed["problems"].append({"part": "unit", "text": str(unit),
                                   "reason": f"building {b['no']} has {b['units']} units"})
        unit = room = None
    if room and not (1 <= room // 100 <= b["floors"] and 1 <= room % 100 <= b["rooms_per_floor"]):
        parsed["problems"].append({"part": "room", "text": str(room),
                                   "reason": f"building {b['no']} has {b['floors']} floors of "
                                             f"{b['rooms_per_floor']} rooms (101 to "
                                             f"{b['floors']}{b['rooms_per_floor']:02d})"})
        room = None
    full = address(conn, a["entrance_id"], b["no"], unit, room)
    return {k: full[k] for k in ("address", "address_roman", "parts", "parts_roman")}


def reverse(conn, lon: float, lat: float) -> dict:
    """The nearest standard address (a numbered door) to a point."""
    check_point(lon, lat)
    radius = rules.defaults()["reverse_radius_m"]
    row = fetch_one(conn, _Q["nearest_door"], {"lon": lon, "lat": lat}, prepared=True)
    if row is None or row["distance_m"] > radius:
        raise NotFound(f"no numbered door within {radius:.0f} m of {lon:.6f}, {lat:.6f}",
                       field="lon")
    return {**address(conn, row["id"]), "distance_m": round(row["distance_m"], 1)}
