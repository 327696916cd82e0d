"""The joint inspection report (联合检查报告, DOMAIN §D) of a boundary line: gathered from the
database, drawn as a static SVG map, and rendered as printable HTML and as PDF.

``inspection_report`` returns a plain dict that the HTML template, the SVG map and the
interactive map (``maps.boundary``) all read. Its keys:

- ``line``: id, number, name, level, level_label, left and right ({code, name}), agreement,
  length_m (as registered), source, geometry (GeoJSON MultiLineString, lon/lat).
- ``inspection``: None (a line with no inspection), or id, year, kind, kind_label, reason,
  status, status_label, version, created_at, signed_at, and lead and support
  ({code, name, team: {id, name, side_code, members} or None}).
- ``signatures``: [{side_code, side_name, signed_by, signed_at}]; ``signed_by_both``;
  ``unsigned_sides``: [{code, name}] of the lead and support sides that have not signed.
- ``patrols``: [{id, uuid, side_code, side_name, team, members, started_at, ended_at,
  length_m (cleaned), raw_points, track_points, notes, recorded_by, photos, track
  (GeoJSON LineString of the cleaned track, or None)}].
- ``markers``: every marker of the line in sequence: {id, marker_no, seq, type, form,
  custodian_code, custodian_name, lon, lat, source_x, source_y, source_datum, elevation_m,
  register_condition, register_condition_label, registered_on, check}; ``check`` is None
  when the marker has no check in this inspection, else its latest check: {condition,
  condition_label, required_action, recorded_action, note, checked_at, recorded_by,
  measured ([lon, lat] or None), displacement_m, reported_displacement_m, over_tolerance,
  photos, photos_pending}.
- ``hazards``: [{no ("H1" …), id, uuid, kind, kind_label, description, lon, lat,
  from_line_m, near_marker, near_marker_m, status, status_label, follow_up
  ([{at, by, note, status, status_label}]), reported_at, closed_at, recorded_by, photos}].
- ``completion``: markers_total, markers_checked, markers_unchecked, by_condition and
  needing_action ({condition: count}), markers_needing_action, displaced_over_tolerance,
  hazards, open_hazards, patrolled_share (0–1, None without an inspection), patrolled_m,
  line_m, patrolled_segments and unpatrolled_segments ([(from_m, to_m)] along the line).
- ``settings``: patrol_tolerance_m, displacement_tolerance_m; ``generated_at``.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from shapely.geometry import shape

from geo.boundaries import tracks
from geo.boundaries.field import ACTIONS
from geo.boundaries.settings import defaults
from geo.clock import local_time
from geo.db import fetch_all, fetch_one, load_queries
from geo.errors import NotFound

_Q = load_queries(__file__)

# Marker condition -> label, and what DOMAIN §D requires for it.
CONDITION_LABELS = {
    "intact": "完好 intact",
    "damaged": "损坏 damaged",
    "lost": "丢失 lost",
    "displaced": "移位 displaced",
    "reference_incomplete": "方位物不全 reference features incomplete",
    "threatened": "受威胁 threatened",
}
REQUIRED_ACTIONS = ACTIONS   # DOMAIN §D, one wording for the field API and the report
CONDITION_COLOURS = {"intact": "#1a9850", "damaged": "#f46d43", "lost": "#d73027",
                     "displaced": "#762a83", "reference_incomplete": "#4575b4",
                     "threatened": "#e6ab02"}
UNCHECKED = ("#ffffff", "未检查 not checked in this inspection")
LINE_COLOUR = "#b2182b"
ARROW_COLOUR = "#542788"
HAZARD_COLOUR = "#ff7f00"
SIDE_COLOURS = {"lead": "#1f78b4", "support": "#33a02c", "other": "#777777"}

LEVEL_LABELS = {"province": "省级 provincial", "prefecture": "地级 prefectural",
                "county": "县级 county", "township": "乡级 township"}
KIND_LABELS = {"regular": "例行联检 regular (five-yearly)", "ad_hoc": "专项联检 ad hoc"}
STATUS_LABELS = {"planned": "计划中 planned", "in_progress": "进行中 in progress",
                 "signed": "已签署 signed"}
HAZARD_KINDS = {"construction": "跨界建设 construction", "damage": "损毁 damage",
                "dispute": "争议 dispute", "mining": "采矿采砂 mining", "other": "其他 other"}
HAZARD_STATUS = {"open": "未处理 open", "in_progress": "处理中 in progress",
                 "closed": "已办结 closed"}

_TEMPLATES = Path(__file__).parents[2] / "api" / "templates"
_ENV = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))


# ------------------------------------------------------------------ gathering

def inspection_report(conn, inspection_id: int) -> dict:
    """Everything the joint report of one inspection needs (keys: see the module docstring).

    Raises ``NotFound`` for an unknown inspection.
    """
    inspection = fetch_one(conn, _Q["inspection"], {"inspection_id": inspection_id})
    if inspection is None:
        raise NotFound(f"no inspection with id {inspection_id}", field="inspection")
    return _report(conn, inspection["line_id"], inspection)


def line_report(conn, line_id: int) -> dict:
    """The same dict for a line with no inspection: the line and its registered markers."""
    return _report(conn, line_id, None)


def latest_inspection_id(conn, line_id: int) -> int | None:
    """The id of the line's latest inspection (by year, then creation), or None."""
    row = fetch_one(conn, _Q["latest_inspection"], {"line_id": line_id})
    return row["id"] if row else None


