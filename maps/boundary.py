"""The interactive map of a boundary line (``GET /maps/boundary/{line_id}``, DOMAIN §D): the
line, its markers coloured by their condition in the inspection, displacement arrows from
the registered to the measured position, patrol tracks per side (segment by segment, each
gap a dashed line labelled with its duration, length and cause) and hazards.

``boundary_map`` draws an ``InspectionReport`` (``geo.boundaries.report.line_map``): the
line's latest inspection unless one was asked for, or its registered markers.
"""

from __future__ import annotations

import math

import folium
import geopandas as gpd
from shapely.geometry import LineString, MultiLineString, Point, shape

from geo.boundaries.report import InspectionReport
from geo.clock import local_time
from geo.crs import LocalMetres
from maps import inspection_report as reports
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

_PAD_DEG = 0.002
WORDS = reports.LABELS
_ROLES = {"lead": "主查方 lead side", "support": "协查方 supporting side", "other": "side"}
_HEAD = 0.3          # arrowhead length, as a share of the arrow
_HEAD_ANGLE = 25.0   # degrees either side of the shaft
_TRIANGLE = ('<svg class="civgeo-hazard" width="18" height="16"><path d="M9,1 L17,15 L1,15 Z" '
             f'fill="{reports.HAZARD_COLOUR}" stroke="#000"/></svg>')


def _arrow(start: tuple[float, float], end: tuple[float, float]) -> list[LineString]:
    """The shaft and two head strokes of an arrow, drawn in local metres."""
    local = LocalMetres(start[1])
    dx, dy = (a - b for a, b in zip(local.metres(*end), local.metres(*start), strict=True))
    strokes = [LineString([start, end])]
    for turn in (-_HEAD_ANGLE, _HEAD_ANGLE):
        a = math.atan2(dy, dx) + math.pi + math.radians(turn)
        hx, hy = local.degrees(_HEAD * math.hypot(dx, dy) * math.cos(a),
                               _HEAD * math.hypot(dx, dy) * math.sin(a))
        strokes.append(LineString([end, (end[0] + hx, end[1] + hy)]))
    return strokes


def _bounds(report: InspectionReport) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = shape(report.line["geometry"]).bounds
    for m in report.markers:
        minx, maxx = min(minx, m["lon"]), max(maxx, m["lon"])
        miny, maxy = min(miny, m["lat"]), max(maxy, m["lat"])
    return minx - _PAD_DEG, miny - _PAD_DEG, maxx + _PAD_DEG, maxy + _PAD_DEG


def _line(m: folium.Map, report: InspectionReport, settings: MapSettings) -> None:
    line = report.line
    shown = for_display(gpd.GeoDataFrame(geometry=[shape(line["geometry"])], crs=4490), settings)
    folium.GeoJson(
        shown, name="行政区域界线 boundary line",
        style_function=lambda _f: {"color": reports.LINE_COLOUR, "weight": 3,
                                   "dashArray": "12 4 2 4"},
        tooltip=inert_text(f"{line['name']} {line['number']}"),
        popup=popup(f"{line['name']}（{line['number']}）", [
            ("级别 level", WORDS.level[line["level"]]),
            ("双方 parties", f"{line['left']['name'] or ''} {line['left']['code']} — "
                             f"{line['right']['name'] or ''} {line['right']['code']}"),
            ("协议书 agreement", line["agreement"]),
            ("长度 length", f"{line['length_m'] / 1000:,.2f} km")])).add_to(m)


def _tracks(m: folium.Map, report: InspectionReport,
            settings: MapSettings) -> list[tuple[str, str]]:
    """One layer per side, each track drawn segment by segment (never across a gap; a
    one-fix segment as a dot); returns legend rows."""
    legend = []
    sides: dict[str, list[dict]] = {}
    for p in report.patrols:
        if p["track"]:
            sides.setdefault(p["side_code"], []).append(p)
    for code, patrols in sides.items():
        role = reports.side_role(report, code)
        colour = reports.SIDE_COLOURS[role]
        side = " ".join(x for x in (patrols[0]["side_name"], code) if x)
        label = f"巡线轨迹 patrol tracks: {side}"
        group = folium.FeatureGroup(name=inert_text(label))
        lines = shown([shape(p["track"]) for p in patrols], settings)
        for p, line in zip(patrols, lines, strict=True):
            parts = list(line.geoms) if isinstance(line, MultiLineString) else [line]
            folium.PolyLine([latlon(part) for part in parts], color=colour, weight=6,
                            opacity=0.5, tooltip=inert_text(f"{side} patrol"),
                            popup=_patrol_popup(p)).add_to(group)
            for part in parts:
                if part.length == 0:                  # a one-fix segment
                    folium.CircleMarker(latlon(part)[0], radius=4, color=colour, weight=0,
                                        fill=True, fill_opacity=0.7,
                                        tooltip=inert_text(f"{side} patrol")).add_to(group)
        group.add_to(m)
        # The legend is named by role and code: it holds no user text.
        legend.append((f"background:{colour};opacity:.5",
                       f"巡线轨迹 patrol tracks: {_ROLES[role]} {code}"))
    return legend


