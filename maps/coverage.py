"""Coverage maps (DOMAIN §E–F, DESIGN §5): the 15-minute eldercare circle, an indicator
choropleth, and suggested new sites, drawn from the results of ``geo.coverage``.

Each map draws one domain result (``CircleMap``, indicators, ``SuggestionsMap``) and
touches no database. A straight-line estimate says so in a red banner on the map itself.
Labels are English msgids (``N_``) drawn through ``settings.gettext``: Chinese where the
API or the command line asks for it (DESIGN §5b).
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, shape

from geo.coverage import circle as circles
from geo.coverage.circle import CircleMap
from geo.coverage.suggest import SuggestionsMap
from geo.errors import InvalidInput
from maps.base import (
    N_,
    MapSettings,
    Markers,
    add_legend,
    add_title_box,
    banner,
    base_map,
    clustered,
    for_display,
    inert_text,
    layer_data,
    popup,
)

# Community status -> (fill colour, legend label).
STATUS = {
    circles.COVERED: ("#1a9850", N_("covered")),
    circles.PARTLY: ("#d9ef8b", N_("partly covered")),
    circles.FULL: ("#fdae61", N_("over capacity")),
    circles.TOO_FAR: ("#d73027", N_("too far")),
    circles.OFF_NETWORK: ("#969696", N_("off the street network")),
    circles.EMPTY: ("#f7f7f7", N_("no elderly on the grid")),
}
# Uncovered elderly per 100 m cell: (lower bound, colour), and the hot spots' outline.
# A purple-red ramp (ColorBrewer RdPu), apart from the statuses' greens, oranges and reds.
HEAT_CLASSES = ((0.0, "#feebe2"), (2.0, "#fcc5c0"), (5.0, "#fa9fb5"), (10.0, "#f768a1"),
                (20.0, "#c51b8a"), (35.0, "#7a0177"))
_HOTSPOT = {"color": "#54278f", "weight": 2.5, "fill": False}
_TIER_COLOURS = ("#08306b", "#2171b5", "#6baed6", "#9ecae1", "#c6dbef")  # nearest darkest
_SITE_COLOURS = {"street_centre": "#3f007d", "community_station": "#807dba",
                 "day_care": "#e7298a", "rural_happiness": "#66a61e"}
# Facilities outside the circle: (awesome-markers colour, Font Awesome icon), by type or kind.
_MARKERS = {"nursing_home": ("darkpurple", "bed"), "welfare_home": ("cadetblue", "bed"),
            "care_home": ("darkred", "bed"), "eldercare": ("orange", "utensils"),
            "funeral": ("gray", "monument"), "relief": ("blue", "warehouse")}
_MARKER_CSS = {"darkpurple": "#5b396b", "cadetblue": "#436978", "darkred": "#a23336",
               "orange": "#f69730", "gray": "#575757", "blue": "#38aadd"}
_KIND_LABELS = {"funeral": N_("funeral site"), "relief": N_("relief warehouse")}
_OUTLINE = {"color": "#222", "weight": 2.5, "fill": False}

# Indicator -> (label, shown as a share, property saying whether it meets its target).
INDICATORS = {
    "beds_per_1000": (N_("eldercare beds per 1000 aged 60+"), False, "beds_ok"),
    "nursing_share": (N_("nursing-bed share"), True, "nursing_ok"),
    "community_coverage_urban": (N_("urban communities with an eldercare site"), True,
                                 "community_coverage_urban_ok"),
    "community_coverage_rural": (N_("villages with an eldercare site"), True,
                                 "community_coverage_rural_ok"),
    "circle_elderly_share": (N_("elderly 60+ in the 15-minute circle"), True, None),
    "cemetery_village_coverage": (N_("villages served by a public cemetery"), True, None),
}
_TARGET_COLOURS = ("#d7301f", "#fdae61", "#1a9850")      # below, near, meets
_RAMP = ("#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d")
_NO_DATA = "#d9d9d9"
_NEAR = 0.9   # "near target": within 10 % below it
SYNTHETIC = N_("community areas of the sample data are SYNTHETIC")
# Why a community is not covered (``reason_code`` of ``geo.coverage.circle``), and how the
# distances were measured; the workbench (api/web) says the same in the same words.
REASONS = {
    "over_capacity": N_("The sites within %(limit_minutes)s minutes have room for %(room)s of "
                        "its %(elderly)s elderly (nearest: %(site)s, %(distance_m)s m)."),
    "too_far": N_("The nearest site, %(site)s, is %(distance_m)s m away (%(minutes)s min "
                  "walk), beyond %(limit_minutes)s minutes."),
    "too_far_none": N_("No community eldercare site within %(km)s km."),
    "off_network": N_("No walkable street within %(snap_m)s m of the community centre."),
    "partly_covered": N_("%(covered)s of its %(elderly)s elderly live within "
                         "%(limit_minutes)s minutes of a site with room; of the rest, "
                         "%(too_far)s live too far, %(over_capacity)s reach only full sites "
                         "and %(off_network)s live off the street network."),
    "no_elderly": N_("No one aged 60+ lives here on the population grid."),
    "off_network_cells": N_("%(off_network)s of its %(elderly)s elderly live farther than "
                            "%(snap_m)s m from any walkable street."),
}
METHOD_NETWORK = N_("Walking distances on the real street network (%(network)s), "
                    "%(minutes)s minutes at %(speed)s m/min.")
METHOD_STRAIGHT = N_("STRAIGHT-LINE ESTIMATE: no street network is loaded here, so distances "
                     "are straight lines × %(detour)s (detour factor); import a network to "
                     "get network results.")


class _Args(dict):
    """Placeholder values for a message: numbers grouped, a missing one a dash."""

    def __missing__(self, key: str) -> str:
        return "—"

    def __getitem__(self, key: str) -> str:
        value = super().__getitem__(key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return f"{value:,}" if isinstance(value, int) else str(value)


def reason_text(_, record: dict) -> str | None:
    """Why a community of a circle result is not covered, in the map's language."""
    code = record.get("reason_code")
    if code not in REASONS:
        return record.get("reason")
    return _(REASONS[code]) % _Args(record.get("reason_args") or {})


