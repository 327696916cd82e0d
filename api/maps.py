"""HTML maps (DESIGN §4a, §5): each route calls one domain function in ``geo``, then draws
its result with ``maps`` and the service's map settings."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Annotated, Literal
from urllib.parse import quote

import folium
from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from api.deps import Conn, Maps, require
from api.params import Division, Id, OptionalDivision
from geo import datasets
from geo.audit import Actor
from geo.boundaries import report
from geo.coverage import circle, indicators, suggest
from geo.names import search
from geo.plates import validation
from maps import boundary, coverage, names_map, overview, road
from maps.assets import inline_assets
from maps.base import MapSettings

router = APIRouter(prefix="/maps", tags=["maps"])
Planner = Annotated[Actor, Depends(require("planner"))]
Indicator = Literal[tuple(coverage.INDICATORS)]  # type: ignore[valid-type]


def _page(m: folium.Map) -> HTMLResponse:
    return HTMLResponse(m.get_root().render())


def _for_download(settings: MapSettings) -> MapSettings:
    """A saved map fetches its basemap tiles from this service's public address (when the
    service can be reached; the data layers need nothing)."""
    public = os.environ.get("CIVGEO_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
    tiles = settings.tiles_url if "://" in settings.tiles_url else public + settings.tiles_url
    return replace(settings, tiles_url=tiles)


def _download(m: folium.Map, filename: str) -> HTMLResponse:
    """The map as one file to save, assets inlined (``maps.assets.inline_assets``)."""
    html = inline_assets(m.get_root().render(), m.default_js[0][1].rsplit("/leaflet/", 1)[0])
    return HTMLResponse(html, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


@router.get("/divisions", response_class=HTMLResponse, summary="Divisions overview map")
def divisions_map(conn: Conn, actor: Planner, division: Division, settings: Maps
                  ) -> HTMLResponse:
    """Real county polygons, synthetic township/community areas (labelled), 60+ per community."""
    return _page(overview.overview_map(datasets.overview(conn, division), settings=settings))


@router.get("/names", response_class=HTMLResponse, summary="Map of a name or a name search")
def map_names(conn: Conn, actor: Planner, settings: Maps,
              q: Annotated[str | None, Query(description="a search, as /names/search")] = None,
              id: Annotated[int | None, Query(description="one name's id")] = None,
              division: OptionalDivision = None) -> HTMLResponse:
    """The hits of a search (``q``) or one name (``id``) on a map, with why each matched."""
    names = search.names_map(conn, q, name_id=id, division=division)
    return _page(names_map.names_map(names, settings=settings))


@router.get("/coverage", response_class=HTMLResponse, summary="15-minute eldercare circle map")
def coverage_map(conn: Conn, actor: Planner, division: Division, settings: Maps,
                 minutes: Annotated[float | None, Query(allow_inf_nan=False,
                                                        description="1–60 minutes")] = None,
                 speed: Annotated[float | None, Query(allow_inf_nan=False,
                                                      description="m/min (10–200)")] = None,
                 profile: Annotated[Literal["adult", "elderly"] | None, Query()] = None,
                 download: Annotated[bool, Query(description="one self-contained file to "
                                                 "save: assets inlined, opens offline")] = False,
                 embed: Annotated[bool, Query(description="for a page that shows the figures "
                                              "beside it: no title box, controls folded")
                                  ] = False,
                 ) -> HTMLResponse:
    """Walking tiers, communities by status (covered / over capacity / too far / off
    network), eldercare sites and institutions; funeral and relief sites as extra layers."""
    found = circle.circle_map(conn, division, minutes=minutes, speed=speed, profile=profile)
    if not download:
        return _page(coverage.coverage_map(found, settings=settings, embedded=embed))
    return _download(coverage.coverage_map(found, settings=_for_download(settings)),
                     f"15分钟养老服务圈-{found.result['division']['name']}-{division}.html")


@router.get("/indicators", response_class=HTMLResponse, summary="Indicator choropleth map")
def indicators_map(conn: Conn, actor: Planner, division: Division, settings: Maps,
                   indicator: Annotated[Indicator, Query()] = "beds_per_1000") -> HTMLResponse:
    """A division's counties or townships coloured by one indicator against its target."""
    return _page(coverage.indicators_map(indicators.indicators(conn, division), indicator,
                                         settings=settings))


@router.get("/suggestions", response_class=HTMLResponse, summary="Suggested new sites map")
def suggestions_map(conn: Conn, actor: Planner, settings: Maps,
                    division: OptionalDivision = None,
                    k: Annotated[int, Query(ge=1, le=suggest.MAX_K)] = 3,
                    scenario: Annotated[int | None, Query(description="a saved scenario's id; "
                                                          "its division is used")] = None,
                    ) -> HTMLResponse:
    """The k suggested eldercare sites (or a saved scenario's) on today's coverage."""
    picked = suggest.suggestions_map(conn, division, k=k, scenario_id=scenario)
    return _page(coverage.suggestions_map(picked, settings=settings))


@router.get("/boundary/{line_id}", response_class=HTMLResponse,
            summary="Map of a boundary line: markers, displacements, patrols, hazards")
def boundary_map(conn: Conn, actor: Annotated[Actor, Depends(require("inspector"))],
                 settings: Maps, line_id: str,
                 inspection: Annotated[int | None, Query(description="default: the latest")]
                 = None) -> HTMLResponse:
    """The line with its markers coloured by condition, displacement arrows, the patrol
    tracks and hazards of an inspection; an inspector sees only its teams' lines."""
    found = report.line_map(conn, line_id, inspection, actor)
    return _page(boundary.boundary_map(found, settings=settings))


@router.get("/roads/{road_id}", response_class=HTMLResponse,
            summary="Map of a road's house numbering: doors by parity, order, findings")
def road_map(conn: Conn, actor: Annotated[Actor, Depends(require(
                 "plates_officer", "names_officer", "planner"))],
             settings: Maps, road_id: Id) -> HTMLResponse:
    """The road with its numbering direction, the doors coloured by the parity of their
    side, the order of the numbers along each side and the doors validation flags; its
    place-name signs and the ends and intersections that have none."""
    return _page(road.road_map(validation.road_map(conn, road_id), settings=settings))
