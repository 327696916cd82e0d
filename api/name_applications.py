"""Naming / renaming / abolition applications (names_officer; DESIGN §4a), and the daily
task that brings approved names into force on their date (``workflow.take_effect``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from api.bodies import Body, Code
from api.deps import Conn, require
from api.params import Id, paging
from geo.audit import Actor
from geo.clock import BEIJING
from geo.db import connect, transaction
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


router = APIRouter(prefix="/names/applications", tags=["place-name applications"],
                   lifespan=lifespan)
Officer = Annotated[Actor, Depends(require("names_officer"))]
Paged = paging(50, 500)


class Report(Body):
    """An attached report (评估 / 论证 / 征求意见)."""

    type: Literal["impact_assessment", "expert_review", "consultation"]
    title: str = Field(min_length=1, max_length=200)
    date: dt.date | None = None
    summary: str | None = Field(default=None, max_length=5000)


class ApplicationIn(Body):
    """A new application (a draft)."""

    kind: Literal["naming", "renaming", "abolition"]
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
        description="approve: each warning's finding code with the reason it is accepted")


@router.get("", summary="Applications (overdue ones with overdue=true)")
def list_applications(conn: Conn, actor: Officer, page: Paged,
                      state: Annotated[str | None, Query(description="draft, submitted, "
                                                         "assessed, approved, …")] = None,
                      overdue: Annotated[bool, Query(description="only those past a "
                                                     "deadline")] = False) -> dict:
    """Newest first, with filing and announcement due dates."""
    items = workflow.list_applications(conn, state=state, overdue=overdue, limit=page.limit,
                                       offset=page.offset)
    return {"items": items, "limit": page.limit, "offset": page.offset}


@router.post("", status_code=201, summary="Create a draft application")
def create_application(conn: Conn, actor: Officer, body: ApplicationIn) -> dict:
    """Record a draft; the checks run when it is submitted."""
    data = body.model_dump(mode="json")
    with transaction(conn):
        return workflow.create_application(conn, actor, data)


@router.get("/{app_id}", summary="One application with its findings and events")
def get_application(conn: Conn, actor: Officer, app_id: Id) -> dict:
    """State, reports, findings of the last checks, deadlines and every transition."""
    return workflow.get_application(conn, app_id)


@router.post("/{app_id}/{action}", summary="submit, assess, approve, reject, file, announce, "
                                           "withdraw, confirm-name, propose-name")
def act(conn: Conn, actor: Officer, app_id: Id, action: str, body: StepIn) -> dict:
    """Move the application on; 409 when the version is stale (always, when another
    officer acted first) or a check blocks; 422 when approval leaves a warning
    unacknowledged (``unacknowledged`` lists the codes) or a date breaks the rules (none in
    the future; filing and announcement not before approval). ``confirm-name`` sets the
    standard form of a name filed in traditional characters (kept as ``name_as_filed``);
    ``propose-name`` gives a draft another proposed name (``name``)."""
    step = workflow.Step(body.version, body.note,
                         None if body.reports is None
                         else [r.model_dump(mode="json") for r in body.reports],
                         body.approving_authority, body.document_no, body.on,
                         body.acknowledgements, body.effective_on, body.name)
    with transaction(conn):
        return workflow.act(conn, actor, app_id, action, step)