def method_text(_, header: dict) -> str:
    """How the distances of a result were measured, in the map's language."""
    if header.get("method") == "straight-line":
        return _(METHOD_STRAIGHT) % _Args(detour=header.get("detour_factor"))
    return _(METHOD_NETWORK) % _Args(network=header.get("network"),
                                     minutes=f"{header.get('minutes', 0):g}",
                                     speed=f"{header.get('speed_m_per_min', 0):g}")


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _walk(_, minutes: float, metres: int) -> str:
    return _("%(minutes)s min (%(metres)s m)") % {"minutes": f"{minutes:g}",
                                                  "metres": f"{metres:,}"}


def _locations(rows: list[dict], settings: MapSettings) -> list[list[float]]:
    """[lat, lon] of rows with lon, lat, shifted for display on a GCJ-02 base."""
    if not rows:
        return []
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy([r["lon"] for r in rows],
                                                          [r["lat"] for r in rows]), crs=4490)
    return [[p.y, p.x] for p in for_display(points, settings).geometry]


def _tier_colour(i: int) -> str:
    return _TIER_COLOURS[min(i, len(_TIER_COLOURS) - 1)]


def _map(frame: gpd.GeoDataFrame, header: dict, settings: MapSettings) -> folium.Map:
    """The base map fitted to ``frame``, with the network's notice if distances used one
    and the population grid's credit if the elderly were counted on one."""
    notices = [header.get("attribution"), header.get("population_credit")]
    return base_map(tuple(frame.total_bounds), settings,
                    attribution=" | ".join(n for n in notices if n))


