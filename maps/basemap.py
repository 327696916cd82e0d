"""The base layers of every map (DESIGN §5).

The default is civgeo's own basemap: the vector tiles of ``/tiles/basemap`` (divisions with
their names, streets, buildings, water, standard names) drawn in the browser by
protomaps-leaflet with the script beside this module (``templates/basemap.js``), so a map
has a background with no internet. 天地图 and online OpenStreetMap are offered as switchable
base layers when they are configured (a key; a network that reaches them); Amap (GCJ-02)
replaces the others, since the data layers are then shifted for display.

Why protomaps-leaflet: it draws MVT on a plain 2D canvas inside a Leaflet layer, so it
switches with the other base layers and works where WebGL does not (old office PCs, remote
desktops); and it lays out labels itself with the browser's fonts, so Chinese names need no
glyph files. Leaflet.VectorGrid draws no text at all, and MapLibre GL needs WebGL and a
glyph server for every non-CJK character (digits, Latin), which would be one more thing to
serve offline.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import folium
from jinja2 import Template

OSM_NOTICE = "© OpenStreetMap contributors"
# What the basemap draws from OSM: streets, buildings, water. Divisions are civgeo's own.
ATTRIBUTION = f"civgeo 底图 · 街道、建筑、水系 {OSM_NOTICE}"
NAME = "civgeo 底图（离线）"
TIANDITU = "天地图 Tianditu"
OSM_ONLINE = "OpenStreetMap（在线）"
AMAP = "高德 Amap (GCJ-02)"
TILE_PATH = "/tiles/basemap/{z}/{x}/{y}.mvt"
MAX_DATA_ZOOM = 16  # the tiles' TileJSON maxzoom; the browser overzooms beyond


@cache
def script() -> str:
    """The basemap's browser code (defines ``civgeoBasemap``), to inline in a page."""
    return Path(__file__).with_name("templates").joinpath("basemap.js").read_text("utf-8")


def options(tiles_url: str) -> dict:
    """What ``civgeoBasemap(map, options)`` needs: where the tiles are, their zooms and
    the notice."""
    return {"url": tiles_url, "maxDataZoom": MAX_DATA_ZOOM, "attribution": ATTRIBUTION}


class Basemap(folium.map.Layer):
    """civgeo's basemap as a folium base layer (a radio button in the layer control)."""

    _template = Template("""{% macro script(this, kwargs) %}
        var {{ this.get_name() }} = civgeoBasemap({{ this._parent.get_name() }},
            {{ this.options|tojson }});
    {% endmacro %}""")

    def __init__(self, tiles_url: str, *, show: bool = True) -> None:
        super().__init__(name=NAME, overlay=False, control=True, show=show)
        self._name = "CivgeoBasemap"
        self.options = options(tiles_url)

    def render(self, **kwargs) -> None:
        """Put the basemap's code in the page's head (once), then the layer itself."""
        self.get_root().header.add_child(
            folium.Element(f"<script>{script()}</script>"), name="civgeo_basemap_js")
        super().render(**kwargs)


def tianditu(key: str, *, show: bool) -> folium.FeatureGroup:
    """天地图's vector map with its annotation layer (Web Mercator tiles, CGCS2000 data)."""
    group = folium.FeatureGroup(name=TIANDITU, overlay=False, show=show)
    for layer in ("vec", "cva"):
        url = (f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
               f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
               f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
        folium.TileLayer(url, attr="© 天地图 国家地理信息公共服务平台", subdomains="01234567",
                         max_zoom=18).add_to(group)
    return group


def osm_online(*, show: bool) -> folium.TileLayer:
    """OpenStreetMap's own raster tiles (needs the internet)."""
    return folium.TileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", name=OSM_ONLINE,
                            attr=OSM_NOTICE, overlay=False, show=show, max_zoom=19)


def amap() -> folium.TileLayer:
    """Amap's road map, in GCJ-02 (the data layers are shifted to match)."""
    return folium.TileLayer("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1"
                            "&scale=1&style=8&x={x}&y={y}&z={z}", name=AMAP, attr="高德地图",
                            subdomains="1234", overlay=False)


def page_script(tiles_url: str = TILE_PATH) -> str:
    """For a page outside folium (the public search page): the basemap's code and its
    options as ``civgeoBasemapOptions``."""
    return f"{script()}\nvar civgeoBasemapOptions = {json.dumps(options(tiles_url))};\n"
