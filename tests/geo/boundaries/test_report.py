"""The joint inspection report (联合检查报告): what it gathers from the database, the SVG map,
the HTML with its DRAFT banner, and the PDF printed by a real headless Chromium."""

import re

import pytest

from fixtures.grid import Grid
from geo.boundaries import report as reports
from geo.db import execute, fetch_value
from geo.errors import NotFound
from tests.factories import add_division

# One cell is 50 m; the line runs 4 km west → east from 1 to 2, far from the sample cities.
# Markers A–D stand every kilometre from 500 m. The patrol track t–u follows the line from
# 1050 m to 2950 m, so with the 50 m tolerance it covers 1000–3000 m: half the line.
# Marker B was found 12 m north-east of its registered position; h is a hazard 100 m south.
# (The grid's metres are spherical: on the CGCS2000 ellipsoid the line is 4007 m long.)
GRID = Grid("""
    1---------A----------t--------B-------------------C--------u----------D---------2

                                                h
""", origin=(106.0, 46.0), step_m=50)
LEFT, RIGHT = "990101", "990102"
NUMBER = "T9901"
EVIL = "<script>alert(1)</script>${alert(2)}`"


def _wkt(*names: str, m: bool = False) -> str:
    coords = ", ".join(f"{GRID[n][0]} {GRID[n][1]}" + (f" {1714550400 + 600 * i}" if m else "")
                       for i, n in enumerate(names))
    return f"LINESTRINGM({coords})" if m else f"LINESTRING({coords})"


def _point(name: str) -> str:
    return f"POINT({GRID[name][0]} {GRID[name][1]})"


def add_line(conn, number: str = NUMBER, left: str = LEFT, right: str = RIGHT) -> int:
    """The boundary line 1–2 between two counties, and its four markers (inserted out of
    order); returns the line's id."""
    for code, name in ((left, "甲县"), (right, "乙县")):
        add_division(conn, code, name=name, level="county")
    line_id = fetch_value(conn, """
        INSERT INTO boundary_lines (number, name, level, left_code, right_code, agreement,
                                    geom, length_m, source)
        SELECT %s, '甲乙线', 'county', %s, %s, '甲乙县界线协议书（2001）', g,
               ST_Length(g::geography), 'test'
        FROM (SELECT ST_Multi(ST_GeomFromText(%s, 4490)) AS g) s
        RETURNING id""", (number, left, right, _wkt("1", "2")))
    for seq, label, custodian in ((4, "D", right), (2, "B", right), (1, "A", left),
                                  (3, "C", left)):
        execute(conn, """
            INSERT INTO boundary_markers (line_id, marker_no, seq, type, form, geom, source_x,
                                          source_y, source_datum, custodian_code, source)
            VALUES (%s, %s, %s, 'Q', '双面型', ST_GeomFromText(%s, 4490), %s, %s, %s, %s,
                    'test')""",
                (line_id, f"{number}{seq:03d}Q", seq, _point(label),
                 36512345.678 if label == "A" else None, 5094321.5 if label == "A" else None,
                 "Xian1980" if label == "A" else "CGCS2000", custodian))
    return line_id


def _marker_id(conn, seq: int, number: str = NUMBER) -> int:
    return fetch_value(conn, "SELECT id FROM boundary_markers WHERE marker_no = %s",
                       (f"{number}{seq:03d}Q",))


def add_check(conn, inspection_id: int, seq: int, condition: str, *, when: str,
              measured_sql: str = "NULL", action: str = "field note") -> str:
    """A marker check; ``measured_sql`` is an SQL expression of the measured point (``m`` is
    the marker). Returns the check's uuid."""
    return fetch_value(conn, f"""
        INSERT INTO marker_checks (uuid, content_hash, inspection_id, marker_id, condition,
                                   measured, action, checked_at, recorded_by)
        SELECT gen_random_uuid(), 'h', %s, m.id, %s, {measured_sql}, %s, %s, '张三'
        FROM boundary_markers m WHERE m.id = %s
        RETURNING uuid::text""", (inspection_id, condition, action, when,
                                  _marker_id(conn, seq)))