def population_text(_, header: dict) -> str:
    """Where the elderly of a result were counted, in the map's language."""
    if not header.get("population_credit"):
        return _("Elderly: the 2020 census count of each county spread over its communities "
                 "(synthetic), counted at each community's centre.")
    scaled = (_("scaled to each county's 2020 census count") if header.get("population_scaled")
              else _("not scaled to the census"))
    if header.get("demand") == "cells":
        return _("Elderly counted per 100 m cell of %(source)s (%(scaled)s), each cell "
                 "placed on the walking network. %(credit)s") % {
            "source": header["population_source"], "scaled": scaled,
            "credit": header["population_credit"]}
    return _("Elderly of %(source)s summed per community (%(scaled)s) and counted at its "
             "centre. %(credit)s") % {"source": header["population_source"], "scaled": scaled,
                                      "credit": header["population_credit"]}


def _title_box(m: folium.Map, title: str, lines: list[str], header: dict,
               settings: MapSettings) -> None:
    """The title, summary lines and how distances were measured; straight-line estimates
    get a red banner."""
    note = method_text(settings.gettext, header)
    people = inert_text(population_text(settings.gettext, header))
    if header.get("method") == "straight-line":
        add_title_box(m, title, lines, banners=banner(note),
                      footer=f'<div style="color:#555">{people}</div>')
    else:
        add_title_box(m, title, lines, footer=f'<div style="color:#555">{inert_text(note)}'
                                              f'<br>{people}</div>')


def _outline(m: folium.Map, frame: gpd.GeoDataFrame, code: str, settings: MapSettings) -> None:
    own = frame[frame["code"] == code]
    if len(own):
        folium.GeoJson(layer_data(for_display(own[["geometry"]], settings, 30), []),
                       name=settings.gettext("boundary"),
                       style_function=lambda _f: _OUTLINE, interactive=False).add_to(m)


def _communities(m: folium.Map, frame: gpd.GeoDataFrame, records: list[dict],
                 settings: MapSettings, opacity: float = 0.55) -> None:
    """Community areas coloured by circle status (lighter under a heat grid); tooltip with
    elderly and the reason."""
    _ = settings.gettext
    tip = {"name": _("Community or village"), "code": _("Code"), "label": _("Status"),
           "elderly": _("Elderly 60+"), "covered": _("Elderly covered"), "walk": _("Walk"),
           "site": _("Site"), "reason": _("Reason")}
    data = pd.DataFrame([{
        "code": r["code"], "name": inert_text(r["name"]), "status": r["status"],
        "label": inert_text(_(STATUS[r["status"]][1])), "elderly": f"{r['elderly']:,}",
        "covered": f"{r['covered_elderly']:,}",
        "walk": "—" if r["minutes"] is None else _walk(_, r["minutes"], r["distance_m"]),
        "site": inert_text((r["served_by"] or r["nearest_site"] or {}).get("name", "—")),
        "reason": inert_text(reason_text(_, r) or "—")} for r in records],
        columns=[*tip, "status"])
    polys = frame.loc[frame["level"] == "community", ["code", "geometry"]]
    shown = for_display(polys.merge(data, on="code"), settings, 15)
    if len(shown):
        # The status colours the area and is not shown: looked up by feature id, not sent.
        fills = [STATUS[status][0] for status in shown["status"]]
        folium.GeoJson(
            layer_data(shown, list(tip)), name=_("communities by status"),
            style_function=lambda f: {"fillColor": fills[int(f["id"])],
                                      "fillOpacity": opacity, "color": "#666", "weight": 0.5},
            tooltip=folium.GeoJsonTooltip(list(tip), list(tip.values()), sticky=True)).add_to(m)


def _circle_sites(m: folium.Map, sites: list[dict], type_names: dict[str, str],
                  settings: MapSettings, name: str) -> None:
    """Community eldercare sites counted by the circle, with their load; full ones ringed;
    clustered at low zoom."""
    _ = settings.gettext
    markers = Markers([_("Type"), _("Places"), _("Capacity (elderly)"), _("Capacity used"),
                       _("Catchment (elderly)"), _("Note")])
    for row, location in zip(sites, _locations(sites, settings), strict=True):
        served, cap = row["served_elderly"], row["capacity_elderly"]
        used = (f"{served:,} / {cap:,} ({served / cap:.0%})" if cap
                else _("places unknown: not capped"))
        flags = [_(text) for flag, text in (
            (row["full"], N_("FULL: its catchment exceeds its capacity")),
            (not row["inside"], N_("outside the division; serves it too")),
            (not row["on_network"], N_("not on the street network"))) if flag]
        markers.add(location, {"circle": {
            "radius": 6, "weight": 3 if row["full"] else 1,
            "color": "#b30000" if row["full"] else "#fff", "fill": True, "fillOpacity": 0.9,
            "fillColor": _SITE_COLOURS.get(row["type"], "#3f007d")}}, row["name"],
            [type_names.get(row["type"], row["type"]), row["places"], cap, used,
             row["catchment_elderly"], "; ".join(flags)])
    group = clustered(name, settings)
    markers.add_to(group)
    group.add_to(m)


