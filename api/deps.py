"""Request dependencies: a pooled connection and the authenticated caller."""

from __future__ import annotations

import asyncio
import hmac
import select
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import psycopg2
import psycopg2.pool
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.problems import Unauthorized
from geo import sessions, users
from geo.audit import Actor
from geo.db import transaction
from geo.errors import Forbidden
from maps.base import MapSettings

SUSPECT_S = 30.0   # after a connection is found dead, check each one handed out this long


@asynccontextmanager
async def borrow(request: Request) -> AsyncIterator[psycopg2.extensions.connection]:
    """Borrow a connection to the primary (``borrow_from`` the app's own pool)."""
    async with borrow_from(request.app.state, request.app.state.settings) as conn:
        yield conn


@asynccontextmanager
async def borrow_from(source, settings) -> AsyncIterator[psycopg2.extensions.connection]:
    """Borrow a pooled connection of ``source`` (the primary: the app's state; or a read
    replica, ``api.reads.Replica``); roll back whatever was left uncommitted and return it.
    Connections are in autocommit (``api.main.AutocommitPool``): each read is its own
    statement, and ``transaction`` blocks (every write) open one transaction each.

    psycopg2's pool raises at once when every connection is out; the semaphore makes a
    request wait for one instead (up to the pool timeout, then 503). Getting a connection
    then never blocks. A connection found dead is closed, never handed out again; for a
    while after one is (the database restarted: its siblings are dead too), each connection
    is checked before it is handed out, so that one outage costs few requests.
    """
    try:
        await asyncio.wait_for(source.pool_slots.acquire(), settings.pool_timeout_s)
    except TimeoutError:
        raise psycopg2.pool.PoolError("no database connection became free in time") from None
    try:
        conn = await _live_connection(source, settings)
    except BaseException:
        source.pool_slots.release()
        raise
    try:
        yield conn
    finally:
        broken = bool(conn.closed)
        if not broken and conn.status != psycopg2.extensions.STATUS_READY:
            try:
                conn.rollback()  # only when a transaction was left open
            except psycopg2.Error:
                broken = True
        if not broken and not conn.autocommit:
            conn.autocommit = True   # after a write that failed before its commit
        if broken:
            source.suspect_until = time.monotonic() + SUSPECT_S
        source.pool.putconn(conn, close=broken)
        source.pool_slots.release()


async def _live_connection(source, settings) -> psycopg2.extensions.connection:
    """A connection from the pool: never one the server has closed (an idle connection
    with something to read was told goodbye: the server stopped or restarted); while
    connections are suspect, one that answers a ping."""
    for _ in range(settings.pool_max + 1):
        conn = source.pool.getconn()
        if _closed_by_server(conn):
            source.suspect_until = time.monotonic() + SUSPECT_S
            source.pool.putconn(conn, close=True)
            continue
        if time.monotonic() >= getattr(source, "suspect_until", 0.0):
            return conn
        try:
            await run_in_threadpool(_ping, conn)
            return conn
        except psycopg2.Error:
            source.pool.putconn(conn, close=True)
    return source.pool.getconn()   # every idle one was dead: this one is new


def _closed_by_server(conn) -> bool:
    """Whether an idle connection has something to read: nothing is in flight, so it is
    the server's goodbye (a shutdown's FATAL, or the socket closed). No round trip."""
    if conn.closed:
        return True
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError, psycopg2.Error):
        return True
    return bool(readable)


def _ping(conn) -> None:
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    conn.rollback()


async def get_conn(request: Request) -> AsyncIterator[psycopg2.extensions.connection]:
    """The request's connection. An async dependency, so borrowing costs no trip through
    the thread pool (a sync generator dependency costs two per request). A request sent
    with an ``Idempotency-Key`` runs on the connection ``api.idempotency`` holds."""
    held = request.scope.get("state", {}).get("held_conn")
    if held is not None:
        yield held
        return
    async with borrow(request) as conn:
        yield conn


Conn = Annotated[psycopg2.extensions.connection, Depends(get_conn)]
_bearer = HTTPBearer(auto_error=False, description="A token made by `civgeo users add`.")


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


SESSION_COOKIE = "civgeo_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Forbidden):
    """A state-changing request made with a session cookie but without its CSRF token."""

    slug = "csrf"


def _authenticate(conn, creds: HTTPAuthorizationCredentials | None, request: Request) -> Actor:
    """The user behind the bearer token or the browser session, or 401.

    A bearer token wins when both are sent. A request authenticated by its session cookie
    that changes state must carry the session's CSRF token in ``X-CSRF-Token`` (forms post
    it as a field, read by their own routes)."""
    if creds is not None:
        with transaction(conn):   # keep last_used_at even when the route itself only reads
            actor = users.authenticate(conn, creds.credentials)
        if actor is None:
            raise Unauthorized("the bearer token is unknown or revoked")
        return actor
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise Unauthorized("send a bearer token (Authorization: Bearer <token>) or sign in "
                           "at /login")
    with transaction(conn):
        found = sessions.session(conn, cookie, request.app.state.settings.sessions)
    if found is None:
        raise Unauthorized("the session has ended (signed out, expired or revoked); sign in "
                           "again at /login", session_ended=True)
    if request.method not in SAFE_METHODS and not hmac.compare_digest(
            request.headers.get(CSRF_HEADER, "").encode(), found.csrf.encode()):
        raise CsrfRefused(f"a request signed in by a session cookie needs the session's "
                          f"CSRF token in the {CSRF_HEADER} header")
    request.state.session = found
    return found.actor


def current_actor(conn: Conn, creds: Credentials, request: Request) -> Actor:
    """The user behind the bearer token or session, on the request's connection."""
    return _authenticate(conn, creds, request)


async def briefly_current_actor(request: Request, creds: Credentials) -> Actor:
    """The user behind the bearer token or session, on a connection given back at once: for
    routes that print, which must hold no connection while Chromium runs."""
    async with borrow(request) as conn:
        return await run_in_threadpool(_authenticate, conn, creds, request)



def require(*roles: str, hold: bool = True) -> Callable[..., Actor]:
    """A dependency admitting callers with one of ``roles`` (admins always pass); with
    ``hold=False`` it gives its connection back before the route runs."""
    async def check(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        return _admitted(actor, roles)

    async def check_briefly(actor: Annotated[Actor, Depends(briefly_current_actor)]
                            ) -> Actor:
        return _admitted(actor, roles)

    return check if hold else check_briefly


def _admitted(actor: Actor, roles: tuple[str, ...]) -> Actor:
    if actor.role != "admin" and actor.role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(roles)}; "
                        f"{actor.name} has the role {actor.role}")
    return actor


Admin = Annotated[Actor, Depends(require("admin"))]


async def _map_settings(request: Request) -> MapSettings:
    """The service's map settings, the labels in the request's language (DESIGN §5b)."""
    from dataclasses import replace

    from api.web import i18n

    return replace(request.app.state.settings.maps,
                   gettext=i18n.translations(i18n.locale_of(request)).gettext)


Maps = Annotated[MapSettings, Depends(_map_settings)]


async def _sent_json(request: Request) -> Any:
    """The JSON body exactly as the client sent it (FastAPI has read it already and checked
    it against the route's model). Field records are hashed as sent, so that a record sent
    again, before or after a change of the model, is recognised as the same."""
    return await request.json()


SentJson = Annotated[Any, Depends(_sent_json)]
