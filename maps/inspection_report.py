"""The printed joint inspection report (联合检查报告, DOMAIN §D): an ``InspectionReport``
(``geo.boundaries.report``) as a static SVG map, a printable A4 HTML page and a PDF, with
the words and colours for its codes, which the interactive map (``maps.boundary``) shares.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from markupsafe import Markup

from geo.boundaries.report import InspectionReport
from geo.clock import local_time
from geo.crs import LocalMetres
from maps.printing import html_to_pdf, templates

BEIJING = ZoneInfo("Asia/Shanghai")

# The words for the report's codes (DOMAIN §D).
LABELS = SimpleNamespace(
    condition={
        "intact": "完好 intact",
        "damaged": "损坏 damaged",
        "lost": "丢失 lost",
        "displaced": "移位 displaced",
        "reference_incomplete": "方位物不全 reference features incomplete",
        "threatened": "受威胁 threatened",
    },
    level={"province": "省级 provincial", "prefecture": "地级 prefectural",
           "county": "县级 county", "township": "乡级 township"},
    kind={"regular": "例行联检 regular (five-yearly)", "ad_hoc": "专项联检 ad hoc"},
    status={"planned": "计划中 planned", "in_progress": "进行中 in progress",
            "signed": "已签署 signed"},
    hazard_kind={"construction": "跨界建设 construction", "damage": "损毁 damage",
                 "dispute": "争议 dispute", "mining": "采矿采砂 mining", "other": "其他 other"},
    hazard_status={"open": "未处理 open", "in_progress": "处理中 in progress",
                   "closed": "已办结 closed"},
    gap_cause={"screen_off": "熄屏 screen off", "app_closed": "应用被关闭 app closed",
               "no_fix": "无定位信号 no GPS fix", "paused": "暂停 paused",
               "other": "其他 other", "time": "时间间断 time gap",
               "distance": "距离跳跃 distance jump", "segment": "轨迹分段 track segment"},
)
CONDITION_COLOURS = {"intact": "#1a9850", "damaged": "#f46d43", "lost": "#d73027",
                     "displaced": "#762a83", "reference_incomplete": "#4575b4",
                     "threatened": "#e6ab02"}
UNCHECKED = ("#ffffff", "未检查 not checked in this inspection")
LINE_COLOUR = "#b2182b"
ARROW_COLOUR = "#542788"
HAZARD_COLOUR = "#ff7f00"
SIDE_COLOURS = {"lead": "#1f78b4", "support": "#33a02c", "other": "#777777"}
GAP_COLOUR = "#555555"


# ------------------------------------------------------------------ tracks and their gaps

def track_parts(track: dict | None) -> list[list[tuple[float, float]]]:
    """The segments of a patrol's track (GeoJSON LineString or MultiLineString) as lists of
    (lon, lat); a one-fix segment is that position twice."""
    if not track:
        return []
    parts = [track["coordinates"]] if track["type"] == "LineString" else track["coordinates"]
    return [[(c[0], c[1]) for c in part] for part in parts if part]


def _beijing(value: str | None) -> str:
    """An ISO 8601 UTC time as Beijing time (Asia/Shanghai) to the second; '' for None."""
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def duration(seconds: float | None) -> str:
    """A gap's duration, Chinese first: '28分00秒 (28 min 0 s)'; '—' without times.

    >>> duration(3725)
    '1小时02分05秒 (1 h 2 min 5 s)'
    """
    if seconds is None:
        return "—"
    whole = int(round(seconds))
    h, m, sec = whole // 3600, whole % 3600 // 60, whole % 60
    if h:
        return f"{h}小时{m:02d}分{sec:02d}秒 ({h} h {m} min {sec} s)"
    return f"{m}分{sec:02d}秒 ({m} min {sec} s)"


def report_gaps(report: InspectionReport) -> list[dict]:
    """Every gap of every patrol, numbered G1 … in the order of the patrols: the stored gap
    with ``no``, the patrol (``side_name``, ``side_code``, ``team``), ``start_local`` and
    ``end_local`` (Beijing time), ``duration``, ``cause_label`` and ``line``: the dashed
    line across it, from the last fix of one segment to the first of the next (None when
    the patrol has no cleaned track)."""
    out = []
    for p in report.patrols:
        parts = track_parts(p["track"])
        for k, gap in enumerate(p.get("gaps") or []):
            across = (parts[k][-1], parts[k + 1][0]) if k + 1 < len(parts) else None
            out.append({**gap, "no": f"G{len(out) + 1}", "side_name": p["side_name"],
                        "side_code": p["side_code"], "team": p["team"],
                        "start_local": _beijing(gap.get("start")),
                        "end_local": _beijing(gap.get("end")),
                        "duration": duration(gap.get("seconds")),
                        "cause_label": LABELS.gap_cause.get(gap["cause"], gap["cause"]),
                        "line": across})
    return out


def gap_label(gap: dict) -> str:
    """One line for a gap on a map: number, duration, straight length and cause."""
    return (f"{gap['no']} 轨迹间断 gap: {gap['duration']} · {gap['metres']:,.0f} m · "
            f"{gap['cause_label']}")


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
        local = LocalMetres((min(lats) + max(lats)) / 2)
        self.kx, self.ky = local.kx, local.ky
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


def _all_points(report: InspectionReport) -> list[tuple[float, float]]:
    pts = [tuple(c) for part in report.line["geometry"]["coordinates"] for c in part]
    for m in report.markers:
        pts.append((m["lon"], m["lat"]))
    for p in report.patrols:
        pts += [c for part in track_parts(p["track"]) for c in part]
    pts += [(h["lon"], h["lat"]) for h in report.hazards]
    return pts


def side_role(report: InspectionReport, code: str) -> str:
    """'lead', 'support' or 'other': how a side code takes part in the inspection."""
    inspection = report.inspection or {}
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


def map_svg(report: InspectionReport) -> str:
    """A static map of the line for the printed report, as inline SVG (no script, no tiles).

    The line, patrol tracks by side drawn segment by segment with each gap a thin dashed
    line (G1 … as in the report's table), markers coloured by condition with their numbers
    (unchecked ones hollow), displacement arrows from the registered to the measured
    position (exaggerated by a stated factor when too short to see), hazards (H1 …), a scale
    bar, a north arrow and a legend.
    """
    frame = _Frame(_all_points(report))
    tracks, sides_seen = _svg_tracks(report, frame)
    gaps = [g for g in report_gaps(report) if g["line"]]
    tracks += _svg_gaps(gaps, frame)
    tolerance = report.settings["displacement_tolerance_m"]
    arrows = [m for m in report.markers if m["check"] and m["check"]["measured"]
              and m["check"]["displacement_m"] > tolerance]
    factor = _exaggeration(frame, arrows)
    conditions = {m["check"]["condition"] if m["check"] else None for m in report.markers}
    body = (tracks + _svg_line(report, frame) + _svg_arrows(arrows, frame, factor)
            + _svg_markers(report, frame) + _svg_hazards(report, frame))
    legend, legend_height = _legend(
        _legend_rows(report, sides_seen, conditions, arrows, factor, bool(gaps)),
        frame.height)
    height = frame.height + legend_height
    north = (f'<g transform="translate({_WIDTH - 24},{18})"><path d="M0,-10 L6,8 L0,4 L-6,8 Z" '
             'fill="#000"/><text y="22" text-anchor="middle">N 北</text></g>')
    title = html.escape(f"{report.line['name']}（{report.line['number']}）")
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
            + body + _scale_bar(frame) + north
            + f'<line x1="0" y1="{frame.height:.0f}" x2="{_WIDTH:g}" y2="{frame.height:.0f}" '
            'stroke="#666"/>' + legend + "</svg>")


def _svg_tracks(report: InspectionReport, frame: _Frame) -> tuple[str, dict[str, str]]:
    """Patrol tracks coloured by side; returns them and {side code: colour}."""
    out: list[str] = []
    sides: dict[str, str] = {}
    for p in report.patrols:
        if not p["track"]:
            continue
        colour = SIDE_COLOURS[side_role(report, p["side_code"])]
        sides.setdefault(p["side_code"], colour)
        for part in track_parts(p["track"]):      # no line across a gap
            out.append(f'<polyline points="{_points(frame.xy(*c) for c in part)}"'
                       f' fill="none" stroke="{colour}" stroke-width="7" stroke-opacity=".4" '
                       'stroke-linejoin="round" stroke-linecap="round"/>')
    return "".join(out), sides


def _svg_gaps(gaps: list[dict], frame: _Frame) -> str:
    """Each gap as a thin dashed line across it, numbered at its middle."""
    out = []
    for g in gaps:
        (x0, y0), (x1, y1) = (frame.xy(*c) for c in g["line"])
        out.append(f'<line class="gap" x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
                   f'stroke="{GAP_COLOUR}" stroke-width="1.5" stroke-dasharray="4 3"/>'
                   f'<text class="label" x="{(x0 + x1) / 2 + 5:.1f}" y="{(y0 + y1) / 2 - 5:.1f}">'
                   f'{g["no"]}</text>')
    return "".join(out)


def _svg_line(report: InspectionReport, frame: _Frame) -> str:
    return "".join(
        f'<polyline points="{_points(frame.xy(*c) for c in part)}" fill="none" '
        f'stroke="{LINE_COLOUR}" stroke-width="2.2" stroke-dasharray="12 4 2 4"/>'
        for part in report.line["geometry"]["coordinates"])


def _svg_arrows(arrows: list[dict], frame: _Frame, factor: float) -> str:
    out = []
    for m in arrows:
        (x0, y0), (x1, y1) = frame.xy(m["lon"], m["lat"]), frame.xy(*m["check"]["measured"])
        out.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x0 + (x1 - x0) * factor:.1f}" '
                   f'y2="{y0 + (y1 - y0) * factor:.1f}" stroke="{ARROW_COLOUR}" '
                   'stroke-width="1.8" marker-end="url(#civgeo-arrow)"/>')
    return "".join(out)


def _svg_markers(report: InspectionReport, frame: _Frame) -> str:
    out = []
    for m in report.markers:
        x, y = frame.xy(m["lon"], m["lat"])
        out.append(_marker_symbol(x, y, m["check"]["condition"] if m["check"] else None))
        out.append(f'<text class="label" x="{x + 7:.1f}" y="{y - 7:.1f}">'
                   f'{html.escape(m["marker_no"])}</text>')
    return "".join(out)


def _svg_hazards(report: InspectionReport, frame: _Frame) -> str:
    out = []
    for h in report.hazards:
        x, y = frame.xy(h["lon"], h["lat"])
        out.append(f'<path d="M{x:.1f},{y - 8:.1f} L{x + 7:.1f},{y + 5:.1f} '
                   f'L{x - 7:.1f},{y + 5:.1f} Z" fill="{HAZARD_COLOUR}" stroke="#000"/>')
        out.append(f'<text class="label" x="{x + 9:.1f}" y="{y + 4:.1f}">{h["no"]}</text>')
    return "".join(out)


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


def _legend_rows(report: InspectionReport, sides: dict[str, str], conditions: set, arrows: list,
                 factor: float, gaps: bool = False) -> list[tuple[str, str]]:
    rows = [(f'<line x1="0" y1="0" x2="20" y2="0" stroke="{LINE_COLOUR}" stroke-width="2.2" '
             'stroke-dasharray="8 3 2 3"/>', "行政区域界线 boundary line")]
    names = {p["side_code"]: p["side_name"] for p in report.patrols}
    for code, colour in sides.items():
        rows.append((f'<line x1="0" y1="0" x2="20" y2="0" stroke="{colour}" stroke-width="7" '
                     f'stroke-opacity=".4"/>', f"巡线轨迹 patrol track: {names[code] or code}"))
    if gaps:
        rows.append((f'<line x1="0" y1="0" x2="20" y2="0" stroke="{GAP_COLOUR}" '
                     'stroke-width="1.5" stroke-dasharray="4 3"/>',
                     "轨迹间断（不计入巡线覆盖）gap in a track, not patrolled (G1 …)"))
    for condition in LABELS.condition:
        if condition in conditions:
            rows.append((_marker_symbol(10, 0, condition), LABELS.condition[condition]))
    if None in conditions:
        rows.append((_marker_symbol(10, 0, None), UNCHECKED[1]))
    if arrows:
        note = f"，放大 ×{factor:g} exaggerated ×{factor:g}" if factor > 1 else ""
        rows.append((f'<line x1="0" y1="0" x2="20" y2="0" stroke="{ARROW_COLOUR}" '
                     'stroke-width="1.8" marker-end="url(#civgeo-arrow)"/>',
                     f"位移 displacement (registered → measured){note}"))
    if report.hazards:
        rows.append((f'<path d="M10,-8 L17,5 L3,5 Z" fill="{HAZARD_COLOUR}" stroke="#000"/>',
                     "隐患 hazard (H1 … as in the table)"))
    return rows


# ------------------------------------------------------------------ HTML and PDF

def _num(value, fmt: str = ".2f") -> str:
    return "" if value is None else format(value, fmt)


_ENV = templates(when=local_time, num=_num)


def render_html(report: InspectionReport) -> str:
    """The joint report as a printable A4 HTML page (``templates/inspection_report.html``)
    with its SVG map. Until both sides have signed, the page carries a DRAFT banner and
    watermark."""
    return _ENV.get_template("inspection_report.html").render(
        r=report, svg=Markup(map_svg(report)), labels=LABELS, unchecked=UNCHECKED[1],
        gaps=report_gaps(report))


def render_pdf(report: InspectionReport) -> bytes:
    """The joint report as PDF, printed by headless Chromium."""
    return html_to_pdf(render_html(report))
