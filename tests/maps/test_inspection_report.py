"""The printed joint inspection report (联合检查报告), from a report made by hand (no
database): the SVG map, the HTML with its words for the codes and its DRAFT banner, and
the PDF printed by a real headless Chromium."""

import re

from maps import inspection_report as printed
from tests.maps import made
from tests.maps.made import LEFT, NUMBER, RIGHT


def _text(html: str) -> str:
    return " ".join(html.split())


def test_draft_banner_until_both_sides_have_signed():
    html = printed.render_html(made.inspection_report())
    assert "DRAFT — not signed by both sides" in html
    assert "未签字 not yet signed: 甲县（990101）、乙县（990102）" in _text(html)
    html = printed.render_html(made.inspection_report(signed=(LEFT,)))
    assert "DRAFT" in html and "未签字 not yet signed: 乙县（990102）" in _text(html)
    html = printed.render_html(made.inspection_report(signed=(LEFT, RIGHT)))
    assert "DRAFT" not in html and "草稿" not in html
    assert "签字 signed by: 张三" in html and "签字 signed by: 王五" in html
    assert "双方已签字 signed by both sides" in html


def test_html_holds_the_svg_map_with_marker_numbers_and_tables():
    r = made.inspection_report()
    svg = printed.map_svg(r)
    html = printed.render_html(r)
    assert svg in html and svg.startswith("<svg") and "<script" not in svg
    labels = re.findall(r'<text class="label"[^>]*>([^<]+)</text>', svg)
    assert labels == [f"{NUMBER}00{i}Q" for i in (1, 2, 3, 4)] + ["H1"]
    # 12 m is about 2 px on a 4 km map: the arrow is exaggerated and the legend says by how much
    assert "marker-end" in svg and "exaggerated ×20" in svg
    assert "巡线轨迹 patrol track: 甲县" in svg and "丢失 lost" in svg
    assert "未检查 not checked in this inspection" in html
    assert "50.0%" in html and "12.00 m" in html
    assert html.index(f"{NUMBER}001Q</td>") < html.index(f"{NUMBER}004Q</td>")


def test_text_in_the_report_is_escaped():
    html = printed.render_html(made.inspection_report(text="<script>alert(1)</script>"))
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pdf_is_printed_by_chromium():
    pdf = printed.render_pdf(made.inspection_report())
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_the_codes_are_printed_as_words():
    html = printed.render_html(made.inspection_report())
    assert "县级 county" in html and "例行联检 regular (five-yearly)" in html
    assert "跨界建设 construction" in html and "处理中 in progress" in html
    assert "移位 displaced" in html and "丢失 lost" in html


def test_a_line_without_inspection_prints_its_markers_as_a_draft():
    html = printed.render_html(made.inspection_report(inspection=False))
    assert "DRAFT" in html and "no inspection of this line yet" in html
    assert html.count("未检查 not checked in this inspection") == 5   # 4 markers, the legend
