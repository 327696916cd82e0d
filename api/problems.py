"""RFC 9457 ``application/problem+json`` for every error, from one mapping table.

``type``, ``title``, ``status`` and ``field`` are stable machine values. ``detail`` (and
each ``errors[].reason``) is English, or Chinese when the client asks for it: ``lang=zh``,
the ``civgeo_lang=zh`` cookie or ``Accept-Language: zh…`` (``api.web.messages``)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from urllib.parse import urlencode

import psycopg2
import psycopg2.errors
import psycopg2.pool
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.web import messages
from geo import errors

log = logging.getLogger("civgeo.api")
MEDIA_TYPE = "application/problem+json"


class Unauthorized(Exception):
    """No valid bearer token or session was presented."""

    def __init__(self, detail: str, *, session_ended: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.session_ended = session_ended


# exception class -> (status, problem type slug, title). The first match in order wins,
# so subclasses come before their bases.
STATUS_TABLE: list[tuple[type[BaseException], int, str, str]] = [
    (errors.NotFound, 404, "not-found", "Not found"),
    (errors.Gone, 410, "gone", "Gone"),
    (errors.InvalidInput, 422, "invalid-input", "Invalid input"),
    (errors.Conflict, 409, "conflict", "Conflict"),
    (errors.Forbidden, 403, "forbidden", "Forbidden"),
    (errors.Timeout, 503, "timeout", "The database took too long"),
    (Unauthorized, 401, "unauthorized", "Authentication required"),
    (psycopg2.errors.UniqueViolation, 409, "conflict", "Conflict"),
    (psycopg2.IntegrityError, 409, "conflict", "Conflict"),
    (psycopg2.DataError, 422, "invalid-input", "Invalid input"),
    (psycopg2.errors.QueryCanceled, 503, "timeout", "The database took too long"),
    (psycopg2.OperationalError, 503, "database-unavailable", "The database is unavailable"),
    (psycopg2.InterfaceError, 503, "database-unavailable", "The database is unavailable"),
    (psycopg2.pool.PoolError, 503, "database-unavailable", "The database is unavailable"),
]

_SAFE_DETAIL = {
    psycopg2.errors.UniqueViolation: "a record with the same key already exists",
    psycopg2.IntegrityError: "the change conflicts with records that exist",
    psycopg2.DataError: "a value is out of range or malformed",
    psycopg2.errors.QueryCanceled: "the query ran past the statement timeout; narrow it down",
    psycopg2.OperationalError: "the database cannot be reached; try again shortly",
    psycopg2.InterfaceError: "the database connection was lost; try again shortly",
    psycopg2.pool.PoolError: "no database connection is free; try again shortly",
}


RETRY_AFTER_S = 2   # what a 503 asks a client to wait before trying again


def problem(status: int, slug: str, title: str, detail: str, request: Request,
            headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    """Build a problem+json response, its ``detail`` (and each ``errors[].reason`` of a known
    form) in the client's language. A 503 says when to try again (``Retry-After``)."""
    locale = messages.locale_of(request)
    detail = messages.detail(locale, detail, status, extra.get("field"))
    if locale != "en" and isinstance(extra.get("errors"), list):   # a refused file's rows
        extra["errors"] = [{**e, "reason": messages.known(locale, e["reason"]) or e["reason"]}
                           if isinstance(e, dict) and isinstance(e.get("reason"), str) else e
                           for e in extra["errors"]]
    return _response(status, slug, title, detail, request.url.path, headers, **extra)


def _response(status: int, slug: str, title: str, detail: str, path: str,
              headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    body = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail,
            "instance": path, **{k: v for k, v in extra.items() if v is not None}}
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_S), **(headers or {})}
    return JSONResponse(jsonable_encoder(body), status_code=status, media_type=MEDIA_TYPE,
                        headers=headers)


def problem_response(status: int, detail: str, field: str | None, scope,
                     location: str | None = None) -> JSONResponse:
    """A problem for a request refused before routing (``api.boundary``,
    ``api.idempotency``), from its ASGI ``scope``; ``location`` is where the field is
    (``query``, ``body``, ``path``, ``header``)."""
    phrase = HTTPStatus(status).phrase
    slug = "invalid-input" if status == 422 else phrase.lower().replace(" ", "-")
    title = "Invalid input" if status == 422 else phrase
    detail = messages.detail(messages.locale_of(Request(scope)), detail, status, field)
    errors = ([{"field": field, "in": location, "reason": detail}]
              if status == 422 and field else None)
    return _response(status, slug, title, detail, scope["path"], field=field, errors=errors)


def _lookup(exc: BaseException) -> tuple[int, str, str] | None:
    for cls, status, slug, title in STATUS_TABLE:
        if isinstance(exc, cls):
            return status, slug, title
    return None


def _for_browser(request: Request, exc: Exception, status: int):
    """What a person in a browser gets instead of JSON: not signed in, the sign-in page
    (coming back afterwards); not allowed, a page saying so in their language."""
    from api.web import pages

    if not pages.wants_html(request) or status not in (401, 403):
        return None
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
        if getattr(exc, "session_ended", False):
            response.delete_cookie("civgeo_session", path="/")
        return response
    return pages.page(request, "error.html", status=403, code=status)