def _report(conn, line_id: int, inspection: dict | None) -> dict:
    line = fetch_one(conn, _Q["line"], {"line_id": line_id})
    if line is None:
        raise NotFound(f"no boundary line with id {line_id}", field="line")
    s = defaults()
    inspection_id = inspection["id"] if inspection else None
    params = {"line_id": line_id, "inspection_id": inspection_id}
    marker_rows = fetch_all(conn, _Q["markers"], params)
    patrols = fetch_all(conn, _Q["patrols"], params) if inspection else []
    hazards = fetch_all(conn, _Q["hazards"], params) if inspection else []
    signatures = fetch_all(conn, _Q["signatures"], params) if inspection else []
    codes = {line["left_code"], line["right_code"], *(m["custodian_code"] for m in marker_rows),
             *(p["side_code"] for p in patrols), *(g["side_code"] for g in signatures)}
    if inspection:
        codes |= {inspection["lead_code"], inspection["support_code"]}
    names = {r["code"]: r["name"]
             for r in fetch_all(conn, _Q["division_names"], {"codes": sorted(codes)})}

    markers = [_marker(r, names, s["displacement_tolerance_m"]) for r in marker_rows]
    hazard_list = [_hazard(i, r) for i, r in enumerate(hazards, start=1)]
    for p in patrols:
        p["side_name"] = names.get(p["side_code"])
    for g in signatures:
        g["side_name"] = names.get(g["side_code"])
    signed = {g["side_code"] for g in signatures}
    sides = [inspection["lead_code"], inspection["support_code"]] if inspection else []
    unsigned = [{"code": c, "name": names.get(c)} for c in sides if c not in signed]
    share = _share(line, patrols, s["patrol_tolerance_m"]) if inspection else None
    return {
        "line": _line(line, names),
        "inspection": _inspection(conn, inspection, names) if inspection else None,
        "signatures": signatures,
        "signed_by_both": bool(inspection) and not unsigned,
        "unsigned_sides": unsigned,
        "patrols": patrols,
        "markers": markers,
        "hazards": hazard_list,
        "completion": _completion(markers, hazard_list, share),
        "settings": {"patrol_tolerance_m": s["patrol_tolerance_m"],
                     "displacement_tolerance_m": s["displacement_tolerance_m"]},
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0),
    }


def _line(row: dict, names: dict) -> dict:
    side = {k: {"code": row[f"{k}_code"], "name": names.get(row[f"{k}_code"])}
            for k in ("left", "right")}
    return {"id": row["id"], "number": row["number"], "name": row["name"],
            "level": row["level"], "level_label": LEVEL_LABELS[row["level"]],
            **side, "agreement": row["agreement"], "length_m": row["length_m"],
            "source": row["source"], "geometry": row["geometry"]}


