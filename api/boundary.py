"""The input boundary: what every request must be before any route reads it.

Checked here, once, for every route (an ASGI middleware, so before authentication, routing
and body parsing):

- the body's size, against a per-route limit: 413 as soon as ``Content-Length`` (or the
  bytes received so far) passes it, without reading the rest;
- control characters (``geo.text.CONTROL``: NUL and the like) in the path and in every
  query parameter: 422 naming the parameter;
- a JSON body: it parses (422 with the decoder's position when not), has no ``NaN`` or
  ``Infinity``, is nested at most ``MAX_DEPTH`` deep, and no string in it (keys included)
  holds a control character or is longer than ``MAX_STRING`` characters (but the few fields
  that carry a whole file): 422 naming the field, written as the domain writes it
  (``doors[0].name``).

Checked elsewhere: each field's own maximum length, range and form by the route's pydantic
model (``api.bodies``) or query declaration (``api.params``), stated in the OpenAPI
document; what a value means (a position in China, a valid geometry, a marker near its
line) by the domain (``geo.plausible`` and each module), which also re-checks text that
reaches it from files and the command line (``geo.text``).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response
from geo.text import CONTROL, control_reason

MIB = 1024 * 1024
DEFAULT_BODY = 1 * MIB
MAX_DEPTH = 32           # a GeoJSON multipolygon in a feature collection is 8 deep
MAX_STRING = 10_000      # characters in any one JSON string, but the file-carrying fields
MAX_QUERY_VALUE = 2_000  # characters in any one query parameter


@dataclass(frozen=True)
class Limit:
    """How large a route's body may be, and which of its fields carry a whole file."""

    method: str
    path: re.Pattern[str]
    max_bytes: int
    file_fields: tuple[str, ...] = ()


# Routes that take more than DEFAULT_BODY. The domain checks the exact limits again (a
# photo's declared size, a track's points) and names the field.
LIMITS = (
    Limit("POST", re.compile(r"/inspections/[^/]+/patrols"), 50 * MIB, ("track.data",)),
    Limit("PUT", re.compile(r"/attachments/[^/]+"), 32 * MIB),
    Limit("POST", re.compile(r"/facilities/import"), 20 * MIB),
    Limit("POST", re.compile(r"/(boundaries/markers|roads|roads/doors|names)/import"),
          20 * MIB),
    Limit("POST", re.compile(r"/plates"), 16 * MIB, ("photo",)),
    Limit("PATCH", re.compile(r"/plates/[^/]+"), 16 * MIB, ("photo",)),
)
_DEFAULT = Limit("*", re.compile(""), DEFAULT_BODY)
# A percent-escaped control character: C0, DEL, or C1 (U+0080–U+009F as UTF-8).
_ESCAPED_CONTROL = re.compile(rb"%(?:[01][0-9a-fA-F]|7[fF]|[cC]2%[89][0-9a-fA-F])")


def limit_for(method: str, path: str) -> Limit:
    """The body limit of ``method path``.

    >>> limit_for("POST", "/inspections/3/patrols").max_bytes // MIB
    50
    >>> limit_for("POST", "/facilities").max_bytes // MIB
    1
    """
    return next((lim for lim in LIMITS if lim.method == method and lim.path.fullmatch(path)),
                _DEFAULT)


class Refused(Exception):
    """A request refused at the boundary: its status, reason and the field at fault."""

    def __init__(self, status: int, detail: str, field: str | None = None,
                 location: str = "body") -> None:
        super().__init__(detail)
        self.status, self.detail, self.field, self.location = status, detail, field, location


def check_query(scope: Scope) -> None:
    """Refuse a control character in the path or a query parameter, and an overlong
    parameter. The common case, no escaped control character and a short query, costs
    one regular-expression scan."""
    raw_path = scope.get("raw_path") or scope["path"].encode()
    if _ESCAPED_CONTROL.search(raw_path) or CONTROL.search(scope["path"]):
        reason = control_reason(unquote(scope["path"])) or "control characters are not allowed"
        raise Refused(422, f"path: {reason}", "path", "path")
    query: bytes = scope.get("query_string", b"")
    if not query or (len(query) <= MAX_QUERY_VALUE and not _ESCAPED_CONTROL.search(query)):
        return
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True,
                                 encoding="utf-8", errors="replace"):
        for text in (name, value):
            if (reason := control_reason(text)) is not None:
                raise Refused(422, f"{name[:40]}: {reason}", name[:40], "query")
        if len(value) > MAX_QUERY_VALUE:
            raise Refused(422, f"{name}: at most {MAX_QUERY_VALUE} characters, not "
                               f"{len(value)}", name, "query")


