"""Maps that open fast (issue 18): the facility markers of a coverage map gather into
clusters at low zoom and stand alone once zoomed in; the pages carry rounded coordinates,
no bounding boxes and only the properties their tooltips show; the coverage map and the
overview open in a real headless Chromium with no console error and every feature drawn."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from api.web import i18n
from geo import datasets
from geo.coverage import circle
from maps.assets import copy_beside
from maps.base import CLUSTER_UNTIL, MapSettings
from maps.coverage import coverage_map
from maps.overview import overview_map
from tests.browser import OfflinePage

WUHAN, ZHUZHOU = "420103", "430200"
SETTINGS = MapSettings(basemap="none", assets_url="vendor", gettext=i18n.translations("zh").gettext)

# The map object of a folium page.
MAP = "Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map)"

# For each marker-cluster layer on the map: its markers, how many of them are inside a
# cluster (their visible parent is a cluster, not themselves), and the number each of those
# clusters shows.
CLUSTERS = f"""() => {{
  const map = {MAP};
  const groups = Object.values(map._layers).filter(l => l instanceof L.MarkerClusterGroup);
  return groups.map(g => {{
    const markers = g.getLayers(), clusters = new Set();
    for (const m of markers) {{
      const parent = g.getVisibleParent(m);
      if (parent && parent !== m) clusters.add(parent);
    }}
    const counts = [...clusters].map(c => c.getChildCount());
    return {{markers: markers.length, inside: counts.reduce((a, b) => a + b, 0), counts}};
  }});
}}"""


@pytest.fixture()
def pages(tmp_path):
    """Write a map beside the local assets; return its file URL."""
    copy_beside(tmp_path)

    def write(m, name: str) -> str:
        path = tmp_path / f"{name}.html"
        m.save(str(path))
        return path.as_uri()
    return write


def opened(browser, url: str) -> OfflinePage:
    view = OfflinePage(browser)
    view.page.goto(url, wait_until="load")
    view.page.wait_for_function(f"() => !!({MAP})")
    return view


def test_facility_markers_cluster_at_low_zoom_and_stand_alone_zoomed_in(sample, conn, browser,
                                                                       pages):
    found = circle.circle_map(conn, WUHAN)
    view = opened(browser, pages(coverage_map(found, settings=SETTINGS), "coverage"))
    page = view.page
    try:
        zoom = page.evaluate(f"() => ({MAP}).getZoom()")
        assert zoom < CLUSTER_UNTIL      # the district fits at a zoom below street level
        groups = page.evaluate(CLUSTERS)
        # The circle sites and institutions and canteens are on the map (funeral sites and
        # relief warehouses start hidden); every site is still there, most inside a cluster.
        sites = groups[0]
        assert sites["markers"] == len(found.result["sites"]) > 100
        assert sites["inside"] > sites["markers"] // 2
        assert all(n >= 2 for g in groups for n in g["counts"])
        numbers = [int(n) for n in page.locator(".marker-cluster span").all_inner_texts()]
        assert numbers and all(n >= 2 for n in numbers)     # drawn as numbered clusters

        site = found.result["sites"][0]
        # Leaflet ignores a new view while its opening zoom animation runs.
        page.wait_for_function(f"() => !({MAP})._animatingZoom", timeout=10_000)
        page.evaluate(f"([lat, lon, z]) => {{ ({MAP}).setView([lat, lon], z, "
                      "{animate: false}); }", [site["lat"], site["lon"], CLUSTER_UNTIL])
        # Zoomed in, the clusters come apart (markercluster redraws after the view settles).
        page.wait_for_function(f"() => ({CLUSTERS})().every(g => g.inside === 0)",
                               timeout=10_000)
        assert page.locator(".marker-cluster").count() == 0
        assert page.locator(".awesome-marker").count() > 0     # the institutions' icons

        # A marker's popup is made when it opens: its title and its table, in Chinese.
        text = page.evaluate(f"""([lat, lon]) => {{
            const map = {MAP};
            const group = Object.values(map._layers).find(l => l instanceof L.MarkerClusterGroup);
            const marker = group.getLayers().find(m => {{
                const at = m.getLatLng();
                return Math.abs(at.lat - lat) + Math.abs(at.lng - lon) < 1e-5;
            }});
            marker.openPopup();
            return document.querySelector('.leaflet-popup-content').innerText;
        }}""", [site["lat"], site["lon"]])
        assert site["name"] in text and "类型" in text and "可服务老人" in text
        assert view.errors == [] and view.blocked == []
    finally:
        view.close()


def test_pages_are_light(sample, conn):
    html = coverage_map(circle.circle_map(conn, WUHAN), settings=SETTINGS).get_root().render()
    overview = overview_map(datasets.overview(conn, ZHUZHOU), settings=SETTINGS)
    for page in (html, overview.get_root().render()):
        assert '"bbox"' not in page
        data = "".join(line for line in page.splitlines()    # the layers' data, not the view
                       if "_add({" in line or "})(marker_cluster_" in line)
        decimals = [len(d) for d in re.findall(r"\d+\.(\d+)", data)]
        assert len(decimals) > 1000 and max(decimals) <= 6
        assert "population_source" not in page and "parent_code" not in page
    # one script loop per layer of markers, not a block of script and a popup each; their
    # text in UTF-8
    assert html.count("L.circleMarker(") == html.count("L.markerClusterGroup(") == 5
    assert "var circle_marker_" not in html and "var popup_" not in html
    assert "养老服务站" in html
    assert json.dumps("荷塘区") in overview.get_root().render()   # tooltips keep their fields


def test_coverage_map_and_overview_open_with_no_console_error(sample, conn, browser, pages):
    english = replace(SETTINGS, gettext=i18n.translations("en").gettext)
    for name, m in (
            ("coverage", coverage_map(circle.circle_map(conn, WUHAN), settings=english)),
            ("overview", overview_map(datasets.overview(conn, ZHUZHOU), settings=SETTINGS))):
        view = opened(browser, pages(m, name))
        try:
            drawn = view.page.evaluate(f"""() => Object.values(({MAP})._layers)
                .filter(l => l instanceof L.Path).length""")
            assert drawn > 100, name          # the areas and circle markers are drawn
            assert view.page.locator(".leaflet-overlay-pane canvas").count() == 1, name
            assert view.errors == [], (name, view.errors)
            assert view.blocked == [], name
        finally:
            view.close()
