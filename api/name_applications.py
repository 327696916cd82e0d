"""Naming / renaming / abolition applications and building-name filings (建筑物名称备案,
kind ``filing``) for names officers (DESIGN §4a); each approval's 备案公告 as a record
(``/names/applications/{id}/announcement``) and those of a period (``/names/announcements``,
JSON, XLSX or CSV); and the daily task that brings approved names into force on their date
(``workflow.take_effect``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from api.bodies import Body, Code
from api.deps import Conn, require
from api.params import DAY_PATTERN, Id, OptionalDivision, day, paging
from geo.audit import Actor
from geo.clock import BEIJING
from geo.db import connect, transaction
from geo.names import export as name_export
from geo.names import workflow

_LOG = logging.getLogger(__name__)


def seconds_to_next_day(now: dt.datetime) -> float:
    """Seconds from ``now`` to one second past the next midnight in Beijing."""
    local = now.astimezone(BEIJING)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0, 0, 1),
                                   BEIJING)
    return (midnight - local).total_seconds()


def _take_effect(database_url: str) -> list[int]:
    conn = connect(database_url)
    try:
        with transaction(conn):
            return workflow.take_effect(conn)
    finally:
        conn.close()


async def _effective_dates(database_url: str) -> None:
    """At startup and one second after each Beijing midnight: the approvals whose day has
    come take effect (a failed run is tried again a minute later)."""
    while True:
        try:
            done = await run_in_threadpool(_take_effect, database_url)
            if done:
                _LOG.info("approved names in force today: applications %s", done)
            await asyncio.sleep(seconds_to_next_day(dt.datetime.now(BEIJING)))
        except asyncio.CancelledError:
            raise
        except Exception:  # the database is down or restarting: try again soon
            _LOG.exception("bringing approved names into force failed; retrying in 60 s")
            await asyncio.sleep(60)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the effective-date task while the app runs (merged into the app's lifespan)."""
    task = asyncio.create_task(_effective_dates(app.state.settings.database_url))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


# Two path prefixes, one router for the app to include (before /names/{name_id}, which
# would take /names/announcements for a name's id).
router = APIRouter(lifespan=lifespan)
applications = APIRouter(prefix="/names/applications", tags=["place-name applications"])
announcements = APIRouter(prefix="/names", tags=["place-name applications"])
Officer = Annotated[Actor, Depends(require("names_officer"))]
Paged = paging(50, 500)
Kind = Literal["naming", "renaming", "abolition", "filing"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}


class Report(Body):
    """An attached report (评估 / 论证 / 征求意见)."""

    type: Literal["impact_assessment", "expert_review", "consultation"]
    title: str = Field(min_length=1, max_length=200)
    date: dt.date | None = None
    summary: str | None = Field(default=None, max_length=5000)


class ApplicationIn(Body):
    """A new application (a draft)."""

    kind: Kind = Field(description="naming, renaming, abolition, or filing (建筑物名称备案: "
                                   "a building or compound name, category 1101 住宅区 or "
                                   "1102 楼宇)")
    name: str | None = Field(default=None, max_length=50, description="proposed standard name")
    category_code: Code | None = None
    division_code: Code = Field(description="the applicant's jurisdiction (6/9/12 digits)")
    geometry: dict[str, Any] | None = Field(default=None, description="GeoJSON geometry")
    target_id: int | None = Field(default=None, ge=1, le=2**53,
                                  description="name renamed or abolished")
    reason: str | None = Field(default=None, max_length=5000)
    meaning: str | None = Field(default=None, max_length=2000)
    origin: str | None = Field(default=None, max_length=2000)
    location_description: str | None = Field(default=None, max_length=500)
    roman_manual: str | None = Field(default=None, max_length=200)
    protective_measures: str | None = Field(default=None, max_length=5000)
    approval_basis: str | None = Field(default=None, max_length=500)
    applicant: str = Field(min_length=1, max_length=200)
    applicant_contact: str | None = Field(default=None, max_length=200)
    reports: list[Report] = Field([], max_length=50)


class CorrectionsIn(Body):
    """correct (a returned filing): the fields corrected, each as a new application has it."""

    name: str | None = Field(default=None, max_length=50)
    category_code: Code | None = None
    geometry: dict[str, Any] | None = Field(default=None, description="GeoJSON geometry")
    location_description: str | None = Field(default=None, max_length=500)
    roman_manual: str | None = Field(default=None, max_length=200)
    approval_basis: str | None = Field(default=None, max_length=500)
    meaning: str | None = Field(default=None, max_length=2000)
    origin: str | None = Field(default=None, max_length=2000)
    reason: str | None = Field(default=None, max_length=5000)


class StepIn(Body):
    """An action: the version it is based on, and what the action needs."""

    version: int = Field(ge=1, le=2**31 - 1)
    note: str | None = Field(default=None, max_length=2000)
    reports: list[Report] | None = Field(None, max_length=50)
    approving_authority: str | None = Field(default=None, max_length=200)
    document_no: str | None = Field(default=None, max_length=100)
    on: dt.date | None = Field(default=None, description="approval, filing or announcement "
                               "date (Beijing); never in the future; default today")
    effective_on: dt.date | None = Field(default=None, description="approve: the date the name "
                                         "comes into force, up to a year ahead (default: the "
                                         "approval date)")
    name: str | None = Field(default=None, max_length=50, description="confirm-name: the "
                             "standard (simplified) form of a name filed in traditional "
                             "characters; propose-name: the draft's new proposed name")
    acknowledgements: dict[Annotated[str, Field(max_length=50)],
                           Annotated[str, Field(max_length=1000)]] | None = Field(
        default=None, max_length=30,
        description="approve, file (a filing): each warning's finding code with the reason "
                    "it is accepted")
    filing_no: str | None = Field(default=None, max_length=100, description="file: the 备案号 "
                                  "(a building-name filing's is drawn per county and year when "
                                  "not given)")
    corrections: CorrectionsIn | None = Field(default=None, description="correct (a returned "
                                              "filing): the fields corrected")


