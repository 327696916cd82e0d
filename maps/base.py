"""The base of every civgeo map: local assets, the configured base layer, attribution,
and a legend that says which layers are real and which synthetic (DESIGN §5).

Base layer (``CIVGEO_BASEMAP``): ``osm`` (default), ``tianditu`` (天地图, CGCS2000, the
lawful base map for government maps in China; needs ``CIVGEO_TIANDITU_KEY``), ``amap``
(GCJ-02: every data layer is shifted for display only) or ``none`` (intranets with no
tile server). The data layers, legend and layer control draw whatever the base layer does.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template

from geo.crs import geometry_cgcs2000_to_gcj02, wgs84_to_gcj02
from geo.errors import SetupError

BASEMAPS = ("osm", "tianditu", "amap", "none")


def inert_text(value: object) -> str:
    """HTML-escaped text that is also inert inside folium's JavaScript template literals."""
    return html.escape(str(value if value is not None else "")).replace(
        "`", "&#96;").replace("$", "&#36;")


@dataclass(frozen=True)
class MapSettings:
    """How maps are drawn: base layer and where the browser finds the assets."""

    basemap: str = "osm"
    tianditu_key: str | None = None
    assets_url: str = "/static/vendor"

    @classmethod
    def from_env(cls, assets_url: str = "/static/vendor") -> MapSettings:
        """Read ``CIVGEO_BASEMAP`` and ``CIVGEO_TIANDITU_KEY``."""
        basemap = os.environ.get("CIVGEO_BASEMAP", "osm")
        if basemap not in BASEMAPS:
            raise SetupError(f"CIVGEO_BASEMAP={basemap!r}: choose one of {', '.join(BASEMAPS)}")
        return cls(basemap, os.environ.get("CIVGEO_TIANDITU_KEY"), assets_url)


def _local_assets(m: folium.Map, base: str) -> None:
    m.default_js = [
        ("leaflet", f"{base}/leaflet/dist/leaflet.js"),
        ("jquery", f"{base}/jquery/dist/jquery.min.js"),
        ("bootstrap", f"{base}/bootstrap/dist/js/bootstrap.bundle.min.js"),
        ("awesome_markers", f"{base}/leaflet.awesome-markers/dist/leaflet.awesome-markers.js"),
    ]
    m.default_css = [
        ("leaflet_css", f"{base}/leaflet/dist/leaflet.css"),
        ("bootstrap_css", f"{base}/bootstrap/dist/css/bootstrap.min.css"),
        ("awesome_markers_font_css", f"{base}/fortawesome-fontawesome-free/css/all.min.css"),
        ("awesome_markers_css", f"{base}/leaflet.awesome-markers/dist/leaflet.awesome-markers.css"),
    ]


def _tiles(m: folium.Map, settings: MapSettings) -> None:
    if settings.basemap == "osm":
        folium.TileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", name="OpenStreetMap",
                         attr="© OpenStreetMap contributors").add_to(m)
    elif settings.basemap == "tianditu" and settings.tianditu_key:
        url = ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
               "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
               f"&TILECOL={{x}}&tk={settings.tianditu_key}")
        folium.TileLayer(url, name="天地图", attr="天地图",
                         subdomains="01234567").add_to(m)
    elif settings.basemap == "amap":
        folium.TileLayer("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                         "&style=8&x={x}&y={y}&z={z}", name="高德 (GCJ-02)",
                         attr="高德地图", subdomains="1234").add_to(m)


class _Attribution(MacroElement):
    """Adds the data's notice to the map's attribution control, after the map exists."""

    _template = Template("""{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.notice }});
    {% endmacro %}""")

    def __init__(self, notice: str) -> None:
        super().__init__()
        self.notice = json.dumps(notice)


