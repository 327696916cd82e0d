"""Public lookup of standard names (DOMAIN §A, PERF.md): simplified or traditional
characters, pinyin with or without spaces and tones, initials, prefixes, one character
changed, missing or extra (in characters and in pinyin syllables), homophones, 通名
folding (湘江 → 湘江路), doubled generics written once (花楼街道 → 花楼街街道), former
names leading to the current one (株洲县 → 渌口区); filters by division, category, bbox,
or near a point; every hit says why it matched: a stable code (``match``, see ``WHY``) and
its English reason (``why``); the API and pages show the code in the reader's language."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import geopandas as gpd

from geo.db import fetch_all, load_queries
from geo.divisions import check_code, containing, division_prefix
from geo.errors import InvalidInput
from geo.names.gazetteer import get_name, names_frame, search_keys
from geo.names.romanize import HAN_CHARS
from geo.plausible import point as check_point

_Q = load_queries(__file__)
MAX_QUERY = 50
BRANCH_LIMIT = 50
MIN_PINYIN_SCAN = 7  # letters: a shorter fixed head or tail matches thousands of names
MIN_PINYIN_TYPO = 5  # shorter pinyin (one or two syllables) has too many one-edit neighbours
_HAN = re.compile(f"[{HAN_CHARS}]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# A house number (and building, unit, room) after a name, as in 上海路82号 or 长白街1号2栋301室:
# the name is what is left (the address search answers for the number). Only after a Chinese
# character and at the end, so a numbered road such as 1号路 keeps its 号.
_HOUSE_NUMBER = re.compile(rf"(?<=[{HAN_CHARS}])\s*[0-9]+(?:[-之][0-9]+)?\s*[号號]"
                           r"[\s0-9\-栋幢座单元室层楼号號]*$")
# How a hit matched (its ``match`` code) -> the English reason (``why``). A hit found from
# traditional characters also has ``traditional`` set, and its ``why`` says so first.
WHY = {
    "exact": "exact",
    "proper": "专名 (generic folded)",
    "prefix": "prefix",
    "contains": "contains",
    "homophone": "same pinyin (homophone)",
    "one_char": "one character different",
    "missing_char": "one character missing",
    "extra_char": "one character too many",
    "doubled_generic": "doubled generic written once",
    "former_name": "former name",
    "pinyin": "pinyin",
    "proper_pinyin": "pinyin of the 专名",
    "pinyin_prefix": "pinyin prefix",
    "initials": "initials",
    "pinyin_typo": "pinyin, a typo",
    "near": "near",
}
TRADITIONAL = "traditional → simplified; "


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@cache
def syllables() -> frozenset[str]:
    """Every tone-less pinyin syllable (ü as v) that pypinyin knows, vowel-less
    interjections (m, ng, hm) left out."""
    from pypinyin.constants import PINYIN_DICT
    from pypinyin.contrib.tone_convert import to_normal

    found = {to_normal(p).replace("ü", "v") for v in PINYIN_DICT.values() for p in v.split(",")}
    return frozenset(x for x in found if x.isascii() and x.isalpha() and set(x) & set("aeiouv"))


@lru_cache(maxsize=4096)   # asked up to four times a query; bounded: the public writes them
def _reach(text: str) -> tuple[tuple[bool, ...], tuple[bool, ...]]:
    """Where whole pinyin syllables can cut ``text``: ``head[i]`` when ``text[:i]`` is a run
    of syllables, ``tail[i]`` when ``text[i:]`` is (both true for the empty run)."""
    s, n = syllables(), len(text)
    head, tail = [True] + [False] * n, [False] * n + [True]
    for i in range(1, n + 1):
        head[i] = any(head[i - k] and text[i - k:i] in s for k in range(1, min(6, i) + 1))
    for i in range(n - 1, -1, -1):
        tail[i] = any(tail[i + k] and text[i:i + k] in s for k in range(1, min(6, n - i) + 1))
    return tuple(head), tuple(tail)


def _segmentable(text: str) -> bool:
    """Whether ``text`` is a run of whole pinyin syllables (or empty)."""
    return _reach(text)[0][-1]


@lru_cache(maxsize=8192)   # bounded: the pieces come from the public's queries
def _near_syllables(piece: str) -> frozenset[str]:
    """The syllables one letter away from ``piece`` (a letter changed, added or left
    out), and the empty string when ``piece`` is a single letter."""
    near = {piece[:i] + c + piece[i + k:] for i in range(len(piece) + 1)
            for c in _LETTERS for k in (0, 1)}
    near |= {piece[:i] + piece[i + 1:] for i in range(len(piece))}
    return frozenset(x for x in near - {piece} if not x or x in syllables())


def one_letter_keys(text: str) -> list[str]:
    """Every run of whole pinyin syllables one letter away from ``text`` (a letter changed,
    added or left out): what a one-letter typo of a pinyin key can have been.

    The pinyin keys of names are runs of syllables, so the typo sits in one piece
    ``text[a:b]`` between two runs of syllables (``text[:a]`` and ``text[b:]``), and that
    piece is one letter away from a syllable (or from nothing). Enumerating those keeps
    the list to a few hundred keys, looked up exactly: a scan for the names within one
    edit reads thousands."""
    head, tail = _reach(text)
    n = len(text)
    out = {text[:a] + x + text[b:]
           for a in range(n + 1) if head[a]
           for b in range(a, min(n, a + 7) + 1) if tail[b]
           for x in _near_syllables(text[a:b])}
    out.discard(text)
    return sorted(out)


@cache
def _generic_chars() -> tuple[str, ...]:
    """Characters a 专名 often ends with that look like a generic (街, 路, 村, 湖 …): the
    one-character generics of ``data/generics.txt``."""
    from geo.names.romanize import generics

    return tuple(sorted(g for g in generics() if len(g) == 1))


@cache
def _generic_pinyin() -> tuple[str, ...]:
    """The pinyin of every generic, longest first."""
    from geo.names.romanize import generics

    return tuple(sorted({search_keys(g, g).pinyin for g in generics()}, key=lambda p: -len(p)))


@cache
def _generic_char_pinyin() -> tuple[str, ...]:
    """The pinyin of the generic-like characters (``_generic_chars``)."""
    return tuple(p for p in (search_keys(c, c).pinyin for c in _generic_chars()) if p)


def doubled_generic_candidates(q: Query) -> list[str]:
    """Names (or pinyin keys) a query would be if it had not merged a doubled generic: the
    query's 专名 with a generic-like character before its 通名, 花楼 + 街 + 街道 for 花楼街道,
    hualou + jie + jiedao for hualoujiedao. Empty when the query has no 通名 or its 专名
    is a single character (湘路 is 湘江路 with a character missing, not a doubled generic)."""
    from geo.names.romanize import split

    out: set[str] = set()
    if q.latin:
        for generic in _generic_pinyin():
            proper = q.text[: len(q.text) - len(generic)]
            if q.text.endswith(generic) and len(proper) >= 4 and _segmentable(proper):
                out.update(proper + c + generic for c in _generic_char_pinyin())
    else:
        parts = split(q.text)
        proper = q.text[: len(q.text) - len(parts.generic)]
        if parts.generic and len(proper) >= 2:
            out.update(proper + c + parts.generic for c in _generic_chars())
    out.discard(q.text)
    return sorted(out)


def _tail_weight(t: str, k: int, latin: bool) -> int:
    """How selective the fixed tail ``t[k:]`` is: its length without a trailing generic
    (社区, 街道, shequ …: a suffix scan on those reads a hundred thousand names)."""
    from geo.names.romanize import generics

    tail = t[k:]
    ends = _generic_pinyin() if latin else generics()
    g = next((e for e in ends if tail.endswith(e)), "")
    return len(tail) - len(g)


def _missing_branches(t: str, params: dict, *, latin: bool) -> list[str]:
    """Names with one character more than the query, inside it (a name that starts or ends
    with the query is a prefix or a contains hit): the name minus that character is the
    query. In pinyin, one whole syllable inserted at a cut between syllables of the query.

    One scan per cut, on (length, name) or (length, pinyin): by the fixed head, or by the
    fixed tail (reversed) when the tail without its generic is longer than the head. In
    pinyin a fixed part shorter than ``MIN_PINYIN_SCAN`` letters (``li`` of lishequ) would
    read thousands of names: those cuts look up every syllable inserted there instead."""
    n = len(t)
    if latin:
        head, tail = _reach(t)
        cuts = [k for k in range(1, n) if head[k] and tail[k]]
        length, col = "length(n.pinyin) = ANY(%(miss_lens)s)", "n.pinyin"
        params["miss_lens"] = list(range(n + 1, n + 7))
    else:
        cuts, length, col = list(range(1, n)), f"length(n.name) = {n + 1}", "n.name"
    out, short = [], []
    for k in cuts:
        weight = _tail_weight(t, k, latin)
        if latin and max(k, weight) < MIN_PINYIN_SCAN:
            short.append(k)
            continue
        if weight > k:
            params[f"miss_s{k}"] = t[k:][::-1] + "%"
            scan = f"reverse({col}) LIKE %(miss_s{k})s"
        else:
            params[f"miss_s{k}"] = t[:k] + "%"
            scan = f"{col} LIKE %(miss_s{k})s"
        params[f"miss_l{k}"], params[f"miss_r{k}"] = t[:k], t[k:]
        out.append(f"{length} AND {scan} AND left({col}, {k}) = %(miss_l{k})s "
                   f"AND right({col}, {n - k}) = %(miss_r{k})s")
    if short:
        params.update(miss_heads=[t[:k] for k in short], miss_tails=[t[k:] for k in short],
                      syllables=sorted(syllables()))
        out.append("n.pinyin IN (SELECT c.head || s.s || c.tail FROM unnest(%(miss_heads)s::"
                   "text[], %(miss_tails)s::text[]) AS c(head, tail), "
                   "unnest(%(syllables)s::text[]) AS s(s))")
    return out


def _extra_candidates(t: str, *, latin: bool) -> list[str]:
    """What the query is without one of its characters (or, in pinyin, without one whole
    syllable between whole syllables)."""
    from geo.names.romanize import generics

    if not latin:
        out = {t[:i] + t[i + 1:] for i in range(len(t))} if len(t) >= 3 else set()
        return sorted(out - {t} - set(generics()))   # 繁社区 is not 社区 with one too many
    head, tail = _reach(t)
    out = {t[:i] + t[j:] for i in range(len(t)) if head[i]
           for j in range(i + 1, min(len(t), i + 6) + 1)
           if tail[j] and t[i:j] in syllables() and len(t) - (j - i) >= 4}
    return sorted(out - set(_generic_pinyin()))


@dataclass(frozen=True)
class Query:
    """A normalised query: Chinese (simplified) or Latin (pinyin letters only)."""

    text: str
    latin: bool
    traditional: bool  # the Chinese text was converted from traditional characters


def normalise(q: str) -> Query:
    """Validate and normalise the user's text (field ``q``)."""
    q = (q or "").strip()
    if not q:
        raise InvalidInput("the query is empty", field="q")
    if len(q) > MAX_QUERY:
        raise InvalidInput(f"the query is longer than {MAX_QUERY} characters", field="q")
    if _CONTROL.search(q):
        raise InvalidInput("the query contains control characters", field="q")
    q = unicodedata.normalize("NFKC", q)
    if _HAN.search(q):
        q = _HOUSE_NUMBER.sub("", q)
        simplified = _t2s().convert(q)
        han = "".join(_HAN.findall(simplified))
        return Query(han, False, simplified != q)
    # ü is written v in the keys; replace it before NFD would strip its diaeresis.
    lowered = q.lower().replace("ü", "v").replace("ǖ", "v").replace("ǘ", "v") \
        .replace("ǚ", "v").replace("ǜ", "v").replace("u:", "v")
    letters = "".join(ch for ch in unicodedata.normalize("NFD", lowered)
                      if not unicodedata.combining(ch))
    letters = re.sub(r"[\s'’\-·]", "", letters)
    if not letters or not letters.isascii() or not letters.isalpha():
        raise InvalidInput("search with Chinese characters or pinyin letters", field="q")
    return Query(letters, True, False)