def _facility_layer(m: folium.Map, rows: list[dict], name: str, settings: MapSettings, *,
                    show: bool = True) -> None:
    """Facilities outside the circle as icon markers, with their capacities; clustered at
    low zoom."""
    if not rows:
        return
    _ = settings.gettext
    markers = Markers([_("Type"), _("Status"), _("Beds"), _("Nursing beds"), _("Places"),
                       _("Meals per day"), _("Plots used / total"), _("Stock items"),
                       _("Operator")])
    for row, location in zip(rows, _locations(rows, settings), strict=True):
        colour, icon = _MARKERS.get(row["type"]) or _MARKERS[row["kind"]]
        markers.add(location, {"icon": {"markerColor": colour, "iconColor": "white",
                                        "icon": icon, "prefix": "fa"}}, row["name"], [
            row["type_name"], row["status"], row["beds"], row["nursing_beds"], row["places"],
            row["meals_per_day"], None if row["plots_total"] is None
            else f"{row['plots_used'] or 0:,} / {row['plots_total']:,}",
            len(row["stock"]) if row["kind"] == "relief" else None, row["operator"]])
    group = clustered(name, settings, show=show)
    markers.add_to(group)
    group.add_to(m)


def _facility_legend(sites: list[dict], marked: list[dict], type_names: dict[str, str],
                     _) -> list[tuple[str, str]]:
    """Legend rows of the circle sites by type and of the facilities drawn as markers."""
    rows = [(f"background:{_SITE_COLOURS.get(t, '#3f007d')};border-radius:7px",
             _("%(type)s (circle site)") % {"type": type_names.get(t, t)})
            for t in sorted({s["type"] for s in sites})]
    rows.append(("border:3px solid #b30000;border-radius:7px", _("circle site full")))
    seen: dict[str, tuple[str, str]] = {}
    for row in marked:
        label = row["type_name"] if row["kind"] == "eldercare" else _(_KIND_LABELS[row["kind"]])
        seen.setdefault(label, _MARKERS.get(row["type"]) or _MARKERS[row["kind"]])
    return rows + [(f"background:{_MARKER_CSS[colour]}",
                    _("%(label)s (%(icon)s marker)") % {"label": label, "icon": icon})
                   for label, (colour, icon) in seen.items()]