def add_inspection(conn, line_id: int, year: int, **extra) -> int:
    return fetch_value(conn, """
        INSERT INTO inspections (line_id, year, lead_code, support_code, lead_team_id,
                                 support_team_id, status)
        VALUES (%s, %s, %s, %s, %s, %s, 'in_progress') RETURNING id""",
        (line_id, year, LEFT, RIGHT, extra.get("lead_team"), extra.get("support_team")))


def build(conn) -> dict:
    """The line, an old (2019) and a current (2024) inspection with two teams, one patrol,
    checks of A (intact), B (displaced 12 m) and C (lost), D unchecked, and one hazard."""
    line_id = add_line(conn)
    lead_team, support_team = (fetch_value(conn, """
        INSERT INTO inspection_teams (name, side_code, members) VALUES (%s, %s, %s)
        RETURNING id""", row) for row in (("甲县联检组", LEFT, ["张三", "李四"]),
                                          ("乙县联检组", RIGHT, ["王五"])))
    old = add_inspection(conn, line_id, 2019)
    add_check(conn, old, 3, "intact", when="2019-05-01T09:00:00+08:00")
    current = add_inspection(conn, line_id, 2024, lead_team=lead_team,
                             support_team=support_team)
    execute(conn, """
        INSERT INTO patrols (uuid, content_hash, inspection_id, side_code, team_id, members,
                             started_at, ended_at, raw_track, track, raw_points, track_points,
                             length_m, recorded_by)
        VALUES (gen_random_uuid(), 'h', %(i)s, %(side)s, %(team)s, %(members)s,
                '2024-05-01T08:00:00+08:00', '2024-05-01T08:20:00+08:00',
                ST_GeomFromEWKT(%(track)s), ST_GeomFromEWKT(%(track)s), 5, 3, 1900, '张三')""",
            {"i": current, "side": LEFT, "team": lead_team, "members": ["张三", "王五"],
             "track": f"SRID=4490;{_wkt('t', 'B', 'u', m=True)}"})
    # A was first recorded as damaged, then corrected: the later check wins.
    add_check(conn, current, 1, "damaged", when="2024-05-01T08:05:00+08:00")
    add_check(conn, current, 1, "intact", when="2024-05-01T08:10:00+08:00")
    b = add_check(conn, current, 2, "displaced", when="2024-05-01T08:12:00+08:00",
                  measured_sql="ST_Project(m.geom::geography, 12, radians(45))::geometry")
    for n, complete in enumerate((True, True, False)):
        execute(conn, """
            INSERT INTO attachments (uuid, inspection_id, owner_kind, owner_uuid, sha256, size,
                                     complete)
            VALUES (gen_random_uuid(), %s, 'marker_check', %s, %s, 100, %s)""",
                (current, b, f"{n:064x}", complete))
    add_check(conn, current, 3, "lost", when="2024-05-01T08:15:00+08:00")
    execute(conn, """
        INSERT INTO hazards (uuid, content_hash, inspection_id, kind, description, geom, status,
                             follow_up, reported_at, recorded_by)
        VALUES (gen_random_uuid(), 'h', %s, 'construction', %s, ST_GeomFromText(%s, 4490),
                'in_progress', %s, '2024-05-01T08:30:00+08:00', '李四')""",
            (current, f"{EVIL}界桩附近施工", _point("h"),
             '[{"at": "2024-05-03", "by": "李四", "note": "已通知停工", '
             '"status": "in_progress"}]'))
    return {"line": line_id, "inspection": current, "old": old}


def sign(conn, inspection_id: int, side: str, by: str) -> None:
    execute(conn, "INSERT INTO inspection_signatures (inspection_id, side_code, signed_by) "
                  "VALUES (%s, %s, %s)", (inspection_id, side, by))