@applications.get("", summary="Applications (overdue ones with overdue=true)")
def list_applications(conn: Conn, actor: Officer, page: Paged,
                      state: Annotated[str | None, Query(description="draft, submitted, "
                                                         "checked, returned, assessed, "
                                                         "approved, …")] = None,
                      overdue: Annotated[bool, Query(description="only those past a "
                                                     "deadline")] = False,
                      kind: Annotated[Kind | None, Query(description="only this kind (filing: "
                                                         "building names)")] = None) -> dict:
    """Newest first, with filing and announcement due dates."""
    items = workflow.list_applications(conn, state=state, overdue=overdue, limit=page.limit,
                                       offset=page.offset, kind=kind)
    return {"items": items, "limit": page.limit, "offset": page.offset}


@applications.post("", status_code=201, summary="Create a draft application")
def create_application(conn: Conn, actor: Officer, body: ApplicationIn) -> dict:
    """Record a draft; the checks run when it is submitted."""
    data = body.model_dump(mode="json")
    with transaction(conn):
        return workflow.create_application(conn, actor, data)


@applications.get("/{app_id}", summary="One application with its findings and events")
def get_application(conn: Conn, actor: Officer, app_id: Id) -> dict:
    """State, reports, findings of the last checks, deadlines and every transition."""
    return workflow.get_application(conn, app_id)


@applications.get("/{app_id}/announcement", summary="The 备案公告 of an approval, as a record")
def get_announcement(conn: Conn, actor: Officer, app_id: Id) -> dict:
    """The six fields the 2023 filing rules require (标准名称 ``name``, 罗马字母拼写
    ``roman``, 所属政区 ``division`` and ``division_code``, 位置描述, 批准机关, 批准时间
    ``approved_on``), the document number, the change (命名, 更名 with ``former_name``,
    销名), 含义, 启用时间, the announcement's due and actual dates and its ``text``. 404 for no
    application; 409 before approval (``field: state``) and for a building-name filing."""
    return workflow.announcement_record(conn, app_id)


@applications.post("/{app_id}/{action}", summary="submit, assess, approve, reject, file, "
                                                 "announce, withdraw, confirm-name, "
                                                 "propose-name; correct, return (filings)")
def act(conn: Conn, actor: Officer, app_id: Id, action: str, body: StepIn) -> dict:
    """Move the application on; 409 when the version is stale (always, when another
    officer acted first) or a check blocks; 422 when approval leaves a warning
    unacknowledged (``unacknowledged`` lists the codes) or a date breaks the rules (none in
    the future; filing and announcement not before approval). ``confirm-name`` sets the
    standard form of a name filed in traditional characters (kept as ``name_as_filed``);
    ``propose-name`` gives a draft another proposed name (``name``).

    A building-name filing (kind ``filing``): ``submit`` runs the checks, and the filing is
    ``checked``, or returned: then the answer is a 422 naming the field at fault with the
    ``findings`` (each with its ``field``) and ``state: returned`` (the return is recorded).
    ``correct`` (``corrections``) and ``submit`` again; ``file`` (备案, optional
    ``filing_no``, ``on``, ``acknowledgements``) puts the name into the register with its
    filing record; ``return`` (with a ``note``) sends a checked filing back."""
    step = workflow.Step(
        body.version, body.note,
        None if body.reports is None else [r.model_dump(mode="json") for r in body.reports],
        body.approving_authority, body.document_no, body.on, body.acknowledgements,
        body.effective_on, body.name, body.filing_no,
        None if body.corrections is None
        else body.corrections.model_dump(mode="json", exclude_unset=True))
    with transaction(conn):
        app = workflow.act(conn, actor, app_id, action, step)
    refused = workflow.refusal(app, action)
    if refused is not None:   # the return is committed; the caller hears why
        raise refused
    return app


@announcements.get("/announcements", summary="The 备案公告 of the approvals of a period",
                   responses={200: {"content": {"application/json": {},
                                                **{m: {} for m in MEDIA.values()}},
                                    "description": "the records as JSON, XLSX or CSV"}})
def list_announcements(conn: Conn, actor: Officer,
                       since: Annotated[str | None, Query(
                           pattern=DAY_PATTERN, description="first day of approval, e.g. "
                                                            "2026-01-01")] = None,
                       until: Annotated[str | None, Query(
                           pattern=DAY_PATTERN, description="last day (default: today)")] = None,
                       format: Annotated[Literal["json", "xlsx", "csv"], Query()] = "json",
                       division: OptionalDivision = None) -> Any:
    """Each naming, renaming and abolition approved in the period (by approval date) under
    ``division``, as its 备案公告 record (see ``/names/applications/{id}/announcement``);
    ``format=xlsx`` (sheet 备案公告) or ``csv`` for a table. A period that ends before it
    starts is 422 naming ``until``."""
    first, last = day(since, "since"), day(until, "until")
    rows = name_export.announcements(conn, first, last, division)
    if format == "json":
        return {"since": first, "until": last or dt.date.today(), "items": rows}
    period = f"{first}_{last or dt.date.today()}"
    local = quote(f"备案公告_{period}.{format}")
    return Response(name_export.render_announcements(rows, format), media_type=MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="announcements-'
                                                    f'{period}.{format}"; '
                                                    f"filename*=UTF-8''{local}"})


router.include_router(announcements)
router.include_router(applications)