def coverage_map(circle: CircleMap, *, settings: MapSettings,
                 embedded: bool = False) -> folium.Map:
    """The 15-minute circle (``geo.coverage.circle.circle_map``): walking tiers,
    communities by status, circle sites and the other facilities. ``embedded``: for a page
    that shows the figures beside the map (the planner's workbench): no title box, the
    layer control and the legend folded."""
    _ = settings.gettext
    result, frame, tiers = circle.result, circle.frame, circle.tiers
    facility_rows, type_names = circle.facilities, circle.type_names
    div = result["division"]
    m = _map(frame, result, settings)
    _communities(m, frame, result["communities"], settings,
                 0.55 if circle.heat is None else 0.25)
    kind = (_("straight-line discs") if result["method"] == "straight-line"
            else _("walking network"))
    for i, tier in reversed(list(enumerate(tiers))):
        colour = _tier_colour(i)
        layer = gpd.GeoDataFrame(geometry=[tier["geometry"]], crs=4490)
        folium.GeoJson(layer_data(for_display(layer, settings, 10), []),
                       name=_("%(minutes)s min tier (%(kind)s)") % {
                           "minutes": f"{tier['minutes']:g}", "kind": kind},
                       interactive=False,
                       style_function=lambda _f, c=colour: {
                           "fillColor": c, "fillOpacity": 0.18, "color": c,
                           "weight": 1}).add_to(m)
    _outline(m, frame, div["code"], settings)
    _heat(m, circle.heat, settings)
    _hotspots(m, circle.hotspots, settings)
    _circle_sites(m, result["sites"], type_names, settings, _("circle sites"))
    marked = [r for r in facility_rows if not r["circle"]]  # circle sites come from result
    eldercare = [r for r in marked if r["kind"] == "eldercare"]
    _facility_layer(m, [r for r in eldercare if r["institution"]],
                    _("institutions (beds)"), settings)
    _facility_layer(m, [r for r in eldercare if not r["institution"]],
                    _("canteens (meals only, not in the circle)"), settings)
    _facility_layer(m, [r for r in marked if r["kind"] == "funeral"],
                    _("funeral sites"), settings, show=False)
    _facility_layer(m, [r for r in marked if r["kind"] == "relief"],
                    _("relief warehouses"), settings, show=False)
    folium.LayerControl(collapsed=embedded).add_to(m)
    s = result["summary"]
    counts = " · ".join(f"{n} {_(STATUS[k][1])}" for k, n in s["by_status"].items())
    minutes = f"{result['minutes']:g}"
    title = _("%(name)s %(code)s · %(minutes)s-minute eldercare circle") % {
        "name": div["name"], "code": div["code"], "minutes": minutes}
    lines = [
        _("elderly 60+ covered: %(share)s (%(covered)s of %(elderly)s)") % {
            "share": _share(s["elderly_share"]), "covered": f"{s['covered_elderly']:,}",
            "elderly": f"{s['elderly']:,}"},
        _("communities and villages %(n)s: %(counts)s") % {"n": s["communities"],
                                                           "counts": counts},
        _("walking %(minutes)s min at %(speed)s m/min (%(limit)s m); %(sites)s circle sites")
        % {"minutes": minutes, "speed": f"{result['speed_m_per_min']:g}",
           "limit": f"{result['limit_m']:,}", "sites": s["sites"]}]
    spots = circle.hotspots
    if spots and spots["features"]:
        lines.append(_("%(n)s hot spots hold %(elderly)s of the %(all)s uncovered elderly") % {
            "n": len(spots["features"]), "elderly": f"{spots['summary']['hotspot_elderly']:,}",
            "all": f"{spots['summary']['uncovered_elderly']:,}"})
    if not embedded:
        _title_box(m, title, lines, result, settings)
    heat_rows = [] if circle.heat is None else [
        *[(f"background:{colour}", _("%(low)s+ uncovered elderly per cell") % {"low": f"{low:g}"}
           if low else _("under %(high)s uncovered elderly per cell") % {
               "high": f"{HEAT_CLASSES[1][0]:g}"})
          for low, colour in HEAT_CLASSES],
        ("border:2.5px solid #54278f;border-radius:3px",
         _("hot spot (numbered square, densest first)"))]
    add_legend(m, _("legend"), [
        *[(f"background:{c};opacity:.7;border:1px solid #999", _(label))
          for k, (c, label) in STATUS.items() if k in s["by_status"]],
        *heat_rows,
        *[(f"background:{_tier_colour(i)};opacity:.5",
           _("within %(minutes)s min") % {"minutes": f"{t['minutes']:g}"})
          for i, t in enumerate(tiers)],
        *_facility_legend(result["sites"], marked, type_names, _),
        ("border:1px dashed #999", _(SYNTHETIC))], folded=embedded)
    return m


