"""Administrative divisions (行政区划): storage, lookups and population sums."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import psycopg2.extras
import shapely
from shapely.geometry.base import BaseGeometry

from geo.db import fetch_all, fetch_frame, fetch_one, load_queries
from geo.errors import InvalidInput, NotFound

_Q = load_queries(__file__)
LEVELS = ("province", "prefecture", "county", "township", "community")


@dataclass(frozen=True)
class DivisionRow:
    """A division to insert; geometry in CGCS2000 lon/lat."""

    code: str
    name: str
    level: str
    parent_code: str | None
    geom: BaseGeometry | None
    source: str
    name_source: str
    short_name: str | None = None
    kind: str | None = None
    urban: bool | None = None
    centre: BaseGeometry | None = None


@dataclass(frozen=True)
class PopulationRow:
    """Population of one division in one year."""

    code: str
    year: int
    total: int
    aged_60_plus: int
    source: str
    urban: int | None = None
    rural: int | None = None
    aged_65_plus: int | None = None
    aged_80_plus: int | None = None


def check_code(code: str, field: str = "division") -> str:
    """Return ``code`` if it is a 6-, 9- or 12-digit division code, else raise InvalidInput."""
    if not (code.isdigit() and len(code) in (6, 9, 12)):
        raise InvalidInput(f"'{code}' is not a 6-, 9- or 12-digit division code "
                           "(e.g. 430202 for 荷塘区)", field=field)
    return code


def division_prefix(code: str) -> str:
    """Leading digits shared by every division under ``code`` (as SQL civgeo_division_prefix).

    >>> division_prefix("430000"), division_prefix("430200"), division_prefix("430202001")
    ('43', '4302', '430202001')
    """
    if len(code) > 6:
        return code
    return code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code


def _hex(geom: BaseGeometry | None) -> str | None:
    return None if geom is None else shapely.to_wkb(geom, hex=True)


def insert_divisions(conn, rows: Iterable[DivisionRow], dataset: str | None) -> int:
    """Insert divisions that have no current row yet; return how many were inserted."""
    values = [(r.code, r.name, r.short_name or r.name, r.level, r.kind, r.urban, r.parent_code,
               _hex(r.geom), _hex(r.centre), r.source, r.name_source, dataset) for r in rows]
    with conn.cursor() as cur:
        psycopg2.extras.execute_values(cur, _Q["insert_divisions"], values, page_size=500)
        return cur.rowcount


def upsert_population(conn, rows: Sequence[PopulationRow], dataset: str | None) -> None:
    """Insert or replace population figures per (division, year)."""
    values = [(r.code, r.year, r.total, r.urban, r.rural, r.aged_60_plus, r.aged_65_plus,
               r.aged_80_plus, r.source, dataset) for r in rows]
    with conn.cursor() as cur:
        psycopg2.extras.execute_values(cur, _Q["upsert_population"], values, page_size=1000)


def get_division(conn, code: str, on: dt.date | None = None) -> dict:
    """Return the division with ``code`` as it was on ``on`` (today by default)."""
    params = {"code": check_code(code), "on": on or dt.date.today()}
    row = fetch_one(conn, _Q["get_division"], params)
    if row is None:
        raise NotFound(f"no division with code {code}", field="division")
    return row


def count_by_level(conn, code: str) -> dict[str, dict[str, int]]:
    """Count current divisions under ``code`` per level (and how many have synthetic geometry)."""
    rows = fetch_all(conn, _Q["count_by_level"], {"code": check_code(code)})
    return {r["level"]: {"divisions": r["divisions"], "synthetic_geometry": r["synthetic_geometry"]}
            for r in rows}


def population_under(conn, code: str, level: str, year: int = 2020) -> dict:
    """Sum the population of the divisions of one ``level`` under ``code``."""
    if level not in LEVELS:
        raise InvalidInput(f"level must be one of {', '.join(LEVELS)}", field="level")
    return fetch_one(conn, _Q["population_under"],
                     {"code": check_code(code), "level": level, "year": year})


def containing(conn, lon: float, lat: float, on: dt.date | None = None) -> list[dict]:
    """Divisions containing the point, province first."""
    return fetch_all(conn, _Q["containing"], {"lon": lon, "lat": lat,
                                              "on": on or dt.date.today()}, prepared=True)


def population_of(conn, codes: Sequence[str], year: int = 2020) -> dict:
    """Sum total and 60+ population over the given division codes."""
    return fetch_one(conn, _Q["population_of"], {"codes": list(codes), "year": year})


def divisions_frame(conn, code: str, levels: Sequence[str] = LEVELS, *, year: int = 2020,
                    neighbours: bool = False):
    """Current divisions under ``code`` (and bordering counties if asked) as a GeoDataFrame."""
    bad = set(levels) - set(LEVELS)
    if bad:
        raise InvalidInput(f"unknown level(s) {sorted(bad)}", field="level")
    return fetch_frame(conn, _Q["divisions_frame"], {
        "code": check_code(code), "levels": list(levels), "year": year,
        "neighbours": neighbours})


def tree(conn) -> list[dict]:
    """The cities (地级) with communities, each with its counties (区/县) that have them:
    the divisions a planner can work on, for pickers."""
    rows = fetch_all(conn, _Q["tree"])
    cities = {r["code"]: {**r, "counties": []} for r in rows if r["level"] == "prefecture"}
    for r in rows:
        if r["level"] == "county":
            parent = cities.setdefault(r["parent_code"], {
                "code": r["parent_code"], "name": r["parent_name"], "level": "prefecture",
                "communities": 0, "counties": []})
            parent["counties"].append({k: r[k] for k in ("code", "name", "communities")})
    return list(cities.values())
