"""A drawn boundary for tests: two counties side by side, the line between them with four
markers, a team per side with one inspector each, and a planned inspection. Far from the
sample cities (108°E, 48°N)."""

from __future__ import annotations

from dataclasses import dataclass

from fixtures.grid import Grid
from geo.audit import Actor
from geo.boundaries import inspections, lines
from geo.db import fetch_one
from tests.factories import TEST_ACTOR, add_division, add_user

__all__ = ["TEST_ACTOR", "Drawn", "build", "gpx"]

ART = """
a---------------b---------------c
|               |               |
|               1               |
|               2               |
|               3               |
|               4               |
|               |               |
d---------------e---------------f
"""
WEST, EAST = "990501", "990502"


@dataclass
class Drawn:
    grid: Grid
    line: dict
    markers: list[dict]
    inspection: dict
    west: Actor          # an inspector of the west side's team
    east: Actor
    outsider: Actor      # an inspector on no team of this line


def _inspector(conn, name: str) -> Actor:
    add_user(conn, "inspector", name)
    row = fetch_one(conn, "SELECT id FROM users WHERE name = %s", (name,))
    return Actor(name, "inspector", row["id"])


def build(conn) -> Drawn:
    g = Grid(ART, origin=(108.0, 48.0), step_m=100)
    add_division(conn, WEST, g.polygon("a", "b", "e", "d"), name="西县", level="county")
    add_division(conn, EAST, g.polygon("b", "c", "f", "e"), name="东县", level="county")
    made = lines.derive(conn, "9905", dataset=None, source="test", tolerance_m=5)
    line = lines.get_line(conn, made["county"][0])
    for seq, label in enumerate("1234", 1):
        lon, lat = g[label]
        fetch_one(conn, """INSERT INTO boundary_markers (line_id, marker_no, seq, type, geom,
                                custodian_code, source)
                           VALUES (%s, %s, %s, 'Q', ST_SetSRID(ST_MakePoint(%s, %s), 4490),
                                   %s, 'test') RETURNING id""",
                  (line["id"], f"{line['number']}{seq:03d}Q", seq, lon, lat,
                   WEST if seq % 2 else EAST))
    inspections.add_team(conn, TEST_ACTOR, "西县联检组", WEST, ["王五"])
    inspections.add_team(conn, TEST_ACTOR, "东县联检组", EAST, ["赵六"])
    west, east, outsider = (_inspector(conn, n) for n in ("west-insp", "east-insp",
                                                          "other-insp"))
    inspections.join_team(conn, TEST_ACTOR, "西县联检组", "west-insp")
    inspections.join_team(conn, TEST_ACTOR, "东县联检组", "east-insp")
    ins = inspections.create(conn, TEST_ACTOR, line["id"], 2026, lead_team="西县联检组",
                             support_team="东县联检组")
    return Drawn(g, line, lines.markers(conn, line["id"]), ins, west, east, outsider)


def gpx(points: list[tuple[float, float]], start_s: int = 0, step_s: int = 10) -> bytes:
    """A GPX 1.1 track through ``points`` (lon, lat), one fix every ``step_s`` seconds."""
    import datetime as dt

    t0 = dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC)
    pts = "".join(
        f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>50</ele><time>'
        f'{(t0 + dt.timedelta(seconds=start_s + i * step_s)).isoformat().replace("+00:00", "Z")}'
        f"</time></trkpt>" for i, (lon, lat) in enumerate(points))
    return (f'<?xml version="1.0"?><gpx version="1.1" creator="test" '
            f'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>t</name><trkseg>{pts}'
            f"</trkseg></trk></gpx>").encode()