def base_map(bounds: tuple[float, float, float, float], settings: MapSettings, *,
             attribution: str = "") -> folium.Map:
    """An empty map fitted to ``bounds`` (minx, miny, maxx, maxy, CGCS2000 lon/lat)."""
    minx, miny, maxx, maxy = bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=10, tiles=None,
                   control_scale=True, prefer_canvas=True)
    _local_assets(m, settings.assets_url)
    _tiles(m, settings)
    if settings.basemap == "amap":
        (minx, maxx), (miny, maxy) = wgs84_to_gcj02([minx, maxx], [miny, maxy])
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    if attribution:
        # The data's own notices (e.g. ODbL) go into Leaflet's attribution control, which
        # shows even with no base layer.
        _Attribution(html.escape(attribution)).add_to(m)
    return m


def for_display(frame: gpd.GeoDataFrame, settings: MapSettings,
                simplify_m: float = 0.0) -> gpd.GeoDataFrame:
    """Prepare a layer for drawing: simplified (display only) and shifted for GCJ-02 bases."""
    out = frame.copy()
    if simplify_m:
        out = out.set_geometry(out.geometry.simplify(simplify_m / 111_000, preserve_topology=True))
    if settings.basemap == "amap":
        out = out.set_geometry(geometry_cgcs2000_to_gcj02(out.geometry.values))
    return out


def add_legend(m: folium.Map, title: str, rows: list[tuple[str, str]]) -> None:
    """A fixed legend: (CSS colour or style, label) rows; labels are HTML-escaped."""
    items = "".join(
        f'<div><span style="display:inline-block;width:14px;height:10px;margin-right:6px;'
        f'{style}"></span>{html.escape(label)}</div>' for style, label in rows)
    m.get_root().html.add_child(folium.Element(
        '<div class="civgeo-legend" style="position:fixed;bottom:48px;right:10px;z-index:1000;'
        'background:#fff;padding:6px 8px;border:1px solid #999;border-radius:4px;'
        f'font:12px sans-serif;max-width:320px"><b>{html.escape(title)}</b>{items}</div>'))


def popup(title: str, rows: list[tuple[str, object]]) -> folium.Popup:
    """A popup: a bold title and a table of (label, value); everything escaped, empty
    values left out."""
    cells = "".join(f"<tr><th style='padding-right:6px'>{inert_text(k)}</th>"
                    f"<td>{inert_text(v)}</td></tr>" for k, v in rows if v not in (None, ""))
    return folium.Popup(f"<b>{inert_text(title)}</b><table>{cells}</table>", max_width=360)


def shown(geoms: list, settings: MapSettings) -> list:
    """Geometries ready to draw (shifted when the base layer is GCJ-02)."""
    if not geoms:
        return []
    return list(for_display(gpd.GeoDataFrame(geometry=geoms, crs=4490), settings).geometry)


def latlon(line) -> list[list[float]]:
    """A line's coordinates in Leaflet's (lat, lon) order."""
    return [[y, x] for x, y in line.coords]


def banner(text: str, *, ok: bool = False) -> str:
    """A red warning strip for a title box (a green "OK" one with ``ok``); text escaped."""
    if ok:
        return ('<div class="civgeo-ok" style="background:#1a9850;color:#fff;'
                f'font-weight:bold;padding:4px 6px;margin:4px 0">OK {inert_text(text)}</div>')
    return ('<div class="civgeo-banner" style="background:#c0392b;color:#fff;'
            f'font-weight:bold;padding:4px 6px;margin:4px 0">{inert_text(text)}</div>')


def add_title_box(m: folium.Map, title: str, lines: list[str], *, banners: str = "",
                  footer: str = "") -> None:
    """The fixed box at the top left: a bold title, ``banners`` (from ``banner``), one
    escaped line each, then ``footer`` (HTML)."""
    body = "".join(f"<div>{inert_text(line)}</div>" for line in lines)
    m.get_root().html.add_child(folium.Element(
        '<div class="civgeo-title" style="position:fixed;top:10px;left:54px;z-index:1000;'
        'background:#fff;padding:6px 8px;border:1px solid #999;border-radius:4px;'
        f'font:12px sans-serif;max-width:440px"><b style="font-size:14px">{inert_text(title)}</b>'
        f"{banners}{body}{footer}</div>"))
