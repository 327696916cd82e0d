"""Validation of a road's numbering (PEERS §2, after Esri ADM's validation rules and JOSM's
address checks), in SQL (``civgeo_numbering_findings``):

- ``wrong_parity``: an odd number on the even side or the reverse;
- ``duplicate``: two current doors with one number;
- ``out_of_order``: a number that breaks the rising order along its side (a door whose
  removal restores the order of its neighbours);
- ``reversed``: a whole side numbered from the wrong end;
- ``gap``: more numbers missing between two doors than their frontage reserves;
- ``too_far``: a door farther from its road than the tolerance;
- ``wrong_road``: a door far from its road and much nearer another;
- ``unnumbered`` and ``bad_number`` (a number from an old register that is not one, 12A).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.db import fetch_all, load_queries
from geo.errors import InvalidInput
from geo.plates import roads, rules

_Q = load_queries(__file__)
KINDS = ("wrong_parity", "duplicate", "out_of_order", "reversed", "gap", "too_far",
         "wrong_road", "unnumbered", "bad_number")
LABELS = {
    "wrong_parity": "单双号错位 wrong parity for its side",
    "duplicate": "重号 duplicate number",
    "out_of_order": "顺序错乱 out of order along the road",
    "reversed": "编号方向相反 side numbered from the wrong end",
    "gap": "跳号 numbers missing",
    "too_far": "离路过远 too far from its road",
    "wrong_road": "挂错路 on the wrong road",
    "unnumbered": "未编号 no number",
    "bad_number": "号码不规范 not a valid house number",
}


def _message(row: dict, road: dict) -> str:
    d, kind = row["detail"], row["kind"]
    label = row["label"] or row["number_raw"] or "an unnumbered door"
    if kind == "wrong_parity":
        return f"{label} is on the {d['side']} side, which takes {d['expected']} numbers"
    if kind == "duplicate":
        return f"{label} is on {d['count']} doors"
    if kind == "out_of_order":
        before, after = d.get("previous"), d.get("next")
        if before is not None and after is not None:
            return f"{label} is out of order between {_num(before)} and {_num(after)}"
        if before is not None:
            return (f"{label} comes after {_num(before)} along the road; numbers should "
                    "rise")
        return f"{label} comes before {_num(after)} along the road; numbers should rise"
    if kind == "reversed":
        return (f"the {d['parity']} side falls {d['descending']} times and rises "
                f"{d['ascending']} times: it is numbered from the wrong end")
    if kind == "gap":
        before = f"{d['previous']}号" if d["previous"] else "the start"
        return (f"{d['missing']} numbers are missing between {before} and {label} on "
                f"{d['frontage_m']} m of frontage (the rule reserves {int(d['reserved'])})")
    if kind == "too_far":
        return (f"{label} is {d['offset_m']} m from {road['name']} "
                f"(tolerance {d['tolerance_m']:.0f} m)")
    if kind == "wrong_road":
        return (f"{label} is {d['offset_m']} m from {road['name']} but {d['nearest_m']} m "
                f"from {d['nearest_road']}")
    if kind == "bad_number":
        try:
            rules.parse_number(row["number_raw"])
        except InvalidInput as exc:
            return exc.detail
        return f"{row['number_raw']} is written in a non-standard way"
    return "the door has no number"


def _num(value: float) -> str:
    number = int(value)
    sub = round((value - number) * 1000)
    return f"{number}-{sub}号" if sub else f"{number}号"


def validate(conn, road_id: int) -> dict:
    """The validation report of one road: summary, findings with messages and positions."""
    road = roads.get(conn, road_id)
    rows = fetch_all(conn, _Q["findings"], {"roads": [road_id],
                                            "defaults": rules.defaults_json()})
    findings = [{**r, "label_kind": LABELS[r["kind"]], "message": _message(r, road)}
                for r in rows]
    summary = {k: 0 for k in KINDS}
    for f in findings:
        summary[f["kind"]] += 1
    flagged = {f["entrance_id"] for f in findings if f["entrance_id"] is not None
               and f["kind"] != "unnumbered"}
    return {"road": {k: road[k] for k in ("id", "name", "division_code", "division_name",
                                          "length_m", "version", "doors", "rule_in_force",
                                          "numbered_against_axis")},
            "summary": summary, "doors": road["doors"], "doors_flagged": len(flagged),
            "ok": not flagged and not summary["reversed"], "findings": findings}


def count_findings(conn, road_ids: list[int]) -> dict[str, int]:
    """Findings by kind over many roads (the benchmark's path)."""
    return {r["kind"]: r["n"] for r in fetch_all(conn, _Q["counts"], {
        "roads": road_ids, "defaults": rules.defaults_json()})}


def counts_by_road(conn, road_ids: list[int]) -> dict[int, dict[str, int]]:
    """Findings by kind for each of the roads (those with none are left out)."""
    out: dict[int, dict[str, int]] = {}
    for r in fetch_all(conn, _Q["counts_by_road"], {"roads": road_ids,
                                                    "defaults": rules.defaults_json()}):
        out.setdefault(r["road_id"], {})[r["kind"]] = r["n"]
    return out


@dataclass(frozen=True)
class RoadMap:
    """What the map of a road's numbering shows: the road (``roads.get``), its doors with
    their positions along it (``roads.positions``) and its validation report."""

    road: dict
    doors: list[dict]
    report: dict
    signs: list[dict] = field(default_factory=list)
    spots: list[dict] = field(default_factory=list)


def road_map(conn, road_id: int) -> RoadMap:
    """A road's numbering and its validation, for its map, with its place-name signs and
    the ends and intersections that need one (``geo.names.signs``); ``NotFound`` for an
    unknown road."""
    from geo.names import signs  # signs build on plates

    road = roads.get(conn, road_id)
    return RoadMap(road, roads.positions(conn, road_id), validate(conn, road_id),
                   signs.list_signs(conn, road=road_id, active=True),
                   signs.spots(conn, road=road_id) if road["status"] == "current" else [])
