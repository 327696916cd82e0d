"""Users, roles and bearer tokens (DESIGN §4). Tokens are shown once and stored hashed.

Tokens are 256-bit random strings, so a single SHA-256 is the right digest: there is
nothing to brute-force, and lookups stay one indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from geo import audit
from geo.audit import Actor
from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.errors import Conflict, InvalidInput, NotFound

_Q = load_queries(__file__)
ROLES = ("planner", "inspector", "names_officer", "plates_officer", "admin")
TOKEN_PREFIX = "cg_"


@dataclass(frozen=True)
class NewUser:
    """A user just created, with the only copy of its token in clear."""

    id: int
    name: str
    role: str
    token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(conn, actor: Actor, name: str, role: str) -> NewUser:
    """Create a user with ``role`` and one fresh token."""
    name = name.strip()
    if not name:
        raise InvalidInput("a user needs a name", field="name")
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
    if fetch_one(conn, _Q["get_user_by_name"], {"name": name}):
        raise Conflict(f"a user called {name!r} already exists", field="name")
    row = fetch_one(conn, _Q["add_user"], {"name": name, "role": role})
    token = issue_token(conn, row["id"])
    audit.record(conn, actor, "users.add", "user", row["id"],
                 after={"name": name, "role": role})
    return NewUser(row["id"], name, role, token)


def issue_token(conn, user_id: int) -> str:
    """Create a token for a user and return it in clear (only this once)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    execute(conn, _Q["add_token"], {"user_id": user_id, "sha": _digest(token),
                                    "prefix": token[:8]})
    return token


def new_token(conn, actor: Actor, name: str) -> str:
    """Another token for the user called ``name``, recorded in the audit log; returned in
    clear (only this once)."""
    user = get_user(conn, name)
    token = issue_token(conn, user["id"])
    audit.record(conn, actor, "users.token", "user", user["id"])
    return token


def authenticate(conn, token: str) -> Actor | None:
    """The active user holding ``token``, or None."""
    row = fetch_one(conn, _Q["authenticate"], {"sha": _digest(token)})
    return None if row is None else Actor(row["name"], row["role"], row["id"])


def get_user(conn, name: str) -> dict:
    """Return the user called ``name``."""
    row = fetch_one(conn, _Q["get_user_by_name"], {"name": name})
    if row is None:
        raise NotFound(f"no user called {name!r}", field="name")
    return row


def list_users(conn) -> list[dict]:
    """Every user with its count of active tokens."""
    return fetch_all(conn, _Q["list_users"])


def revoke_user(conn, actor: Actor, name: str, *, disable: bool = False) -> int:
    """Revoke all of a user's tokens and close its browser sessions (and disable the user
    if asked); return tokens revoked."""
    user = get_user(conn, name)
    revoked = execute(conn, _Q["revoke_tokens"], {"user_id": user["id"]})
    execute(conn, _Q["revoke_sessions"], {"user_id": user["id"]})
    if disable:
        execute(conn, _Q["disable_user"], {"user_id": user["id"]})
    audit.record(conn, actor, "users.revoke", "user", user["id"],
                 before={"active_tokens": revoked}, after={"disabled": disable})
    return revoked