@pytest.fixture
def built(conn) -> dict:
    ids = build(conn)
    return {**ids, "report": reports.inspection_report(conn, ids["inspection"])}


def test_report_names_the_line_the_sides_and_their_teams(built):
    r = built["report"]
    assert r["line"]["name"] == "甲乙线" and r["line"]["number"] == NUMBER
    assert r["line"]["left"] == {"code": LEFT, "name": "甲县"}
    assert r["line"]["right"] == {"code": RIGHT, "name": "乙县"}
    assert r["line"]["level_label"] == "县级 county"
    assert r["line"]["length_m"] == pytest.approx(4000, rel=0.002)
    i = r["inspection"]
    assert (i["year"], i["kind"], i["status"]) == (2024, "regular", "in_progress")
    assert i["lead"]["name"] == "甲县" and i["lead"]["team"]["members"] == ["张三", "李四"]
    assert i["support"]["team"]["name"] == "乙县联检组"
    [patrol] = r["patrols"]
    assert patrol["side_name"] == "甲县" and patrol["team"] == "甲县联检组"
    assert patrol["members"] == ["张三", "王五"]
    assert (patrol["raw_points"], patrol["track_points"], patrol["length_m"]) == (5, 3, 1900)
    assert patrol["track"]["type"] == "LineString"


def test_half_the_line_is_patrolled(built):
    c = built["report"]["completion"]
    assert c["patrolled_share"] == pytest.approx(0.5, abs=0.005)
    assert c["line_m"] == pytest.approx(4000, rel=0.002)
    [(a, b)] = c["patrolled_segments"]
    assert (a, b) == (pytest.approx(1000, rel=0.005), pytest.approx(3000, rel=0.005))
    assert c["unpatrolled_segments"] == [(0, a), (b, c["line_m"])]


def test_marker_table_lists_every_marker_in_sequence_with_its_latest_check(built):
    markers = built["report"]["markers"]
    assert [m["marker_no"] for m in markers] == [f"{NUMBER}00{i}Q" for i in (1, 2, 3, 4)]
    a, b, c, d = markers
    assert a["check"]["condition"] == "intact"  # the later of two checks
    assert a["custodian_name"] == "甲县" and b["custodian_code"] == RIGHT
    assert (a["source_datum"], a["source_x"]) == ("Xian1980", 36512345.678)
    assert a["lon"] == pytest.approx(GRID["A"][0]) and a["lat"] == pytest.approx(GRID["A"][1])
    assert b["check"]["condition"] == "displaced"
    assert b["check"]["displacement_m"] == pytest.approx(12.0, abs=0.01)
    assert b["check"]["over_tolerance"] is True
    assert (b["check"]["photos"], b["check"]["photos_pending"]) == (2, 1)
    assert c["check"]["condition"] == "lost"  # not the 2019 check, which found it intact
    assert c["check"]["measured"] is None and c["check"]["displacement_m"] is None
    assert d["check"] is None and d["register_condition"] == "intact"


def test_required_actions_follow_the_domain_rules(built):
    by_no = {m["marker_no"]: m["check"] for m in built["report"]["markers"]}
    lost, displaced = by_no[f"{NUMBER}003Q"], by_no[f"{NUMBER}002Q"]
    assert "re-erects it at the original spot with the neighbour present" in \
        lost["required_action"]
    assert displaced["required_action"].endswith("restore it jointly to the registered position")
    assert lost["recorded_action"] == "field note"
    c = built["report"]["completion"]
    assert (c["markers_checked"], c["markers_total"], c["markers_unchecked"]) == (3, 4, 1)
    assert c["by_condition"] == {"intact": 1, "lost": 1, "displaced": 1}
    assert c["needing_action"] == {"lost": 1, "displaced": 1}
    assert c["markers_needing_action"] == 2 and c["displaced_over_tolerance"] == 1
    assert (c["hazards"], c["open_hazards"]) == (1, 1)


