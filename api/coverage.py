"""Coverage analyses for planners (DESIGN §4a): isochrones, the 15-minute eldercare circle,
indicators, accessibility, site suggestions and scenarios, burial-prohibited zones.

Every answer is GeoJSON with its summary figures, and says how distances were measured
(``method``: the street network, or a straight-line estimate where none is loaded)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from api.bodies import Body, Code, Lat, Line, Lon, Name
from api.deps import Conn, require
from api.geojson import GeoJSONResponse, collection, geojson_response, json_response, point_features
from api.params import Division, Id, LonLat, OptionalDivision, number_list
from api.reads import ReadConn
from geo.audit import Actor
from geo.coverage import accessibility as access
from geo.coverage import (
    burial,
    circle,
    context,
    gain,
    hotspots,
    indicators,
    isochrone,
    suggest,
    tables,
)
from geo.coverage import scenarios as saved
from geo.db import transaction
from geo.errors import InvalidInput

router = APIRouter(prefix="/coverage", tags=["coverage (planner)"])
Planner = Annotated[Actor, Depends(require("planner"))]
# Read-only analyses: the caller is checked on the primary (a connection given back at
# once), the analysis reads from a replica when there is one (api.reads). ``Analyst``
# comes before the connection in a route's parameters: dependencies are solved in that
# order, so a request never holds one connection while it waits for another.
Analyst = Annotated[Actor, Depends(require("planner", hold=False))]
Minutes = Annotated[float | None, Query(allow_inf_nan=False,
                                        description="walking time limit, 1–60 minutes")]
Speed = Annotated[float | None, Query(allow_inf_nan=False,
                                      description="walking speed in m/min (10–200)")]
Profile = Annotated[Literal["adult", "elderly"] | None,
                    Query(description="adult (60 m/min) or elderly (48 m/min)")]
Format = Annotated[Literal["xlsx", "csv"], Query(description="xlsx (a sheet per table) or "
                                                           "csv (one table, UTF-8 with BOM)")]
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "text/csv; charset=utf-8"}
TABLE_FILES = {200: {"description": "the tables as XLSX or CSV",
                     "content": {m: {"schema": {"type": "string", "format": "binary"}}
                                 for m in MEDIA.values()}}}
Profiled = Annotated[Literal["adult", "elderly"] | None,
                     Field(description="adult (60 m/min) or elderly (48 m/min)")]


class Walk(Body):
    """How far the elderly walk: the time limit, and a speed or a profile; whether today's
    sites serve only up to their places (``capacity``) or everyone they reach."""

    minutes: float | None = Field(None, description="walking time limit, 1–60 minutes")
    speed: float | None = Field(None, description="walking speed in m/min (10–200)")
    profile: Profiled = None
    capacity: bool = Field(True, description="count the places of today's sites (false: "
                                             "distance only)")

    def walk(self) -> dict:
        return {"minutes": self.minutes, "speed": self.speed, "profile": self.profile,
                "capacity": self.capacity}


class Candidate(Body):
    """A place a new site could go (a public building, a vacant parcel)."""

    lon: Lon
    lat: Lat
    name: Name | None = None


class SuggestionsIn(Walk):
    """Ask for ``k`` new sites; ``save`` keeps the answer as a named scenario."""

    division: Code = Field(description="division code")
    k: int = Field(3, ge=1, le=suggest.MAX_K)
    candidates: list[Candidate] | None = Field(
        None, max_length=suggest.MAX_CANDIDATES,
        description="candidate points; default: street intersections on a grid")
    save: bool = False
    name: Line | None = Field(None, description="scenario name, with save")


class WhatIfIn(Walk):
    """New sites: one at ``lon``, ``lat``, or several (``sites``); ``save`` keeps the answer
    as a named scenario."""

    division: Code = Field(description="division code")
    lon: Lon | None = None
    lat: Lat | None = None
    sites: list[Candidate] | None = Field(
        None, max_length=gain.MAX_WHAT_IF_SITES,
        description=f"up to {gain.MAX_WHAT_IF_SITES} new sites, instead of lon and lat")
    save: bool = False
    name: Line | None = Field(None, description="scenario name, with save")


@router.get("/isochrone", response_class=GeoJSONResponse,
            summary="Walking isochrone (5/10/15-minute tiers) from a point")
def get_isochrone(
    actor: Analyst, conn: ReadConn, at: LonLat,
    minutes: Annotated[str | None, Query(description="tiers, e.g. 5,10,15 (1–60 each)")] = None,
    speed: Speed = None, profile: Profile = None,
    direction: Annotated[Literal["inbound", "outbound"], Query()] = "inbound",
    shape: Annotated[Literal["hull", "streets"], Query()] = "hull",
) -> JSONResponse:
    """One polygon per tier (largest first) with area, nodes reached and the elderly of the
    communities inside; pgRouting on the street network, or a labelled straight-line disc."""
    tiers = None if minutes is None else number_list(minutes, "minutes")
    return geojson_response(isochrone.isochrone(conn, *at, minutes=tiers, speed=speed,
                                                profile=profile, direction=direction,
                                                shape=shape))


@router.get("/circle", response_class=GeoJSONResponse,
            summary="The 15-minute eldercare circle of a division")
def get_circle(actor: Analyst, conn: ReadConn, division: Division, minutes: Minutes = None,
               speed: Speed = None, profile: Profile = None, capacity: bool = True,
               uncovered_only: bool = False,
               demand: Annotated[Literal["auto", "cells", "communities"], Query(
                   description="where the elderly are counted: auto (per population-grid "
                   "cell where a grid exists, else at community centres), cells, or "
                   "communities (at community centres, the centroid method)")] = "auto",
               ) -> JSONResponse:
    """Communities (points) with status covered / partly_covered / over_capacity / too_far
    / off_network (/ no_elderly on a grid) and the reason; the sites with their catchments
    and load; summary shares; where the elderly were counted and the population credit."""
    result = circle.circle(conn, division, minutes=minutes, speed=speed, profile=profile,
                           capacity=capacity, demand=demand)
    comms = [c for c in result.pop("communities")
             if not uncovered_only or c["status"] != circle.COVERED]
    return collection(point_features(comms, "code"), **result)


@router.get("/hotspots", response_class=GeoJSONResponse,
            summary="Hot spots of uncovered elderly on the population grid")
def get_hotspots(actor: Analyst, conn: ReadConn, division: Division, minutes: Minutes = None,
                 speed: Speed = None, profile: Profile = None, capacity: bool = True,
                 top: Annotated[int | None, Query(description="how many, 1–50 (default: "
                                                  "the hotspots_top setting, 10)")] = None,
                 radius_m: Annotated[float | None, Query(
                     allow_inf_nan=False, description="radius of a hot spot in metres, "
                     "100–3000 (default: the hotspot_radius_m setting, 500)")] = None,
                 ) -> JSONResponse:
    """Where the elderly beyond the walking limit of any site with room are densest: the
    densest disc first, each outlined by its uncovered 100 m cells, with its elderly, its
    communities and why they are uncovered. Needs a population grid (WorldPop)."""
    return geojson_response(hotspots.hotspots(conn, division, top=top, radius_m=radius_m,
                                              minutes=minutes, speed=speed, profile=profile,
                                              capacity=capacity))


@router.get("/hotspots/cells", response_class=GeoJSONResponse,
            summary="The uncovered elderly per population-grid cell (heat grid)")
def get_hotspot_cells(actor: Analyst, conn: ReadConn, division: Division,
                      minutes: Minutes = None, speed: Speed = None, profile: Profile = None,
                      capacity: bool = True) -> JSONResponse:
    """Every 100 m cell of the division that leaves elderly uncovered, as a square with its
    elderly, those uncovered, its status, community and walk to the nearest site."""
    return geojson_response(hotspots.heat_cells(conn, division, minutes=minutes, speed=speed,
                                                profile=profile, capacity=capacity))


@router.get("/grid-comparison", summary="Covered shares per grid cell beside the "
                                        "community-centroid method, per district")
def get_grid_comparison(actor: Analyst, conn: ReadConn, division: Division,
                        minutes: Minutes = None, speed: Speed = None,
                        profile: Profile = None, capacity: bool = True) -> JSONResponse:
    """For the division and each district (counties of a city, townships of a county): the
    share of its elderly covered counted per 100 m cell and at community centres (with
    capacity and by distance only), the difference in percentage points and the elderly
    the centroid method wrongly calls covered; every row from the circle of the division
    asked for (``note``)."""
    return json_response(hotspots.compare(conn, division, minutes=minutes, speed=speed,
                                          profile=profile, capacity=capacity))


@router.get("/indicators", response_class=GeoJSONResponse,
            summary="Indicators of a division and its counties/townships")
def get_indicators(actor: Analyst, conn: ReadConn, division: Division, minutes: Minutes = None,
                   speed: Speed = None, profile: Profile = None) -> JSONResponse:
    """Beds per 1000 aged 60+, nursing-bed share, community facility coverage urban/rural,
    circle share, public-cemetery coverage of villages, relief reach; each with its target."""
    return geojson_response(indicators.indicators(conn, division, minutes=minutes, speed=speed,
                                                  profile=profile))


@router.get("/accessibility", response_class=GeoJSONResponse,
            summary="2SFCA / E2SFCA accessibility of eldercare places")
def get_accessibility(actor: Analyst, conn: ReadConn, division: Division,
                      method: Annotated[Literal["2sfca", "e2sfca"], Query()] = "e2sfca",
                      minutes: Minutes = None, speed: Speed = None,
                      profile: Profile = None) -> JSONResponse:
    """Each community's access to eldercare places per elderly person (two-step floating
    catchment, with distance decay for E2SFCA), for finding the underserved."""
    return geojson_response(access.accessibility(conn, division, method=method,
                                                 minutes=minutes, speed=speed,
                                                 profile=profile))


@router.post("/suggestions", response_class=GeoJSONResponse,
             summary="Suggest k new eldercare sites (maximal covering)")
def post_suggestions(conn: Conn, actor: Planner, body: SuggestionsIn) -> JSONResponse:
    """Each suggestion with the communities and elderly it newly covers; ``save`` stores the
    scenario (``GET /coverage/scenarios``) for comparison."""
    walk = {"k": body.k, **body.walk(),
            "candidates": [c.model_dump() for c in body.candidates] if body.candidates
            else None}
    if body.save:
        with transaction(conn):
            result = suggest.suggest_and_save(conn, actor, body.division, body.name, **walk)
    else:
        result = suggest.suggest(conn, body.division, **walk)
    return collection(point_features(result["suggestions"], None), **result)


@router.post("/what-if", summary="What new sites at clicked points would cover")
def post_what_if(conn: Conn, actor: Planner, body: WhatIfIn) -> JSONResponse:
    """The communities and elderly newly covered (by the computation that explains
    suggestions), per site and in all, and the share before and after; ``save`` stores
    the scenario."""
    where = {"lon": body.lon, "lat": body.lat,
             "sites": [s.model_dump() for s in body.sites] if body.sites is not None else None,
             **body.walk()}
    if body.save:
        with transaction(conn):
            result = saved.what_if_and_save(conn, actor, body.division, body.name, **where)
        return json_response(result)
    return json_response(gain.what_if(conn, body.division, **where))


@router.get("/scenarios", summary="Saved scenarios (suggestions and what-ifs)")
def list_scenarios(conn: Conn, actor: Planner, division: OptionalDivision = None
                   ) -> JSONResponse:
    """The saved scenarios (of a division), newest first."""
    return json_response(saved.scenarios(conn, division))


@router.get("/scenarios/compare", summary="Compare saved scenarios side by side")
def compare_scenarios(conn: Conn, actor: Planner,
                      ids: Annotated[str, Query(description="scenario ids, e.g. 1,2")]
                      ) -> JSONResponse:
    """Each scenario's kind, division, assumptions, sites and the elderly they newly
    cover; how each differs from the first; warnings where assumptions differ."""
    try:
        wanted = [int(v) for v in ids.split(",") if v.strip()]
    except ValueError:
        raise InvalidInput("ids must be whole numbers separated by commas", field="ids") from None
    return json_response(saved.compare(conn, wanted))


@router.get("/scenarios/{scenario_id}", summary="One saved scenario")
def get_scenario(conn: Conn, actor: Planner, scenario_id: Id) -> JSONResponse:
    """The scenario's parameters and its result as saved."""
    return json_response(saved.scenario(conn, scenario_id))


