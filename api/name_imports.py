"""Import of a department's existing place-name register in the national place-name
database's record shape (``POST /names/import``, issue 21), the shape ``GET /names/export``
writes; all or nothing, idempotent by (source, 地名编号), reported row by row."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api import imports
from api.deps import Conn, require
from geo.audit import Actor
from geo.names import importer

router = APIRouter(prefix="/names", tags=["place names (officers)"])
Officer = Annotated[Actor, Depends(require("names_officer"))]


@router.post("/import", openapi_extra=imports.BODY,
             summary="Import a place-name register (national record shape), all or nothing",
             description="Columns as GET /names/export writes them (Chinese, English or both: "
                         "标准名称, 罗马字母拼写, 类别 or 类别代码, 所属政区 or 所属政区代码, "
                         "位置描述, 含义, 来历, 历史沿革, 批准机关, 批准文号, 批准时间, 生效日期, "
                         "变更类型 命名/更名/销名 with 原名称) and the place: a WKT or GeoJSON "
                         "column (几何), 经度/纬度 or X/Y, or the features of a GeoPackage or "
                         "Shapefile. Rows are keyed by (source, 地名编号), else by (source, "
                         "name, category code, division code). A 罗马字母拼写 other than "
                         "civgeo's romanization is kept and reported as a warning. "
                         + imports.DESCRIBED)
async def import_names(request: Request, conn: Conn, actor: Officer, source: imports.Source,
                       crs: imports.RegisterCrs = None,
                       datum_params: imports.DatumParams = None) -> JSONResponse:
    """Import the names of a register file, keyed by (source, 地名编号 or name)."""
    return await imports.run(request, importer.import_file, conn, actor,
                             source=source, crs=crs, datum_params=datum_params)
