"""Pairing a phone (手机配对, issue 16): a one-time sign-in link that an administrator shows
as a QR code, so that an inspector's phone signs in to the field app (``/field/``) without
anyone typing a password on it.

A link carries a 256-bit random token; the database keeps only its SHA-256 (as for
sessions and bearer tokens), who it signs in, who made it, when it expires (the session
policy's ``pairing_minutes``) and when it was used. It signs in once: using it and opening
the session happen in one transaction, and the link is marked used by a single UPDATE, so
of two phones scanning the same code only one gets in. Making a new link for a user
replaces that user's earlier unused ones. Only users of the field app (inspectors, and
administrators) can be paired; a user disabled or given another role after the link was
made is refused when it is used.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import datetime

import segno

from geo import audit, sessions
from geo.audit import Actor
from geo.db import execute, fetch_one, load_queries
from geo.errors import InvalidInput
from geo.users import get_user

_Q = load_queries(__file__)
FIELD_ROLES = ("inspector", "admin")   # who signs in to the field app
TOKEN_MAX = 100                        # a token is 43 characters; longer is not ours
QUIET_ZONE = 4                         # modules of light border, as ISO/IEC 18004 asks


@dataclass(frozen=True)
class Pairing:
    """A link just made, with the only copy of its token in clear."""

    id: int
    token: str
    user: str
    role: str
    expires_at: datetime


@dataclass(frozen=True)
class Used:
    """What presenting a link came to: ``signed`` (a session, as a password sign-in gives)
    or a ``reason``: ``unknown`` (not a link of ours), ``used``, ``replaced`` (a newer link
    was made), ``expired`` or ``refused`` (the user was disabled or is no longer one of the
    field app's)."""

    signed: sessions.SignIn | None = None
    reason: str | None = None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def make(conn, actor: Actor, name: str, minutes: float) -> Pairing:
    """A new one-time sign-in link for the user called ``name``, valid ``minutes``; the
    user's earlier unused links stop working. Audited as ``users.pairing``."""
    user = get_user(conn, name)
    if user["disabled_at"] is not None:
        raise InvalidInput(f"user {user['name']} is disabled", field="name")
    if user["role"] not in FIELD_ROLES:
        raise InvalidInput(f"user {user['name']} is a {user['role']}: only inspectors and "
                           f"administrators sign in to the field app", field="name")
    fetch_one(conn, _Q["lock_user"], {"user_id": user["id"]})
    replaced = execute(conn, _Q["replace_open"], {"user_id": user["id"]})
    token = secrets.token_urlsafe(32)
    row = fetch_one(conn, _Q["add"], {
        "user_id": user["id"], "sha": _digest(token), "created_by": actor.name,
        "created_by_id": actor.user_id, "minutes": minutes})
    audit.record(conn, actor, "users.pairing", "user", user["id"],
                 after={"pairing": row["id"], "expires_at": row["expires_at"],
                        "replaced": replaced})
    return Pairing(row["id"], token, user["name"], user["role"], row["expires_at"])


def use(conn, token: str, policy: sessions.Policy, *, user_agent: str | None = None,
        address: str | None = None) -> Used:
    """Sign in with a link: mark it used and open a session for its user (audited as
    ``auth.pair``). A refused link of ours is audited too (``auth.pair_refused``: a code
    scanned twice may have been seen by someone else). Commit whatever the outcome."""
    if not token or len(token) > TOKEN_MAX:
        return Used(reason="unknown")
    sha = _digest(token)
    row = fetch_one(conn, _Q["use"], {"sha": sha, "roles": list(FIELD_ROLES)})
    if row is not None:
        who = Actor(row["name"], row["role"], row["user_id"])
        return Used(sessions.open_paired(conn, who, policy, pairing_id=row["id"],
                                         user_agent=user_agent, address=address))
    why = fetch_one(conn, _Q["why_not"], {"sha": sha})
    if why is None:
        return Used(reason="unknown")
    reason = ("used" if why["used_at"] else "replaced" if why["replaced_at"]
              else "expired" if why["expired"] else "refused")
    audit.record(conn, Actor(why["name"], why["role"], why["user_id"]), "auth.pair_refused",
                 "user", why["user_id"],
                 after={"pairing": why["id"], "reason": reason, "address": address,
                        "user_agent": (user_agent or "")[:300] or None})
    return Used(reason=reason)


def qr_svg(url: str, *, scale: int = 8) -> str:
    """The QR code of ``url`` as an ``<svg>`` element for a screen: level M (a screen does
    not get dirty), never a Micro QR code, a white quiet zone of four modules, a
    ``viewBox`` so that CSS can size it, and ``scale`` px per module as its own size."""
    qr = segno.make_qr(url, error="m")
    side = qr.symbol_size(scale=scale, border=QUIET_ZONE)[0]
    out = io.BytesIO()
    qr.save(out, kind="svg", xmldecl=False, svgns=True, nl=False, encoding="utf-8",
            scale=scale, border=QUIET_ZONE, dark="#000", light="#fff", omitsize=True,
            svgclass="qr", lineclass=None, title="QR")
    svg = out.getvalue().decode("utf-8")
    return svg.replace("<svg ", f'<svg width="{side}" height="{side}" ', 1)