def _filters(division: str | None, category: str | None,
             bbox: tuple[float, ...] | None, near: tuple[float, float] | None,
             radius_m: float) -> tuple[str, dict]:
    sql, params = [], {}
    if division:
        sql.append("n.division_code LIKE %(division_prefix)s")
        params["division_prefix"] = division_prefix(check_code(division)) + "%"
    if category:
        if not category.isdigit():
            raise InvalidInput("category is a numeric category code, e.g. 0801", field="category")
        sql.append("n.category_code LIKE %(category)s")
        params["category"] = category + "%"
    if bbox:
        sql.append("n.geom && ST_MakeEnvelope(%(b0)s, %(b1)s, %(b2)s, %(b3)s, 4490)")
        params.update(b0=bbox[0], b1=bbox[1], b2=bbox[2], b3=bbox[3])
    if near:
        sql.append("ST_DWithin(n.geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), "
                   "4490)::geography, %(radius_m)s)")
        params["radius_m"] = radius_m
    return "".join(f" AND {s}" for s in sql), params


def after_prefix(prefix: str) -> str:
    """The first text, in byte order, above every text that starts with ``prefix``: the
    upper end of the index range a prefix search reads (what PostgreSQL makes of
    ``LIKE 'prefix%'`` with a constant, here for a parameter).

    >>> after_prefix("hetang")
    'hetanh'
    >>> after_prefix("荷塘")
    '荷塙'
    """
    last = ord(prefix[-1]) + 1 if prefix else 1
    return prefix[:-1] + chr(0xE000 if 0xD800 <= last < 0xE000 else min(last, 0x10FFFF))


