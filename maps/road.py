"""The map of a road's house numbering (门牌编号, ``GET /maps/roads/{road_id}``, DOMAIN §C):
the road with chevrons in the numbering direction, its doors coloured by the parity of their
side, the order of the numbers along each side, and the doors that validation flags.

``road_map`` draws a ``RoadMap`` (``geo.plates.validation.road_map``).
Every arrow is a plain polyline computed here: folium's arrow plugins load from CDNs, and
maps must work with no internet (DESIGN §5).
"""

from __future__ import annotations

import math

import folium
import geopandas as gpd
from shapely.geometry import LineString, Point, shape

from geo.crs import LocalMetres
from geo.plates import rules, validation
from geo.plates.validation import RoadMap
from maps.base import (
    MapSettings,
    add_legend,
    add_title_box,
    banner,
    base_map,
    for_display,
    inert_text,
    latlon,
    popup,
    shown,
)

ROAD_COLOUR = "#555555"
DIRECTION_COLOUR = "#111111"
SIDE_COLOURS = {True: "#1f78b4", False: "#ff7f00"}       # odd side, even side
UNNUMBERED_COLOUR = "#9e9e9e"
FINDING_COLOUR = "#e31a1c"
SIGN_COLOUR = "#0b4ea2"             # GB 17733 signs are white on blue
SIGN_OUTDATED_COLOUR = "#ff9f1c"
_SIDE_ZH = {True: "单号侧", False: "双号侧"}
_SIDE_EN = {True: "odd side", False: "even side"}
_HANDS = {"left": "左侧 left", "right": "右侧 right"}
_COMPASS = {"east": "东 east", "west": "西 west", "north": "北 north", "south": "南 south"}
_PAD_DEG = 0.0005
# Numbers are written beside the doors while a side has at most this many (at the zoom that
# fits the road they would overlap beyond it); more doors get their number on hover.
_LABELS_PER_SIDE_MAX = 25
_DIRECTION_CHEVRONS = 10  # chevrons along the road, at most
_CHEVRON_STEP_MIN_M = 15.0


def _chevron(local: LocalMetres, tip: tuple[float, float], heading: tuple[float, float],
             size_m: float) -> LineString:
    """A '>' of ``size_m`` metres, its point at ``tip`` (metres), facing ``heading``."""
    norm = math.hypot(*heading) or 1.0
    dx, dy = heading[0] / norm, heading[1] / norm
    back = (tip[0] - size_m * dx, tip[1] - size_m * dy)
    wings = [(back[0] + s * 0.6 * size_m * -dy, back[1] + s * 0.6 * size_m * dx) for s in (1, -1)]
    return LineString([local.degrees(*wings[0]), local.degrees(*tip), local.degrees(*wings[1])])


def _numbering_line(road: dict) -> LineString:
    """The axis in the numbering direction (numbering runs from its last vertex when
    ``numbered_against_axis``)."""
    coords = road["axis"]["coordinates"]
    return LineString(coords[::-1] if road["numbered_against_axis"] else coords)


def _start_end(road: dict) -> str:
    """Where the numbering starts, e.g. '东 east end'; a loop road's ends meet, so there the
    chevrons say it."""
    line = _numbering_line(road)
    local = LocalMetres(line.coords[0][1])
    (x0, y0), (x1, y1) = (local.metres(*line.coords[0]), local.metres(*line.coords[-1]))
    dx, dy = x0 - x1, y0 - y1
    if math.hypot(dx, dy) < 1.0:
        return "point where the loop closes (see the chevrons)"
    if abs(dx) >= abs(dy):
        return _COMPASS["east" if dx > 0 else "west"] + " end"
    return _COMPASS["north" if dy > 0 else "south"] + " end"


def _door_label(door: dict) -> str:
    return (rules.label(door["number"], door["sub"]) or door.get("number_raw")
            or "未编号 unnumbered")


def _number_key(door: dict) -> tuple[int, int]:
    return door["number"], door["sub"] or 0


