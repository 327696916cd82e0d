"""The boundary line map, from a report made by hand (no database): drawn in a real headless
browser with no network, its layers named, the patrolled share in the title box, and user
text kept inert."""

import re

from maps import boundary
from maps.base import MapSettings
from tests.browser import open_in_chromium, overlays
from tests.maps import made

SETTINGS = MapSettings(basemap="none", assets_url="vendor")


def html_of(report) -> str:
    return boundary.boundary_map(report, settings=SETTINGS).get_root().render()


def test_line_map_draws_offline_with_every_layer(tmp_path):
    dom = open_in_chromium(boundary.boundary_map(made.inspection_report(), settings=SETTINGS),
                           tmp_path)
    assert overlays(dom) == {
        "行政区域界线 boundary line": True,
        "巡线轨迹 patrol tracks: 甲县 990101": True,
        "位移 displacement (registered → measured)": True,
        "界桩 markers by condition": True,
        "隐患 hazards": True}
    title = re.search(r'class="civgeo-title".*?</div></div>', dom, re.S).group(0)
    assert "甲乙线（T9901）" in title and "2024" in title
    assert "巡线覆盖 patrolled share: 50.0%" in title
    assert "界桩检查 markers checked: 3 / 4" in title and "需处理 needing action: 2" in title
    assert "DRAFT — not signed by both sides" in title
    legend = re.search(r'class="civgeo-legend".*?</div></div>', dom, re.S).group(0)
    assert "丢失 lost" in legend and "未检查 not checked in this inspection" in legend
    assert "巡线轨迹 patrol tracks: 主查方 lead side 990101" in legend
    assert dom.count('class="civgeo-hazard"') == 1


def test_signed_inspection_has_no_draft_banner_and_popups_say_what_to_do():
    html = html_of(made.inspection_report(signed=(made.LEFT, made.RIGHT)))
    assert "DRAFT" not in html
    assert "restore it jointly to the registered position" in html  # B's popup
    assert "12.00 m" in html and "Xian1980" in html
    assert "例行联检 regular (five-yearly) · 已签署 signed" in html


def test_a_line_with_no_inspection_draws_its_markers(tmp_path):
    report = made.inspection_report(inspection=False)
    dom = open_in_chromium(boundary.boundary_map(report, settings=SETTINGS), tmp_path)
    assert overlays(dom) == {"行政区域界线 boundary line": True,
                             "界桩 markers by condition": True}
    assert "no inspection of this line yet" in dom and "界桩 markers: 4" in dom


def test_user_text_is_inert():
    html = html_of(made.inspection_report(text="<script>alert(1)</script>${alert(2)}`"))
    assert "<script>alert(1)" not in html and "${alert(2)}" not in html
    assert "alert(2)}`" not in html
    assert "&lt;script&gt;alert(1)" in html.replace("\\u0026", "&")
