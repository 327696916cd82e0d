"""HTML maps for planners (DESIGN §4a, §5); each route calls geo, then maps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from api.deps import Conn, require
from geo import datasets
from geo.audit import Actor
from geo.divisions import divisions_frame, get_division
from geo.names import gazetteer, search
from maps import coverage as coverage_maps
from maps.base import MapSettings
from maps.names_map import names_map as draw_names
from maps.overview import OVERVIEW_LEVELS, overview_map

router = APIRouter(prefix="/maps", tags=["maps"])
Planner = Annotated[Actor, Depends(require("planner"))]
# Checked by geo.divisions.check_code, whose message says what a code looks like.
Division = Annotated[str, Query(description="6-, 9- or 12-digit division code, e.g. 430200")]


@router.get("/divisions", response_class=HTMLResponse, summary="Divisions overview map")
def divisions_map(conn: Conn, actor: Planner, division: Division) -> HTMLResponse:
    """Real county polygons, synthetic township/community areas (labelled), 60+ per community."""
    home = get_division(conn, division)
    frame = divisions_frame(conn, division, OVERVIEW_LEVELS, neighbours=True)
    attribution = sorted({a for d in datasets.list_datasets(conn) for a in d["attribution"]})
    m = overview_map(frame, title=f"{home['name']} {division}", home_code=division,
                     settings=MapSettings.from_env(), attribution=" · ".join(attribution))
    return HTMLResponse(m.get_root().render())


@router.get("/names", response_class=HTMLResponse, summary="Map of a name or a name search")
def names_map(conn: Conn, actor: Planner, q: str | None = None, id: int | None = None,
              division: str | None = None) -> HTMLResponse:
    """The hits of a search (``q``) or one name (``id``) on a map, with why each matched."""
    if id is not None:
        name = gazetteer.get_name(conn, id)
        hits = [{"id": id, "why": name["status"]}]
        title = name["name"]
    else:
        hits = search.search(conn, q, division=division, limit=50)
        title = f"地名查询：{q}"
    frame = gazetteer.names_frame(conn, [h["id"] for h in hits])
    m = draw_names(frame, title=title, settings=MapSettings.from_env(),
                   why={h["id"]: h["why"] for h in hits})
    return HTMLResponse(m.get_root().render())


@router.get("/coverage", response_class=HTMLResponse, summary="15-minute eldercare circle map")
def coverage_map(conn: Conn, actor: Planner, division: Division,
                 minutes: Annotated[float | None, Query(description="1–60 minutes")] = None,
                 speed: Annotated[float | None, Query(description="m/min (10–200)")] = None,
                 profile: Annotated[str | None, Query(description="adult or elderly")] = None,
                 ) -> HTMLResponse:
    """Walking tiers, communities by status (covered / over capacity / too far / off
    network), eldercare sites and institutions; funeral and relief sites as extra layers."""
    m = coverage_maps.coverage_page(conn, division, minutes=minutes, speed=speed,
                                    profile=profile, settings=MapSettings.from_env())
    return HTMLResponse(m.get_root().render())


@router.get("/indicators", response_class=HTMLResponse, summary="Indicator choropleth map")
def indicators_map(conn: Conn, actor: Planner, division: Division,
                   indicator: Annotated[str, Query(description=", ".join(
                       coverage_maps.INDICATORS))] = "beds_per_1000") -> HTMLResponse:
    """A division's counties or townships coloured by one indicator against its target."""
    m = coverage_maps.indicators_page(conn, division, indicator=indicator,
                                      settings=MapSettings.from_env())
    return HTMLResponse(m.get_root().render())


@router.get("/suggestions", response_class=HTMLResponse, summary="Suggested new sites map")
def suggestions_map(conn: Conn, actor: Planner, division: str | None = None, k: int = 3,
                    scenario: Annotated[int | None, Query(description="a saved scenario's id; "
                                                          "its division is used")] = None,
                    ) -> HTMLResponse:
    """The k suggested eldercare sites (or a saved scenario's) on today's coverage."""
    m = coverage_maps.suggestions_page(conn, division, k=k, scenario_id=scenario,
                                       settings=MapSettings.from_env())
    return HTMLResponse(m.get_root().render())


@router.get("/boundary/{line_id}", response_class=HTMLResponse,
            summary="Map of a boundary line: markers, displacements, patrols, hazards")
def boundary_map(conn: Conn, actor: Annotated[Actor, Depends(require("inspector"))],
                 line_id: int, inspection: int | None = None) -> HTMLResponse:
    """The line with its markers coloured by condition, displacement arrows, the patrol
    tracks and hazards of an inspection (the latest when none is given)."""
    from api.boundaries import assigned_line
    from maps.boundary import boundary_page

    assigned_line(conn, actor, line_id)      # an inspector sees only its teams' lines
    m = boundary_page(conn, line_id, inspection_id=inspection, settings=MapSettings.from_env())
    return HTMLResponse(m.get_root().render())


@router.get("/roads/{road_id}", response_class=HTMLResponse,
            summary="Map of a road's house numbering: doors by parity, order, findings")
def road_map(conn: Conn, actor: Annotated[Actor, Depends(require("plates_officer", "planner"))],
             road_id: int) -> HTMLResponse:
    """The road with its numbering direction, the doors coloured by the parity of their
    side, the order of the numbers along each side and the doors validation flags."""
    from maps.road import road_page

    m = road_page(conn, road_id, settings=MapSettings.from_env())
    return HTMLResponse(m.get_root().render())