def _inspection(conn, row: dict, names: dict) -> dict:
    ids = [i for i in (row["lead_team_id"], row["support_team_id"]) if i is not None]
    teams = {t["id"]: t for t in fetch_all(conn, _Q["teams"], {"ids": ids})}

    def side(code: str, team_id: int | None) -> dict:
        return {"code": code, "name": names.get(code), "team": teams.get(team_id)}

    return {"id": row["id"], "year": row["year"], "kind": row["kind"],
            "kind_label": KIND_LABELS[row["kind"]], "reason": row["reason"],
            "status": row["status"], "status_label": STATUS_LABELS[row["status"]],
            "version": row["version"], "created_at": row["created_at"],
            "signed_at": row["signed_at"],
            "lead": side(row["lead_code"], row["lead_team_id"]),
            "support": side(row["support_code"], row["support_team_id"])}


def _marker(row: dict, names: dict, tolerance_m: float) -> dict:
    check = None
    if row["check_uuid"] is not None:
        condition, moved = row["condition"], row["displacement_m"]
        measured = None
        if row["measured_lon"] is not None:
            measured = [row["measured_lon"], row["measured_lat"]]
        check = {"condition": condition, "condition_label": CONDITION_LABELS[condition],
                 "required_action": REQUIRED_ACTIONS[condition],
                 "recorded_action": row["recorded_action"], "note": row["note"],
                 "checked_at": row["checked_at"], "recorded_by": row["recorded_by"],
                 "measured": measured, "displacement_m": moved,
                 "reported_displacement_m": row["reported_displacement_m"],
                 "over_tolerance": moved is not None and moved > tolerance_m,
                 "photos": row["photos"], "photos_pending": row["photos_pending"]}
    return {"id": row["id"], "marker_no": row["marker_no"], "seq": row["seq"],
            "type": row["type"], "form": row["form"],
            "custodian_code": row["custodian_code"],
            "custodian_name": names.get(row["custodian_code"]),
            "lon": row["lon"], "lat": row["lat"], "source_x": row["source_x"],
            "source_y": row["source_y"], "source_datum": row["source_datum"],
            "elevation_m": row["elevation_m"], "register_condition": row["register_condition"],
            "register_condition_label": CONDITION_LABELS[row["register_condition"]],
            "registered_on": row["registered_on"], "check": check}


def _hazard(number: int, row: dict) -> dict:
    history = [dict(f, status_label=HAZARD_STATUS.get(f.get("status"), f.get("status")))
               for f in (row["follow_up"] or []) if isinstance(f, dict)]
    return {"no": f"H{number}", **row, "kind_label": HAZARD_KINDS[row["kind"]],
            "status_label": HAZARD_STATUS[row["status"]], "follow_up": history}


def _share(line: dict, patrols: list[dict], tolerance_m: float) -> dict:
    """The part of the line within ``tolerance_m`` of any cleaned track (``geo.boundaries.
    tracks.patrolled_share``: metres in a local transverse Mercator)."""
    paths = [tracks.from_coords([(x, y, 0.0) for x, y in p["track"]["coordinates"]])
             for p in patrols if p["track"]]
    result = tracks.patrolled_share(shape(line["geometry"]), paths, tolerance_m)
    gaps, start = [], 0.0
    for a, b in result["segments"]:
        if a > start:
            gaps.append((start, a))
        start = b
    if start < result["line_length_m"]:
        gaps.append((start, result["line_length_m"]))
    return {"share": result["share"], "patrolled_m": result["patrolled_m"],
            "line_m": result["line_length_m"], "segments": result["segments"], "gaps": gaps}


def _completion(markers: list[dict], hazards: list[dict], share: dict | None) -> dict:
    checks = [m["check"] for m in markers if m["check"]]
    by_condition = {c: n for c in CONDITION_LABELS
                    if (n := sum(k["condition"] == c for k in checks))}
    needing = {c: n for c, n in by_condition.items() if c != "intact"}
    share = share or {}
    return {"markers_total": len(markers), "markers_checked": len(checks),
            "markers_unchecked": len(markers) - len(checks),
            "by_condition": by_condition, "needing_action": needing,
            "markers_needing_action": sum(needing.values()),
            "displaced_over_tolerance": sum(k["over_tolerance"] for k in checks),
            "hazards": len(hazards),
            "open_hazards": sum(h["status"] != "closed" for h in hazards),
            "patrolled_share": share.get("share"), "patrolled_m": share.get("patrolled_m"),
            "line_m": share.get("line_m"),
            "patrolled_segments": share.get("segments", []),
            "unpatrolled_segments": share.get("gaps", [])}


