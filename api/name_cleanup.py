"""The place-name programme for names officers (DESIGN §4a): the clean-up of non-standard
names (清理不规范地名) — the naming checks run over every standard name of a division
(``GET /names/audit``, JSON or XLSX) and campaigns that draft renaming applications for the
names an officer selects (``POST /names/audit/campaigns``), nothing renamed without the
workflow — and the changes of a period in the national database's record shape
(``GET /names/export``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import Field

from api.bodies import Body, Code, Line
from api.deps import Conn, require
from api.params import DAY_PATTERN, Id, OptionalDivision, day
from geo.audit import Actor
from geo.db import transaction
from geo.names import audit, cleanup
from geo.names import export as name_export

router = APIRouter(prefix="/names/audit", tags=["place names (officers)"])
exports = APIRouter(prefix="/names", tags=["place names (officers)"])
Officer = Annotated[Actor, Depends(require("names_officer"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8",
         "gpkg": "application/geopackage+sqlite3"}


class CampaignIn(Body):
    """Names selected from the audit of a division, to be drafted for renaming."""

    division: Code = Field(description="the division audited, e.g. 420103 (000000: the nation)")
    title: Line = Field(description="the campaign's title, e.g. 2026年江汉区不规范地名清理")
    name_ids: list[int] = Field(min_length=1, max_length=cleanup.MAX_NAMES,
                                description="ids of standard names with a finding")
    applicant: Line | None = Field(None, description="the organisation applying (default: "
                                                     + cleanup.DEFAULT_APPLICANT + ")")


@router.get("", summary="Audit of the standard names of a division (清理不规范地名)",
            responses={200: {"content": {"application/json": {}, XLSX: {}},
                             "description": "totals and findings; format=xlsx for a workbook"}})
def get_audit(conn: Conn, actor: Officer,
              division: Annotated[str, Query(description="division code; 000000: the nation")],
              rule: Annotated[str | None, Query(description="only names with a finding of "
                                                "this rule, e.g. duplicate")] = None,
              category: Annotated[str | None, Query(description="category code prefix, "
                                                    "e.g. 05")] = None,
              limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = 100,
              offset: Annotated[int, Query(ge=0)] = 0,
              format: Annotated[Literal["json", "xlsx"], Query()] = "json") -> object:
    """Every current standard name under the division checked as an application would be:
    letters, digits, traditional and rare characters, grand, foreign, banned and personal
    words; duplicates and homophones in each category's legal scope. Totals per rule and
    per category, then the names with their findings (rule, severity, reason), a page at
    a time; ``format=xlsx`` gives every finding in a workbook. A national audit (665,000
    names) takes about 15 s and is kept until the names change."""
    result = audit.audit(conn, division)
    if format == "xlsx":
        name = f"地名清理审查_{division}.xlsx"
        return Response(audit.to_xlsx(result), media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="names-audit-{division}.xlsx"; '
                                   f"filename*=UTF-8''{quote(name)}"})
    return audit.page(result, rule=rule, category=category, limit=limit, offset=offset)


@router.post("/campaigns", status_code=201, summary="Draft renaming applications for "
                                                    "selected names (clean-up campaign)")
def post_campaign(conn: Conn, actor: Officer, body: CampaignIn) -> dict:
    """One renaming draft per selected name, the audit's findings as its reason (a name
    in traditional characters drafted in its simplified form, others under their current
    name until the officer proposes one with ``propose-name``); nothing is renamed until
    the draft is approved. A name without a finding, or with an open clean-up draft, is
    refused naming its place in ``name_ids``, and nothing is drafted."""
    with transaction(conn):
        return cleanup.create_campaign(conn, actor, body.division, body.title,
                                       body.name_ids, body.applicant)


@router.get("/campaigns", summary="Clean-up campaigns")
def list_campaigns(conn: Conn, actor: Officer, division: OptionalDivision = None) -> list:
    """Newest first, with how many names each drafted and how many are approved."""
    return cleanup.campaigns(conn, division)


@router.get("/campaigns/{campaign_id}", summary="One clean-up campaign with its drafts")
def get_campaign(conn: Conn, actor: Officer, campaign_id: Id) -> dict:
    """Each name, its draft application, the proposed name and the draft's state."""
    return cleanup.get_campaign(conn, campaign_id)


@exports.get("/export", summary="Names added, changed or abolished in a period (national "
                                "database record shape)",
             responses={200: {"content": {m: {} for m in MEDIA.values()},
                              "description": "the changes as XLSX, CSV or GeoPackage"}})
def export_changes(conn: Conn, actor: Officer,
                   since: Annotated[str | None, Query(pattern=DAY_PATTERN, description="first day, "
                                                      "e.g. 2026-01-01")] = None,
                   until: Annotated[str | None, Query(pattern=DAY_PATTERN, description="last day "
                                                      "(default: today)")] = None,
                   format: Annotated[Literal["xlsx", "csv", "gpkg"], Query()] = "xlsx",
                   division: OptionalDivision = None) -> Response:
    """Each change that took effect in the period (命名, 更名 with the former name, 销名)
    with the national detail record's fields: 标准名称, 罗马字母拼写, 类别, 所属政区 and its
    code, 位置描述, 含义, 来历, 历史沿革, 批准机关, 批准文号, 批准时间, 生效日期, and the
    geometry in CGCS2000 (GeoPackage; a point's longitude and latitude in the tables). A
    period that ends before it starts is 422 naming ``until``."""
    first, last = day(since, "since"), day(until, "until")
    rows = name_export.changes(conn, first, last, division)
    content = name_export.render(rows, format)
    period = f"{first}_{last or dt.date.today()}"
    return Response(content, media_type=MEDIA[format], headers={
        "Content-Disposition": f'attachment; filename="place-name-changes-{period}.{format}"; '
                               f"filename*=UTF-8''{quote(f'地名变更_{period}.{format}')}"})
