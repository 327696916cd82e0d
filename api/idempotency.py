"""``Idempotency-Key`` for every ``POST`` (the IETF draft "The Idempotency-Key HTTP Header
Field"): a client that sends a request again after a 503, a timeout or a lost connection,
with the same key and the same body, gets the first answer back and nothing is created
twice; the same key with another body is refused (422).

How: the request runs inside one transaction that this middleware holds (``geo.db.held``:
the route's own ``transaction`` blocks become savepoints within it). A success answer is
stored with the key in that same transaction, then it commits: the writes and the stored
answer are kept together or not at all. A failure answer (4xx, 5xx) rolls everything back
and stores nothing, so the request can be tried again. Two requests with one key at once
are serialised by an advisory lock on the key: the second waits, then gets the first's
answer.

The field records of an inspection (patrols, marker checks, hazards) carry their own key,
the client's UUID, and answer a resubmission ``200 duplicate``; the header works there too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.pool
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import borrow
from api.problems import problem_response
from geo.db import execute, fetch_one, held

HEADER = "Idempotency-Key"
KEEP_HOURS = 24
_KEY = re.compile(r"[\x21-\x7e]{1,255}")   # visible ASCII, as the draft's examples
_REPLAYED = (b"idempotent-replayed", b"true")


class Idempotency:
    """The ASGI middleware: POSTs with an ``Idempotency-Key`` header are answered once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if key is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        if not _KEY.fullmatch(key):
            await problem_response(422, f"{HEADER}: 1 to 255 visible ASCII characters",
                                   HEADER, scope, "header")(scope, receive, send)
            return
        body = await _body(receive)
        caller = _sha256(_header(scope, b"authorization") or "")
        fingerprint = _sha256(scope["method"], scope["path"],
                              scope.get("query_string", b"").decode("latin-1"), body)
        try:
            async with borrow(Request(scope)) as conn:
                conn.autocommit = False   # the key's lock, the writes and the answer: one
                stored = await run_in_threadpool(_lock_and_find, conn, caller, key)
                if stored is not None:
                    conn.rollback()
                    await _answer_stored(stored, fingerprint, scope, receive, send)
                    return
                answer = _Answer()
                with _holding(scope, conn):
                    await self.app(scope, _replay(body), answer.capture)
                if 200 <= answer.status < 300:
                    await run_in_threadpool(_store, conn, caller, key, fingerprint, answer)
                else:
                    conn.rollback()
        except (psycopg2.OperationalError, psycopg2.InterfaceError, psycopg2.pool.PoolError):
            # Lost before the commit, or while it ran: either nothing was written, or the
            # answer was stored with the writes and a retry with this key gets it.
            await problem_response(503, "the database cannot be reached; send the request "
                                        f"again with the same {HEADER}", None, scope,
                                   )(scope, receive, send)
            return
        await answer.send(send)


def _header(scope: Scope, name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == name), None)


def _sha256(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


@contextmanager
def _holding(scope: Scope, conn) -> Iterator[None]:
    """The request's routes use ``conn`` (``api.deps.get_conn``), inside one transaction."""
    state = scope.setdefault("state", {})
    state["held_conn"] = conn
    try:
        with held(conn):
            yield
    finally:
        state.pop("held_conn", None)


def _lock_and_find(conn, caller: str, key: str) -> dict | None:
    execute(conn, "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (caller + key,))
    return fetch_one(conn, """
        SELECT fingerprint, status, content_type, location, body FROM idempotency_keys
        WHERE caller = %s AND key = %s AND created_at > now() - make_interval(hours => %s)""",
        (caller, key, KEEP_HOURS))


def _store(conn, caller: str, key: str, fingerprint: str, answer: _Answer) -> None:
    """Keep the answer with the key, and commit it with the request's writes. Keys of this
    caller older than KEEP_HOURS go."""
    execute(conn, """DELETE FROM idempotency_keys WHERE caller = %s
                     AND created_at < now() - make_interval(hours => %s)""",
            (caller, KEEP_HOURS))
    execute(conn, """
        INSERT INTO idempotency_keys (caller, key, fingerprint, status, content_type,
                                      location, body)
        VALUES (%s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (caller, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,
            status = EXCLUDED.status, content_type = EXCLUDED.content_type,
            location = EXCLUDED.location, body = EXCLUDED.body, created_at = now()""",
            (caller, key, fingerprint, answer.status, answer.header(b"content-type"),
             answer.header(b"location"), answer.body))
    conn.commit()


async def _answer_stored(stored: dict, fingerprint: str, scope: Scope, receive: Receive,
                         send: Send) -> None:
    if stored["fingerprint"] != fingerprint:
        await problem_response(422, f"{HEADER}: this key was used for another request "
                                    "(another path or body); use a new key for a new "
                                    "request", HEADER, scope, "header")(scope, receive, send)
        return
    headers = [(b"content-length", str(len(stored["body"])).encode()), _REPLAYED]
    for name in ("content_type", "location"):
        if stored[name]:
            headers.append((name.replace("_", "-").encode(), stored[name].encode("latin-1")))
    await send({"type": "http.response.start", "status": stored["status"], "headers": headers})
    await send({"type": "http.response.body", "body": bytes(stored["body"])})


class _Answer:
    """A response held back until its transaction has committed."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    async def capture(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def header(self, name: bytes) -> str | None:
        return next((v.decode("latin-1") for k, v in self.headers if k == name), None)

    async def send(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status,
                    "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


PARAMETER = {
    "name": HEADER, "in": "header", "required": False,
    "description": "A key of your choice, new for each new request (a UUID): sending the "
                   "request again with the same key and body gets the first answer back "
                   f"(with Idempotent-Replayed: true) and does nothing twice; kept "
                   f"{KEEP_HOURS} hours. The same key with another body is 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": _KEY.pattern},
}


def document(openapi: dict) -> dict:
    """Every POST takes the ``Idempotency-Key`` header."""
    for ops in openapi.get("paths", {}).values():
        if "post" in ops:
            ops["post"].setdefault("parameters", []).append(PARAMETER)
    return openapi
