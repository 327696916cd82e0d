"""The boundary-line and marker register (界线 and 界桩).

Lines are derived once from the shared edges of the real county polygons and stored:
county lines between neighbouring counties, and the prefecture and province lines made of
the county lines whose parties lie in different prefectures or provinces (株衡线 is the
Zhuzhou–Hengyang part of the county lines). Township lines are not derived: the sample's
townships are synthetic.

Numbers (GB/T 17796): a line's number is its two parties' codes, smaller first, cut to
their significant digits — 2 + 2 for provincial lines (湘赣: ``4336``, so that a marker
number ``4336001Q`` has the standard's 8 characters), 4 + 4 for prefecture and 6 + 6 for
county lines (the standard's scheme below the provincial level is UNCONFIRMED). A marker
number is the line number, a 3-digit sequence running west→east or north→south along the
line, and its type: Q 单立, A/B 同号双立 (A on the side with the smaller code), C/D/E 同号三立.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString

from geo.crs import local_projection, to_metres
from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.errors import NotFound

_Q = load_queries(__file__)

DIGITS = {"province": 2, "prefecture": 4, "county": 6}
# 简称 of the provinces, for provincial line names (湘赣线).
PROVINCE_ABBR = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉",
    "23": "黑", "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣",
    "37": "鲁", "41": "豫", "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼",
    "50": "渝", "51": "川", "52": "黔", "53": "滇", "54": "藏", "61": "陕", "62": "甘",
    "63": "青", "64": "宁", "65": "新", "71": "台", "81": "港", "82": "澳"}


@dataclass(frozen=True)
class LineSpec:
    """A line's agreed name and agreement, where it differs from the generated one."""

    name: str
    agreement: str | None = None


def line_number(level: str, left: str, right: str) -> str:
    """The register number of a line: the two parties' codes cut to the level's digits.

    >>> line_number("prefecture", "430200", "430400")
    '43024304'
    """
    n = DIGITS[level]
    return left[:n] + right[:n]


def line_name(level: str, left: dict, right: dict, taken: set[str] = frozenset()) -> str:
    """株衡线 from 株洲市 and 衡阳市; 湘赣线 from the provinces' 简称; the parties' names
    without 区/县/市 (江岸江汉线) when the first characters are the same or already used."""
    if level == "province":
        return f"{PROVINCE_ABBR.get(left['code'][:2], left['name'][0])}" \
               f"{PROVINCE_ABBR.get(right['code'][:2], right['name'][0])}线"
    short = f"{left['name'][0]}{right['name'][0]}线"
    if left["name"][0] != right["name"][0] and short not in taken:
        return short
    return f"{_bare(left['name'])}{_bare(right['name'])}线"


def _bare(name: str) -> str:
    return name[:-1] if len(name) >= 2 and name[-1] in "区县市旗" else name


def derive(conn, prefix: str, *, dataset: str | None, source: str,
           specs: dict[tuple[str, str], LineSpec] | None = None, tolerance_m: float = 30.0,
           min_length_m: float = 200.0) -> dict[str, list[int]]:
    """Derive and store the county, prefecture and province lines touching ``prefix``.

    Returns the new line ids by level. Lines already stored (same two parties) are kept.
    """
    specs = specs or {}
    rows = fetch_all(conn, _Q["county_pairs"], {"prefix": prefix, "tol_deg": tolerance_m / 1e5,
                                                 "min_length_m": min_length_m})
    edges = {(r["left_code"], r["right_code"]): shapely.from_wkb(bytes(r["geom"]))
             for r in rows}
    grouped: dict[str, dict[tuple[str, str], list]] = defaultdict(lambda: defaultdict(list))
    for (a, b), geom in edges.items():
        grouped["county"][(a, b)].append(geom)
        for level, n in (("prefecture", 4), ("province", 2)):
            if a[:n] != b[:n]:
                pa, pb = sorted((a[:n].ljust(6, "0"), b[:n].ljust(6, "0")))
                grouped[level][(pa, pb)].append(geom)
    codes = {c for pairs in grouped.values() for pair in pairs for c in pair}
    names = {r["code"]: r for r in fetch_all(conn, _Q["names"], {"codes": sorted(codes)})}
    made: dict[str, list[int]] = defaultdict(list)
    taken = {r["name"] for r in fetch_all(conn, _Q["line_names"])}
    for level, pairs in grouped.items():
        for (a, b), parts in sorted(pairs.items()):
            if a not in names or b not in names:
                continue
            merged = shapely.line_merge(shapely.union_all(parts))
            if isinstance(merged, LineString):
                merged = MultiLineString([merged])
            spec = specs.get((a, b))
            name = spec.name if spec else line_name(level, names[a], names[b], taken)
            taken.add(name)
            row = fetch_one(conn, _Q["insert_line"], {
                "number": line_number(level, a, b), "name": name,
                "level": level, "left_code": a, "right_code": b,
                "agreement": spec.agreement if spec else None,
                "wkb": shapely.to_wkb(merged), "source": source, "dataset": dataset})
            if row:
                made[level].append(row["id"])
    return dict(made)


