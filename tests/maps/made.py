"""Domain results made by hand for the map and print tests, so that they need no database.

``inspection_report`` is the world of ``tests/geo/boundaries/reported.py`` as
``geo.boundaries.report`` returns it: the 4 km line 甲乙线 (T9901) between 甲县 (990101) and
乙县 (990102), markers A–D every kilometre from 500 m, the 2024 inspection led by 甲县, one
patrol covering 1000–3000 m (half the line), A intact, B displaced 12 m north-east, C lost,
D unchecked, and one construction hazard 100 m south of the line near C.
"""

from __future__ import annotations

import datetime as dt
import math

from fixtures.grid import Grid
from geo.boundaries.patrols import ACTIONS
from geo.boundaries.report import InspectionReport

GRID = Grid("""
    1---------A----------t--------B-------------------C--------u----------D---------2

                                                h
""", origin=(106.0, 46.0), step_m=50)
LEFT, RIGHT, NUMBER = "990101", "990102", "T9901"
BEIJING = dt.timezone(dt.timedelta(hours=8))


def _at(day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2024, 5, day, hour, minute, tzinfo=BEIJING)


def _moved(label: str, metres: float, bearing_deg: float) -> list[float]:
    """The point ``metres`` from a grid point towards ``bearing_deg`` (north = 0)."""
    lon, lat = GRID[label]
    dx = metres * math.sin(math.radians(bearing_deg))
    dy = metres * math.cos(math.radians(bearing_deg))
    return [lon + dx / (111_320.0 * math.cos(math.radians(lat))), lat + dy / 110_574.0]


def _check(condition: str, minute: int, **extra) -> dict:
    return {"condition": condition, "required_action": ACTIONS[condition],
            "recorded_action": "field note", "note": None, "checked_at": _at(1, 8, minute),
            "recorded_by": "张三", "measured": None, "displacement_m": None,
            "reported_displacement_m": None, "over_tolerance": False, "photos": 0,
            "photos_pending": 0, **extra}


def _marker(seq: int, label: str, custodian: str, check: dict | None, names: dict) -> dict:
    lon, lat = GRID[label]
    surveyed = label == "A"
    return {"id": seq, "marker_no": f"{NUMBER}{seq:03d}Q", "seq": seq, "type": "Q",
            "form": "双面型", "custodian_code": custodian, "custodian_name": names[custodian],
            "lon": lon, "lat": lat, "source_x": 36512345.678 if surveyed else None,
            "source_y": 5094321.5 if surveyed else None,
            "source_datum": "Xian1980" if surveyed else "CGCS2000", "elevation_m": None,
            "register_condition": "intact", "registered_on": None, "check": check}


def _side(code: str, team: str, members: list[str], names: dict) -> dict:
    return {"code": code, "name": names[code],
            "team": {"id": 1 if code == LEFT else 2, "name": team, "side_code": code,
                     "members": members}}


