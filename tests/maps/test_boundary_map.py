"""The boundary line map: the small line of the report tests drawn in a real headless
browser with no network, its layers named, the patrolled share in the title box, the latest
inspection picked, and user text kept inert."""

import re

import pytest

from geo.db import execute
from geo.errors import InvalidInput, NotFound
from maps import boundary
from maps.base import MapSettings
from tests.geo.boundaries.test_report import add_line, build, sign
from tests.maps.test_coverage_maps import open_in_chromium, overlays

SETTINGS = MapSettings(basemap="none", assets_url="vendor")


def test_line_map_draws_offline_with_every_layer(conn, tmp_path):
    ids = build(conn)
    dom = open_in_chromium(boundary.boundary_page(conn, ids["line"], settings=SETTINGS),
                           tmp_path)
    assert overlays(dom) == {
        "行政区域界线 boundary line": True,
        "巡线轨迹 patrol tracks: 甲县 990101": True,
        "位移 displacement (registered → measured)": True,
        "界桩 markers by condition": True,
        "隐患 hazards": True}
    title = re.search(r'class="civgeo-title".*?</div></div>', dom, re.S).group(0)
    assert "甲乙线（T9901）" in title and "2024" in title  # the latest inspection
    assert "巡线覆盖 patrolled share: 50.0%" in title
    assert "界桩检查 markers checked: 3 / 4" in title and "需处理 needing action: 2" in title
    assert "DRAFT — not signed by both sides" in title
    legend = re.search(r'class="civgeo-legend".*?</div></div>', dom, re.S).group(0)
    assert "丢失 lost" in legend and "未检查 not checked in this inspection" in legend
    assert "巡线轨迹 patrol tracks: 主查方 lead side 990101" in legend
    assert dom.count('class="civgeo-hazard"') == 1


def test_signed_inspection_has_no_draft_banner_and_popups_say_what_to_do(conn):
    ids = build(conn)
    sign(conn, ids["inspection"], "990101", "张三")
    sign(conn, ids["inspection"], "990102", "王五")
    html = boundary.boundary_page(conn, ids["line"], settings=SETTINGS).get_root().render()
    assert "DRAFT" not in html
    assert "restore it jointly to the registered position" in html  # B's popup
    assert "12.00 m" in html and "Xian1980" in html


def test_an_older_inspection_can_be_asked_for_but_not_one_of_another_line(conn):
    ids = build(conn)
    html = boundary.boundary_page(conn, ids["line"], inspection_id=ids["old"],
                                  settings=SETTINGS).get_root().render()
    assert "2019 例行联检" in html and "巡线覆盖 patrolled share: 0.0%" in html
    other = add_line(conn, number="T9902", left="990103", right="990104")
    with pytest.raises(InvalidInput) as caught:
        boundary.boundary_page(conn, other, inspection_id=ids["inspection"], settings=SETTINGS)
    assert caught.value.field == "inspection"
    with pytest.raises(NotFound):
        boundary.boundary_page(conn, 10**9, settings=SETTINGS)


def test_a_line_with_no_inspection_draws_its_markers(conn, tmp_path):
    line_id = add_line(conn)
    dom = open_in_chromium(boundary.boundary_page(conn, line_id, settings=SETTINGS), tmp_path)
    assert overlays(dom) == {"行政区域界线 boundary line": True,
                             "界桩 markers by condition": True}
    assert "no inspection of this line yet" in dom and "界桩 markers: 4" in dom


def test_user_text_is_inert(conn):
    ids = build(conn)
    evil = "<script>alert(1)</script>${alert(2)}`"
    execute(conn, "UPDATE hazards SET description = %s", (evil,))
    execute(conn, "UPDATE boundary_lines SET name = %s", (evil,))
    execute(conn, "UPDATE divisions SET name = %s WHERE code = '990101'", (evil,))
    html = boundary.boundary_page(conn, ids["line"], settings=SETTINGS).get_root().render()
    assert "<script>alert(1)" not in html and "${alert(2)}" not in html
    assert "alert(2)}`" not in html
    assert "&lt;script&gt;alert(1)" in html.replace("\\u0026", "&")