def _bounds(road: dict, doors: list[dict],
            findings: list[dict]) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = shape(road["geometry"]).bounds
    for p in [*doors, *findings]:
        if p.get("lon") is not None:
            minx, maxx = min(minx, p["lon"]), max(maxx, p["lon"])
            miny, maxy = min(miny, p["lat"]), max(maxy, p["lat"])
    return minx - _PAD_DEG, miny - _PAD_DEG, maxx + _PAD_DEG, maxy + _PAD_DEG


def _road(m: folium.Map, road: dict, settings: MapSettings) -> None:
    shown = for_display(gpd.GeoDataFrame(geometry=[shape(road["geometry"])], crs=4490),
                        settings)
    group = folium.FeatureGroup(name="道路 road")
    folium.GeoJson(
        shown, style_function=lambda _f: {"color": ROAD_COLOUR, "weight": 6, "opacity": 0.6},
        tooltip=inert_text(road["name"]),
        popup=popup(road["name"], [
            ("所在区县 county", road.get("division_name")),
            ("长度 length", f"{float(road['length_m']):,.1f} m"),
            ("门牌 doors", road["doors"])])).add_to(group)
    group.add_to(m)


def _direction(m: folium.Map, road: dict, settings: MapSettings) -> None:
    """Chevrons along the axis, pointing the way the numbers rise."""
    line = _numbering_line(road)
    local = LocalMetres(line.coords[0][1])
    metric = LineString([local.metres(*c) for c in line.coords])
    count = max(1, min(_DIRECTION_CHEVRONS, int(metric.length // _CHEVRON_STEP_MIN_M)))
    step = metric.length / count
    size = min(max(0.3 * step, 2.0), 80.0)
    chevrons = []
    for i in range(count):
        at = (i + 0.5) * step
        before, tip, after = (metric.interpolate(d) for d in (at - 0.5, at, at + 0.5))
        chevrons.append(_chevron(local, (tip.x, tip.y),
                                 (after.x - before.x, after.y - before.y), size))
    group = folium.FeatureGroup(name="编号方向 numbering direction")
    tip = inert_text(f"编号方向 numbering direction (from the {_start_end(road)})")
    for chevron in shown(chevrons, settings):
        folium.PolyLine(latlon(chevron), color=DIRECTION_COLOUR, weight=3,
                        tooltip=tip).add_to(group)
    group.add_to(m)


def _door_rows(road: dict, door: dict, messages: list[dict]) -> list[tuple[str, object]]:
    hand, odd = _HANDS.get(door["side"], door["side"]), door["odd"]
    rows: list[tuple[str, object]] = [
        ("门牌号 number", _door_label(door)),
        ("原登记 as registered", door.get("number_raw") if door["number"] is not None else None),
        ("所在侧 side", f"{hand}, {_SIDE_ZH[odd]} {_SIDE_EN[odd]} (looking along the numbering)"),
        ("沿路 along the road", f"{door['measure_m']:,.1f} m from the start of the numbering"),
        ("离路 offset from the road", f"{door['offset_m']:,.1f} m"),
    ]
    return rows + [(f["label_kind"], f["message"]) for f in messages]


def _doors(m: folium.Map, road: dict, doors: list[dict], by_door: dict[int, list[dict]],
           settings: MapSettings) -> None:
    """One layer per side; each door coloured by its side's parity, unnumbered ones grey."""
    per_side = max(sum(d["odd"] is odd for d in doors) for odd in (True, False))
    permanent = per_side <= _LABELS_PER_SIDE_MAX
    for odd in (True, False):
        side = [d for d in doors if d["odd"] is odd]
        if not side:
            continue
        away = _away_from_road(road, side)
        group = folium.FeatureGroup(name=f"{_SIDE_ZH[odd]}门牌 doors on the {_SIDE_EN[odd]}")
        points = shown([Point(d["lon"], d["lat"]) for d in side], settings)
        for door, point, direction in zip(side, points, away, strict=True):
            numbered = door["number"] is not None
            label = _door_label(door)
            short = label if numbered or door.get("number_raw") else "?"
            folium.CircleMarker(
                [point.y, point.x], radius=6, color="#000", weight=1, fill=True,
                fill_color=SIDE_COLOURS[odd] if numbered else UNNUMBERED_COLOUR,
                fill_opacity=0.9,
                popup=popup(f"{road['name']} {label}",
                             _door_rows(road, door, by_door.get(door["entrance_id"], []))),
                tooltip=folium.Tooltip(inert_text(short),
                                       permanent=permanent, sticky=False, direction=direction,
                                       class_name="civgeo-door-label")).add_to(group)
        group.add_to(m)


def _away_from_road(road: dict, doors: list[dict]) -> list[str]:
    """For each door, the tooltip direction (top, bottom, left, right) pointing away from the
    road, so the labels of the two sides do not cover the road or each other."""
    local = LocalMetres(doors[0]["lat"])
    axis = LineString([local.metres(*c) for c in road["axis"]["coordinates"]])
    directions = []
    for door in doors:
        at = Point(local.metres(door["lon"], door["lat"]))
        foot = axis.interpolate(axis.project(at))
        dx, dy = at.x - foot.x, at.y - foot.y
        if abs(dx) > abs(dy):
            directions.append("right" if dx > 0 else "left")
        else:
            directions.append("top" if dy >= 0 else "bottom")
    return directions


def _steps(side: list[dict]) -> list[tuple[dict, dict]]:
    numbered = [d for d in side if d["number"] is not None]
    return list(zip(numbered, numbered[1:], strict=False))


def _order(m: folium.Map, road: dict, doors: list[dict], settings: MapSettings) -> bool:
    """Per side, a line through the numbered doors in order along the road, a chevron in the
    middle of each step; a step where the number does not rise is red and dashed. Returns
    whether any step does not rise."""
    # Chevrons at most about 1 % of the road long stay a few pixels wide at the zoom fitting it.
    largest_m = max(0.012 * float(road["length_m"]), 2.0)
    falls = False
    for odd in (True, False):
        steps = _steps([d for d in doors if d["odd"] is odd])
        if not steps:
            continue
        group = folium.FeatureGroup(name=f"{_SIDE_ZH[odd]}顺序 order along the {_SIDE_EN[odd]}")
        for a, b in steps:
            rises = _number_key(b) > _number_key(a)
            falls |= not rises
            colour = SIDE_COLOURS[odd] if rises else FINDING_COLOUR
            tip = inert_text(f"{_door_label(a)} → {_door_label(b)}"
                             + ("" if rises else " (does not rise 未递增)"))
            for stroke in shown(_step_strokes(a, b, largest_m), settings):
                folium.PolyLine(latlon(stroke), color=colour, weight=2, opacity=0.9,
                                dash_array=None if rises else "6 4", tooltip=tip).add_to(group)
        group.add_to(m)
    return falls


def _step_strokes(a: dict, b: dict, largest_m: float) -> list[LineString]:
    """The line from door a to door b and a chevron at its middle pointing towards b."""
    local = LocalMetres(a["lat"])
    (ax, ay), (bx, by) = local.metres(a["lon"], a["lat"]), local.metres(b["lon"], b["lat"])
    strokes = [LineString([(a["lon"], a["lat"]), (b["lon"], b["lat"])])]
    length = math.hypot(bx - ax, by - ay)
    if length >= 0.5:   # doors side by side get no chevron: it would have no direction
        size = min(0.25 * length, largest_m)
        tip = ((ax + bx) / 2 + 0.5 * size * (bx - ax) / length,
               (ay + by) / 2 + 0.5 * size * (by - ay) / length)
        strokes.append(_chevron(local, tip, (bx - ax, by - ay), size))
    return strokes


def _findings_by_door(report: dict) -> dict[int, list[dict]]:
    by_door: dict[int, list[dict]] = {}
    for f in report["findings"]:
        if f["entrance_id"] is not None:
            by_door.setdefault(f["entrance_id"], []).append(f)
    return by_door


def _flagged(m: folium.Map, road: dict, doors: list[dict], by_door: dict[int, list[dict]],
             settings: MapSettings) -> int:
    """A red ring around each door validation flags (a missing number alone is not a flag:
    those doors are grey); returns how many were ringed."""
    where = {d["entrance_id"]: d for d in doors}
    flagged = [(door_id, found) for door_id, found in by_door.items()
               if any(f["kind"] != "unnumbered" for f in found)]
    if not flagged:
        return 0
    group = folium.FeatureGroup(name="校验问题 validation findings")
    points = shown([Point(found[0]["lon"], found[0]["lat"]) for _id, found in flagged],
                    settings)
    for (door_id, found), point in zip(flagged, points, strict=True):
        door = where.get(door_id)
        label = _door_label(door) if door else (found[0]["label"] or found[0]["number_raw"])
        rows = (_door_rows(road, door, found) if door
                else [(f["label_kind"], f["message"]) for f in found])
        folium.CircleMarker(
            [point.y, point.x], radius=11, color=FINDING_COLOUR, weight=3, fill=False,
            class_name="civgeo-finding", popup=popup(f"{road['name']} {label or ''}", rows),
            tooltip=inert_text("; ".join(f["label_kind"] for f in found))).add_to(group)
    group.add_to(m)
    return len(flagged)


def _signs(m: folium.Map, road: dict, numbering: RoadMap, settings: MapSettings) -> dict:
    """The road's place-name signs (地名标志: blue squares, orange when outdated, red when
    damaged or missing) and the ends and intersections with no sign (red hollow squares);
    returns what was drawn, by kind."""
    drawn = {"signs": 0, "outdated": 0, "broken": 0, "gaps": 0}
    group = folium.FeatureGroup(name="地名标志 place-name signs")
    points = shown([Point(s["lon"], s["lat"]) for s in numbering.signs], settings)
    for sign, point in zip(numbering.signs, points, strict=True):
        broken = sign["status"] in ("damaged", "missing")
        colour = (FINDING_COLOUR if broken else SIGN_OUTDATED_COLOUR if sign["outdated"]
                  else SIGN_COLOUR)
        drawn["signs"] += 1
        drawn["broken"] += broken
        drawn["outdated"] += bool(sign["outdated"]) and not broken
        folium.Marker(
            [point.y, point.x], icon=_diamond("civgeo-sign", f"background:{colour};"
                                                             "border:2px solid #fff", 12),
            tooltip=inert_text(f"路牌 sign {sign['printed_name']} {sign['printed_roman'] or ''}"),
            popup=popup(f"地名标志 sign No. {sign['id']}", [
                ("标志显示 shows", f"{sign['printed_name']} {sign['printed_roman'] or ''}"),
                ("标准名称 standard name", f"{sign['standard_name']} "
                                           f"{sign['standard_roman'] or ''}"),
                ("状态 status", plates_status(sign["status"])),
                ("需更换 to replace", "; ".join(r["message"] for r in sign["outdated"]))])
        ).add_to(group)
    gaps = [s for s in numbering.spots if s["sign_id"] is None]
    for spot, point in zip(gaps, shown([Point(g["lon"], g["lat"]) for g in gaps], settings),
                           strict=True):
        drawn["gaps"] += 1
        where = "路口 intersection" if spot["why"] == "intersection" else "端点 road end"
        folium.Marker(
            [point.y, point.x], icon=_diamond("civgeo-sign-gap",
                                              f"border:3px solid {FINDING_COLOUR}", 14),
            tooltip=inert_text(f"缺少路牌 no sign: {where}"
                               + (f" · {spot['crossing']}" if spot["crossing"] else "")),
            popup=popup("缺少路牌 no street sign here", [
                ("位置 where", where), ("相交道路 crossing", spot["crossing"]),
                ("坐标 position", f"{spot['lon']:.6f}, {spot['lat']:.6f}"),
                ("搜索半径 radius", f"{spot['radius_m']:.0f} m")])).add_to(group)
    if numbering.signs or gaps:
        group.add_to(m)
    return drawn


def _diamond(css_class: str, style: str, size: int) -> folium.DivIcon:
    """A square standing on its corner, drawn by CSS (no marker plugin: maps work offline)."""
    return folium.DivIcon(
        html=f'<div class="{css_class}" style="width:{size}px;height:{size}px;{style};'
             'box-sizing:border-box;transform:rotate(45deg)"></div>',
        icon_size=(size, size), icon_anchor=(size // 2, size // 2), class_name="")


def plates_status(status: str) -> str:
    """A plate's or sign's status as the maps write it (Chinese and English)."""
    from geo.plates.plates import STATUS_LABELS
    return STATUS_LABELS[status]


def _title_box(m: folium.Map, road: dict, report: dict, numbering: RoadMap,
               signed: dict) -> None:
    odd_hand = _HANDS[road["rule_in_force"]["odd_side"]]
    lines = [
        " · ".join(x for x in (road.get("division_name"),
                               f"长度 length {float(road['length_m']):,.0f} m",
                               f"门牌 doors: {report['doors']}") if x),
        f"编号起点 numbering starts at the {_start_end(road)}; "
        f"单号 odd numbers on the {odd_hand} side",
    ]
    found = [(validation.LABELS[k], n) for k, n in report["summary"].items() if n]
    if found:
        lines.append(f"有问题的门牌 doors flagged: {report['doors_flagged']} / {report['doors']}")
        lines += [f"{label}: {n}" for label, n in found]
    if numbering.spots:
        lines.append(f"地名标志 signs: {len(numbering.signs)} · 路口和端点 spots "
                     f"{len(numbering.spots)} · 缺少路牌 without a sign {signed['gaps']}"
                     + (f" · 需更换 outdated {signed['outdated']}" if signed["outdated"] else ""))
    banners = banner("校验通过 numbering passes validation", ok=True) if report["ok"] else ""
    banners += "".join(banner(validation.LABELS["reversed"] + ": " + f["message"])
                       for f in report["findings"] if f["kind"] == "reversed")
    add_title_box(m, f"{road['name']} 门牌编号 house numbering", lines, banners=banners)


def road_map(numbering: RoadMap, *, settings: MapSettings) -> folium.Map:
    """The road and its numbering direction, doors by the parity of their side, the order
    of the numbers along each side and the doors validation flags, with a title box
    (length, doors, findings by kind, OK), legend and layer control.

    ``numbering`` is ``geo.plates.validation.road_map``.
    """
    road, doors, report = numbering.road, numbering.doors, numbering.report
    m = base_map(_bounds(road, doors, report["findings"]), settings)
    by_door = _findings_by_door(report)
    _road(m, road, settings)
    _direction(m, road, settings)
    falls = _order(m, road, doors, settings)
    _doors(m, road, doors, by_door, settings)
    ringed = _flagged(m, road, doors, by_door, settings)
    signed = _signs(m, road, numbering, settings)
    folium.LayerControl(collapsed=False).add_to(m)
    _title_box(m, road, report, numbering, signed)
    sides = {d["odd"] for d in doors if d["number"] is not None}
    add_legend(m, "图例 legend", [
        (f"border-top:4px solid {ROAD_COLOUR};height:0", "道路 road"),
        (f"border-top:3px solid {DIRECTION_COLOUR};height:0",
         "› 编号方向 numbering direction (chevrons)"),
        *[(f"background:{SIDE_COLOURS[odd]};border-radius:7px",
           f"{_SIDE_ZH[odd]}门牌 door on the {_SIDE_EN[odd]}, and the order of its numbers")
          for odd in (True, False) if odd in sides],
        *([(f"background:{UNNUMBERED_COLOUR};border-radius:7px", "未编号 unnumbered door")]
          if any(d["number"] is None for d in doors) else []),
        *([(f"border-top:2px dashed {FINDING_COLOUR};height:0",
            "编号未递增 number does not rise along the side")] if falls else []),
        *([(f"border:3px solid {FINDING_COLOUR};border-radius:7px",
            "校验问题 door with a validation finding")] if ringed else []),
        *([(f"background:{SIGN_COLOUR};transform:rotate(45deg);width:9px;height:9px",
            "地名标志 street sign")] if signed["signs"] else []),
        *([(f"background:{SIGN_OUTDATED_COLOUR};transform:rotate(45deg);width:9px;height:9px",
            "需更换的标志 outdated sign")] if signed["outdated"] else []),
        *([(f"background:{FINDING_COLOUR};transform:rotate(45deg);width:9px;height:9px",
            "损坏或缺失的标志 damaged or missing sign")] if signed["broken"] else []),
        *([(f"border:2px solid {FINDING_COLOUR};transform:rotate(45deg);width:7px;height:7px",
            "缺少路牌 road end or intersection without a sign")] if signed["gaps"] else [])])
    return m
