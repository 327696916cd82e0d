"""Admin-only views and actions: users (roles, passwords, tokens, sessions) and the audit
log. The same domain functions as ``civgeo users …`` (``geo.users``, ``geo.sessions``);
every change is audited. Answers that carry a password or a token are never cached."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import Field

from api.bodies import Body
from api.deps import Admin, Conn
from api.params import DAY_PATTERN, day, paging
from geo import audit, sessions, users
from geo.db import transaction
from geo.errors import InvalidInput

router = APIRouter(tags=["admin"])
Paged = paging(100, 1000)
UserName = Annotated[str, Path(min_length=1, max_length=users.NAME_MAX,
                               description="the user's name")]
Filter = Annotated[str | None, Query(max_length=200)]
NO_STORE = {"Cache-Control": "no-store"}
Role = Annotated[str, Field(max_length=40, description="planner, inspector, names_officer, "
                                                       "plates_officer, planning_liaison or "
                                                       "admin")]
Password = Annotated[str, Field(max_length=sessions.PASSWORD_MAX,
                                description=f"{sessions.PASSWORD_MIN} to "
                                            f"{sessions.PASSWORD_MAX} characters")]


@router.get("/audit", summary="Audit log, newest first")
def list_audit(conn: Conn, actor: Admin, page: Paged,
               entity: Annotated[str | None, Query(max_length=200,
                                                   description="e.g. plate, road, user")]
               = None,
               entity_id: Annotated[str | None, Query(max_length=200,
                                                      description="one record's id")] = None,
               who: Annotated[str | None, Query(alias="actor", max_length=200,
                                                description="who acted (a user name, or "
                                                            "cli:<os user>)")] = None,
               action: Annotated[str | None, Query(max_length=200, description=(
                   "e.g. auth.sign_in, or a family: auth.*"))] = None,
               since: Annotated[str | None, Query(pattern=DAY_PATTERN,
                                                  description="first day, China time")]
               = None,
               until: Annotated[str | None, Query(pattern=DAY_PATTERN,
                                                  description="last day, China time")]
               = None) -> dict:
    """Who changed what and when, with the before and after state; narrowed by entity,
    actor, action and days (Asia/Shanghai, both included)."""
    rows = audit.list_entries(conn, entity=entity, entity_id=entity_id, actor=who,
                              action=action, since=day(since, "since"),
                              until=day(until, "until"), limit=page.limit,
                              offset=page.offset)
    return {"items": rows, "limit": page.limit, "offset": page.offset}


# ------------------------------------------------------------------ users

class UserIn(Body):
    """A new user: a password to sign in from a browser (given twice, or generated) and/or
    a bearer token for an API client."""

    name: str = Field(min_length=1, max_length=users.NAME_MAX, description="unique")
    role: Role
    password: Password | None = None
    password_again: Password | None = Field(None, description="the password once more")
    generate: bool = Field(False, description="generate a strong password, shown once")
    token: bool = Field(False, description="also issue a bearer token, shown once")


class RoleIn(Body):
    """A user's new role."""

    role: Role


class PasswordIn(Body):
    """A new password, given twice, or ``generate`` one (shown once)."""

    password: Password | None = None
    password_again: Password | None = Field(None, description="the password once more")
    generate: bool = False


class RevokeIn(Body):
    """What to revoke: the user's bearer tokens, its browser sessions, or both."""

    tokens: bool = Field(False, description="revoke every active bearer token")
    sessions: bool = Field(False, description="close every open browser session")


def _typed_twice(password: str | None, again: str | None) -> None:
    if password is not None and again is not None and password != again:
        raise InvalidInput("the two passwords differ", field="password_again")


@router.get("/users", summary="List users")
def list_users(conn: Conn, actor: Admin, response: Response) -> dict:
    """Each user's name, role, when created, last sign-in, lock, whether it has a password,
    open sessions and active tokens. Never a password hash or a token."""
    response.headers.update(NO_STORE)
    return {"items": [{k: u[k] for k in (
        "name", "role", "created_at", "disabled_at", "last_sign_in_at", "locked_until",
        "has_password", "password_set_at", "open_sessions", "active_tokens",
        "last_used_at")} for u in users.list_users(conn)]}


@router.post("/users", status_code=201, summary="Add a user")
def add_user(body: UserIn, conn: Conn, actor: Admin, response: Response) -> dict:
    """Create a user with a role. A generated password and an issued token are in the
    answer, the only time they are shown."""
    _typed_twice(body.password, body.password_again)
    with transaction(conn):
        new = users.add_user(conn, actor, body.name, body.role, token=body.token,
                             password=body.password, generate=body.generate)
    response.headers.update(NO_STORE)
    return {"name": new.name, "role": new.role, "token": new.token, "password": new.password}


@router.patch("/users/{name}", summary="Change a user's role")
def change_role(name: UserName, body: RoleIn, conn: Conn, actor: Admin) -> dict:
    """Give a user another role (effective at its next request); the last administrator
    cannot be demoted (409)."""
    with transaction(conn):
        user = users.set_role(conn, actor, name, body.role)
    return {"name": user["name"], "role": user["role"]}


@router.post("/users/{name}/password", summary="Reset a user's password")
def reset_password(name: UserName, body: PasswordIn, conn: Conn, actor: Admin,
                   response: Response) -> dict:
    """Set the password the administrator gives (twice), or generate one (in the answer,
    shown once). The user's open sessions are closed; a lock is cleared."""
    _typed_twice(body.password, body.password_again)
    if (body.password is None) == (not body.generate):
        raise InvalidInput("give a new password, or ask for one to be generated (not both)",
                           field="password")
    with transaction(conn):
        done = users.reset_password(conn, actor, name, body.password)
    response.headers.update(NO_STORE)
    return {"name": name, "password": done.password, "sessions_closed": done.sessions_closed}


@router.post("/users/{name}/revoke", summary="Revoke a user's tokens and/or sessions")
def revoke(name: UserName, body: RevokeIn, conn: Conn, actor: Admin) -> dict:
    """Revoke the user's bearer tokens (``tokens``) and/or close its browser sessions
    (``sessions``): it must sign in again, or be given a new token."""
    with transaction(conn):
        return users.revoke_access(conn, actor, name, tokens=body.tokens,
                                   sessions=body.sessions)


@router.post("/users/{name}/unlock", summary="Unlock a user")
def unlock(name: UserName, conn: Conn, actor: Admin) -> dict:
    """Clear the user's failed sign-ins and its lock."""
    with transaction(conn):
        sessions.unlock(conn, actor, name)
    return {"name": name, "locked_until": None}
