"""Coverage from the command line: a county with no network gets straight-line estimates;
importing a network file switches it to network results; facilities import idempotently."""

import json

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from fixtures.grid import Grid
from geo.db import connect, transaction
from tests.cli import civgeo
from tests.factories import add_division

ORIGIN = (102.0, 42.0)        # far from the samples and from other tests' towns
COUNTY = "990301"


@pytest.fixture
def county(db_url):
    g = Grid("""
    A-B-C-D-E
    """, origin=ORIGIN, step_m=50)
    conn = connect(db_url)
    with transaction(conn):
        area = box(ORIGIN[0] - 0.01, ORIGIN[1] - 0.01, ORIGIN[0] + 0.02, ORIGIN[1] + 0.01)
        add_division(conn, COUNTY, area, level="county", total=1000, aged_60_plus=300)
        add_division(conn, COUNTY + "001", area, level="township", parent_code=COUNTY)
        for n, label in enumerate("AE", 1):
            x, y = g[label]
            add_division(conn, f"{COUNTY}001{n:03d}", box(x - 1e-4, y - 1e-4, x + 1e-4, y + 1e-4),
                         parent_code=COUNTY + "001", urban=True, centre=Point(x, y),
                         total=500, aged_60_plus=150)
    yield g
    with transaction(conn), conn.cursor() as cur:
        cur.execute("DELETE FROM facilities WHERE division_code LIKE %s", (COUNTY + "%",))
        cur.execute("DELETE FROM population WHERE division_code LIKE %s", (COUNTY + "%",))
        cur.execute("DELETE FROM divisions WHERE code LIKE %s", (COUNTY + "%",))
        cur.execute("DELETE FROM networks WHERE name = 'cli-town'")
    conn.close()


def test_network_import_switches_the_county_to_network_results(db_url, county, tmp_path):
    g = county
    sites = tmp_path / "sites.geojson"
    sites.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "s1", "geometry": {"type": "Point", "coordinates": g["A"]},
         "properties": {"type": "community_station", "name": "甲站", "places": 50}}]},
        ensure_ascii=False), encoding="utf-8")
    first = civgeo(db_url, "facilities", "import", str(sites), "--source", "cli-test")
    again = civgeo(db_url, "facilities", "import", str(sites), "--source", "cli-test")
    assert "1 created" in first.stdout and "1 unchanged" in again.stdout, first.stderr

    before = civgeo(db_url, "coverage", "circle", COUNTY, "--minutes", "5")
    assert before.returncode == 0, before.stderr
    assert "STRAIGHT-LINE ESTIMATE" in before.stdout

    streets = tmp_path / "streets.geojson"
    gpd.GeoDataFrame({"highway": ["residential"] * 4, "name": ["甲路"] * 4},
                     geometry=[g.line(a, b) for a, b in ("AB", "BC", "CD", "DE")],
                     crs=4490).to_file(streets, driver="GeoJSON")
    imported = civgeo(db_url, "network", "import", str(streets), "--name", "cli-town")
    assert imported.returncode == 0, imported.stderr
    assert f"{COUNTY} " in imported.stdout and "network" in imported.stdout

    after = civgeo(db_url, "coverage", "circle", COUNTY, "--minutes", "5")
    assert "walking distances on the street network 'cli-town'" in after.stdout
    assert "too far: nearest site 甲站 is 4" in after.stdout          # E is 400 m from A


def test_unknown_division_is_one_line(db_url):
    proc = civgeo(db_url, "coverage", "indicators", "999999")
    assert proc.returncode == 2 and "no division with code 999999" in proc.stderr
    assert "Traceback" not in proc.stderr
