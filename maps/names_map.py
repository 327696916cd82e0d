"""Map of place names: one name or a page of search results, with popups."""

from __future__ import annotations

import folium

from geo.names.search import NamesMap
from maps.base import MapSettings, add_legend, base_map, for_display, inert_text

_COLOURS = {"standard": "#c0392b", "historical": "#7f8c8d", "abolished": "#7f8c8d"}


def names_map(names: NamesMap, *, settings: MapSettings, attribution: str = "") -> folium.Map:
    """Names (``geo.names.search.names_map``) as points, lines or areas, coloured by status;
    popups show the standard form and why each name matched."""
    frame, title, why = names.frame, names.title, names.why
    bounds = tuple(frame.total_bounds) if len(frame) else (73.5, 18.0, 135.0, 53.5)
    minx, miny, maxx, maxy = bounds
    pad = 0.005
    m = base_map((minx - pad, miny - pad, maxx + pad, maxy + pad), settings,
                 attribution=attribution)
    shown = for_display(frame, settings)
    for row in shown.itertuples():
        popup = (f"<b>{inert_text(row.name)}</b><br>{inert_text(row.roman)}<br>"
                 f"{inert_text(row.category)} · {inert_text(row.status)}"
                 + (f"<br><i>{inert_text(why[row.id])}</i>" if why and row.id in why else ""))
        colour = _COLOURS.get(row.status, "#c0392b")
        geom = row.geometry
        if geom.geom_type == "Point":
            folium.CircleMarker([geom.y, geom.x], radius=7, color=colour, fill=True,
                                fill_opacity=0.8, popup=folium.Popup(popup, max_width=260),
                                tooltip=inert_text(row.name)).add_to(m)
        else:
            folium.GeoJson(geom.__geo_interface__, style_function=lambda _f, c=colour: {
                "color": c, "weight": 3, "fillOpacity": 0.1},
                popup=folium.Popup(popup, max_width=260),
                tooltip=inert_text(row.name)).add_to(m)
    add_legend(m, title, [(f"background:{_COLOURS['standard']}", "standard name 标准地名"),
                          (f"background:{_COLOURS['historical']}", "historical / abolished"),
                          ("border:1px dashed #999", "township/community areas of the sample "
                                                     "data are SYNTHETIC")])
    return m
