"""Inspection teams (界线联检 teams): who inspects which side of a line. Admin only, every
change audited (``geo.boundaries.teams``); the same teams as ``civgeo boundaries team-add``.
A team reaches a line through the inspections it leads or supports, so assigning a team
to an inspection's side is how its inspectors get the line."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import Field

from api.bodies import Body, Code, Name
from api.deps import Admin, Conn
from api.geojson import json_response
from api.params import Id
from geo.boundaries import teams
from geo.db import transaction
from geo.text import MEMBERS_MAX

router = APIRouter(tags=["teams (admin)"])
UserName = Annotated[str, Path(min_length=1, max_length=100, description="the user's name")]


class TeamIn(Body):
    """A new inspection team of one side."""

    name: Name = Field(description="the team's name, unique (株洲市联检工作组)")
    side_code: Code = Field(description="the division the team works for (430200)")
    members: list[Name] = Field(default_factory=list, max_length=MEMBERS_MAX,
                                description="inspectors' user names")


class MemberIn(Body):
    """An inspector to put in a team."""

    user: Name = Field(description="the user's name (an inspector)")


class AssignmentIn(Body):
    """An inspection the team takes a side of."""

    inspection: Annotated[int, Field(ge=1, le=2**53)] = Field(description="inspection id")
    side: Literal["lead", "support"] | None = Field(
        None, description="needed only when the team's division covers both parties")


@router.get("/teams", summary="Inspection teams with their members and lines (admin)")
def list_teams(conn: Conn, actor: Admin) -> JSONResponse:
    """Every team: its side, its members (names and roles only) and the lines it works on."""
    return json_response(teams.list_teams(conn))


@router.post("/teams", status_code=201, summary="Add an inspection team (admin)")
def create_team(conn: Conn, actor: Admin, body: TeamIn) -> JSONResponse:
    """A team of one side with inspectors as members; 409 when the name is taken, 422
    naming the member who is unknown, disabled or not an inspector."""
    with transaction(conn):
        created = teams.create_team(conn, actor, body.name, body.side_code, body.members)
    return json_response(created, 201)


@router.get("/teams/{team_id}", summary="One inspection team (admin)")
def get_team(conn: Conn, actor: Admin, team_id: Id) -> JSONResponse:
    """The team with its members and lines."""
    return json_response(teams.get_team(conn, team_id))


@router.post("/teams/{team_id}/members", summary="Put an inspector in a team (admin)")
def add_member(conn: Conn, actor: Admin, team_id: Id, body: MemberIn) -> JSONResponse:
    """The inspector joins the team (and its roster in the joint report); 409 when it is
    in already."""
    with transaction(conn):
        return json_response(teams.add_member(conn, actor, team_id, body.user))


@router.delete("/teams/{team_id}/members/{user}", summary="Take a member out of a team (admin)")
def remove_member(conn: Conn, actor: Admin, team_id: Id, user: UserName) -> JSONResponse:
    """The user leaves the team; 404 when it is not in it."""
    with transaction(conn):
        return json_response(teams.remove_member(conn, actor, team_id, user))


@router.post("/teams/{team_id}/inspections",
             summary="Make the team the lead or supporting team of an inspection (admin)")
def assign(conn: Conn, actor: Admin, team_id: Id, body: AssignmentIn) -> JSONResponse:
    """The team takes its division's side of the inspection, and its inspectors get the
    line; 409 once the inspection is signed by both sides."""
    with transaction(conn):
        return json_response(teams.assign(conn, actor, team_id, body.inspection, body.side))
