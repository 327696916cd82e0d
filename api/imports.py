"""What the register-import routes share (``POST /boundaries/markers/import``, ``POST
/roads/import``, ``POST /roads/doors/import``, ``POST /names/import``): the query
parameters, the upload read raw,
and one transaction for the file. The domain (``geo.registers``) reads the file and refuses
it whole with ``errors: [{row, field, reason}]``, which becomes a 422 problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.geojson import json_response
from geo.audit import Actor
from geo.db import transaction
from geo.errors import InvalidInput
from geo.registers import Coordinates, parse_params

MAX_UPLOAD = 20 * 1024 * 1024
Source = Annotated[str, Query(min_length=1, max_length=200,
                              description="which register the file is; importing the same "
                                          "source again updates its rows by their id instead "
                                          "of adding them twice")]
RegisterCrs = Annotated[str | None, Query(
    max_length=60, description="the coordinates' system where the file has no 坐标系 column: "
                               "CGCS2000 (default), WGS84, GCJ02, EPSG:4513–4554 (CGCS2000 "
                               "3-degree Gauss–Krüger), 西安80 / 北京54 (refused without "
                               "datum_params)")]
DatumParams = Annotated[str | None, Query(
    max_length=200, description="the official 7 parameters from Xi'an 1980 or Beijing 1954 to "
                                "CGCS2000: dx,dy,dz (m),rx,ry,rz (″),ds (ppm), position vector")]
BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}}}}}
DESCRIBED = ("The body is the file: CSV (UTF-8 or GB18030, as Excel saves it), an XLSX workbook "
             "(its first sheet), a GeoPackage or a zipped Shapefile, told apart by its first "
             "bytes whatever the Content-Type. Answers {added, changed, unchanged, rows: [{row, "
             "key, status, fields?, warnings?}]}; a file with a bad row is refused whole (422, "
             "errors: [{row, field, reason}], row numbers as the spreadsheet shows them, the "
             "header being row 1) and nothing is written.")


async def run(request: Request, importer: Callable, conn, actor: Actor, *, source: str,
              crs: str | None, datum_params: str | None) -> JSONResponse:
    """Read the upload, import it in one transaction, answer the report."""
    data = await request.body()
    if len(data) > MAX_UPLOAD:
        raise InvalidInput(f"the file is larger than {MAX_UPLOAD // 1024 // 1024} MB",
                           field="file")
    if not data:
        raise InvalidInput("the body is empty: send the register file", field="file")
    coords = Coordinates(crs=crs, datum_params=parse_params(datum_params))

    def store() -> dict:
        with transaction(conn):
            return importer(conn, actor, data, "upload", source=source,
                            coords=coords).as_dict()

    return json_response(await run_in_threadpool(store))
