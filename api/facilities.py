"""The facility registry for planners (DESIGN §4a): elder-care, funeral and relief sites;
list and export, add one, import a file all or nothing, edit with history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Discriminator, Field, Tag, field_validator
from starlette.concurrency import run_in_threadpool

from api.bodies import Body, Code, Lat, Line, Lon, Name, Version
from api.deps import Conn, require
from api.geojson import GeoJSONResponse, also, geojson_response, json_response
from api.params import BBox, Crs, Id, OptionalDivision
from geo import facilities
from geo.audit import Actor
from geo.db import transaction
from geo.errors import InvalidInput

router = APIRouter(prefix="/facilities", tags=["facilities (planner)"])
Planner = Annotated[Actor, Depends(require("planner"))]
MAX_UPLOAD = 20 * 1024 * 1024
Count = Annotated[int | None, Field(ge=0, le=1_000_000)]
Source = Annotated[str, Query(min_length=1, max_length=200,
                              description="where the data is from; re-importing from the same "
                                          "source updates by ext_id instead of duplicating")]


class StockItem(Body):
    """One line of a relief warehouse's stock (救灾物资)."""

    category: Name
    item: Name
    unit: Name
    quantity: float = Field(ge=0, le=1e12)
    expiry: dt.date | None = None


class FacilityFields(Body):
    """What a facility record holds (every field of an edit is optional; an empty string
    is no value, as in a CSV)."""

    type: Code | None = Field(None, description="facility type code (GET /facilities/types)")
    name: Name | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    ownership: Literal["public", "private", "public-private"] | None = None
    status: Literal["planned", "building", "open", "suspended", "closed"] | None = None
    opened: dt.date | None = None
    area_m2: float | None = Field(None, ge=0, le=1e9)
    beds: Count = None
    nursing_beds: Count = None
    places: Count = None
    meals_per_day: Count = None
    plots_total: Count = None
    plots_used: Count = None
    address: Line | None = None
    operator: Line | None = None
    notes: str | None = None
    stock: list[StockItem] | None = Field(None, description="relief warehouses only")

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value


class FacilityIn(FacilityFields):
    """A new facility: its type, name and position at least."""

    type: Code = Field(description="facility type code (GET /facilities/types)")
    name: Name = Field(min_length=1)
    lon: Lon
    lat: Lat


class FacilityEdit(FacilityFields):
    """Fields to change, and the version they are based on."""

    version: Version


class FeatureIn(Body):
    """A GeoJSON Feature: a Point with the facility's fields as properties (other members,
    such as ``bbox``, are allowed as RFC 7946 allows them)."""

    model_config = ConfigDict(extra="allow")
    type: Literal["Feature"]
    id: str | int | None = Field(None, description="kept as ext_id")
    geometry: dict[str, Any] | None
    properties: dict[str, Any] | None = None


class FeatureCollectionIn(Body):
    """A GeoJSON FeatureCollection of facilities, imported all or nothing (other members,
    such as the ``name`` and ``crs`` QGIS writes, are allowed)."""

    model_config = ConfigDict(extra="allow")
    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]] = Field(description="Point features, each with the "
                                                       "facility's fields as properties")


def _which(body: Any) -> str:
    kind = body.get("type") if isinstance(body, dict) else getattr(body, "type", None)
    return {"FeatureCollection": "<collection>", "Feature": "<feature>"}.get(kind, "<facility>")


NewFacilities = Annotated[
    Annotated[FacilityIn, Tag("<facility>")] | Annotated[FeatureCollectionIn, Tag("<collection>")]
    | Annotated[FeatureIn, Tag("<feature>")], Discriminator(_which)]


