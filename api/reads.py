"""Read routing (DESIGN §8): public lookups read from streaming replicas
(``DATABASE_URL_READ``), everything else and every write from the primary, and a client
that has just written reads nothing older than its write.

- **Which reads.** Routes that take ``ReadConn`` (standard names, addresses, QR pages)
  read from a replica; routes that take ``PublicReadConn`` (OGC items) do so for callers
  with no token and no session, whose authentication would otherwise write on the
  primary. Every other route, and every write, uses the primary (``api.deps.Conn``).
- **Read-your-writes.** After a successful write (any method but GET/HEAD/OPTIONS, status
  below 400) the response carries the primary's WAL position, in the ``civgeo_wrote``
  cookie (browsers, the field app) and the ``X-Civgeo-LSN`` header (API clients send it
  back as ``X-Civgeo-Min-LSN``). A read with such a position goes to a replica only if
  that replica has replayed it, else to the primary: the client never sees a state older
  than its own write, and the cookie ends after ``read_your_writes_s``.
- **Out of rotation.** Each process checks its replicas at most every
  ``replica_check_s``: one that is down, not a standby, or behind the primary by more
  than ``replica_max_lag_s`` gets no reads until a check finds it well again; a replica
  connection found closed takes it out at once. Reads then fall back to the primary.

Nothing here is shared between processes: each API process keeps its own pools, checks
and round-robin counter, which is what a load balancer in front of several processes
expects.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

import psycopg2
import psycopg2.pool
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import SESSION_COOKIE, borrow, borrow_from
from geo.replicas import Lag, lsn_text, lsn_value, primary_lsn, standby_state

log = logging.getLogger(__name__)

WROTE_COOKIE = "civgeo_wrote"
LSN_HEADER = "X-Civgeo-LSN"
MIN_LSN_HEADER = "X-Civgeo-Min-LSN"
READ_HEADER = "X-Civgeo-Read"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
NOT_CHECKED = "not checked yet"


@dataclass
class Replica:
    """One read replica: its pool (borrowed like the primary's) and what the last check
    found."""

    name: str
    url: str
    pool: psycopg2.pool.ThreadedConnectionPool
    pool_slots: asyncio.Semaphore
    suspect_until: float = 0.0
    in_rotation: bool = False
    reason: str | None = NOT_CHECKED
    replayed: int | None = None
    lag_bytes: int | None = None
    lag_s: float | None = None
    paused: bool = False
    lag: Lag = field(default_factory=Lag)
    check_conn: object | None = None

    def describe(self) -> dict:
        # No address: /health is public, and where the replicas are is the operator's.
        return {"name": self.name, "in_rotation": self.in_rotation,
                "reason": self.reason,
                "replayed": lsn_text(self.replayed) if self.replayed is not None else None,
                "lag_bytes": self.lag_bytes,
                "lag_s": round(self.lag_s, 3) if self.lag_s is not None else None,
                "replay_paused": self.paused}


class ReadRouting:
    """The replicas of one API process and the choice of one for each read."""

    def __init__(self, settings, make_pool) -> None:
        self.settings = settings
        self.replicas = [Replica(f"replica {i}", url, make_pool(settings, url, connect=False),
                                 asyncio.Semaphore(settings.pool_max))
                         for i, url in enumerate(settings.database_url_read, 1)]
        self._turn = itertools.count()
        self._checked = float("-inf")
        self._running: asyncio.Task | None = None
        self._primary_conn = None
        self._check_lock = threading.Lock()
        self._position_conn = None
        self._position_lock = threading.Lock()

    # -- checks ------------------------------------------------------------------------
    async def refresh_if_due(self) -> None:
        """Start a check in the background when one is due: no read waits for it (reads
        use what the last check found, which is never newer than the truth: a replica's
        replayed position only grows)."""
        if time.monotonic() - self._checked < self.settings.replica_check_s:
            return
        if self._running is not None and not self._running.done():
            return
        self._running = asyncio.get_running_loop().create_task(run_in_threadpool(self.check))

    def check_if_due(self) -> None:
        """``check`` from a thread (``/health``), unless one ran lately or runs now."""
        if time.monotonic() - self._checked >= self.settings.replica_check_s:
            self.check()

    def check(self) -> None:
        """Ask the primary where it is and each replica what it has replayed (one check at
        a time; a check asked for while one runs is skipped)."""
        if not self._check_lock.acquire(blocking=False):
            return
        try:
            self._check()
        finally:
            self._check_lock.release()

    def _check(self) -> None:
        try:
            self._primary_conn = self._open(self._primary_conn, self.settings.database_url)
            primary = primary_lsn(self._primary_conn)
        except psycopg2.Error:
            self._primary_conn = None
            primary = None
        for r in self.replicas:
            try:
                r.check_conn = self._open(r.check_conn, r.url)
                state = standby_state(r.check_conn)
            except psycopg2.Error as exc:
                r.check_conn = None
                self.take_out(r, f"unreachable: {str(exc).strip().splitlines()[0]}")
                continue
            r.paused = state["paused"]
            if not state["standby"]:
                self.take_out(r, "not a standby (promoted, or the wrong server)")
                continue
            r.replayed = state["replayed"]
            if primary is None:       # cannot measure the lag: keep it as it was
                continue
            r.lag_bytes, r.lag_s = r.lag.measure(primary, r.replayed)
            if r.lag_s > self.settings.replica_max_lag_s:
                self.take_out(r, f"{r.lag_s:.1f} s behind the primary "
                                  f"(more than {self.settings.replica_max_lag_s} s)")
            else:
                if not r.in_rotation and r.reason != NOT_CHECKED:
                    log.info("%s back in rotation", r.name)
                r.in_rotation, r.reason = True, None
        self._checked = time.monotonic()

    def position(self) -> int | None:
        """The primary's WAL position now (after a write committed), on a connection of its
        own: not one of the pool's, which the writing request still holds while its
        response starts. None when the primary does not answer."""
        with self._position_lock:
            for _ in range(2):   # once more on a new connection after a restart
                try:
                    self._position_conn = self._open(self._position_conn,
                                                     self.settings.database_url)
                    return primary_lsn(self._position_conn)
                except psycopg2.Error:
                    self._position_conn = None
            return None

    def _open(self, conn, url):
        if conn is not None and not conn.closed:
            return conn
        conn = psycopg2.connect(url, connect_timeout=2, application_name="civgeo-check",
                                options="-c statement_timeout=2000")
        conn.autocommit = True
        return conn

    def take_out(self, r: Replica, reason: str) -> None:
        if r.in_rotation:
            log.warning("%s out of rotation: %s", r.name, reason)
        r.in_rotation, r.reason = False, reason

    # -- choice ------------------------------------------------------------------------
    async def choose(self, wrote: int | None) -> Replica | None:
        """A replica in rotation that has replayed ``wrote`` (round robin), or None."""
        await self.refresh_if_due()
        ready = [r for r in self.replicas if r.in_rotation
                 and (wrote is None or (r.replayed is not None and r.replayed >= wrote))]
        return ready[next(self._turn) % len(ready)] if ready else None

    def describe(self) -> list[dict]:
        return [r.describe() for r in self.replicas]

    def close(self) -> None:
        for r in self.replicas:
            r.pool.closeall()
            if r.check_conn is not None:
                r.check_conn.close()
        for conn in (self._primary_conn, self._position_conn):
            if conn is not None:
                conn.close()


def client_wrote(request: Request) -> int | None:
    """The newest WAL position this client wrote at (cookie or header), if any."""
    return max(filter(None, (lsn_value(request.headers.get(MIN_LSN_HEADER)),
                             lsn_value(request.cookies.get(WROTE_COOKIE)))), default=None)


async def get_read_conn(request: Request) -> AsyncIterator[psycopg2.extensions.connection]:
    """A connection for a read that may be served by a replica (see the module)."""
    routing: ReadRouting | None = getattr(request.app.state, "reads", None)
    replica = await routing.choose(client_wrote(request)) if routing else None
    if replica is not None:
        entered = False
        try:
            async with borrow_from(replica, request.app.state.settings) as conn:
                entered = True
                request.state.read_from = replica.name
                yield conn
            return
        except (psycopg2.Error, psycopg2.pool.PoolError) as exc:
            if entered:   # the route's own error, not the replica's connection
                raise
            if isinstance(exc, psycopg2.Error):   # down; a busy pool only sends this read on
                routing.take_out(replica, f"no connection: {str(exc).strip()[:120]}")
    if routing:
        request.state.read_from = "primary"
    async with borrow(request) as conn:
        yield conn


async def get_public_read_conn(request: Request
                               ) -> AsyncIterator[psycopg2.extensions.connection]:
    """A replica's connection for a caller with no token and no session; the primary's
    for one with either (authenticating updates the token's or session's last use)."""
    if request.headers.get("authorization") or request.cookies.get(SESSION_COOKIE):
        async with borrow(request) as conn:
            yield conn
        return
    async for conn in get_read_conn(request):
        yield conn


ReadConn = Annotated[psycopg2.extensions.connection, Depends(get_read_conn)]
PublicReadConn = Annotated[psycopg2.extensions.connection, Depends(get_public_read_conn)]


class ReadYourWrites:
    """ASGI middleware, on only when replicas are configured: a successful write's
    response carries the primary's WAL position (cookie and header); every response
    served through ``ReadConn`` says where it was read (``X-Civgeo-Read``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or getattr(scope["app"].state, "reads", None) is None:
            await self.app(scope, receive, send)
            return
        writes = scope["method"] not in SAFE_METHODS

        async def send_with_position(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                read_from = scope.get("state", {}).get("read_from")
                if read_from:
                    headers.append((READ_HEADER.lower().encode(), read_from.encode()))
                if writes and message["status"] < 400:
                    wrote = await run_in_threadpool(scope["app"].state.reads.position)
                    if wrote is not None:
                        at = lsn_text(wrote)
                        # An LSN's characters are all cookie-safe (RFC 6265): no quoting.
                        max_age = scope["app"].state.settings.read_your_writes_s
                        headers.append((b"set-cookie", f"{WROTE_COOKIE}={at}; "
                                        f"Max-Age={max_age}; Path=/; HttpOnly; "
                                        "SameSite=Lax".encode()))
                        headers.append((LSN_HEADER.lower().encode(), at.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_position)
