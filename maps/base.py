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
import numpy as np
import shapely
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from jinja2 import Template

from geo.crs import geometry_cgcs2000_to_gcj02, wgs84_to_gcj02
from geo.errors import SetupError
from maps import basemap as bm

BASEMAPS = ("civgeo", "tianditu", "osm", "amap", "none")
# How far a map zooms in (about 0.15 m a pixel; civgeo's basemap overzooms its z16 tiles).
# Stated on the map, since its own basemap layer names none and marker clusters need one.
MAX_ZOOM = 20


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
                   control_scale=True, prefer_canvas=True, maxZoom=MAX_ZOOM)
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
    """Prepare a layer for drawing: simplified (display only), shifted for GCJ-02 bases, and
    its coordinates rounded to what the drawing can show: 6 decimals (about 0.1 m), or 5
    (about 1 m) for a layer simplified by 5 m or more, whose vertices are no closer than
    that. Rounding roughly halves the text of a layer; nothing a screen shows moves."""
    out = frame.copy()
    if simplify_m:
        out = out.set_geometry(out.geometry.simplify(simplify_m / 111_000, preserve_topology=True))
    if settings.basemap == "amap":
        out = out.set_geometry(geometry_cgcs2000_to_gcj02(out.geometry.values))
    digits = 5 if simplify_m >= 5 else 6
    rounded = shapely.transform(np.asarray(out.geometry.values), lambda xy: np.round(xy, digits))
    return out.set_geometry(gpd.GeoSeries(rounded, index=out.index, crs=out.crs))


def layer_data(frame: gpd.GeoDataFrame, fields: list[str]) -> dict:
    """A layer as the GeoJSON a page needs: the ``fields`` its tooltip shows and the geometry,
    no bounding boxes, and features numbered "0", "1"… in the frame's order (style functions
    can look a feature's style up by its ``id`` instead of carrying it as a property)."""
    return frame[[*fields, frame.geometry.name]].reset_index(drop=True).to_geo_dict(
        na="null", show_bbox=False)


# From this zoom on (streets, about 4 m a pixel) every marker of a clustered layer is drawn
# on its own; below it, markers closer than 50 pixels are gathered into a numbered cluster,
# which a click zooms into.
CLUSTER_UNTIL = 15


def clustered(name: str, settings: MapSettings, *, show: bool = True) -> MarkerCluster:
    """A layer of markers (Leaflet.markercluster, served locally) that gathers them into
    numbered clusters at low zoom: a district's hundred facilities stay readable and the
    page builds a few clusters instead of a hundred icons."""
    group = MarkerCluster(name=name, show=show, options={
        "disableClusteringAtZoom": CLUSTER_UNTIL, "maxClusterRadius": 50,
        "showCoverageOnHover": False, "spiderfyOnMaxZoom": False, "chunkedLoading": True})
    base = f"{settings.assets_url}/leaflet.markercluster/dist"
    # Instance lists: folium's own point at a CDN, and add_js_link would change the class's.
    group.default_js = [("markerclusterjs", f"{base}/leaflet.markercluster.js")]
    group.default_css = [("markerclustercss", f"{base}/MarkerCluster.css"),
                         ("markerclusterdefaultcss", f"{base}/MarkerCluster.Default.css")]
    return group


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


def popup_html(title: str, rows: list[tuple[str, object]]) -> str:
    """The content of a popup: a bold title and a table of (label, value); everything
    escaped, empty values left out."""
    cells = "".join(f"<tr><th style='padding-right:6px'>{inert_text(k)}</th>"
                    f"<td>{inert_text(v)}</td></tr>" for k, v in rows if v not in (None, ""))
    return f"<b>{inert_text(title)}</b><table>{cells}</table>"


def popup(title: str, rows: list[tuple[str, object]]) -> folium.Popup:
    """A popup of ``popup_html``."""
    return folium.Popup(popup_html(title, rows), max_width=360)


def page_json(value: object) -> str:
    """``value`` as JSON safe inside a page's script: ``<``, ``>``, ``&`` and ``'`` escaped
    as Jinja's ``tojson`` does, other text left as UTF-8 (a Chinese character is then 3
    bytes, not the 6 of ``\\uXXXX``)."""
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("'", "\\u0027"))


class Markers(MacroElement):
    """Many markers of one layer, written into the page as data and built by one loop,
    instead of a block of script per marker: a district's hundred-odd facilities take a
    fraction of the text. Added to a ``clustered`` layer.

    Every marker has a title (its tooltip, and its popup's heading) and one value per
    label of the layer's popup table (``popup_html`` drawn in the browser when the popup
    opens; empty values left out). ``styles`` are shared: ``{"icon": awesome-markers
    options}`` for an icon marker, ``{"circle": Leaflet path options}`` for a circle marker
    (drawn on the map's canvas). Titles, labels and values are escaped here."""

    _template = Template("""{% macro script(this, kwargs) %}
        (function (group, styles, labels, rows) {
            function popup(r) {
                return "<b>" + r[3] + "</b><table>" + labels.map(function (label, i) {
                    return r[4][i] === null ? "" : "<tr><th style='padding-right:6px'>" +
                        label + "</th><td>" + r[4][i] + "</td></tr>";
                }).join("") + "</table>";
            }
            group.addLayers(rows.map(function (r) {
                var style = styles[r[2]], at = [r[0], r[1]];
                var marker = style.icon ? L.marker(at, {icon: L.AwesomeMarkers.icon(style.icon)})
                                        : L.circleMarker(at, style.circle);
                return marker.bindTooltip(r[3], {sticky: true})
                             .bindPopup(function () { return popup(r); }, {maxWidth: 360});
            }));
        })({{ this._parent.get_name() }}, {{ this.data }});
    {% endmacro %}""")

    def __init__(self, labels: list[str]) -> None:
        super().__init__()
        self._name = "Markers"
        self.labels = [inert_text(label) for label in labels]
        self.styles: list[dict] = []
        self.rows: list[list] = []

    def add(self, location: list[float], style: dict, title: str, values: list) -> None:
        """One marker at ``location`` ([lat, lon]) in ``style``, with a value per label."""
        if style not in self.styles:
            self.styles.append(style)
        self.rows.append([*location, self.styles.index(style), inert_text(title),
                          [None if v in (None, "") else inert_text(v) for v in values]])

    @property
    def data(self) -> str:
        """The arguments of the page's loop after the layer: styles, labels, markers."""
        return page_json([self.styles, self.labels, self.rows])[1:-1]


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
