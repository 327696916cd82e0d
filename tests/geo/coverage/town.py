"""A small drawn town for coverage tests: one county, one township, communities at labelled
points, streets along labelled ways, sites added by label. Far from the sample cities
(100°E, 40°N), so nothing in them can interfere."""

from __future__ import annotations

from shapely.geometry import Point, box

from fixtures.grid import Grid
from geo import facilities
from tests.factories import TEST_ACTOR, add_division, add_network

ORIGIN = (100.0, 40.0)
COUNTY, TOWNSHIP = "990101", "990101001"


def grid(art: str, step_m: float = 50.0) -> Grid:
    return Grid(art, origin=ORIGIN, step_m=step_m)


def build(conn, g: Grid, *, communities: dict[str, int], streets: tuple[str, ...] = (),
          rural: tuple[str, ...] = (), margin_deg: float = 0.01) -> dict[str, str]:
    """Divisions (and a network of ``streets``); returns community label → code."""
    xs = [p[0] for p in g.points.values()]
    ys = [p[1] for p in g.points.values()]
    area = box(min(xs) - margin_deg, min(ys) - margin_deg, max(xs) + margin_deg,
               max(ys) + margin_deg)
    add_division(conn, COUNTY, area, name="测试县", level="county", total=100_000,
                 aged_60_plus=sum(communities.values()))
    add_division(conn, TOWNSHIP, area, name="测试街道", level="township", parent_code=COUNTY,
                 total=100_000, aged_60_plus=sum(communities.values()))
    codes = {}
    for n, (label, elderly) in enumerate(sorted(communities.items()), 1):
        code = f"{TOWNSHIP}{n:03d}"
        x, y = g[label]
        cell = box(x - 0.0002, y - 0.0002, x + 0.0002, y + 0.0002)
        add_division(conn, code, cell, name=f"{label}社区", parent_code=TOWNSHIP,
                     urban=label not in rural, centre=Point(x, y), total=elderly * 5,
                     aged_60_plus=elderly)
        codes[label] = code
    if streets:
        add_network(conn, g, *streets, name=f"town-{id(g)}")
    return codes


def site(conn, g: Grid, label: str, type_: str = "community_station", **kw) -> dict:
    x, y = g[label]
    return facilities.create(conn, TEST_ACTOR, {"type": type_, "name": f"{label}站", "lon": x,
                                                "lat": y, **kw})


def drawn(conn, art: str, streets, communities, sites=()):
    """A town drawn in ``art`` with ``streets``, its ``communities`` (label -> elderly) and
    ``sites`` ((label, keywords of ``site``)); return the grid and the community codes."""
    g = grid(art)
    codes = build(conn, g, communities=communities, streets=streets)
    for label, kw in sites:
        site(conn, g, label, **kw)
    return g, codes