def _heat(m: folium.Map, heat, settings: MapSettings) -> None:
    """The uncovered elderly per grid cell as an image (one pixel a cell), classed."""
    if heat is None:
        return
    values = heat.values
    rgba = np.zeros((*values.shape, 4), dtype=np.uint8)
    for low, colour in HEAT_CLASSES:
        at = np.nan_to_num(values, nan=-1.0) > low if low else np.isfinite(values)
        rgba[at] = [int(colour[i:i + 2], 16) for i in (1, 3, 5)] + [220 if low else 140]
    west, south, east, north = heat.bounds
    corners = for_display(gpd.GeoDataFrame(geometry=gpd.points_from_xy(
        [west, east], [south, north]), crs=4490), settings).geometry
    folium.raster_layers.ImageOverlay(
        rgba, bounds=[[corners.iloc[0].y, corners.iloc[0].x],
                      [corners.iloc[1].y, corners.iloc[1].x]],
        mercator_project=True, name=settings.gettext("uncovered elderly per 100 m cell"),
        interactive=False, zindex=450, pixelated=True).add_to(m)


def _hotspots(m: folium.Map, spots: dict | None, settings: MapSettings) -> None:
    """The hot spots of uncovered elderly: their cells outlined, numbered by rank."""
    if not spots or not spots["features"]:
        return
    _ = settings.gettext
    tip = {"rank": _("Hot spot #"), "elderly": _("Uncovered elderly"), "cells": _("Cells"),
           "why": _("Why uncovered"), "walk": _("Median walk to a site"),
           "communities": _("Communities")}
    rows = []
    for f in spots["features"]:
        p = f["properties"]
        rows.append({
            "rank": p["rank"], "elderly": f"{p['uncovered_elderly']:,}", "cells": p["cells"],
            "why": _("%(too_far)s too far, %(over_capacity)s at full sites, %(off_network)s "
                     "off the network") % _Args(p),
            "walk": "—" if p["median_walk_m"] is None
            else _walk(_, p["median_walk_min"], p["median_walk_m"]),
            "communities": inert_text("、".join(c["name"] for c in p["communities"])),
            "geometry": shape(f["geometry"]), "lon": p["lon"], "lat": p["lat"]})
    frame = gpd.GeoDataFrame(rows, crs=4490)
    group = folium.FeatureGroup(name=_("hot spots of uncovered elderly"))
    folium.GeoJson(layer_data(for_display(frame.drop(columns=["lon", "lat"]), settings),
                              list(tip)),
                   style_function=lambda _f: _HOTSPOT,
                   tooltip=folium.GeoJsonTooltip(list(tip), list(tip.values()), sticky=True)
                   ).add_to(group)
    for row, location in zip(rows, _locations(rows, settings), strict=True):
        folium.Marker(location, tooltip=_("Hot spot #%(rank)s: %(elderly)s uncovered elderly")
                      % {"rank": row["rank"], "elderly": row["elderly"]},
                      icon=folium.DivIcon(html=f'<div class="civgeo-hot">{int(row["rank"])}'
                                               "</div>", icon_size=(22, 22),
                                          icon_anchor=(11, 11))).add_to(group)
    group.add_to(m)
    m.get_root().header.add_child(folium.Element(
        "<style>.civgeo-hot{width:22px;height:22px;border-radius:3px;background:#54278f;"
        "color:#fff;font:bold 12px/22px sans-serif;text-align:center;"
        "border:2px solid #fff}</style>"))


def _number(value: float | None, is_share: bool) -> str:
    if value is None or pd.isna(value):
        return "—"
    return _share(value) if is_share else f"{value:,.1f}"


def _classes(values: pd.Series, target: float | None, is_share: bool,
             _) -> tuple[list[str], list[tuple[str, str]]]:
    """Fill colour per value and legend rows: below / near / meets ``target`` when there is
    one, else five quantile classes."""
    known = values.dropna().to_numpy(float)
    if target is not None:
        edges = [_NEAR * target, target]
        low, high = _number(edges[0], is_share), _number(target, is_share)
        labels = [_("below target < %(low)s") % {"low": low},
                  _("near target %(low)s – %(high)s") % {"low": low, "high": high},
                  _("meets target ≥ %(high)s") % {"high": high}]
        palette = _TARGET_COLOURS
    elif len(known):
        edges = list(np.unique(np.quantile(known, [0.2, 0.4, 0.6, 0.8])))
        labels = [f"≥ {_number(e, is_share)}" for e in [known.min(), *edges]]
        palette = _RAMP
    else:
        edges, labels, palette = [], [], _RAMP
    fills = [_NO_DATA if pd.isna(v) else palette[int(np.searchsorted(edges, v, side="right"))]
             for v in values]
    return fills, [*zip(palette, labels, strict=False), (_NO_DATA, _("no data"))]


