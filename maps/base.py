"""The base of every civgeo map: local assets, the base layers, attribution, and a legend
that says which layers are real and which synthetic (DESIGN §5).

Base layers (``maps.basemap``): civgeo's own basemap, drawn from its vector tiles with no
internet, is the default (``CIVGEO_BASEMAP=civgeo``). 天地图 (Tianditu, CGCS2000, the
lawful base map for government maps in China) is offered beside it when
``CIVGEO_TIANDITU_KEY`` is set, online OpenStreetMap when ``CIVGEO_OSM_ONLINE=1``; either
can be the one shown first (``CIVGEO_BASEMAP=tianditu`` / ``osm``). ``amap`` (GCJ-02:
every data layer is shifted for display only) replaces them all; ``none`` draws no base
layer. The data layers, legend and layer control draw whatever the base layer does.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable
from dataclasses import dataclass

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template

from geo.crs import geometry_cgcs2000_to_gcj02, wgs84_to_gcj02
from geo.errors import SetupError
from maps import basemap as bm

BASEMAPS = ("civgeo", "tianditu", "osm", "amap", "none")


def N_(message: str) -> str:
    """Mark an English label for the catalogs (``api/web/locale``) where it is defined; it is
    translated where it is drawn, by ``MapSettings.gettext``."""
    return message


def _english(message: str) -> str:
    return message


def inert_text(value: object) -> str:
    """HTML-escaped text that is also inert inside folium's JavaScript template literals."""
    return html.escape(str(value if value is not None else "")).replace(
        "`", "&#96;").replace("$", "&#36;")


@dataclass(frozen=True)
class MapSettings:
    """How maps are drawn: the base layers and where the browser finds assets and tiles.

    ``tiles_url`` is where the browser fetches civgeo's basemap tiles: the service's own
    path for the maps it serves, an absolute URL for maps written to a file (``for_files``).

    ``gettext`` translates the labels a map draws (legends, title boxes, tooltips, layer
    names), which are written in English (DESIGN §5b); by default they stay English. The
    API and the command line give the catalogs' Chinese (``api.web.i18n``), without this
    layer knowing of them.
    """

    basemap: str = "civgeo"
    tianditu_key: str | None = None
    assets_url: str = "/static/vendor"
    tiles_url: str = bm.TILE_PATH
    osm_online: bool = False
    gettext: Callable[[str], str] = _english

    @classmethod
    def from_env(cls, assets_url: str = "/static/vendor",
                 tiles_url: str | None = None) -> MapSettings:
        """Read ``CIVGEO_BASEMAP``, ``CIVGEO_TIANDITU_KEY``, ``CIVGEO_OSM_ONLINE`` and
        ``CIVGEO_TILES_URL`` (which wins over ``tiles_url``)."""
        basemap = os.environ.get("CIVGEO_BASEMAP", "civgeo")
        if basemap not in BASEMAPS:
            raise SetupError(f"CIVGEO_BASEMAP={basemap!r}: choose one of {', '.join(BASEMAPS)}")
        key = os.environ.get("CIVGEO_TIANDITU_KEY") or None
        if basemap == "tianditu" and not key:
            raise SetupError("CIVGEO_BASEMAP=tianditu needs CIVGEO_TIANDITU_KEY (a 天地图 key)")
        online = os.environ.get("CIVGEO_OSM_ONLINE", "0")
        if online not in ("0", "1"):
            raise SetupError(f"CIVGEO_OSM_ONLINE={online!r} must be 0 or 1")
        tiles = os.environ.get("CIVGEO_TILES_URL") or tiles_url or bm.TILE_PATH
        if not all(part in tiles for part in ("{z}", "{x}", "{y}")):
            raise SetupError(f"CIVGEO_TILES_URL={tiles!r} needs {{z}}, {{x}} and {{y}}")
        return cls(basemap, key, assets_url, tiles, online == "1")

    @classmethod
    def for_files(cls) -> MapSettings:
        """Settings for maps written to a file: assets in ``vendor/`` beside the HTML, tiles
        from the running service (``CIVGEO_PUBLIC_URL``, by default the local API)."""
        service = os.environ.get("CIVGEO_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
        return cls.from_env(assets_url="vendor", tiles_url=service + bm.TILE_PATH)


def _local_assets(m: folium.Map, base: str) -> None:
    m.default_js = [
        ("leaflet", f"{base}/leaflet/dist/leaflet.js"),
        ("jquery", f"{base}/jquery/dist/jquery.min.js"),
        ("bootstrap", f"{base}/bootstrap/dist/js/bootstrap.bundle.min.js"),
        ("awesome_markers", f"{base}/leaflet.awesome-markers/dist/leaflet.awesome-markers.js"),
        ("protomaps_leaflet", f"{base}/protomaps-leaflet/dist/protomaps-leaflet.js"),
    ]
    m.default_css = [
        ("leaflet_css", f"{base}/leaflet/dist/leaflet.css"),
        ("bootstrap_css", f"{base}/bootstrap/dist/css/bootstrap.min.css"),
        ("awesome_markers_font_css", f"{base}/fortawesome-fontawesome-free/css/all.min.css"),
        ("awesome_markers_css", f"{base}/leaflet.awesome-markers/dist/leaflet.awesome-markers.css"),
    ]


def _tiles(m: folium.Map, settings: MapSettings) -> None:
    """The base layers, civgeo's own first; the one ``settings.basemap`` names is shown."""
    if settings.basemap == "amap":
        bm.amap().add_to(m)
        return
    if settings.basemap == "none":
        return
    shown = "civgeo" if settings.basemap == "tianditu" and not settings.tianditu_key \
        else settings.basemap
    bm.Basemap(settings.tiles_url, show=shown == "civgeo").add_to(m)
    if settings.tianditu_key:
        bm.tianditu(settings.tianditu_key, show=shown == "tianditu").add_to(m)
    if settings.osm_online or shown == "osm":
        bm.osm_online(show=shown == "osm").add_to(m)


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


def add_legend(m: folium.Map, title: str, rows: list[tuple[str, str]], *,
               folded: bool = False) -> None:
    """A fixed legend: (CSS colour or style, label) rows; labels are HTML-escaped. A
    ``folded`` legend shows its title only until it is opened (maps embedded in a page)."""
    items = "".join(
        f'<div><span style="display:inline-block;width:14px;height:10px;margin-right:6px;'
        f'{style}"></span>{html.escape(label)}</div>' for style, label in rows)
    head = (f'<details><summary style="cursor:pointer"><b>{html.escape(title)}</b></summary>'
            f'{items}</details>' if folded else f"<b>{html.escape(title)}</b>{items}")
    m.get_root().html.add_child(folium.Element(
        '<div class="civgeo-legend" style="position:fixed;bottom:48px;right:10px;z-index:1000;'
        'background:#fff;padding:6px 8px;border:1px solid #999;border-radius:4px;'
        f'font:12px sans-serif;max-width:320px">{head}</div>'))


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