def test_hazards_carry_their_place_and_follow_up(built):
    [h] = built["report"]["hazards"]
    assert h["no"] == "H1" and h["kind_label"] == "跨界建设 construction"
    assert h["status_label"] == "处理中 in progress"
    assert h["from_line_m"] == pytest.approx(100, abs=1)
    assert h["near_marker"] == f"{NUMBER}003Q"
    assert h["follow_up"] == [{"at": "2024-05-03", "by": "李四", "note": "已通知停工",
                               "status": "in_progress", "status_label": "处理中 in progress"}]


def _text(html: str) -> str:
    return " ".join(html.split())


def _html(conn, inspection_id: int) -> str:
    r = reports.inspection_report(conn, inspection_id)
    return reports.render_html(r, map_svg=reports.map_svg(r))


def test_draft_banner_until_both_sides_have_signed(conn, built):
    html = _html(conn, built["inspection"])
    assert "DRAFT — not signed by both sides" in html
    assert "未签字 not yet signed: 甲县（990101）、乙县（990102）" in _text(html)
    sign(conn, built["inspection"], LEFT, "张三")
    html = _html(conn, built["inspection"])
    assert "DRAFT" in html and "未签字 not yet signed: 乙县（990102）" in _text(html)
    sign(conn, built["inspection"], RIGHT, "王五")
    r = reports.inspection_report(conn, built["inspection"])
    assert r["signed_by_both"] and r["unsigned_sides"] == []
    html = reports.render_html(r, map_svg=reports.map_svg(r))
    assert "DRAFT" not in html and "草稿" not in html
    assert "签字 signed by: 张三" in html and "签字 signed by: 王五" in html
    assert "双方已签字 signed by both sides" in html


def test_html_holds_the_svg_map_with_marker_numbers_and_tables(built):
    r = built["report"]
    svg = reports.map_svg(r)
    html = reports.render_html(r, map_svg=svg)
    assert svg in html and svg.startswith("<svg") and "<script" not in svg
    labels = re.findall(r'<text class="label"[^>]*>([^<]+)</text>', svg)
    assert labels == [f"{NUMBER}00{i}Q" for i in (1, 2, 3, 4)] + ["H1"]
    # 12 m is about 2 px on a 4 km map: the arrow is exaggerated and the legend says by how much
    assert "marker-end" in svg and "exaggerated ×20" in svg
    assert "巡线轨迹 patrol track: 甲县" in svg and "丢失 lost" in svg
    assert "未检查 not checked in this inspection" in html
    assert "50.0%" in html and "12.00 m" in html
    assert html.index(f"{NUMBER}001Q</td>") < html.index(f"{NUMBER}004Q</td>")


def test_text_in_the_report_is_escaped(built):
    r = built["report"]
    html = reports.render_html(r, map_svg=reports.map_svg(r))
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pdf_is_printed_by_chromium(built):
    pdf = reports.render_pdf(built["report"])
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_a_line_without_inspection_still_reports_its_markers(conn):
    line_id = add_line(conn)
    assert reports.latest_inspection_id(conn, line_id) is None
    r = reports.line_report(conn, line_id)
    assert r["inspection"] is None and not r["signed_by_both"]
    assert [m["check"] for m in r["markers"]] == [None] * 4
    assert r["completion"]["patrolled_share"] is None
    html = reports.render_html(r, map_svg=reports.map_svg(r))
    assert "DRAFT" in html and "no inspection of this line yet" in html


def test_latest_inspection_and_unknown_ids(conn, built):
    assert reports.latest_inspection_id(conn, built["line"]) == built["inspection"]
    old = reports.inspection_report(conn, built["old"])
    assert [m["check"] and m["check"]["condition"] for m in old["markers"]] == [
        None, None, "intact", None]
    with pytest.raises(NotFound) as caught:
        reports.inspection_report(conn, 10**9)
    assert caught.value.field == "inspection"
    with pytest.raises(NotFound):
        reports.line_report(conn, 10**9)
