"""Coverage analyses for planners (DESIGN §4a): isochrones, the 15-minute eldercare circle,
indicators, accessibility, site suggestions and scenarios, burial-prohibited zones.

Every answer is GeoJSON with its summary figures, and says how distances were measured
(``method``: the street network, or a straight-line estimate where none is loaded)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import Conn, require
from geo.audit import Actor
from geo.coverage import accessibility as access
from geo.coverage import burial, circle, indicators, isochrone, suggest
from geo.coverage import settings as coverage_settings
from geo.coverage.context import division as get_division
from geo.crs import to_cgcs2000
from geo.db import transaction
from geo.errors import InvalidInput

router = APIRouter(prefix="/coverage", tags=["coverage (planner)"])
Planner = Annotated[Actor, Depends(require("planner"))]
GEOJSON = "application/geo+json"
Division = Annotated[str, Query(description="6-, 9- or 12-digit division code, e.g. 420103")]
Minutes = Annotated[float | None, Query(description="walking time limit, 1–60 minutes")]
Speed = Annotated[float | None, Query(description="walking speed in m/min (10–200)")]
Profile = Annotated[str | None, Query(description="adult (60 m/min) or elderly (48 m/min)")]


def _geojson(body: dict, status: int = 200) -> JSONResponse:
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=GEOJSON)


def _minutes_list(raw: str | None) -> list[float] | None:
    if raw is None:
        return None
    try:
        return [float(v) for v in raw.split(",") if v.strip()]
    except ValueError:
        raise InvalidInput("minutes must be numbers separated by commas, e.g. 5,10,15",
                           field="minutes") from None


@router.get("/isochrone", summary="Walking isochrone (5/10/15-minute tiers) from a point")
def get_isochrone(
    conn: Conn, actor: Planner, lon: float, lat: float,
    minutes: Annotated[str | None, Query(description="tiers, e.g. 5,10,15 (1–60 each)")] = None,
    speed: Speed = None, profile: Profile = None,
    direction: Annotated[str, Query(pattern="^(inbound|outbound)$")] = "inbound",
    shape: Annotated[str, Query(pattern="^(hull|streets)$")] = "hull",
    crs: Annotated[str, Query(pattern="^(cgcs2000|wgs84|gcj02)$")] = "cgcs2000",
) -> JSONResponse:
    """One polygon per tier (largest first) with area, nodes reached and the elderly of the
    communities inside; pgRouting on the street network, or a labelled straight-line disc."""
    x, y = to_cgcs2000(lon, lat, crs)
    return _geojson(isochrone.isochrone(conn, x, y, minutes=_minutes_list(minutes), speed=speed,
                                        profile=profile, direction=direction, shape=shape))


@router.get("/circle", summary="The 15-minute eldercare circle of a division")
def get_circle(conn: Conn, actor: Planner, division: Division, minutes: Minutes = None,
               speed: Speed = None, profile: Profile = None, capacity: bool = True,
               uncovered_only: bool = False) -> JSONResponse:
    """Communities (points) with status covered / over_capacity / too_far / off_network and
    the reason; the sites with their catchments and load; summary shares."""
    result = circle.circle(conn, division, minutes=minutes, speed=speed, profile=profile,
                           capacity=capacity)
    comms = result.pop("communities")
    if uncovered_only:
        comms = [c for c in comms if c["status"] != circle.COVERED]
    features = [{"type": "Feature", "id": c["code"],
                 "geometry": {"type": "Point", "coordinates": [c["lon"], c["lat"]]},
                 "properties": c} for c in comms]
    return _geojson({"type": "FeatureCollection", **result, "features": features})


@router.get("/indicators", summary="Indicators of a division and its counties/townships")
def get_indicators(conn: Conn, actor: Planner, division: Division, minutes: Minutes = None,
                   speed: Speed = None, profile: Profile = None) -> JSONResponse:
    """Beds per 1000 aged 60+, nursing-bed share, community facility coverage urban/rural,
    circle share, public-cemetery coverage of villages, relief reach; each with its target."""
    return _geojson(indicators.indicators(conn, division, minutes=minutes, speed=speed,
                                          profile=profile))


@router.get("/accessibility", summary="2SFCA / E2SFCA accessibility of eldercare places")
def get_accessibility(conn: Conn, actor: Planner, division: Division,
                      method: Annotated[str, Query(pattern="^(2sfca|e2sfca)$")] = "e2sfca",
                      minutes: Minutes = None, speed: Speed = None,
                      profile: Profile = None) -> JSONResponse:
    return _geojson(access.accessibility(conn, division, method=method, minutes=minutes,
                                         speed=speed, profile=profile))


class Candidate(BaseModel):
    lon: float
    lat: float
    name: str | None = None


class SuggestionsIn(BaseModel):
    division: str
    k: int = Field(3, ge=1, le=suggest.MAX_K)
    minutes: float | None = None
    speed: float | None = None
    profile: str | None = None
    candidates: list[Candidate] | None = Field(
        None, max_length=suggest.MAX_CANDIDATES,
        description="candidate points (public buildings, vacant parcels); default: street "
                    "intersections on a grid")
    save: bool = False
    name: str | None = Field(None, description="scenario name, required with save")


@router.post("/suggestions", summary="Suggest k new eldercare sites (maximal covering)")
def post_suggestions(conn: Conn, actor: Planner, body: SuggestionsIn) -> JSONResponse:
    """Each suggestion with the communities and elderly it newly covers; ``save`` stores the
    scenario (``GET /coverage/scenarios``) for comparison."""
    params = body.model_dump(exclude={"save", "name"})
    candidates = [c.model_dump() for c in body.candidates] if body.candidates else None
    if body.save and not (body.name or "").strip():
        raise InvalidInput("a saved scenario needs a name", field="name")
    result = suggest.suggest(conn, body.division, k=body.k, minutes=body.minutes,
                             speed=body.speed, profile=body.profile, candidates=candidates)
    if body.save:
        with transaction(conn):
            result["scenario"] = suggest.save(conn, actor, body.division, body.name, params,
                                              result)
    features = [{"type": "Feature", "geometry": {"type": "Point",
                                                 "coordinates": [s["lon"], s["lat"]]},
                 "properties": s} for s in result["suggestions"]]
    return _geojson({"type": "FeatureCollection", **result, "features": features})


class WhatIfIn(BaseModel):
    division: str
    lon: float
    lat: float
    minutes: float | None = None
    speed: float | None = None
    profile: str | None = None


@router.post("/what-if", summary="What one more site at a point would cover")
def post_what_if(conn: Conn, actor: Planner, body: WhatIfIn) -> dict:
    return jsonable_encoder(circle.what_if(conn, body.division, body.lon, body.lat,
                                           minutes=body.minutes, speed=body.speed,
                                           profile=body.profile))


@router.get("/scenarios", summary="Saved suggestion scenarios")
def list_scenarios(conn: Conn, actor: Planner, division: str | None = None) -> Any:
    return jsonable_encoder(suggest.scenarios(conn, division))


@router.get("/scenarios/compare", summary="Compare saved scenarios side by side")
def compare_scenarios(conn: Conn, actor: Planner,
                      ids: Annotated[str, Query(description="scenario ids, e.g. 1,2")]) -> Any:
    try:
        wanted = [int(v) for v in ids.split(",") if v.strip()]
    except ValueError:
        raise InvalidInput("ids must be whole numbers separated by commas", field="ids") from None
    if not 1 <= len(wanted) <= 10:
        raise InvalidInput("compare 1 to 10 scenarios", field="ids")
    return jsonable_encoder(suggest.compare(conn, wanted))


@router.get("/scenarios/{scenario_id}", summary="One saved scenario")
def get_scenario(conn: Conn, actor: Planner, scenario_id: int) -> Any:
    return jsonable_encoder(suggest.scenario(conn, scenario_id))


@router.get("/burial", summary="Graves and cemeteries inside burial-prohibited zones (三沿六区)")
def get_burial(conn: Conn, actor: Planner, division: Division) -> JSONResponse:
    return _geojson(burial.report(conn, division))


@router.get("/settings", summary="The coverage settings in force for a division")
def get_settings(conn: Conn, actor: Planner, division: Division) -> dict:
    get_division(conn, division)
    return coverage_settings.for_division(conn, division)