async def _mapped(request: Request, exc: Exception) -> JSONResponse:
    found = _lookup(exc)
    if found is None:
        return await _unexpected(request, exc)
    status, slug, title = found
    browser = _for_browser(request, exc, status)
    if browser is not None:
        return browser
    if isinstance(exc, errors.DomainError):
        return problem(status, exc.slug if exc.slug != "domain-error" else slug, title,
                       exc.detail, request, field=exc.field, **exc.extra)
    if isinstance(exc, Unauthorized):
        return problem(status, slug, title, exc.detail, request,
                       headers={"WWW-Authenticate": 'Bearer realm="civgeo"'})
    detail = next(d for cls, d in _SAFE_DETAIL.items() if isinstance(exc, cls))
    log.warning("%s on %s: %s", type(exc).__name__, request.url.path, exc)
    return problem(status, slug, title, detail, request)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "internal-error", "Internal server error",
                   "something went wrong on our side; it has been logged", request)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    phrase = HTTPStatus(exc.status_code).phrase
    slug = phrase.lower().replace(" ", "-")
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else {
        404: f"there is nothing at {request.url.path}",
        405: f"{request.method} is not allowed on {request.url.path}",
    }.get(exc.status_code, phrase)
    return problem(exc.status_code, slug, phrase, detail, request, headers=exc.headers)


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A 422 naming every field at fault; in Chinese, each reason by pydantic's error type
    and its limits (``messages.validation_reason``)."""
    locale = messages.locale_of(request)
    items = [{k: v for k, v in (("field", _field(e["loc"])),
                                ("in", e["loc"][0] if e["loc"] else None),
                                ("reason", messages.validation_reason(locale, e)))
              if v is not None}
             for e in exc.errors()]
    first = items[0] if items else {
        "reason": messages.gettext(locale, "invalid request")}
    detail = (messages.gettext(locale, messages.FIELD_REASON, field=first["field"],
                               reason=first["reason"])
              if "field" in first else first["reason"])
    return _response(422, "invalid-input", "Invalid input", detail, request.url.path,
                     field=first.get("field"), errors=items)


_TYPE_TAGS = {"str", "int", "float", "bool", "bytes", "none"}


def _field(loc: tuple) -> str | None:
    """The field an error names, written as the domain writes it: ``doors[0].lon``. Where
    the value came from (body, query…), the forms of a union (``str``, ``list[…]``) and the
    tags of a body that may take several forms (``<facility>``, see ``api.bodies``) are
    left out.

    >>> _field(("body", "doors", 0, "lon")), _field(("body", "marker", "str"))
    ('doors[0].lon', 'marker')
    >>> _field(("body", "<facility>", "beds")), _field(("query", "limit")), _field(("body",))
    ('beds', 'limit', None)
    """
    out = ""
    for part in loc[1:]:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not (part.startswith("<") or part in _TYPE_TAGS or "[" in part):
            out += f".{part}" if out else part
    return out or None


PROBLEM_SCHEMA = {
    "title": "Problem", "type": "object", "required": ["type", "title", "status", "detail"],
    "description": "An RFC 9457 problem: what went wrong, and the field at fault.",
    "properties": {
        "type": {"type": "string", "examples": ["/problems/invalid-input"]},
        "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string", "description": "safe to show to the user"},
        "instance": {"type": "string", "description": "the path asked for"},
        "field": {"type": "string", "description": "the parameter or body field at fault, "
                                                   "e.g. doors[0].lon"},
        "errors": {"type": "array", "description": "every field at fault (422)",
                   "items": {"type": "object", "properties": {
                       "field": {"type": "string"}, "in": {"type": "string"},
                       "reason": {"type": "string"}}}},
    },
}


# The problems each kind of operation can answer, and what they mean there.
_ANSWERS = {
    "401": "No bearer token, or one unknown or revoked",
    "403": "The caller's role may not do this",
    "404": "Nothing with this id, code or token",
    "409": "The change conflicts with the current state: a stale version, a key used "
           "already, a record sent again with other content",
    "413": "The body is larger than this route takes",
    "422": "Invalid input: the field at fault and why",
    "503": "The database is unavailable or took too long: try again after Retry-After "
           "seconds (a write sent with the same Idempotency-Key is never done twice)",
}
_WRITES = {"post", "put", "patch", "delete"}


def document(openapi: dict) -> dict:
    """Describe the errors as they are answered, on every operation: ``application/
    problem+json`` with the ``Problem`` schema for 404, 422 (every parameter and body is
    checked) and 503 (every route reads the database); 401 and 403 where a token is
    needed; 409 and 413 on writes. FastAPI documents its own validation body, which this
    service never sends: it goes."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for ops in openapi.get("paths", {}).values():
        for method, op in ops.items():
            codes = ["404", "422", "503"]
            if op.get("security"):
                codes += ["401", "403"]
            if method in _WRITES:
                codes += ["409", "413"]
            responses = op.setdefault("responses", {})
            for code in sorted(codes):
                # a route's own answer for the code (the QR page's 404 in HTML) stays beside
                answer = responses.setdefault(code, {"description": _ANSWERS[code]})
                if code == "422":
                    answer.update(description=_ANSWERS[code], content={})
                answer.setdefault("content", {})[MEDIA_TYPE] = {
                    "schema": {"$ref": "#/components/schemas/Problem"}}
    return openapi


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    for cls, *_ in STATUS_TABLE:
        app.add_exception_handler(cls, _mapped)
    app.add_exception_handler(Exception, _unexpected)
