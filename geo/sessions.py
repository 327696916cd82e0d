"""Browser sign-in (DESIGN §4): passwords, sign-in with a lock after repeated failures,
and server-side sessions.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second
recommended setting), rehashed on sign-in when those defaults change. A session is an
opaque 256-bit cookie value; the database keeps only its SHA-256, with an absolute expiry,
an idle limit and a per-session CSRF token. Sign-ins, failures, locks and sign-outs go to
the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo import audit
from geo.audit import Actor
from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.errors import InvalidInput
from geo.users import get_user

_Q = load_queries(__file__)
_HASHER = PasswordHasher()
# Verified against when the user is unknown, so that a wrong name costs the same time as a
# wrong password and names cannot be found out by timing.
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))
PASSWORD_MIN, PASSWORD_MAX = 10, 256


@dataclass(frozen=True)
class Policy:
    """How long sessions last, when repeated failures lock a user, and how long a phone's
    one-time sign-in link (``geo.pairing``) stays valid (settings)."""

    session_hours: float = 12.0
    idle_minutes: float = 60.0
    max_failures: int = 5
    lock_minutes: float = 15.0
    pairing_minutes: float = 10.0


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to. ``ok`` with the session's cookie value and CSRF
    token; otherwise ``reason``: ``bad_credentials`` (unknown name or wrong password, never
    told apart), ``locked`` (until ``locked_until``) or ``no_password``."""

    ok: bool
    reason: str | None = None
    actor: Actor | None = None
    token: str | None = None
    csrf: str | None = None
    expires_at: datetime | None = None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Session:
    """A live session: who, and the CSRF token its state-changing requests must carry."""

    id: int
    actor: Actor
    csrf: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_password(password: str) -> str:
    """``password`` if it is acceptable, else ``InvalidInput``."""
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidInput(f"a password has {PASSWORD_MIN} to {PASSWORD_MAX} characters",
                           field="password")
    if password.strip() != password or not password.isprintable():
        raise InvalidInput("a password has no leading or trailing spaces and no control "
                           "characters", field="password")
    return password


def set_password(conn, actor: Actor, name: str, password: str) -> None:
    """Give the user called ``name`` a new password; it also clears a lock."""
    user = get_user(conn, name)
    execute(conn, _Q["set_password"], {"id": user["id"],
                                       "hash": _HASHER.hash(check_password(password))})
    audit.record(conn, actor, "users.passwd", "user", user["id"])


def unlock(conn, actor: Actor, name: str) -> None:
    """Clear a user's failed sign-ins and lock."""
    user = get_user(conn, name)
    execute(conn, _Q["unlock"], {"id": user["id"]})
    audit.record(conn, actor, "users.unlock", "user", user["id"])


def sign_in(conn, name: str, password: str, policy: Policy, *, user_agent: str | None = None,
            address: str | None = None) -> SignIn:
    """Check a name and password and open a session. Every outcome is written in the
    caller's transaction, which must be committed whatever the outcome: a failure counts
    towards the lock."""
    row = fetch_one(conn, _Q["user_for_sign_in"], {"name": (name or "").strip()})
    if row is None or row["disabled_at"] is not None:
        _verify(_DUMMY, password)
        audit.record(conn, Actor(f"sign-in:{(name or '')[:50]}", "public"), "auth.sign_in_failed",
                     "user", None if row is None else row["id"],
                     after={"reason": "unknown" if row is None else "disabled"})
        return SignIn(False, "bad_credentials")
    who = Actor(row["name"], row["role"], row["id"])
    if row["locked"]:
        audit.record(conn, who, "auth.sign_in_refused", "user", row["id"],
                     after={"reason": "locked", "locked_until": row["locked_until"]})
        return SignIn(False, "locked", locked_until=row["locked_until"])
    if row["password_hash"] is None:
        _verify(_DUMMY, password)
        audit.record(conn, who, "auth.sign_in_failed", "user", row["id"],
                     after={"reason": "no_password"})
        return SignIn(False, "bad_credentials")
    if not _verify(row["password_hash"], password):
        after = fetch_one(conn, _Q["failed"], {"id": row["id"], "limit": policy.max_failures,
                                               "lock_minutes": policy.lock_minutes})
        audit.record(conn, who, "auth.sign_in_failed", "user", row["id"],
                     after={"reason": "password", "locked_until": after["locked_until"]})
        if after["locked_until"] is not None:
            audit.record(conn, who, "auth.locked", "user", row["id"],
                         after={"locked_until": after["locked_until"]})
            return SignIn(False, "locked", locked_until=after["locked_until"])
        return SignIn(False, "bad_credentials")
    execute(conn, _Q["succeeded"], {"id": row["id"]})
    if _HASHER.check_needs_rehash(row["password_hash"]):
        execute(conn, _Q["rehash"], {"id": row["id"], "hash": _HASHER.hash(password)})
    signed, session_id = _open(conn, who, policy, user_agent, address)
    audit.record(conn, who, "auth.sign_in", "session", session_id,
                 after={"address": address, "user_agent": (user_agent or "")[:300] or None})
    return signed