def list_lines(conn, *, division: str | None = None, ids: list[int] | None = None,
               level: str | None = None) -> list[dict]:
    """Lines touching a division (by code prefix), of a level, or with these ids."""
    from geo.divisions import division_prefix

    return fetch_all(conn, _Q["list_lines"], {
        "prefix": division_prefix(division) if division else None, "ids": ids,
        "level": level})


def get_line(conn, key: int | str) -> dict:
    """A line by id, name (株衡线) or number."""
    by_id = int(key) if str(key).isdigit() and len(str(key)) < 9 else -1
    row = fetch_one(conn, _Q["get_line"], {"id": by_id, "name": str(key)})
    if row is None:
        raise NotFound(f"no boundary line {key}", field="line")
    return row


def markers(conn, line_id: int) -> list[dict]:
    """The markers of a line in sequence, with lon/lat and condition."""
    return fetch_all(conn, _Q["markers"], {"line_id": line_id})


def last_checks(conn, line_id: int) -> dict[int, dict]:
    """The latest check of each marker of a line, in any inspection: marker id ->
    {condition, checked_at, inspection_id}."""
    return {r["marker_id"]: r for r in fetch_all(conn, _Q["last_checks"], {"line_id": line_id})}


def outlines(conn, ids: list[int] | None, tolerance_deg: float = 0.0003) -> list[dict]:
    """Lines (these ids; every one with None) as GeoJSON simplified for an overview map
    (about 30 m at this latitude: display only, never analysis)."""
    return fetch_all(conn, _Q["outlines"], {"ids": ids, "tolerance": tolerance_deg})


def _oriented(line: LineString) -> LineString:
    """West→east, or north→south when the line runs more north–south (GB/T 17796)."""
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    if abs(x1 - x0) >= abs(y1 - y0):
        return line if x0 <= x1 else line.reverse()
    return line if y0 >= y1 else line.reverse()


def seed_markers(conn, line: dict, *, spacing_m: float, rng: np.random.Generator,
                 dataset: str | None, source: str, registered_on: dt.date) -> int:
    """Sample markers along a stored line: mostly 单立 (Q), every eighth a pair A/B 5 m
    either side; custody alternating; a few lost or damaged, and two registered off the
    line (errors in the register, for the topology check to find)."""
    geom = shapely.from_geojson(json.dumps(line["geometry"]))
    centre = geom.centroid
    tr = local_projection(centre.x, centre.y)
    metric = to_metres(tr, geom)
    parts = sorted((_oriented(p) for p in getattr(metric, "geoms", [metric])),
                   key=lambda p: (p.coords[0][0], -p.coords[0][1]))
    rows, seq = [], 0
    off_register = set(rng.choice(np.arange(3, 40), size=2, replace=False).tolist())
    for part in parts:
        for d in np.arange(spacing_m / 2, part.length, spacing_m):
            seq += 1
            if seq > 999:
                break
            p = part.interpolate(d)
            ahead = part.interpolate(min(d + 1, part.length))
            dx, dy = ahead.x - p.x, ahead.y - p.y
            norm = np.hypot(dx, dy) or 1.0
            nx, ny = -dy / norm, dx / norm
            offset = rng.uniform(40, 80) * (1 if rng.random() < 0.5 else -1) \
                if seq in off_register else 0.0
            if seq % 8 == 0:
                placed = [("A", 5.0, line["left_code"]), ("B", -5.0, line["right_code"])]
            else:
                custodian = line["left_code"] if seq % 2 else line["right_code"]
                placed = [("Q", 0.0, custodian)]
            roll = rng.random()
            condition = "lost" if roll < 0.03 else "damaged" if roll < 0.06 else "intact"
            for kind, side, custodian in placed:
                x, y = p.x + nx * (side + offset), p.y + ny * (side + offset)
                lon, lat = tr.transform(x, y, direction="INVERSE")
                rows.append({"line_id": line["id"],
                             "marker_no": f"{line['number']}{seq:03d}{kind}", "seq": seq,
                             "type": kind, "form": "双面型", "lon": float(lon),
                             "lat": float(lat), "custodian": custodian, "condition": condition,
                             "registered_on": registered_on, "source": source,
                             "dataset": dataset})
    for row in rows:
        execute(conn, _Q["insert_marker"], row)
    return len(rows)