def _gaps(m: folium.Map, report: InspectionReport, settings: MapSettings) -> bool:
    """Each gap in a track as a dashed line across it, labelled with its duration, straight
    length and cause; True when there is one."""
    gaps = [g for g in reports.report_gaps(report) if g["line"]]
    if not gaps:
        return False
    group = folium.FeatureGroup(name="轨迹间断 gaps in the tracks (not patrolled)")
    lines = shown([LineString(g["line"]) for g in gaps], settings)
    for g, line in zip(gaps, lines, strict=True):
        folium.PolyLine(latlon(line), color=reports.GAP_COLOUR, weight=2.5, dash_array="6 6",
                        tooltip=inert_text(reports.gap_label(g)),
                        popup=popup(f"轨迹间断 gap {g['no']}", [
                            ("一方 side", f"{g['side_name'] or ''} {g['side_code']}"),
                            ("检查组 team", g["team"]),
                            ("起 from", g["start_local"] or None),
                            ("止 to", g["end_local"] or None),
                            ("时长 duration", g["duration"]),
                            ("直线距离 straight distance", f"{g['metres']:,.0f} m"),
                            ("原因 cause", g["cause_label"])])).add_to(group)
    group.add_to(m)
    return True


def _patrol_popup(p: dict) -> folium.Popup:
    return popup("巡线 patrol", [
        ("一方 side", f"{p['side_name'] or ''} {p['side_code']}"),
        ("检查组 team", p["team"]),
        ("时间 dates", f"{local_time(p['started_at'])} — {local_time(p['ended_at'])}"),
        ("人员 members", "、".join(p["members"])),
        ("长度 cleaned length", f"{p['length_m'] / 1000:,.2f} km"),
        ("轨迹点 points", f"{p['track_points']} of {p['raw_points']}"),
        ("间断 gaps", len(p.get("gaps") or []))])


def _marker_popup(marker: dict) -> folium.Popup:
    k = marker["check"]
    rows: list[tuple[str, object]] = [
        ("类型 type", marker["type"] + (f" {marker['form']}" if marker["form"] else "")),
        ("管护方 custodian", f"{marker['custodian_name'] or ''} {marker['custodian_code']}"),
        ("登记位置 registered", f"{marker['lon']:.6f}, {marker['lat']:.6f} (CGCS2000)"),
        ("原始坐标 as surveyed", None if marker["source_x"] is None else
         f"{marker['source_x']:.10g}, {marker['source_y']:.10g} ({marker['source_datum']})"),
        ("坐标系 source datum", marker["source_datum"]),
    ]
    if k is None:
        rows += [("本次检查 last check", reports.UNCHECKED[1]),
                 ("登记状况 registered condition", WORDS.condition[marker["register_condition"]])]
    else:
        moved = k["displacement_m"]
        rows += [("状况 condition", WORDS.condition[k["condition"]]),
                 ("检查 last check", f"{local_time(k['checked_at'])} {k['recorded_by']}"),
                 ("位移 displacement", None if moved is None else f"{moved:.2f} m"),
                 ("须采取措施 required action", k["required_action"]),
                 ("备注 note", k["note"]), ("照片 photos", k["photos"])]
    return popup(f"界桩 {marker['marker_no']}", rows)


def _markers(m: folium.Map, report: InspectionReport, settings: MapSettings) -> None:
    group = folium.FeatureGroup(name="界桩 markers by condition")
    points = shown([Point(x["lon"], x["lat"]) for x in report.markers], settings)
    for marker, point in zip(report.markers, points, strict=True):
        k = marker["check"]
        fill = reports.CONDITION_COLOURS[k["condition"]] if k else reports.UNCHECKED[0]
        folium.CircleMarker([point.y, point.x], radius=7, color="#000" if k else "#777",
                            weight=1 if k else 2, dash_array=None if k else "3 2", fill=True,
                            fill_color=fill, fill_opacity=0.9, popup=_marker_popup(marker),
                            tooltip=inert_text(marker["marker_no"])).add_to(group)
    group.add_to(m)


