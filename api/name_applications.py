"""Naming / renaming / abolition applications (names_officer; DESIGN §4a)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from api.bodies import Body, Code
from api.deps import Conn, require
from api.params import Id, paging
from geo.audit import Actor
from geo.db import transaction
from geo.names import workflow

router = APIRouter(prefix="/names/applications", tags=["place-name applications"])
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
    on: dt.date | None = None
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
                                           "withdraw")
def act(conn: Conn, actor: Officer, app_id: Id, action: str, body: StepIn) -> dict:
    """Move the application on; 409 when the version is stale or a check blocks; 422 when
    approval leaves a warning unacknowledged (``unacknowledged`` lists the codes)."""
    step = workflow.Step(body.version, body.note,
                         None if body.reports is None
                         else [r.model_dump(mode="json") for r in body.reports],
                         body.approving_authority, body.document_no, body.on,
                         body.acknowledgements)
    with transaction(conn):
        return workflow.act(conn, actor, app_id, action, step)