def inspection_report(*, signed: tuple[str, ...] = (), inspection: bool = True,
                      text: str = "") -> InspectionReport:
    """The report of the 2024 inspection (or of the line alone); ``signed`` sides have
    signed; ``text`` is put into the line's name, a side's name and the hazard."""
    names = {LEFT: text or "甲县", RIGHT: "乙县"}
    line = {"id": 1, "number": NUMBER, "name": text or "甲乙线", "level": "county",
            "left": {"code": LEFT, "name": names[LEFT]},
            "right": {"code": RIGHT, "name": names[RIGHT]},
            "agreement": "甲乙县界线协议书（2001）", "length_m": 4007.0, "source": "test",
            "geometry": {"type": "MultiLineString", "coordinates": [[GRID["1"], GRID["2"]]]}}
    checks = [_check("intact", 10),
              _check("displaced", 12, measured=_moved("B", 12, 45), displacement_m=12.0,
                     over_tolerance=True, photos=2, photos_pending=1),
              _check("lost", 15), None] if inspection else [None] * 4
    markers = [_marker(seq, label, custodian, check, names)
               for seq, label, custodian, check in
               zip((1, 2, 3, 4), "ABCD", (LEFT, RIGHT, LEFT, RIGHT), checks, strict=True)]
    if not inspection:
        return InspectionReport(line, None, [], False, [], [], markers, [],
                                _completion(markers, [], None), _settings(),
                                _at(4, 12, 0))
    signatures = [{"side_code": c, "side_name": names[c], "signed_by": by,
                   "signed_at": _at(6, 9, 0)}
                  for c, by in ((LEFT, "张三"), (RIGHT, "王五")) if c in signed]
    unsigned = [{"code": c, "name": names[c]} for c in (LEFT, RIGHT) if c not in signed]
    patrol = {"id": 1, "uuid": "00000000-0000-4000-8000-000000000001", "side_code": LEFT,
              "side_name": names[LEFT], "team": "甲县联检组", "members": ["张三", "王五"],
              "started_at": _at(1, 8, 0), "ended_at": _at(1, 8, 20), "length_m": 1900,
              "raw_points": 5, "track_points": 3, "notes": None, "recorded_by": "张三",
              "photos": 0, "track": {"type": "LineString",
                                     "coordinates": [GRID["t"], GRID["B"], GRID["u"]]}}
    hazard = {"no": "H1", "id": 1, "uuid": "00000000-0000-4000-8000-000000000002",
              "kind": "construction", "description": f"{text}界桩附近施工",
              "lon": GRID["h"][0], "lat": GRID["h"][1], "from_line_m": 100.0,
              "near_marker": f"{NUMBER}003Q", "near_marker_m": 111.8, "status": "in_progress",
              "follow_up": [{"at": "2024-05-03", "by": "李四", "note": "已通知停工",
                             "status": "in_progress"}],
              "reported_at": _at(1, 8, 30), "closed_at": None, "recorded_by": "李四",
              "photos": 0}
    inspection_row = {"id": 2, "year": 2024, "kind": "regular", "reason": None,
                      "status": "signed" if len(signatures) == 2 else "in_progress",
                      "version": 1, "created_at": _at(1, 7, 0),
                      "signed_at": _at(6, 9, 0) if len(signatures) == 2 else None,
                      "lead": _side(LEFT, "甲县联检组", ["张三", "李四"], names),
                      "support": _side(RIGHT, "乙县联检组", ["王五"], names)}
    share = {"share": 0.5, "patrolled_m": 2003.5, "line_m": 4007.0,
             "segments": [(1001.8, 3005.3)], "gaps": [(0.0, 1001.8), (3005.3, 4007.0)]}
    return InspectionReport(line, inspection_row, signatures, not unsigned, unsigned,
                            [patrol], markers, [hazard], _completion(markers, [hazard], share),
                            _settings(), _at(4, 12, 0))


def _settings() -> dict:
    return {"patrol_tolerance_m": 50, "displacement_tolerance_m": 1.0}


def _completion(markers: list[dict], hazards: list[dict], share: dict | None) -> dict:
    checks = [m["check"] for m in markers if m["check"]]
    by_condition: dict[str, int] = {}
    for k in checks:
        by_condition[k["condition"]] = by_condition.get(k["condition"], 0) + 1
    needing = {c: n for c, n in by_condition.items() if c != "intact"}
    share = share or {}
    return {"markers_total": len(markers), "markers_checked": len(checks),
            "markers_unchecked": len(markers) - len(checks), "by_condition": by_condition,
            "needing_action": needing, "markers_needing_action": sum(needing.values()),
            "displaced_over_tolerance": sum(k["over_tolerance"] for k in checks),
            "hazards": len(hazards),
            "open_hazards": sum(h["status"] != "closed" for h in hazards),
            "patrolled_share": share.get("share"), "patrolled_m": share.get("patrolled_m"),
            "line_m": share.get("line_m"), "patrolled_segments": share.get("segments", []),
            "unpatrolled_segments": share.get("gaps", [])}