def _check(indicator: str) -> None:
    if indicator not in INDICATORS:
        raise InvalidInput(f"indicator {indicator!r} is not one of {', '.join(INDICATORS)}",
                           field="indicator")


def _cell(props: dict, key: str, targets: dict, _) -> str:
    """One indicator for the tooltip: value, and whether it meets its target."""
    _label, is_share, ok_key = INDICATORS[key]
    value, target = props.get(key), targets.get(key)
    shown = _number(value, is_share)
    if target is None or value is None:
        return shown
    return (f"{shown} {'✓' if props.get(ok_key) else '✗'} "
            + _("(target %(target)s)") % {"target": _number(target, is_share)})


def indicators_map(result: dict, indicator: str, *, settings: MapSettings) -> folium.Map:
    """The division's counties or townships coloured by one indicator
    (``geo.coverage.indicators.indicators``), each with all its indicators in the tooltip."""
    _check(indicator)
    _ = settings.gettext
    label, is_share, _ok = INDICATORS[indicator]
    label = _(label)
    targets = result["targets"]
    features = [f for f in result["features"] if f["geometry"] is not None]
    units = features[1:] or features[:1]
    frame = gpd.GeoDataFrame(
        [{**f["properties"], "geometry": shape(f["geometry"])} for f in units], crs=4490)
    m = _map(frame, result, settings)
    target = targets.get(indicator)
    values = frame[indicator] if indicator in frame else pd.Series([np.nan] * len(frame))
    fills, legend = _classes(values.astype(float), target, is_share, _)
    sla = targets["relief_sla_hours"]
    rows = [{"name": inert_text(p["name"]), "code": p["code"],
             "elderly": f"{p['elderly']:,}", "beds": f"{p['beds']:,}",
             **{k: _cell(p, k, targets, _) for k in INDICATORS},
             "relief": _("%(share)s, longest %(hours)s h") % {
                 "share": _share(p.get("relief_share_within_sla")),
                 "hours": _number(p.get("relief_max_hours"), False)}}
            for p in [f["properties"] for f in units]]
    shown = for_display(gpd.GeoDataFrame(rows, geometry=frame.geometry.values, crs=4490),
                        settings, 30)
    fields = ["name", "code", "elderly", "beds", *INDICATORS, "relief"]
    aliases = [_("Name"), _("Code"), _("Elderly 60+"), _("Eldercare beds"),
               *[_(v[0]) for v in INDICATORS.values()],
               _("people within %(hours)s h of relief supplies") % {"hours": f"{sla:g}"}]
    folium.GeoJson(layer_data(shown, fields), name=label,
                   style_function=lambda f: {"fillColor": fills[int(f["id"])],
                                             "fillOpacity": 0.7, "color": "#444",
                                             "weight": 1},
                   tooltip=folium.GeoJsonTooltip(fields, aliases, sticky=True)).add_to(m)
    own = gpd.GeoDataFrame(geometry=[shape(features[0]["geometry"])], crs=4490)
    folium.GeoJson(layer_data(for_display(own, settings, 30), []), name=_("boundary"),
                   style_function=lambda _f: _OUTLINE, interactive=False).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    div, summary = result["division"], result["summary"]
    target_line = (_("target: %(target)s") % {"target": _number(target, is_share)}
                   if target is not None else _("no target set: classes are quantiles"))
    _title_box(m, f"{div['name']} {div['code']} · {label}", [
        f"{div['name']}: {_cell(summary, indicator, targets, _)}", target_line], result,
        settings)
    add_legend(m, f"{label} ({target_line})",
               [(f"background:{colour}", text) for colour, text in legend])
    return m