def _branches(q: Query, phase: int) -> tuple[list[str], dict]:
    """One indexed SELECT per way of matching, with its score and ``match`` code.

    Phase 1 holds the cheap, precise matches; phase 2 (typos, homophones, substrings) runs
    only when phase 1 found no good match and fewer hits than asked for. Phase-2 hits
    always rank below phase-1 hits (PERF.md: early limits).
    Scores: below 1 is the top tier (exact, or exact 专名 with the 通名 folded), ordered
    inside by status and category rank.
    """
    out, params = [], {"q": q.text, "q_prefix": q.text + "%", "q_after": after_prefix(q.text)}

    def branch(score: float, match: str, cond: str) -> None:
        out.append(f"(SELECT n.id, {score}::float AS score, '{match}'::text AS match "
                   f"FROM place_names n WHERE {cond} {{filters}} LIMIT {BRANCH_LIMIT})")

    if phase == 1:
        # A doubled generic written once (花楼街道 for 花楼街街道): exact look-ups of the few
        # names it could be, precise enough to stop before the typo phase.
        params["doubled"] = doubled_generic_candidates(q)
        if params["doubled"]:
            key = "n.pinyin" if q.latin else "n.name"
            branch(1.5, "doubled_generic", f"{key} = ANY(%(doubled)s)")
    if q.latin:
        if phase == 1:
            branch(1, "pinyin", "n.pinyin = %(q)s")
            branch(1.1, "proper_pinyin", "n.proper_pinyin = %(q)s AND n.pinyin <> %(q)s")
            branch(2, "pinyin_prefix", "n.pinyin ~>~ %(q)s AND n.pinyin ~<~ %(q_after)s")
            if len(q.text) <= 8:
                branch(2.5, "initials", "n.initials ~>=~ %(q)s AND n.initials ~<~ %(q_after)s")
        elif len(q.text) >= MIN_PINYIN_TYPO:
            out += _pinyin_typo_branches(q.text, params)
            _edit_branches(q, params, branch)
        return out, params
    t = q.text
    if phase == 1:
        branch(0, "exact", "n.name = %(q)s")
        branch(0.5, "proper", "n.proper = %(q)s AND n.name <> %(q)s")
        branch(2, "prefix", "n.name ~>~ %(q)s AND n.name ~<~ %(q_after)s")
        return out, params
    if len(t) < 2:
        return out, params
    _edit_branches(q, params, branch)
    branch(3, "contains", "civgeo_bigrams(n.name) @> civgeo_bigrams(%(q)s) "
                          "AND n.name LIKE %(q_infix)s AND n.name NOT LIKE %(q_prefix)s")
    params["q_infix"] = "%" + t + "%"
    params["q_pinyin"] = search_keys(t, t).pinyin
    branch(3.5, "homophone", "(n.pinyin = %(q_pinyin)s OR "
           "n.proper_pinyin = %(q_pinyin)s) AND n.name <> %(q)s AND n.proper <> %(q)s")
    # One character wrong: the other characters fixed, one wildcard, same length. The first
    # position uses the reversed-name index, the last the prefix index (both by length: 明社区
    # must not scan the 110k names that end with 社区), the middle ones the character index.
    for i in range(len(t)):
        key = f"typo{i}"
        if i == 0:
            params[key] = t[1:][::-1] + "_"
            cond = f"length(n.name) = {len(t)} AND reverse(n.name) LIKE %({key})s"
        elif i == len(t) - 1:
            params[key] = t[:i] + "_"
            cond = f"length(n.name) = {len(t)} AND n.name LIKE %({key})s"
        else:  # fixed characters on both sides: the rarest of them narrows it down (GIN)
            params[key] = t[:i] + "_" + t[i + 1:]
            params[f"{key}_chars"] = sorted(set(t[:i] + t[i + 1:]))
            cond = (f"civgeo_chars(n.name) @> %({key}_chars)s::text[] "
                    f"AND length(n.name) = {len(t)} AND n.name LIKE %({key})s")
        branch(4, "one_char", f"{cond} AND n.name <> %(q)s")
    return out, params


