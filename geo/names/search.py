"""Public lookup of standard names (DOMAIN §A, PERF.md): simplified or traditional
characters, pinyin with or without spaces and tones, initials, prefixes, one-character
typos and homophones, 通名 folding (湘江 → 湘江路); filters by division, category, bbox,
or near a point; every hit says why it matched."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from geo.db import fetch_all, load_queries
from geo.divisions import check_code, containing
from geo.errors import InvalidInput
from geo.names.gazetteer import search_keys

_Q = load_queries(__file__)
MAX_QUERY = 50
BRANCH_LIMIT = 50
_HAN = re.compile(r"[\u3400-\u9fff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# China's extent with a margin: a point outside it is a mistake (or lat/lon swapped).
CHINA = (73.0, 3.0, 136.0, 54.0)


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


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
        simplified = _t2s().convert(q)
        han = "".join(_HAN.findall(simplified))
        return Query(han, False, simplified != q)
    letters = "".join(ch for ch in unicodedata.normalize("NFD", q.lower())
                      if not unicodedata.combining(ch)).replace("ü", "v")
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
        params["division_prefix"] = _prefix(check_code(division)) + "%"
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


def _prefix(code: str) -> str:
    from geo.divisions import division_prefix

    return division_prefix(code)


def _branches(q: Query) -> tuple[list[str], dict]:
    """One indexed SELECT per way of matching, with its score and reason."""
    out, params = [], {"q": q.text}
    def branch(score: float, why: str, cond: str) -> None:
        out.append(f"(SELECT n.id, {score}::float AS score, '{why}'::text AS why "
                   f"FROM place_names n WHERE {cond} {{filters}} LIMIT {BRANCH_LIMIT})")
    if q.latin:
        branch(1, "pinyin", "n.pinyin = %(q)s")
        branch(2, "pinyin prefix", "n.pinyin LIKE %(q_prefix)s")
        params["q_prefix"] = q.text + "%"
        if len(q.text) <= 8:
            branch(2.5, "initials", "n.initials LIKE %(q_prefix)s")
        if len(q.text) >= 4:
            branch(4, "pinyin, a typo", "(n.pinyin %% %(q)s OR n.proper_pinyin %% %(q)s) AND "
                   "least(levenshtein(left(n.pinyin, 60), %(q)s), "
                   "levenshtein(left(n.proper_pinyin, 60), %(q)s)) <= 2")
        return out, params
    t = q.text
    branch(0, "exact", "n.name = %(q)s")
    branch(1, "专名 (generic folded)", "n.proper = %(q)s AND n.name <> %(q)s")
    branch(2, "prefix", "n.name LIKE %(q_prefix)s AND n.name <> %(q)s")
    params["q_prefix"] = t + "%"
    if len(t) >= 2:
        branch(3, "contains", "civgeo_bigrams(n.name) @> civgeo_bigrams(%(q)s) "
                              "AND n.name LIKE %(q_infix)s AND n.name NOT LIKE %(q_prefix)s")
        params["q_infix"] = "%" + t + "%"
        keys = search_keys(t, t)
        branch(3.5, "same pinyin (homophone)", "(n.pinyin = %(q_pinyin)s OR "
               "n.proper_pinyin = %(q_pinyin)s) AND n.name <> %(q)s AND n.proper <> %(q)s")
        params["q_pinyin"] = keys.pinyin
        # One character wrong: the other characters fixed, one wildcard, same length.
        # Position 0 uses the reversed-name index, the others the prefix index.
        for i in range(len(t)):
            key = f"typo{i}"
            if i == 0:
                params[key] = t[1:][::-1] + "_"
                cond = f"reverse(n.name) LIKE %({key})s"
            else:
                params[key] = t[:i] + "_" + t[i + 1:]
                cond = f"n.name LIKE %({key})s"
            branch(4, "one character different", f"{cond} AND n.name <> %(q)s")
    return out, params


def search(conn, q: str | None = None, *, division: str | None = None,
           category: str | None = None, bbox: tuple[float, ...] | None = None,
           near: tuple[float, float] | None = None, radius_m: float = 5000,
           limit: int = 10) -> list[dict]:
    """Find standard (and historical) names; each hit carries ``why`` it matched."""
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
        return fetch_all(conn, _Q["nearby"].replace("{filters}", filters), params)
    query = normalise(q)
    branches, bparams = _branches(query)
    # Short pinyin typos share few trigrams ('hetnag' ~ 'hetang' is 0.27); levenshtein
    # then keeps only real near-misses. Transaction-local.
    fetch_all(conn, "SELECT set_config('pg_trgm.similarity_threshold', '0.25', true)")
    sql = _Q["rank_hits"].replace("{branches}", "\n    UNION ALL ".join(branches))
    rows = fetch_all(conn, sql.replace("{filters}", filters), {**params, **bparams})
    if query.traditional:
        for r in rows:
            r["why"] = "traditional → simplified; " + r["why"]
    return rows


def check_point(lon: float, lat: float, field: str = "lon") -> None:
    """Refuse points outside China, and say so when lon/lat look swapped."""
    minx, miny, maxx, maxy = CHINA
    if minx <= lon <= maxx and miny <= lat <= maxy:
        return
    if minx <= lat <= maxx and miny <= lon <= maxy:
        raise InvalidInput(f"({lon}, {lat}) lies outside China; longitude and latitude look "
                           "swapped (give lon first, then lat)", field=field)
    raise InvalidInput(f"({lon}, {lat}) lies outside China", field=field)


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
                                 {"lon": lon, "lat": lat, "limit": limit})}