def suggestions_map(picked: SuggestionsMap, *, settings: MapSettings) -> folium.Map:
    """Suggested sites (``geo.coverage.suggest.suggestions_map``) on today's circle: a
    numbered marker each, explained, with lines to the communities it newly covers."""
    _ = settings.gettext
    result, current, frame = picked.result, picked.current, picked.frame
    type_names, scenario = picked.type_names, picked.scenario
    div = current["division"]
    m = _map(frame, current, settings)
    _communities(m, frame, current["communities"], settings)
    _outline(m, frame, div["code"], settings)
    _circle_sites(m, current["sites"], type_names, settings, _("existing circle sites"))
    centres = {c["code"]: c for c in current["communities"]}
    lines = [{"rank": s["rank"], "name": inert_text(c["name"]), "gain": f"{c['elderly_gained']:,}",
              "walk": _walk(_, c["minutes"], c["distance_m"]),
              "geometry": LineString([(s["lon"], s["lat"]), (centres[c["code"]]["lon"],
                                                             centres[c["code"]]["lat"])])}
             for s in result["suggestions"] for c in s["communities"] if c["code"] in centres]
    if lines:
        folium.GeoJson(
            layer_data(for_display(gpd.GeoDataFrame(lines, crs=4490), settings),
                       ["rank", "name", "gain", "walk"]),
            name=_("newly covered communities"),
            style_function=lambda _f: {"color": "#08519c", "weight": 2, "dashArray": "5 4"},
            tooltip=folium.GeoJsonTooltip(["rank", "name", "gain", "walk"],
                                          [_("Suggestion #"), _("Community or village"),
                                           _("Elderly newly covered"), _("Walk")])).add_to(m)
    group = folium.FeatureGroup(name=_("suggested sites (k=%(k)s)") % {
        "k": len(result["suggestions"])})
    picks = result["suggestions"]
    for s, location in zip(picks, _locations(picks, settings), strict=True):
        box = popup(_("Suggested site #%(rank)s %(label)s") % {"rank": s["rank"],
                                                               "label": s["label"]}, [
            (_("Why"), s["why"]),
            *[(c["name"], _("+%(gained)s elderly, %(minutes)s min") % {
                "gained": f"{c['elderly_gained']:,}", "minutes": f"{c['minutes']:g}"})
              for c in s["communities"]]])
        folium.Marker(
            location, popup=box, tooltip=inert_text(s["why"]),
            icon=folium.DivIcon(html=f'<div class="civgeo-pick">{int(s["rank"])}</div>',
                                icon_size=(26, 26), icon_anchor=(13, 13))).add_to(group)
    group.add_to(m)
    m.get_root().header.add_child(folium.Element(
        "<style>.civgeo-pick{width:26px;height:26px;border-radius:13px;background:#08519c;"
        "color:#fff;font:bold 14px/26px sans-serif;text-align:center;"
        "border:2px solid #fff}</style>"))
    folium.LayerControl(collapsed=False).add_to(m)
    title = _("%(name)s %(code)s · suggested new eldercare sites") % {
        "name": div["name"], "code": div["code"]}
    lines_text = [
        _("elderly 60+ covered: %(before)s now → %(after)s with the suggestions "
          "(+%(gained)s elderly)") % {
            "before": _share(result.get("share_before")),
            "after": _share(result.get("share_after")),
            "gained": f"{result.get('newly_covered_elderly', 0):,}"},
        *[f"#{s['rank']}: {s['why']}" for s in result["suggestions"]],
        *([result["assumption"]] if result.get("assumption") else [])]
    if scenario:
        lines_text.insert(0, _("scenario #%(id)s %(name)s") % {"id": scenario["id"],
                                                               "name": scenario["name"]})
    _title_box(m, title, lines_text, current, settings)
    add_legend(m, _("legend"), [
        *[(f"background:{c};opacity:.7", _(label)) for k, (c, label) in STATUS.items()
          if k in current["summary"]["by_status"]],
        ("background:#08519c;border-radius:7px", _("suggested site (numbered by rank)")),
        ("border-top:2px dashed #08519c;height:0", _("community it newly covers")),
        *_facility_legend(current["sites"], [], type_names, _),
        ("border:1px dashed #999", _(SYNTHETIC))])
    return m