def check_json(body: bytes, file_fields: tuple[str, ...] = ()) -> None:
    """Refuse a JSON body that does not parse, holds NaN or Infinity, nests too deep, or has
    a string with a control character or longer than MAX_STRING.

    >>> check_json(b'{"doors": [{"name": "a\\\\u0000b"}]}')
    Traceback (most recent call last):
    ...
    api.boundary.Refused: doors[0].name: control characters (U+0000) are not allowed
    >>> check_json(b'[' * 40 + b']' * 40)
    Traceback (most recent call last):
    ...
    api.boundary.Refused: body: JSON nested deeper than 32 levels
    """
    constants: list[str] = []
    try:
        value = json.loads(body, parse_constant=lambda name: constants.append(name) or
                           _Constant(name))
    except RecursionError:
        raise Refused(422, f"body: JSON nested deeper than {MAX_DEPTH} levels", "body") from None
    except UnicodeDecodeError:
        raise Refused(422, "body: JSON must be UTF-8", "body") from None
    except ValueError as exc:
        raise Refused(422, f"body: not valid JSON ({exc})", "body") from None
    if constants or len(body) > MAX_STRING or _NEEDS_WALK.search(body) \
            or body.count(b"[") + body.count(b"{") > MAX_DEPTH:
        _walk(value, "", 0, file_fields)   # else nothing in it can break a rule


# What makes the walk needed: a control character in JSON text, escaped (the decoder
# refuses raw C0 characters) or a raw DEL or C1 character (which it lets through); or a
# number that may be too large for a double (a three-digit exponent, or 300 digits).
_NEEDS_WALK = re.compile(
    rb"\\u00(?:[01][0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])|\x7f|\xc2[\x80-\x9f]"
    rb"|[eE]\+?\d{3}|\d{300}")


class _Constant(str):
    """``NaN``, ``Infinity`` or ``-Infinity`` as Python's decoder reads them (JSON has no
    such numbers): kept as a marker so that the field holding one can be named."""


def _walk(value: Any, where: str, depth: int, file_fields: tuple[str, ...]) -> None:
    if depth > MAX_DEPTH:
        raise Refused(422, f"body: JSON nested deeper than {MAX_DEPTH} levels", where or "body")
    if isinstance(value, _Constant):
        raise Refused(422, f"{where or 'body'}: {value} is not a number JSON allows",
                      where or "body")
    if isinstance(value, str):
        _check_string(value, where, file_fields)
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{where}.{key}" if where else key
            _check_string(key, inner, ())
            _walk(item, inner, depth + 1, file_fields)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{where}[{i}]", depth + 1, file_fields)
    elif isinstance(value, float) and not math.isfinite(value):
        raise Refused(422, f"{where or 'body'}: the number is too large", where or "body")


def _check_string(text: str, where: str, file_fields: tuple[str, ...]) -> None:
    field = where or "body"
    if len(text) > MAX_STRING and where not in file_fields:
        raise Refused(422, f"{field}: at most {MAX_STRING:,} characters, not {len(text):,}",
                      field)
    if CONTROL.search(text) is not None and where not in file_fields:
        raise Refused(422, f"{field}: {control_reason(text)}", field)


def _is_json(content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


class InputBoundary:
    """The ASGI middleware that applies the checks above to every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            check_query(scope)
            if scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS"):
                await self.app(scope, receive, send)
                return
            limit = limit_for(scope["method"], scope["path"])
            headers = dict(scope["headers"])
            declared = headers.get(b"content-length", b"").decode("latin-1")
            if declared.isdigit() and int(declared) > limit.max_bytes:
                raise _too_large(limit)
            body = await _read(receive, limit)
            if _is_json(headers.get(b"content-type", b"").decode("latin-1")) and body:
                check_json(body, limit.file_fields)
        except Refused as exc:
            response = problem_response(exc.status, exc.detail, exc.field, scope, exc.location)
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _too_large(limit: Limit) -> Refused:
    return Refused(413, f"the body is larger than this route takes "
                        f"({limit.max_bytes // MIB} MiB)", "body")


async def _read(receive: Receive, limit: Limit) -> bytes:
    """The whole body, or Refused (413) as soon as it passes the limit."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refused(400, "the client closed the connection before the body ended")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit.max_bytes:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body already read, then waits on the real one (for a
    disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def document(openapi: dict[str, Any]) -> dict[str, Any]:
    """State the generic limits in the schema: a query parameter of text with no limit of
    its own takes at most MAX_QUERY_VALUE characters."""
    for ops in openapi.get("paths", {}).values():
        for op in ops.values():
            for param in op.get("parameters", []):
                if param.get("in") != "query":
                    continue
                schema = param.get("schema", {})
                for form in schema.get("anyOf", [schema]):
                    if form.get("type") == "string" and "maxLength" not in form \
                            and not {"enum", "const", "pattern"} & form.keys():
                        form["maxLength"] = MAX_QUERY_VALUE
    return openapi
