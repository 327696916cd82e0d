"""Place-name plans (地名规划, DESIGN §4a ``GET, POST /names/plan``): names reserved for
planned roads and areas. Names officers reserve names and decide the requests; the
planning and construction departments' liaisons (``planning_liaison``) read the plan and
request reservations before their projects are approved (审批前置), nothing else.
Registered before the ``names`` router: ``/names/{name_id}`` would take ``/names/plan``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from api.bodies import Body, Code, Line
from api.deps import Conn, require
from api.geojson import GeoJSONResponse, collection, geometry_features
from api.params import Id, OptionalDivision, paging
from geo.audit import Actor
from geo.db import transaction
from geo.names import plan

router = APIRouter(prefix="/names/plan", tags=["place-name plans (地名规划)"])
Officer = Annotated[Actor, Depends(require("names_officer"))]
Reader = Annotated[Actor, Depends(require("names_officer", "planning_liaison"))]
Paged = paging(100, 500)
Geometry = Annotated[dict[str, Any] | None, Field(
    default=None, description="the planned road or area: a GeoJSON geometry in CGCS2000 "
                              "longitude, latitude")]


class ReservationIn(Body):
    """A name to reserve (names officer) or to request (planning liaison)."""

    name: str = Field(max_length=50, description="the proposed standard name, e.g. 荷韵路")
    category_code: Code = Field(description="its category, e.g. 0801 (街路巷)")
    division_code: Code = Field(description="the division whose plan it is in (6/9/12 "
                                            "digits)")
    geometry: Geometry = None
    project: Line | None = Field(None, description="the planned project, e.g. 荷塘区新华东路"
                                                   "延长线工程")
    applicant: Line = Field(description="the department asking, e.g. 株洲市自然资源和规划局")
    applicant_contact: Line | None = Field(None, description="its contact (personal data)")
    meaning: str | None = Field(None, max_length=2000)
    origin: str | None = Field(None, max_length=2000)
    location_description: str | None = Field(None, max_length=500)
    approval_basis: str | None = Field(None, max_length=500)
    note: str | None = Field(None, max_length=2000)
    expires_on: dt.date | None = Field(None, description="names officers: the reservation's "
                                                         "last day (default: the rule "
                                                         "reservation_validity_days)")


class StepIn(Body):
    """An action on a reservation: the version it is based on, and what the action needs."""

    version: int = Field(ge=1, le=2**31 - 1)
    reason: str | None = Field(None, max_length=2000, description="decline: why (required); "
                               "release, accept, extend: a note")
    expires_on: dt.date | None = Field(None, description="accept, extend: the last day "
                                                         "(default: the rule's validity)")
    applicant: Line | None = Field(None, description="apply: the applicant, if not the "
                                                     "reservation's")
    applicant_contact: Line | None = None
    location_description: str | None = Field(None, max_length=500)
    geometry: Geometry = None


@router.get("", response_class=GeoJSONResponse, summary="The plan of a division (reserved "
                                                        "and requested names)")
def list_plan(request: Request, conn: Conn, actor: Reader, page: Paged,
              division: OptionalDivision = None,
              q: Annotated[str | None, Query(max_length=50, description="a part of the name "
                                             "or of the project")] = None,
              state: Annotated[str | None, Query(max_length=20, description="requested, "
                                                 "reserved, expired, declined, released, "
                                                 "used")] = None) -> JSONResponse:
    """Every reservation under the division, newest first, with its planned geometry: a
    GeoJSON FeatureCollection (``state`` as it reads today: a reserved name past its
    expiry day is ``expired``)."""
    rows = plan.list_plan(conn, actor, division=division, q=q, state=state,
                          limit=page.limit, offset=page.offset)
    return collection(geometry_features(rows), request=request, page=page,
                      division=division, counts=plan.count_by_state(conn, division))


@router.post("", status_code=201, summary="Reserve a name, or request its reservation")
def create_reservation(conn: Conn, actor: Reader, body: ReservationIn) -> dict:
    """A names officer's reservation is ``reserved`` at once (until ``expires_on``, or for
    the rule's validity); a planning liaison's is a request (``requested``) for an officer
    to accept or decline. The name is checked as an application would be: 409 naming
    ``name`` when it is already reserved or requested in an overlapping scope, 409 with the
    ``findings`` when a check blocks (a standard name of the scope, a grand word…)."""
    with transaction(conn):
        return plan.create_reservation(conn, actor, body.model_dump(mode="json"))


@router.get("/{res_id}", summary="One reservation with its findings and steps")
def get_reservation(conn: Conn, actor: Reader, res_id: Id) -> dict:
    """State (as it reads today), planned geometry, findings, expiry, the application it
    became, and every step."""
    return plan.get_reservation(conn, res_id, actor)


@router.post("/{res_id}/{action}", summary="accept, decline, extend, release, apply")
def act(conn: Conn, actor: Officer, res_id: Id, action: str, body: StepIn) -> dict:
    """Names officers: ``accept`` a request (→ reserved, checked again, with its expiry),
    ``decline`` it (``reason`` required), ``extend`` a reservation (a new last day, checked
    again), ``release`` it, or ``apply``: the reservation becomes a draft naming application
    in one step (its name, category and planned geometry, or ``geometry`` as built) and is
    marked used (``application`` in the answer). 409 when the version is stale or the state
    does not allow the action."""
    step = plan.Step(body.version, body.reason, body.expires_on, body.applicant,
                     body.applicant_contact, body.location_description, body.geometry)
    with transaction(conn):
        return plan.act(conn, actor, res_id, action, step)