@router.get("/scenarios/{scenario_id}/table", summary="One saved scenario as a table",
            response_class=Response, responses=TABLE_FILES)
def get_scenario_table(conn: Conn, actor: Planner, scenario_id: Id, format: Format = "xlsx",
                       table: Annotated[Literal["summary", "sites", "communities"] | None,
                                        Query(description="one sheet only (CSV: communities "
                                                          "by default)")] = None) -> Response:
    """The scenario's summary, its sites and the communities they newly cover."""
    return _file(*tables.render(tables.scenario_tables(conn, scenario_id), format, table),
                 format)


@router.get("/tables", summary="A division's coverage tables for download",
            response_class=Response, responses=TABLE_FILES)
def get_tables(actor: Analyst, conn: ReadConn, division: Division, format: Format = "xlsx",
               table: Annotated[Literal["about", "indicators", "communities", "sites",
                                        "districts", "hotspots"] | None,
                                Query(description="one sheet only (CSV: communities by "
                                                  "default)")] = None,
               minutes: Minutes = None, speed: Speed = None, profile: Profile = None,
               capacity: bool = True) -> Response:
    """What the figures rest on (method, population source and credit), the indicators
    (value, target, method note), the communities (status, covered elderly, nearest site,
    distance, reason) and the sites (capacity, load); on a population grid also the
    districts per cell beside the centroid method and the hot spots; XLSX with a sheet
    each, or one table as CSV (UTF-8 with a BOM, for Excel)."""
    found = tables.division_tables(conn, division, minutes=minutes, speed=speed,
                                   profile=profile, capacity=capacity)
    return _file(*tables.render(found, format, table), format)


def _file(content: bytes, named: tables.Tables, format: str) -> Response:
    """A download named in Chinese (RFC 5987 ``filename*``) with an ASCII fallback."""
    disposition = (f'attachment; filename="{named.ascii_name}.{format}"; '
                   f"filename*=UTF-8''{quote(named.name)}.{format}")
    return Response(content, media_type=MEDIA[format],
                    headers={"Content-Disposition": disposition})


@router.get("/burial", response_class=GeoJSONResponse,
            summary="Graves and cemeteries inside burial-prohibited zones (三沿六区)")
def get_burial(actor: Analyst, conn: ReadConn, division: Division) -> JSONResponse:
    """Each grave or cemetery inside a zone, with the zones and how far inside."""
    return geojson_response(burial.report(conn, division))


@router.get("/settings", summary="The coverage settings in force for a division")
def get_settings(conn: Conn, actor: Planner, division: Division) -> JSONResponse:
    """The defaults overridden by the province's and the city's settings."""
    return json_response(context.settings_of(conn, division))