@router.get("", response_class=GeoJSONResponse, summary="List or export facilities (GeoJSON)")
def list_facilities(
    conn: Conn, actor: Planner, bbox: BBox, division: OptionalDivision = None,
    kind: Annotated[Literal["eldercare", "funeral", "relief"] | None, Query()] = None,
    type: Annotated[str | None, Query(description="facility type code(s), comma-separated")]
    = None,
    status: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 10_000,
) -> JSONResponse:
    """Every facility matching the filters as a GeoJSON FeatureCollection (CGCS2000)."""
    rows = facilities.select(conn, division=division, kind=kind,
                             type_codes=type.split(",") if type else None, status=status,
                             bbox=bbox, limit=limit)
    return geojson_response(facilities.feature_collection(rows))


@router.get("/types", summary="Facility types")
def list_types(conn: Conn, actor: Planner) -> JSONResponse:
    """Each type's code, name, kind (eldercare, funeral, relief) and whether it counts in
    the 15-minute circle."""
    return json_response(list(facilities.types(conn).values()))


@router.post("", response_class=GeoJSONResponse,
             status_code=201, summary="Add a facility, or import GeoJSON features",
             responses=also(200, "application/json",
                            description="a FeatureCollection imported: the counts"))
def create_facility(conn: Conn, actor: Planner, body: NewFacilities,
                    source: Annotated[str, Query(max_length=200)] = "api",
                    crs: Crs = "cgcs2000") -> JSONResponse:
    """A facility record adds one site (201, the new Feature). A GeoJSON FeatureCollection
    (or Feature) imports them all or none (200, counts); features with an ``id`` already
    imported from the same ``source`` are updated, so sending the same file twice creates
    nothing twice."""
    record = body.model_dump(exclude_unset=True, mode="json")
    with transaction(conn):
        if isinstance(body, FacilityIn):
            return geojson_response(facilities.to_feature(
                facilities.create(conn, actor, record, source=source, crs=crs)), 201)
        result = facilities.import_records(conn, actor, facilities.records_from_geojson(record),
                                           source=source, crs=crs)
    return json_response(result.as_dict())


@router.post("/import", summary="Import a GeoJSON or CSV file (all or nothing, idempotent)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 "application/geo+json": {"schema": {
                     "$ref": "#/components/schemas/FeatureCollectionIn"}}}}})
async def import_file(conn: Conn, actor: Planner, request: Request, source: Source,
                      crs: Crs = "cgcs2000") -> JSONResponse:
    """The body is the file: ``text/csv`` (columns type, name, lon, lat, …) or GeoJSON.
    Rows with an ``ext_id`` already imported from ``source`` are updated, not duplicated."""
    data = await request.body()        # raw: a GeoJSON file is not parsed as the request
    if len(data) > MAX_UPLOAD:
        raise InvalidInput(f"the file is larger than {MAX_UPLOAD // 1024 // 1024} MB",
                           field="file")
    name = "upload.csv" if "csv" in request.headers.get("content-type", "") else "upload.json"

    def store() -> dict:
        with transaction(conn):
            return facilities.import_file(conn, actor, data, name, source=source,
                                          crs=crs).as_dict()

    return json_response(await run_in_threadpool(store))


@router.get("/{facility_id}", response_class=GeoJSONResponse,
            summary="One facility with its history")
def get_facility(conn: Conn, actor: Planner, facility_id: Id) -> JSONResponse:
    """The facility as a Feature; its earlier versions under ``history``."""
    return geojson_response(facilities.detail(conn, facility_id))


@router.patch("/{facility_id}", response_class=GeoJSONResponse,
              summary="Change a facility (send the version it is based on)")
def patch_facility(conn: Conn, actor: Planner, facility_id: Id,
                   body: FacilityEdit) -> JSONResponse:
    """Fields to change plus ``version``; a stale version answers 409 with the current row.
    The version before is kept in the history."""
    changes = body.model_dump(exclude_unset=True, exclude={"version"}, mode="json")
    with transaction(conn):
        row = facilities.update(conn, actor, facility_id, changes, body.version)
    return geojson_response(facilities.to_feature(row))