# ------------------------------------------------------------------ static map (SVG)

_WIDTH, _MAX_HEIGHT, _MIN_HEIGHT, _PAD = 720.0, 520.0, 220.0, 40.0
_MIN_ARROW_PX = 30.0
_FONT = "Noto Sans CJK SC, WenQuanYi Zen Hei, DejaVu Sans, sans-serif"


def _nice(value: float, *, up: bool) -> float:
    """The 1-2-5 number nearest ``value`` from above (``up``) or below."""
    exp = math.floor(math.log10(value))
    steps = [f * 10.0 ** e for e in (exp - 1, exp, exp + 1) for f in (1, 2, 5)]
    return min(s for s in steps if s >= value) if up else max(s for s in steps if s <= value)


class _Frame:
    """Lon/lat to SVG pixels: equal metres in x and y at the middle latitude, fitted."""

    def __init__(self, points: list[tuple[float, float]]) -> None:
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        self.lon0, self.lat0 = min(lons), max(lats)
        self.kx = 111_320.0 * math.cos(math.radians((min(lats) + max(lats)) / 2))
        self.ky = 110_574.0
        span_x = max((max(lons) - self.lon0) * self.kx, 1.0)
        span_y = max((self.lat0 - min(lats)) * self.ky, 1.0)
        self.scale = min((_WIDTH - 2 * _PAD) / span_x, (_MAX_HEIGHT - 2 * _PAD) / span_y)
        self.height = max(span_y * self.scale + 2 * _PAD, _MIN_HEIGHT)
        self.dx = (_WIDTH - span_x * self.scale) / 2
        self.dy = (self.height - span_y * self.scale) / 2

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (self.dx + (lon - self.lon0) * self.kx * self.scale,
                self.dy + (self.lat0 - lat) * self.ky * self.scale)


def _points(coords) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)


def _all_points(report: dict) -> list[tuple[float, float]]:
    pts = [tuple(c) for part in report["line"]["geometry"]["coordinates"] for c in part]
    for m in report["markers"]:
        pts.append((m["lon"], m["lat"]))
    for p in report["patrols"]:
        if p["track"]:
            pts += [tuple(c) for c in p["track"]["coordinates"]]
    pts += [(h["lon"], h["lat"]) for h in report["hazards"]]
    return pts


def side_role(report: dict, code: str) -> str:
    """'lead', 'support' or 'other': how a side code takes part in the inspection."""
    inspection = report["inspection"] or {}
    for role in ("lead", "support"):
        if inspection.get(role, {}).get("code") == code:
            return role
    return "other"


def _exaggeration(frame: _Frame, arrows: list[dict]) -> float:
    """1, or the 1-2-5 factor that makes the longest arrow at least ``_MIN_ARROW_PX`` long."""
    longest = max((math.dist(frame.xy(m["lon"], m["lat"]), frame.xy(*m["check"]["measured"]))
                   for m in arrows), default=0.0)
    if longest == 0 or longest >= _MIN_ARROW_PX:
        return 1.0
    return _nice(_MIN_ARROW_PX / longest, up=True)


def _scale_bar(frame: _Frame) -> str:
    metres = _nice(0.2 * _WIDTH / frame.scale, up=False)
    px = metres * frame.scale
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    x, y = 16.0, frame.height - 14
    return (f'<g class="scale"><path d="M{x},{y - 5} V{y} H{x + px:.1f} V{y - 5}" fill="none" '
            f'stroke="#000" stroke-width="1.5"/><text x="{x}" y="{y - 8}">0</text>'
            f'<text x="{x + px:.1f}" y="{y - 8}" text-anchor="middle">{label}</text></g>')