def _edit_branches(q: Query, params: dict, branch) -> None:
    """One character (or pinyin syllable) missing from the query, or one extra in it. In
    pinyin a whole syllable is a bigger edit than one letter: those rank in the tier
    below the letter typos."""
    score = 5 if q.latin else 4
    for cond in _missing_branches(q.text, params, latin=q.latin):
        branch(score, "missing_char", cond)
    params["extra"] = _extra_candidates(q.text, latin=q.latin)
    if params["extra"]:
        branch(score, "extra_char", f"{'n.pinyin' if q.latin else 'n.name'} = ANY(%(extra)s)")


def _pinyin_typo_branches(text: str, params: dict) -> list[str]:
    """Names whose pinyin, or the pinyin of their 专名, is one letter away from ``text``:
    exact look-ups of ``one_letter_keys``."""
    params["typo_keys"] = one_letter_keys(text)
    if not params["typo_keys"]:
        return []
    return [f"(SELECT n.id, 4.1::float AS score, 'pinyin_typo' AS match FROM place_names n "
            f"WHERE n.{col} IN (SELECT unnest(%(typo_keys)s::text[])) {{filters}} "
            f"LIMIT {BRANCH_LIMIT})" for col in ("pinyin", "proper_pinyin")]


def warm() -> None:
    """Load what a first search would: the converters, the syllables, the generics, the
    pinyin dictionaries (a service calls it at start-up, before its first request)."""
    for q in ("荷塘区", "hetangqu"):
        query = normalise(q)
        _branches(query, 1)
        _branches(query, 2)


