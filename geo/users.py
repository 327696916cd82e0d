"""Users, roles and bearer tokens (DESIGN §4). Tokens are shown once and stored hashed.

Tokens are 256-bit random strings, so a single SHA-256 is the right digest: there is
nothing to brute-force, and lookups stay one indexed equality. What an administrator does
to a user (from the CLI or the admin pages) is here: add, change the role, reset the
password, revoke tokens and sessions; passwords and sessions themselves are
``geo.sessions``'s (which imports this module, hence its imports inside functions here).
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
ROLES = ("planner", "inspector", "names_officer", "plates_officer", "planning_liaison",
         "admin")
TOKEN_PREFIX = "cg_"
NAME_MAX = 100
# Generated passwords: four groups of five from letters and digits that cannot be misread
# (no 0/O, 1/l/I), about 112 bits; easy to read out and type once.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class NewUser:
    """A user just created, with the only copy of its token in clear."""

    id: int
    name: str
    role: str
    token: str | None
    password: str | None = None    # a generated password, in clear (only this once)


@dataclass(frozen=True)
class PasswordReset:
    """A password just reset: the generated one in clear (None when the admin gave it),
    and how many of the user's sessions were closed."""

    password: str | None
    sessions_closed: int


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(conn, actor: Actor, name: str, role: str, *, token: bool = True,
             password: str | None = None, generate: bool = False) -> NewUser:
    """Create a user with ``role``; with one fresh token unless ``token`` is false; with a
    password (given, or generated when ``generate``) to sign in from a browser."""
    from geo import sessions

    name = _checked_name(name)
    _check_role(role)
    if password is not None and generate:
        raise InvalidInput("give a password or ask for one to be generated, not both",
                           field="password")
    if password is not None:
        sessions.check_password(password)
    if not (token or password is not None or generate):
        raise InvalidInput("a new user needs a password or a token, or it cannot get in",
                           field="password")
    if fetch_one(conn, _Q["get_user_by_name"], {"name": name}):
        raise Conflict(f"a user called {name!r} already exists", field="name")
    row = fetch_one(conn, _Q["add_user"], {"name": name, "role": role})
    issued = issue_token(conn, row["id"]) if token else None
    audit.record(conn, actor, "users.add", "user", row["id"],
                 after={"name": name, "role": role})
    if generate:
        password = generated = generate_password()
    else:
        generated = None
    if password is not None:
        sessions.set_password(conn, actor, name, password)
    return NewUser(row["id"], name, role, issued, generated)


def _checked_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("a user needs a name", field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"a user name has at most {NAME_MAX} characters", field="name")
    if not name.isprintable() or "/" in name:
        raise InvalidInput("a user name has no slash and no control characters", field="name")
    return name


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")


def generate_password() -> str:
    """A strong random password, e.g. ``k7Pqa-3mZxe-9RtWh-2bNcu``."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(4))


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
    """Every user with its role, its active tokens and open sessions, when it last signed
    in, whether it has a password and until when it is locked; never a hash or a token."""
    return fetch_all(conn, _Q["list_users"])


def set_role(conn, actor: Actor, name: str, role: str) -> dict:
    """Give the user called ``name`` another role; the last enabled administrator keeps
    theirs. Takes effect at the user's next request (tokens and sessions read the role)."""
    _check_role(role)
    user = get_user(conn, name)
    if user["role"] == "admin" and role != "admin":
        admins = [r["id"] for r in fetch_all(conn, _Q["lock_admins"])]
        if user["disabled_at"] is None and admins == [user["id"]]:
            raise Conflict(f"{name} is the last administrator; make another user an "
                           f"administrator first", field="role")
    execute(conn, _Q["set_role"], {"id": user["id"], "role": role})
    audit.record(conn, actor, "users.role", "user", user["id"],
                 before={"role": user["role"]}, after={"role": role})
    return {**user, "role": role}


def reset_password(conn, actor: Actor, name: str, password: str | None = None
                   ) -> PasswordReset:
    """Set the password of the user called ``name`` (the one given, or a generated one)
    and close the user's open sessions, so that only the new password gets in."""
    from geo import sessions

    generated = None
    if password is None:
        password = generated = generate_password()
    sessions.set_password(conn, actor, name, password)
    return PasswordReset(generated, sessions.revoke_sessions(conn, actor, name))


def revoke_access(conn, actor: Actor, name: str, *, tokens: bool = False,
                  sessions: bool = False) -> dict:
    """Revoke the bearer tokens and/or close the browser sessions of the user called
    ``name`` (each audited); return how many of each."""
    from geo import sessions as browser

    if not (tokens or sessions):
        raise InvalidInput("say what to revoke: tokens, sessions or both", field="tokens")
    user = get_user(conn, name)
    revoked = closed = 0
    if tokens:
        revoked = execute(conn, _Q["revoke_tokens"], {"user_id": user["id"]})
        audit.record(conn, actor, "users.tokens.revoke", "user", user["id"],
                     before={"active_tokens": revoked})
    if sessions:
        closed = browser.revoke_sessions(conn, actor, name)
    return {"name": user["name"], "tokens_revoked": revoked, "sessions_closed": closed}


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