def _legend(rows: list[tuple[str, str]], top: float) -> tuple[str, float]:
    """Legend rows (SVG swatch, label) in two columns below the map; returns its height."""
    parts = []
    for i, (swatch, label) in enumerate(rows):
        x, y = 12 + (i % 2) * 354, top + 16 + (i // 2) * 18
        parts.append(f'<g transform="translate({x},{y})">{swatch}'
                     f'<text x="26" y="4">{html.escape(label)}</text></g>')
    return "".join(parts), 16 + math.ceil(len(rows) / 2) * 18 + 6


def map_svg(report: dict) -> str:
    """A static map of the line for the printed report, as inline SVG (no script, no tiles).

    The line, patrol tracks by side, markers coloured by condition with their numbers
    (unchecked ones hollow), displacement arrows from the registered to the measured
    position (exaggerated by a stated factor when too short to see), hazards (H1 …), a scale
    bar, a north arrow and a legend.
    """
    frame = _Frame(_all_points(report))
    tolerance = report["settings"]["displacement_tolerance_m"]
    out = []
    sides_seen: dict[str, str] = {}
    for p in report["patrols"]:
        if not p["track"]:
            continue
        colour = SIDE_COLOURS[side_role(report, p["side_code"])]
        sides_seen.setdefault(p["side_code"], colour)
        out.append(f'<polyline points="{_points(frame.xy(*c) for c in p["track"]["coordinates"])}"'
                   f' fill="none" stroke="{colour}" stroke-width="7" stroke-opacity=".4" '
                   'stroke-linejoin="round" stroke-linecap="round"/>')
    for part in report["line"]["geometry"]["coordinates"]:
        out.append(f'<polyline points="{_points(frame.xy(*c) for c in part)}" fill="none" '
                   f'stroke="{LINE_COLOUR}" stroke-width="2.2" stroke-dasharray="12 4 2 4"/>')

    arrows = [m for m in report["markers"] if m["check"] and m["check"]["measured"]
              and m["check"]["displacement_m"] > tolerance]
    factor = _exaggeration(frame, arrows)
    for m in arrows:
        (x0, y0), (x1, y1) = frame.xy(m["lon"], m["lat"]), frame.xy(*m["check"]["measured"])
        out.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x0 + (x1 - x0) * factor:.1f}" '
                   f'y2="{y0 + (y1 - y0) * factor:.1f}" stroke="{ARROW_COLOUR}" '
                   'stroke-width="1.8" marker-end="url(#civgeo-arrow)"/>')

    conditions = set()
    for m in report["markers"]:
        x, y = frame.xy(m["lon"], m["lat"])
        condition = m["check"]["condition"] if m["check"] else None
        conditions.add(condition)
        out.append(_marker_symbol(x, y, condition))
        out.append(f'<text class="label" x="{x + 7:.1f}" y="{y - 7:.1f}">'
                   f'{html.escape(m["marker_no"])}</text>')
    for h in report["hazards"]:
        x, y = frame.xy(h["lon"], h["lat"])
        out.append(f'<path d="M{x:.1f},{y - 8:.1f} L{x + 7:.1f},{y + 5:.1f} '
                   f'L{x - 7:.1f},{y + 5:.1f} Z" fill="{HAZARD_COLOUR}" stroke="#000"/>')
        out.append(f'<text class="label" x="{x + 9:.1f}" y="{y + 4:.1f}">{h["no"]}</text>')

    rows = _legend_rows(report, sides_seen, conditions, arrows, factor)
    legend, legend_height = _legend(rows, frame.height)
    height = frame.height + legend_height
    north = (f'<g transform="translate({_WIDTH - 24},{18})"><path d="M0,-10 L6,8 L0,4 L-6,8 Z" '
             'fill="#000"/><text y="22" text-anchor="middle">N 北</text></g>')
    title = html.escape(f"{report['line']['name']}（{report['line']['number']}）")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="line-map" viewBox="0 0 {_WIDTH:g} '
            f'{height:.0f}" width="{_WIDTH:g}" height="{height:.0f}" font-family="{_FONT}" '
            f'font-size="10"><title>界线图 map of {title}</title>'
            '<defs><marker id="civgeo-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 Z" '
            f'fill="{ARROW_COLOUR}"/></marker></defs>'
            '<style>.label{paint-order:stroke;stroke:#fff;stroke-width:3px;'
            'stroke-linejoin:round;font-size:9px}</style>'
            f'<rect x=".5" y=".5" width="{_WIDTH - 1:g}" height="{frame.height - 1:.0f}" '
            'fill="#fff" stroke="#666"/>'
            + "".join(out) + _scale_bar(frame) + north
            + f'<line x1="0" y1="{frame.height:.0f}" x2="{_WIDTH:g}" y2="{frame.height:.0f}" '
            'stroke="#666"/>' + legend + "</svg>")