def _open(conn, who: Actor, policy: Policy, user_agent: str | None,
          address: str | None) -> tuple[SignIn, int]:
    """Open a session for ``who``: the sign-in with its cookie value, and the session's id."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    opened = fetch_one(conn, _Q["open_session"], {
        "user_id": who.user_id, "sha": _digest(token), "csrf": csrf,
        "minutes": policy.session_hours * 60, "user_agent": (user_agent or "")[:300] or None,
        "address": address})
    return (SignIn(True, actor=who, token=token, csrf=csrf, expires_at=opened["expires_at"]),
            opened["id"])


def open_paired(conn, who: Actor, policy: Policy, *, pairing_id: int,
                user_agent: str | None = None, address: str | None = None) -> SignIn:
    """Open a session for ``who`` without a password: only for a phone that presented a
    valid one-time sign-in link (``geo.pairing.use``, which checked the user). The same
    session as a password sign-in opens (lifetime, idle limit, CSRF token); audited as
    ``auth.pair``. A lock after failed passwords does not stop it: an administrator made
    the link for this user."""
    signed, session_id = _open(conn, who, policy, user_agent, address)
    audit.record(conn, who, "auth.pair", "session", session_id,
                 after={"pairing": pairing_id, "address": address,
                        "user_agent": (user_agent or "")[:300] or None})
    return signed


def _verify(encoded: str, password: str) -> bool:
    try:
        return _HASHER.verify(encoded, password or "")
    except (VerificationError, InvalidHashError):
        return False


def session(conn, token: str, policy: Policy) -> Session | None:
    """The live session of a cookie value, or None (unknown, revoked, expired or idle)."""
    row = fetch_one(conn, _Q["session"], {"sha": _digest(token),
                                          "idle_minutes": policy.idle_minutes})
    if row is None:
        return None
    return Session(row["session_id"], Actor(row["name"], row["role"], row["id"]),
                   row["csrf_token"])


def sign_out(conn, token: str) -> bool:
    """Close the session of a cookie value; False when it was not open."""
    row = fetch_one(conn, _Q["close_session"], {"sha": _digest(token)})
    if row is None:
        return False
    user = fetch_one(conn, "SELECT name, role FROM users WHERE id = %(id)s",
                     {"id": row["user_id"]})
    audit.record(conn, Actor(user["name"], user["role"], row["user_id"]), "auth.sign_out",
                 "session", row["id"])
    return True


def revoke_sessions(conn, actor: Actor, name: str) -> int:
    """Close every open session of a user; return how many."""
    user = get_user(conn, name)
    n = execute(conn, _Q["revoke_sessions"], {"user_id": user["id"]})
    audit.record(conn, actor, "users.sessions.revoke", "user", user["id"],
                 before={"open_sessions": n})
    return n


def open_sessions(conn, name: str | None = None) -> list[dict]:
    """The open sessions (of a user), most recently used first."""
    if name is not None and fetch_one(conn, _Q["list_sessions"], {"name": name}) is None:
        get_user(conn, name)   # NotFound for an unknown user; [] for one with none
    return fetch_all(conn, _Q["list_sessions"], {"name": name})

