"""Roads and their house numbering for plates officers (DESIGN §4a): the road register, the
doors along a road, numbering proposals applied with their old → new mapping, validation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field, StrictInt, model_validator

from api import imports
from api.bodies import Body, Code, StrictLat, StrictLon
from api.deps import Conn, require
from api.geojson import (
    GeoJSONResponse,
    also,
    collection,
    feature,
    geojson_response,
    geometry_feature,
    geometry_features,
    json_response,
)
from api.geojson import point as point_geometry
from api.params import Crs, FormatRenamed, Id, OptionalDivision, paging
from geo.audit import Actor
from geo.crs import to_cgcs2000
from geo.db import transaction
from geo.plates import numbering, registry_import, roads, validation

router = APIRouter(tags=["roads and numbering (plates officer)"])
Officer = Annotated[Actor, Depends(require("plates_officer"))]
Paged = paging(100, 1000)
Rule = Annotated[dict[str, Any] | None, Field(
    description="numbering settings for this road, e.g. {\"spacing_m\": 10, \"start\": "
                "\"west\", \"odd_side\": \"left\", \"skip_numbers\": [4, 14]}")]


class RoadIn(Body):
    """A road to number: its standard name, its line and, if it differs from the division's,
    its numbering rule."""

    name: str = Field(min_length=1, max_length=60)
    geometry: dict[str, Any] = Field(description="GeoJSON LineString or MultiLineString")
    kind: Literal["road", "lane"] = Field("road", description="a lane (巷) is a dead end "
                                                              "numbered from its entrance")
    rule: Rule = None
    division_code: Code | None = Field(None, description="the county it is in (default: found "
                                                        "from its line)")


class DoorIn(Body):
    """A door (门) on the road: where it is, and its number when it already has one."""

    lon: StrictLon
    lat: StrictLat
    number: Code | Annotated[int, Field(ge=0, le=2**31 - 1)] | None = Field(
        None, description="e.g. 12, 12-1 or 十二号")
    name: str | None = Field(None, max_length=100, description="a building's name")


class DoorsIn(Body):
    """Doors to add to a road."""

    doors: list[DoorIn] = Field(min_length=1, max_length=5_000)


class SplitIn(Body):
    """Split the road: the part beyond ``at`` becomes a new road named ``name``."""

    at: list[float] = Field(min_length=2, max_length=2, description="[lon, lat]")
    name: str = Field(min_length=1, max_length=60)


class NumberingIn(Body):
    """Propose a numbering (``action: propose``), or apply a proposal (``action: apply``)."""

    action: Literal["propose", "apply"] = "propose"
    proposal: StrictInt | None = Field(None, ge=1, le=2**53, description="the proposal to apply")
    mode: Literal["fill", "renumber"] | None = Field(
        None, description="fill (keep numbers, number new doors; the default) or renumber "
                          "(every door by the rule)")
    rule: Rule = None
    name: str | None = Field(None, min_length=1, max_length=60, description="a new name")
    geometry: dict[str, Any] | None = Field(None, description="a new line (an extension)")
    split: SplitIn | None = None
    assign: dict[Code, Code | Annotated[int, Field(ge=0, le=2**31 - 1)]] | None = Field(
        None, description="numbers by hand: entrance id → number, e.g. {\"17\": \"12-1\"}")
    reason: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _apply_names_a_proposal(self) -> NumberingIn:
        if self.action == "apply" and self.proposal is None:
            raise ValueError("apply needs the proposal's id in proposal")
        return self


@router.get("/roads", response_class=GeoJSONResponse, summary="Roads to number (GeoJSON)")
def list_roads(request: Request, conn: Conn, actor: Officer, page: Paged,
               division: OptionalDivision = None,
               q: Annotated[str | None, Query(max_length=60, description="part of the name")]
               = None) -> JSONResponse:
    """Current roads with their line, length, door count and rule, paged."""
    rows, total = roads.list_roads(conn, division=division, q=q, limit=page.limit,
                                   offset=page.offset)
    return collection(geometry_features(rows), request=request, page=page, matched=total)


@router.post("/roads", response_class=GeoJSONResponse,
             status_code=201, summary="Add a road (name, GeoJSON line, rule)")
def create_road(conn: Conn, actor: Officer, body: RoadIn) -> JSONResponse:
    """A new road under its standard name; its pieces are joined into one numbering axis
    (pieces more than 300 m apart are refused as two roads). A name that is not a standard
    street name (街路巷) in the road's division is refused (422, ``field: name``): file a
    naming application (``POST /names/applications``) and have it approved first. The road
    answers with ``name_id`` (its standard name), ``roman`` and ``districts`` (the counties
    its line runs through)."""
    with transaction(conn):
        road = roads.create(conn, actor, body.model_dump(exclude_unset=True))
    return geojson_response(geometry_feature(road), 201)


@router.post("/roads/import", openapi_extra=imports.BODY,
             summary="Import a road register, all or nothing",
             description="Columns 道路名称 and the line: a WKT column (几何, WKT) in CGCS2000 "
                         "lon/lat, or the features of a GeoPackage or Shapefile (optionally "
                         "道路编码, the road's id in the register, else its name; 道路类型 路/巷; "
                         "行政区划代码). " + imports.DESCRIBED)
async def import_roads(request: Request, conn: Conn, actor: Officer, source: imports.Source,
                       crs: imports.RegisterCrs = None,
                       datum_params: imports.DatumParams = None) -> JSONResponse:
    """Import the roads of a register file, keyed by (source, 道路编码 or name)."""
    return await imports.run(request, registry_import.import_roads, conn, actor,
                             source=source, crs=crs, datum_params=datum_params)


@router.post("/roads/doors/import", openapi_extra=imports.BODY,
             summary="Import a door register (门牌登记), all or nothing",
             description="Columns 门牌编码 (the door's id in the register), 道路名称 or 道路编码, "
                         "门牌号 and 经度/纬度 or X/Y or GeoPackage points (optionally 名称, 备注, "
                         "行政区划代码); the checks of adding doors apply (within the road's "
                         "tolerance, numbers without letters, no number twice). "
                         + imports.DESCRIBED)
async def import_doors(request: Request, conn: Conn, actor: Officer, source: imports.Source,
                       crs: imports.RegisterCrs = None,
                       datum_params: imports.DatumParams = None) -> JSONResponse:
    """Import the doors of a register file, keyed by (source, 门牌编码)."""
    return await imports.run(request, registry_import.import_doors, conn, actor,
                             source=source, crs=crs, datum_params=datum_params)


@router.get("/roads/{road_id}", response_class=GeoJSONResponse,
            summary="One road with its numbering rule")
def get_road(conn: Conn, actor: Officer, road_id: Id) -> JSONResponse:
    """The road, its rule in force (its own over its division's over the defaults) and its
    door count."""
    return geojson_response(geometry_feature(roads.get(conn, road_id)))


@router.get("/roads/{road_id}/entrances", response_class=GeoJSONResponse,
            summary="The doors of a road (GeoJSON)")
def road_entrances(conn: Conn, actor: Officer, road_id: Id) -> JSONResponse:
    """Every current door of the road with its number."""
    return collection([feature(r, point_geometry(r["lon"], r["lat"]), r["id"])
                       for r in roads.entrances(conn, road_id)])


@router.post("/roads/{road_id}/entrances", status_code=201, summary="Add doors to a road")
def add_entrances(conn: Conn, actor: Officer, road_id: Id, body: DoorsIn,
                  crs: Crs = "cgcs2000") -> JSONResponse:
    """Doors within the road's tolerance of it; a number already there is refused (409)."""
    doors = [d.model_dump(exclude_unset=True) for d in body.doors]
    for d in doors:
        d["lon"], d["lat"] = to_cgcs2000(d["lon"], d["lat"], crs)
    with transaction(conn):
        return json_response({"entrances": roads.add_entrances(conn, actor, road_id, doors)},
                             201)


@router.post("/roads/{road_id}/numbering",
             responses=also(201, "application/json", description="a proposal"),
             summary="Propose a numbering (rename, split, extend, new doors), then apply it")
def road_numbering(conn: Conn, actor: Officer, road_id: Id, body: NumberingIn) -> JSONResponse:
    """A proposal answers old → new per door and its id (201); applying it (200) writes it in
    one transaction and keeps the mapping as history. A stale proposal (the road or its
    doors changed) or one that would give two doors one address is refused (409) with
    nothing written."""
    request = body.model_dump(exclude_unset=True, exclude={"action", "proposal"})
    with transaction(conn):
        if body.action == "apply":
            return json_response(numbering.apply(conn, actor, road_id, body.proposal))
        return json_response(numbering.propose(conn, actor, road_id, request), 201)


@router.get("/roads/{road_id}/numbering/history",
            summary="Renumberings of a road with their old → new mapping")
def numbering_history(conn: Conn, actor: Officer, road_id: Id) -> JSONResponse:
    """Newest first; each with who applied it, why, and every door's old and new number."""
    return json_response(numbering.history(conn, road_id))


@router.get("/roads/{road_id}/validation", response_class=GeoJSONResponse,
            summary="Validate a road's numbering",
            dependencies=[FormatRenamed], responses=also(200, "application/json"))
def road_validation(conn: Conn, actor: Officer, road_id: Id,
                    format: Annotated[Literal["json", "geojson"], Query()] = "json"
                    ) -> JSONResponse:
    """Findings: wrong_parity, duplicate, out_of_order, reversed, gap, too_far, wrong_road,
    unnumbered, bad_number; each with a message. ``format=geojson`` gives them as points;
    the map is at /maps/roads/{id}."""
    report = validation.validate(conn, road_id)
    if format == "json":
        return json_response(report)
    return collection([feature(x, point_geometry(x["lon"], x["lat"])) for x in report["findings"]],
                      road=report["road"], summary=report["summary"])
