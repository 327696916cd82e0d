"""The test world of the joint report tests: a 4 km county line far from the sample cities,
its markers, an old and a current inspection with teams, a patrol, checks and a hazard.
Shared by the report tests (geo) and the map and print tests (maps)."""

from fixtures.grid import Grid
from geo.db import execute, fetch_value
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
