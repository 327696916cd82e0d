"""Gaps in patrol tracks on the line map and in the printed joint report (issue 16), from a
report made by hand: each track drawn segment by segment, each gap a dashed line labelled
with its duration, length and cause, and the report's table of gaps in Beijing time."""

from __future__ import annotations

import dataclasses
import re

from maps import boundary
from maps import inspection_report as printed
from maps.base import MapSettings
from tests.browser import open_in_chromium, overlays
from tests.maps import made

SETTINGS = MapSettings(basemap="none", assets_url="vendor")
# The patrol of made.inspection_report, t → B, then (the screen off) nothing until u.
GAPPED = {"type": "MultiLineString",
          "coordinates": [[made.GRID["t"], made.GRID["B"]], [made.GRID["u"], made.GRID["u"]]]}
GAP = {"start": "2024-05-01T00:10:00Z", "end": "2024-05-01T00:38:00Z", "seconds": 1680.0,
       "metres": 950.4, "cause": "screen_off"}


def gapped_report():
    report = made.inspection_report()
    [patrol] = report.patrols
    return dataclasses.replace(report, patrols=[{**patrol, "track": GAPPED, "gaps": [GAP]}])


def test_report_gaps_are_numbered_in_beijing_time_with_their_cause():
    [g] = printed.report_gaps(gapped_report())
    assert (g["no"], g["start_local"], g["end_local"]) == (
        "G1", "2024-05-01 08:10:00", "2024-05-01 08:38:00")
    assert g["duration"] == "28分00秒 (28 min 0 s)"
    assert g["cause_label"] == "熄屏 screen off"
    assert g["line"] == (made.GRID["B"], made.GRID["u"])       # end of one, start of next
    assert printed.report_gaps(made.inspection_report()) == []   # no gaps: none listed


def test_printed_report_lists_the_gaps_and_draws_no_line_across_them():
    page = printed.render_html(gapped_report())
    table = re.search(r'<table class="gaps">.*?</table>', page, re.S).group(0)
    for text in ("G1", "2024-05-01 08:10:00", "2024-05-01 08:38:00", "28分00秒", "950 m",
                 "熄屏 screen off", "甲县联检组"):
        assert text in table, text
    svg = printed.map_svg(gapped_report())
    tracks = re.findall(r'<polyline points="[^"]*" fill="none" stroke="#1f78b4"', svg)
    assert len(tracks) == 2                                      # two segments, not one line
    assert svg.count('class="gap"') == 1 and "G1</text>" in svg
    assert "轨迹间断" in svg                                      # in the legend
    assert "轨迹间断不计入" in page


def test_line_map_draws_segments_and_labels_each_gap(tmp_path):
    m = boundary.boundary_map(gapped_report(), settings=SETTINGS)
    html = m.get_root().render()
    assert "G1 轨迹间断 gap: 28分00秒 (28 min 0 s) · 950 m · 熄屏 screen off" in html
    assert '"dashArray": "6 6"' in html
    dom = open_in_chromium(m, tmp_path)
    assert overlays(dom)["轨迹间断 gaps in the tracks (not patrolled)"] is True
    legend = re.search(r'class="civgeo-legend".*?</div></div>', dom, re.S).group(0)
    assert "轨迹间断 gap in a track, not patrolled" in legend


def test_a_map_without_gaps_has_no_gap_layer():
    html = boundary.boundary_map(made.inspection_report(), settings=SETTINGS).get_root().render()
    assert "轨迹间断" not in html
