"""The boundary register for inspection teams (DESIGN §4a): lines, markers, topology checks
and the division history. An inspector sees only the lines its teams work on."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from api import imports
from api.deps import Conn, require
from api.geojson import (
    GeoJSONResponse,
    collection,
    feature,
    geojson_response,
    geometry_feature,
    json_response,
    point,
)
from api.params import Division, OptionalDivision
from geo.audit import Actor
from geo.boundaries import history, inspections, markers_import, topology

router = APIRouter(tags=["boundaries (inspector)"])
Inspector = Annotated[Actor, Depends(require("inspector"))]


@router.get("/boundaries/lines", summary="Boundary lines (those assigned to your teams)")
def list_lines(conn: Conn, actor: Inspector, division: OptionalDivision = None,
               level: Annotated[Literal["province", "prefecture", "county"] | None,
                                Query()] = None) -> JSONResponse:
    """Each line touching a division (all for an admin; an inspector's own teams' lines),
    with its parties, length, markers and last inspection."""
    return json_response(inspections.lines_for(conn, actor, division=division, level=level))


@router.get("/boundaries/lines/{line_id}", response_class=GeoJSONResponse,
            summary="One boundary line (GeoJSON)")
def get_line(conn: Conn, actor: Inspector, line_id: str) -> JSONResponse:
    """A line by id, name (株衡线) or number, as a GeoJSON Feature (MultiLineString)."""
    line = inspections.assigned_line(conn, actor, line_id)
    return geojson_response(geometry_feature(line))


@router.get("/boundaries/markers", response_class=GeoJSONResponse,
            summary="Markers of a line (GeoJSON)")
def list_markers(conn: Conn, actor: Inspector,
                 line: Annotated[str, Query(description="line id, name or number")]
                 ) -> JSONResponse:
    """The markers (界桩) of a line in sequence, as Point features."""
    found, markers = inspections.markers_for(conn, actor, line)
    return collection([feature(m, point(m["lon"], m["lat"]), m["marker_no"]) for m in markers],
                      line=found["name"])


@router.post("/boundaries/markers/import", openapi_extra=imports.BODY,
             summary="Import a boundary-marker register (界桩登记表), all or nothing",
             description="Columns 界桩编号 and 经度/纬度 or X/Y (optionally 界线, 类型, 坐标系, "
                         "带号, 中央子午线, 高程, 保管方, 状况, 登记日期, 备注; English names "
                         "too); each marker within the tolerance of its line, on a line your "
                         "teams work on. Xi'an 1980 and Beijing 1954 are refused without "
                         "datum_params. " + imports.DESCRIBED)
async def import_markers(request: Request, conn: Conn, actor: Inspector,
                         source: imports.Source, crs: imports.RegisterCrs = None,
                         datum_params: imports.DatumParams = None) -> JSONResponse:
    """Import the markers of a register file, keyed by (source, 界桩编号)."""
    return await imports.run(request, markers_import.import_file, conn, actor, source=source,
                             crs=crs, datum_params=datum_params)


@router.get("/boundaries/topology",
            summary="Gaps, overlaps, markers off their line, lines off the shared edge")
def check_topology(conn: Conn, actor: Inspector, division: Division) -> JSONResponse:
    """The three topology checks of a division's register, each problem with its geometry
    (markers and lines of other teams' lines left out for an inspector)."""
    return json_response(topology.report_for(conn, actor, division))


@router.get("/boundaries/divisions", summary="Divisions as of a date (history)")
def divisions_as_of(conn: Conn, actor: Inspector, parent: Division,
                    on: Annotated[dt.date | None, Query(description="default: today")] = None
                    ) -> Any:
    """The divisions under ``parent`` as they were on a date (撤县设区 and the like applied)."""
    return json_response(history.as_of(conn, parent, on or dt.date.today()))


@router.get("/boundaries/changes", summary="Division change events (撤县设区 …)")
def division_changes(conn: Conn, actor: Inspector, division: OptionalDivision = None) -> Any:
    """The recorded changes of divisions (under a division), oldest first."""
    return json_response(history.changes(conn, division))