def _marker_symbol(x: float, y: float, condition: str | None) -> str:
    if condition is None:
        return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#fff" stroke="#777" '
                'stroke-dasharray="2 1.5"/>')
    symbol = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5.5" fill="{CONDITION_COLOURS[condition]}" '
              'stroke="#000" stroke-width=".8"/>')
    if condition == "lost":  # a cross: nothing is standing there
        symbol += (f'<path d="M{x - 3:.1f},{y - 3:.1f} L{x + 3:.1f},{y + 3:.1f} '
                   f'M{x + 3:.1f},{y - 3:.1f} L{x - 3:.1f},{y + 3:.1f}" stroke="#fff" '
                   'stroke-width="1.6"/>')
    return symbol


def _legend_rows(report: dict, sides: dict[str, str], conditions: set, arrows: list,
                 factor: float) -> list[tuple[str, str]]:
    rows = [(f'<line x1="0" y1="0" x2="20" y2="0" stroke="{LINE_COLOUR}" stroke-width="2.2" '
             'stroke-dasharray="8 3 2 3"/>', "行政区域界线 boundary line")]
    names = {p["side_code"]: p["side_name"] for p in report["patrols"]}
    for code, colour in sides.items():
        rows.append((f'<line x1="0" y1="0" x2="20" y2="0" stroke="{colour}" stroke-width="7" '
                     f'stroke-opacity=".4"/>', f"巡线轨迹 patrol track: {names[code] or code}"))
    for condition in CONDITION_LABELS:
        if condition in conditions:
            rows.append((_marker_symbol(10, 0, condition), CONDITION_LABELS[condition]))
    if None in conditions:
        rows.append((_marker_symbol(10, 0, None), UNCHECKED[1]))
    if arrows:
        note = f"，放大 ×{factor:g} exaggerated ×{factor:g}" if factor > 1 else ""
        rows.append((f'<line x1="0" y1="0" x2="20" y2="0" stroke="{ARROW_COLOUR}" '
                     'stroke-width="1.8" marker-end="url(#civgeo-arrow)"/>',
                     f"位移 displacement (registered → measured){note}"))
    if report["hazards"]:
        rows.append((f'<path d="M10,-8 L17,5 L3,5 Z" fill="{HAZARD_COLOUR}" stroke="#000"/>',
                     "隐患 hazard (H1 … as in the table)"))
    return rows


# ------------------------------------------------------------------ HTML and PDF

def _num(value, fmt: str = ".2f") -> str:
    return "" if value is None else format(value, fmt)


_ENV.filters.update(when=local_time, num=_num)


def render_html(report: dict, *, map_svg: str) -> str:
    """The joint report as a printable A4 HTML page (``api/templates/inspection_report.html``),
    with ``map_svg`` (from ``map_svg(report)``) as its map. Until both sides have signed, the
    page carries a DRAFT banner and watermark."""
    return _ENV.get_template("inspection_report.html").render(
        r=report, svg=Markup(map_svg), conditions=CONDITION_LABELS,
        required_actions=REQUIRED_ACTIONS, unchecked=UNCHECKED[1])


def render_pdf(report: dict) -> bytes:
    """The joint report as PDF, printed by headless Chromium (``api.pages.html_to_pdf``)."""
    from api.pages import html_to_pdf  # the web layer's printer; imported only when used

    return html_to_pdf(render_html(report, map_svg=map_svg(report)))