def _displacements(m: folium.Map, report: InspectionReport, settings: MapSettings) -> bool:
    """Arrows from registered to measured positions beyond the tolerance; drawn to scale."""
    tolerance = report.settings["displacement_tolerance_m"]
    moved = [x for x in report.markers if x["check"] and x["check"]["measured"]
             and x["check"]["displacement_m"] > tolerance]
    if not moved:
        return False
    group = folium.FeatureGroup(name="位移 displacement (registered → measured)")
    for marker in moved:
        strokes = shown(_arrow((marker["lon"], marker["lat"]),
                                tuple(marker["check"]["measured"])), settings)
        tip = inert_text(f"{marker['marker_no']}: {marker['check']['displacement_m']:.2f} m")
        for stroke in strokes:
            folium.PolyLine(latlon(stroke), color=reports.ARROW_COLOUR, weight=2.5,
                            tooltip=tip).add_to(group)
    group.add_to(m)
    return True


def _hazards(m: folium.Map, report: InspectionReport, settings: MapSettings) -> None:
    if not report.hazards:
        return
    group = folium.FeatureGroup(name="隐患 hazards")
    points = shown([Point(h["lon"], h["lat"]) for h in report.hazards], settings)
    for h, point in zip(report.hazards, points, strict=True):
        history = "; ".join(
            f"{f.get('at') or ''} {f.get('by') or ''}: {f.get('note') or ''}"
            f" ({WORDS.hazard_status.get(f.get('status'), f.get('status'))})"
            for f in h["follow_up"])
        box = popup(f"隐患 hazard {h['no']}", [
            ("类型 kind", WORDS.hazard_kind[h["kind"]]),
            ("描述 description", h["description"]),
            ("状态 status", WORDS.hazard_status[h["status"]]),
            ("报告 reported", f"{local_time(h['reported_at'])} {h['recorded_by']}"),
            ("近界桩 near marker", h["near_marker"] and
             f"{h['near_marker']} ({h['near_marker_m']:.0f} m)"),
            ("跟进 follow-up", history)])
        folium.Marker([point.y, point.x], icon=folium.DivIcon(html=_TRIANGLE, icon_size=(18, 16),
                                                             icon_anchor=(9, 10)),
                      popup=box,
                      tooltip=inert_text(f"{h['no']} {WORDS.hazard_kind[h['kind']]}: "
                                         f"{WORDS.hazard_status[h['status']]}")).add_to(group)
    group.add_to(m)


def _title_box(m: folium.Map, report: InspectionReport) -> None:
    line, inspection, c = report.line, report.inspection, report.completion
    if inspection is None:
        lines = ["本界线尚无联检 no inspection of this line yet",
                 f"界桩 markers: {c['markers_total']}"]
    else:
        share = c["patrolled_share"]
        lines = [
            f"{inspection['year']} {WORDS.kind[inspection['kind']]} · "
            f"{WORDS.status[inspection['status']]}",
            f"巡线覆盖 patrolled share: {share:.1%} "
            f"({c['patrolled_m'] / 1000:,.2f} of {c['line_m'] / 1000:,.2f} km)",
            f"界桩检查 markers checked: {c['markers_checked']} / {c['markers_total']}; "
            f"需处理 needing action: {c['markers_needing_action']}",
            f"隐患 hazards: {c['hazards']} ({c['open_hazards']} open)"]
    draft = "" if report.signed_by_both else banner("草稿 DRAFT — not signed by both sides")
    add_title_box(m, f"{line['name']}（{line['number']}）联检 joint inspection", lines,
                  banners=draft)


def boundary_map(report: InspectionReport, *, settings: MapSettings) -> folium.Map:
    """The line, markers by condition, displacement arrows, patrol tracks per side with
    their gaps and hazards, with a title box (patrolled share, completion), legend and
    layer control.

    ``report`` is ``geo.boundaries.report.inspection_report`` (or ``line_report``).
    """
    m = base_map(_bounds(report), settings)
    _line(m, report, settings)
    track_legend = _tracks(m, report, settings)
    gaps = _gaps(m, report, settings)
    arrows = _displacements(m, report, settings)
    _markers(m, report, settings)
    _hazards(m, report, settings)
    folium.LayerControl(collapsed=False).add_to(m)
    _title_box(m, report)
    seen = {x["check"]["condition"] if x["check"] else None for x in report.markers}
    add_legend(m, "图例 legend", [
        (f"border-top:3px dashed {reports.LINE_COLOUR};height:0", "行政区域界线 boundary line"),
        *track_legend,
        *([(f"border-top:3px dashed {reports.GAP_COLOUR};height:0",
            "轨迹间断 gap in a track, not patrolled")] if gaps else []),
        *[(f"background:{reports.CONDITION_COLOURS[c]};border-radius:7px", label)
          for c, label in WORDS.condition.items() if c in seen],
        *([("border:2px dashed #777;border-radius:7px", reports.UNCHECKED[1])]
          if None in seen else []),
        *([(f"border-top:3px solid {reports.ARROW_COLOUR};height:0",
            "位移 displacement, registered → measured (to scale)")] if arrows else []),
        *([(f"background:{reports.HAZARD_COLOUR}", "隐患 hazard")]
          if report.hazards else [])])
    return m