def search(conn, q: str | None = None, *, division: str | None = None,
           category: str | None = None, bbox: tuple[float, ...] | None = None,
           near: tuple[float, float] | None = None, radius_m: float = 5000,
           limit: int = 10) -> list[dict]:
    """Find standard (and historical) names; each hit carries how it matched: ``match``
    (a code of ``WHY``), ``traditional`` (the query was converted from traditional
    characters) and ``why`` (the English reason)."""
    if not 1 <= limit <= 100:
        raise InvalidInput("limit must be from 1 to 100", field="limit")
    if bbox is not None:
        check_bbox(bbox)
    if near is not None:
        check_point(*near, field="near")
    filters, params = _filters(division, category, bbox, near, radius_m)
    params.update(limit=limit, lon=near[0] if near else None, lat=near[1] if near else None)
    if not q or not q.strip():
        if near is None:
            raise InvalidInput("give a query (q) or a point (near)", field="q")
        return _explained(fetch_all(conn, _Q["nearby"].replace("{filters}", filters), params,
                                    prepared=True),
                          traditional=False)
    query = normalise(q)
    rows = _ranked(conn, query, 1, filters, params)
    # Typos, homophones and substrings only when nothing matched well (an exact name, its
    # 专名 or its pinyin): they would rank below those anyway, and most lookups stop here.
    if len(rows) < limit and not any(r["score"] < 2 for r in rows):
        rows = _ranked(conn, query, 2, filters, params, rows)
    return _explained(rows, traditional=query.traditional)


