"""HTML maps for planners (DESIGN §4a, §5); each route calls geo, then maps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from api.deps import Conn, require
from geo import datasets
from geo.audit import Actor
from geo.divisions import divisions_frame, get_division
from maps.base import MapSettings
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
