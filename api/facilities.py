"""The facility registry for planners (DESIGN §4a): list/export, create, import, edit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import Conn, require
from geo import facilities
from geo.audit import Actor
from geo.db import transaction
from geo.errors import InvalidInput

router = APIRouter(prefix="/facilities", tags=["facilities (planner)"])
Planner = Annotated[Actor, Depends(require("planner"))]
GEOJSON = "application/geo+json"
MAX_UPLOAD = 20 * 1024 * 1024


def _bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if not raw:
        return None
    try:
        values = tuple(float(v) for v in raw.split(","))
    except ValueError:
        values = ()
    if len(values) != 4:
        raise InvalidInput("bbox must be minLon,minLat,maxLon,maxLat", field="bbox")
    return values  # type: ignore[return-value]


@router.get("", summary="List or export facilities (GeoJSON)")
def list_facilities(
    conn: Conn, actor: Planner,
    division: Annotated[str | None, Query(description="division code (prefix match)")] = None,
    kind: Annotated[str | None, Query(pattern="^(eldercare|funeral|relief)$")] = None,
    type: Annotated[str | None, Query(description="facility type code(s), comma-separated")]
    = None,
    status: Annotated[str | None, Query()] = None,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
    limit: Annotated[int, Query(ge=1, le=50_000)] = 10_000,
) -> Response:
    """Every facility matching the filters as a GeoJSON FeatureCollection (CGCS2000)."""
    if division:
        from geo.divisions import check_code

        check_code(division)
    rows = facilities.select(conn, division=division, kind=kind,
                             type_codes=type.split(",") if type else None, status=status,
                             bbox=_bbox(bbox), limit=limit)
    return JSONResponse(facilities.feature_collection(rows), media_type=GEOJSON)


@router.get("/types", summary="Facility types")
def list_types(conn: Conn, actor: Planner) -> list[dict]:
    return list(facilities.types(conn).values())


@router.post("", status_code=201, summary="Add a facility, or import a FeatureCollection")
def create_facility(conn: Conn, actor: Planner, body: dict[str, Any],
                    source: Annotated[str, Query(max_length=200)] = "api",
                    crs: Annotated[str, Query(pattern="^(cgcs2000|wgs84|gcj02)$")] = "cgcs2000",
                    ) -> Response:
    """A JSON object with ``type``, ``name``, ``lon``, ``lat`` and capacities adds one site.

    A GeoJSON FeatureCollection (or Feature) imports them all or none; features with an
    ``ext_id`` (or feature ``id``) already imported from the same ``source`` are updated,
    so sending the same file twice creates nothing twice.
    """
    if body.get("type") in ("FeatureCollection", "Feature"):
        records = facilities.records_from_geojson(body)
        with transaction(conn):
            result = facilities.import_records(conn, actor, records, source=source, crs=crs)
        return JSONResponse(result.as_dict(), status_code=200)
    with transaction(conn):
        row = facilities.create(conn, actor, body, source=source, crs=crs)
    return JSONResponse(facilities.to_feature(row), status_code=201, media_type=GEOJSON)


@router.post("/import", summary="Import a GeoJSON or CSV file (all or nothing, idempotent)",
             openapi_extra={"requestBody": {"content": {
                 "text/csv": {"schema": {"type": "string"}},
                 "application/geo+json": {"schema": {"type": "object"}}}}})
async def import_file(conn: Conn, actor: Planner, request: Request,
                      source: Annotated[str, Query(min_length=1, max_length=200)],
                      crs: Annotated[str, Query(pattern="^(cgcs2000|wgs84|gcj02)$")]
                      = "cgcs2000") -> dict:
    """The body is the file: ``text/csv`` (columns type, name, lon, lat, …) or GeoJSON.
    Rows with an ``ext_id`` already imported from ``source`` are updated, not duplicated."""
    data = await request.body()        # raw: a GeoJSON file is not parsed as the request
    if len(data) > MAX_UPLOAD:
        raise InvalidInput(f"the file is larger than {MAX_UPLOAD // 1024 // 1024} MB",
                           field="file")
    name = "upload.csv" if "csv" in request.headers.get("content-type", "") else "upload.json"
    records = facilities.parse_upload(data, name)

    def store() -> dict:
        with transaction(conn):
            return facilities.import_records(conn, actor, records, source=source,
                                             crs=crs).as_dict()

    return await run_in_threadpool(store)


@router.get("/{facility_id}", summary="One facility with its history")
def get_facility(conn: Conn, actor: Planner, facility_id: int) -> Response:
    row = facilities.get(conn, facility_id)
    feature = facilities.to_feature(row)
    feature["properties"]["history"] = facilities.history(conn, facility_id)
    return JSONResponse(_plain(feature), media_type=GEOJSON)


@router.patch("/{facility_id}", summary="Change a facility (send the version it is based on)")
def patch_facility(conn: Conn, actor: Planner, facility_id: int, body: dict[str, Any]) -> Response:
    """Fields to change plus ``version``; a stale version answers 409 with the current row."""
    changes = dict(body)
    version = changes.pop("version", None)
    if version is not None and type(version) is not int:
        raise InvalidInput("version must be a whole number", field="version")
    with transaction(conn):
        row = facilities.update(conn, actor, facility_id, changes, version)
    return JSONResponse(_plain(facilities.to_feature(row)), media_type=GEOJSON)


def _plain(value: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(value)