def _explained(rows: list[dict], *, traditional: bool) -> list[dict]:
    """Each hit with ``traditional`` and its English ``why`` beside its ``match`` code."""
    for r in rows:
        r["traditional"] = traditional
        r["why"] = (TRADITIONAL if traditional else "") + WHY[r["match"]]
    return rows


# A hit's distance from ``near``, in the query only when a point was given: a plan made once
# for every search would otherwise carry its cost.
_DISTANCE = ("round(ST_Distance(n.geom::geography, "
             "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490)::geography))::int")


def _ranked(conn, query: Query, phase: int, filters: str, params: dict,
            earlier: list[dict] | None = None) -> list[dict]:
    branches, bparams = _branches(query, phase)
    if phase == 2 and earlier:
        # Keep phase 1's hits in the ranking: they are re-selected by id.
        branches.append("(SELECT h.id, h.score, h.match FROM unnest(%(earlier_ids)s::bigint[], "
                        "%(earlier_scores)s::float[], %(earlier_match)s::text[]) "
                        "AS h(id, score, match))")
        bparams.update(earlier_ids=[r["id"] for r in earlier],
                       earlier_scores=[r["score"] for r in earlier],
                       earlier_match=[r["match"] for r in earlier])
    if not branches:
        return earlier or []
    sql = (_Q["rank_hits"].replace("{branches}", "\n    UNION ALL ".join(branches))
           .replace("{filters}", filters)
           .replace("{distance}", _DISTANCE if params["lon"] is not None else "NULL::int"))
    # Phase 1 looks up values and ranges only: planned once per connection (``prepared``).
    return fetch_all(conn, sql, {**params, **bparams}, prepared=phase == 1)


def check_bbox(bbox: tuple[float, ...]) -> None:
    """A bbox is minLon, minLat, maxLon, maxLat inside China."""
    if len(bbox) != 4 or bbox[0] >= bbox[2] or bbox[1] >= bbox[3]:
        raise InvalidInput("bbox must be minLon,minLat,maxLon,maxLat", field="bbox")
    check_point(bbox[0], bbox[1], "bbox")
    check_point(bbox[2], bbox[3], "bbox")


def reverse(conn, lon: float, lat: float, limit: int = 5) -> dict:
    """The divisions containing a point (province first) and the nearest named features."""
    check_point(lon, lat)
    return {"divisions": containing(conn, lon, lat),
            "nearest": fetch_all(conn, _Q["nearest_features"],
                                 {"lon": lon, "lat": lat, "limit": limit}, prepared=True)}


@dataclass(frozen=True)
class NamesMap:
    """What a map of names shows: the names with their geometry (``gazetteer.names_frame``),
    a title, and why each matched (by id)."""

    frame: gpd.GeoDataFrame
    title: str
    why: dict[int, str]


def names_map(conn, q: str | None = None, *, name_id: int | None = None,
              division: str | None = None, limit: int = 50) -> NamesMap:
    """The hits of a search (``q``) or one name (``name_id``), for a map."""
    if name_id is not None:
        name = get_name(conn, name_id)
        hits, title = [{"id": name_id, "why": name["status"]}], name["name"]
    else:
        hits, title = search(conn, q, division=division, limit=limit), f"地名查询：{q}"
    return NamesMap(names_frame(conn, [h["id"] for h in hits]), title,
                    {h["id"]: h["why"] for h in hits})
