"""Schema-driven fuzzing of every operation in /openapi.json (schemathesis, as a library).

The app runs in-process (ASGI) on the test database with the sample cities loaded. Each
operation gets, in this order:

- the deterministic boundary cases schemathesis derives from its schema (its "coverage"
  cases: strings, numbers and enums at their edges, a missing required field, a wrong
  type, an unexpected property...), at most ``COVERAGE_CAP`` of them, spread evenly;
- NUL-byte probes: a valid request again with one text value (path, query or JSON body)
  ending in ``\x00``, one per text value (``NUL_CAP``); Hypothesis draws NUL too rarely;
- for the three routes that print, one request that prints a PDF of a sample record;
- Hypothesis examples, valid and invalid (``EXAMPLES``), with a fixed seed per operation.

It runs twice: with an admin's bearer token and with none. Every response is checked and
every failure kept; the test fails at the end with one entry per distinct failure
(operation, check, status, what was wrong, a curl to reproduce it), never at the first.

Checks (schemathesis 4):

- ``not_a_server_error``: no 5xx, ever;
- ``status_code_conformance``: the status is one the operation documents;
- ``content_type_conformance``: the Content-Type is one documented for that status;
- ``response_schema_conformance``: the body matches the documented schema;
- ``negative_data_rejection``: a request the schema says is invalid is refused (4xx).

``positive_data_acceptance`` (a schema-valid request must get 2xx/401/403/404/409) is off:
this API answers 422 ``invalid-input`` for rules a schema cannot state (a division code
that does not exist, a point outside the sample area, an action not allowed in the current
state), and 422 is documented; with it on, every such refusal would be reported.

The per-test restore (tests/dbstate.py) puts back whatever the fuzzing commits, so each
test function can write freely. Totals are printed (``-s`` shows them) and repeated in the
failure message.
"""

from __future__ import annotations

import json
import logging
import re
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup, ServerError
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import committed_token

SEED = 20_240_917                    # one seed for the module; each operation derives its own
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 10}   # Hypothesis, per mode
COVERAGE_CAP = 16                    # boundary cases per operation, spread over all of them
NUL_CAP = 12                         # NUL-byte probes per operation (one per text value)
# Routes that print a PDF with Chromium when asked (format=pdf) for something that exists:
# about a second each, so fewer examples, but they are fuzzed like the rest.
SLOW = {"GET /names/register", "GET /inspections/{inspection_id}/report",
        "GET /plates/campaigns/{campaign_id}/sheet"}
# Random input never names a division, inspection or campaign that exists, so each of them
# also gets one request that prints a PDF of a sample one: (path parameters, query).
PRINTS = {
    "GET /names/register": lambda s: ({}, {"division": s["division"], "format": "pdf"}),
    "GET /inspections/{inspection_id}/report":
        lambda s: ({"inspection_id": s["inspection"]}, {"format": "pdf"}),
    "GET /plates/campaigns/{campaign_id}/sheet":
        lambda s: ({"campaign_id": s["campaign"]}, {"format": "pdf"}),
}
SLOW_EXAMPLES = 3                    # per mode, on the SLOW routes
SLOW_COVERAGE_CAP = 6
SLOW_NUL_CAP = 4
REQUEST_TIMEOUT_S = 60
SERVER = "http://127.0.0.1:8000"     # where `civgeo serve` listens: the base of the curls
TOKEN_PLACEHOLDER = "$CIVGEO_TOKEN"  # the admin token in the curls (made afresh each run)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, negative_data_rejection]


# --- the app, with its unhandled exceptions kept for the report ---------------------------

@dataclass
class Crashes:
    """The exception behind the last 500 (requests are sent one at a time)."""

    last: BaseException | None = None

    def take(self) -> BaseException | None:
        exc, self.last = self.last, None
        return exc


def _keep_crashes(app, crashes: Crashes):
    """``app`` as an ASGI callable that notes an unhandled exception and answers 500 (as
    uvicorn would) instead of raising it into the client: Starlette's error middleware
    re-raises after it has sent its own 500."""

    async def wrapped(scope, receive, send):
        started = False

        async def sending(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await app(scope, receive, sending)
        except Exception as exc:
            if scope["type"] != "http":
                raise
            crashes.last = exc
            if not started:
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"text/plain")]})
                await send({"type": "http.response.body", "body": b"Internal Server Error"})

    return wrapped


@dataclass
class Target:
    schema: object                   # schemathesis's OpenApiSchema, bound to the app
    crashes: Crashes
    printable: dict


@pytest.fixture(scope="module")
def fuzzed(db_url, sample) -> Iterator[Target]:
    """The schema loaded from the app's own /openapi.json (bound to the app, which it
    calls), the record of the app's crashes, and sample records to print. The app's
    lifespan (its pool) ends with the module."""
    from api.main import create_app
    from api.settings import Settings

    crashes = Crashes()
    app = _keep_crashes(create_app(Settings(database_url=db_url, pool_max=4,
                                            statement_timeout_ms=20_000)), crashes)
    config = schemathesis.Config.from_dict({
        "seed": SEED,
        # The bearer token is ours to give (or not): no generated Authorization headers.
        "generation": {"with-security-parameters": False, "allow-x00": True,
                       "deterministic": True, "database": "none"},
        # The curls name the header and the placeholder, not "[Filtered]".
        "output": {"sanitization": {"enabled": False}},
    })
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    try:
        yield Target(schema, crashes, _printable(db_url))
    finally:
        asgi.shutdown_lifespans()


def _printable(db_url: str) -> dict:
    """A sample division with names, inspection and plate campaign, to print."""
    from geo.db import connect, fetch_value

    conn = connect(db_url)
    try:
        return {"division": fetch_value(conn, "SELECT division_code FROM place_names "
                                              "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"),
                "inspection": fetch_value(conn, "SELECT min(id) FROM inspections"),
                "campaign": fetch_value(conn, "SELECT min(id) FROM plate_campaigns")}
    finally:
        conn.rollback()
        conn.close()


# --- one run over every operation ---------------------------------------------------------

@dataclass
class Found:
    """One distinct failure: the first request that showed it (the shortest seen)."""

    operation: str
    check: str
    status: int
    what: str
    curl: str
    count: int = 1


@dataclass
class Run:
    label: str
    headers: dict[str, str]
    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_operation: Counter = field(default_factory=Counter)
    server_errors: int = 0
    nonconforming: int = 0           # responses failing any check other than the 5xx one
    transport_errors: int = 0
    pdfs: int = 0                    # PDFs printed (by Chromium)
    found: dict[tuple, Found] = field(default_factory=dict)
    seconds: float = 0.0
    operations: list[str] = field(default_factory=list)

    def note(self, key: tuple, found: Found) -> None:
        seen = self.found.get(key)
        if seen is None:
            self.found[key] = found
            return
        seen.count += 1
        if len(found.curl) < len(seen.curl):
            seen.curl, seen.what = found.curl, found.what


def _curl(case, headers: dict[str, str]) -> str:
    shown = {k: f"Bearer {TOKEN_PLACEHOLDER}" if k.lower() == "authorization" else v
             for k, v in headers.items()}
    try:
        cmd = case.as_curl_command(headers=shown, base_url=SERVER)
    except Exception as exc:  # a curl we cannot write is no reason to lose the finding
        cmd = f"(no curl: {exc}) {case.method} {case.formatted_path}"
    # In double quotes, so the shell puts the token in: CIVGEO_TOKEN=… curl …
    return cmd.split("\n\n")[0].replace(f"'Authorization: Bearer {TOKEN_PLACEHOLDER}'",
                                          f'"Authorization: Bearer {TOKEN_PLACEHOLDER}"')


def _short(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _media(response) -> str:
    media = (response.headers.get("content-type") or [""])[0]
    return media.split(";")[0].strip() if isinstance(media, str) else ""


def _detail(response) -> str:
    """What the server said: a problem's detail, or the start of the body."""
    media = _media(response)
    if not media.startswith(("text/", "application/json", "application/problem+json",
                             "application/geo+json")):
        return f"{len(response.content)} bytes of {media or 'no stated type'}"
    text = response.content.decode("utf-8", errors="replace")
    try:
        body = json.loads(text)
    except ValueError:
        return _short(text, 120)
    if isinstance(body, dict) and "detail" in body:
        return _short(str(body["detail"]), 120)
    return _short(json.dumps(body, ensure_ascii=False), 120)


def _describe(failure: Failure, response, crash: BaseException | None) -> tuple[str, str]:
    """(a key that tells this kind of failure apart on its operation, a one-line account)."""
    if isinstance(failure, ServerError):
        if crash is not None:
            where = _app_frame(crash)
            first = str(crash).splitlines()[0] if str(crash) else ""
            return (f"{type(crash).__name__}@{where}",
                    _short(f"{type(crash).__name__}: {first} (at {where})"))
        return f"{response.status_code}", _short(f"{response.status_code}: {_detail(response)}")
    title = failure.title
    message = getattr(failure, "validation_message", "") or failure.message
    message = _short(message.split("\n\n")[0].replace("\n", "; "))
    if getattr(failure, "instance_path", None) is not None:   # a body not matching its schema
        at = "/" + "/".join(map(str, failure.instance_path))
        message = f"at {at} of the {_media(response)} body: {message}"
    if failure.code in ("ST103", "ST105"):   # undocumented status / content type
        message = f"{message}; server said: {_detail(response)}"
    return f"{failure.code}:{failure._unique_key}", _short(f"{title}: {message}", 320)


def _app_frame(exc: BaseException) -> str:
    """Where in our code (api/, geo/, maps/, fixtures/) it went wrong: the innermost frame
    of ours, and the one that called geo/db.py if that is where it ended."""
    tb, frames = exc.__traceback__, []
    while tb is not None:
        m = re.search(r"/((?:api|geo|maps|fixtures)/\S+\.py)$", tb.tb_frame.f_code.co_filename)
        if m:
            frames.append(f"{m.group(1)}:{tb.tb_lineno}")
        tb = tb.tb_next
    if not frames:
        return "?"
    if frames[-1].startswith("geo/db.py:") and len(frames) > 1:
        return f"{frames[-2]} -> {frames[-1]}"
    return frames[-1]


def _check_name(failure: Failure) -> str:
    return failure.checks[0] if failure.checks else type(failure).__name__


def _send(run: Run, case, crashes: Crashes) -> None:
    operation = case.operation.label
    run.sent += 1
    run.by_operation[operation] += 1
    crashes.take()
    try:
        response = case.call(headers=run.headers, timeout=REQUEST_TIMEOUT_S)
    except Exception as exc:  # the transport could not send it, or the app hung
        run.transport_errors += 1
        run.note((operation, "transport", type(exc).__name__),
                 Found(operation, "transport", 0, _short(f"{type(exc).__name__}: {exc}"),
                       _curl(case, run.headers)))
        return
    crash = crashes.take()
    run.statuses[response.status_code] += 1
    run.pdfs += _media(response) == "application/pdf"
    try:
        case.validate_response(response, checks=CHECKS, headers=run.headers)
    except FailureGroup as group:
        failures = list(group.exceptions)
    else:
        return
    if any(isinstance(f, ServerError) for f in failures):
        run.server_errors += 1
        # The 5xx is the finding; that it is also undocumented says nothing more.
        failures = [f for f in failures if f.code != "ST103"]
    if any(not isinstance(f, ServerError) for f in failures):
        run.nonconforming += 1
    curl = _curl(case, run.headers)
    for failure in failures:
        try:
            kind, what = _describe(failure, response, crash)
        except Exception as exc:  # an odd response must not end the run
            kind, what = failure.code, f"{failure.title} (not described: {exc!r})"
        check = _check_name(failure)
        run.note((operation, check, response.status_code, kind),
                 Found(operation, check, response.status_code, what, curl))


def _seed(operation: str, salt: str) -> int:
    return SEED ^ zlib.crc32(f"{operation} {salt}".encode())


def _coverage_cases(schema, operation) -> list:
    return list(schema.iter_coverage_cases(operation, generation_modes=list(GenerationMode),
                                           generation_config=schema.config.generation))


def _spread(cases: list, cap: int) -> list:
    """Up to ``cap`` of ``cases``, spread evenly (they come grouped by parameter)."""
    if len(cases) <= cap:
        return cases
    step = len(cases) / cap
    return [cases[int(i * step)] for i in range(cap)]


def _text_leaves(value, path=()) -> Iterator[tuple]:
    """The paths to every string in a JSON body (keys and list indices), depth first."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _text_leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _text_leaves(item, (*path, index))


def _nul(text: str) -> str:
    """``text`` (its first 20 characters) with its last character a NUL byte: as long as
    it was, so the length rules still pass and the NUL reaches what reads it."""
    text = text[:20]
    return f"{text[:-1]}\x00"


def _with_nul(value, path: tuple):
    """A copy of ``value`` whose string at ``path`` ends in a NUL byte."""
    if not path:
        return _nul(value)
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[path[0]] = _with_nul(value[path[0]], path[1:])
    return copy


def _nul_probes(baseline, cap: int) -> list:
    """The valid ``baseline`` case again with one text value (path, query or JSON body)
    ending in a NUL byte, for each such value, up to ``cap``; a query parameter is sent
    with the required ones only, so no other optional value is refused first. Hypothesis
    draws NUL too rarely to rely on it (never in 200 valid query strings), and PostgreSQL
    refuses it in text, so every route that passes text on to SQL must refuse it first."""
    probes = []
    for name, value in (baseline.path_parameters or {}).items():
        if isinstance(value, str):
            probe = baseline.derive()
            probe.path_parameters[name] = _nul(value)
            probes.append(probe)
    query = baseline.query or {}
    required = {p.name for p in baseline.operation.query if p.is_required}
    for name, value in query.items():
        if isinstance(value, str):
            probes.append(baseline.derive(query={
                **{k: v for k, v in query.items() if k in required}, name: _nul(value)}))
    if isinstance(baseline.body, (dict, list)):
        for path in _text_leaves(baseline.body):
            probe = baseline.derive()
            probe.body = _with_nul(baseline.body, path)
            probes.append(probe)
    return probes[:cap]


def _hypothesis_examples(operation, mode: GenerationMode, n: int, send: Callable) -> None:
    @settings(max_examples=n, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
              print_blob=False, verbosity=hypothesis.Verbosity.quiet)
    @hypothesis.seed(_seed(operation.label, mode.value))
    @given(case=operation.as_strategy(generation_mode=mode))
    def examples(case):
        send(case)

    try:
        examples()
    except hypothesis.errors.Unsatisfiable:
        pass  # nothing to make invalid (no parameters, no body): GET /health's negative mode


@contextmanager
def _quiet_app_logs() -> Iterator[None]:
    """The app logs every 500 with its traceback; the report says it once per cause."""
    logger = logging.getLogger("civgeo")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def fuzz(target: Target, label: str, headers: dict[str, str]) -> Run:
    """Every operation: its boundary cases, its NUL probes, a print (PRINTS), then
    Hypothesis examples, valid and invalid; each request sent with ``headers``."""
    schema, crashes = target.schema, target.crashes
    run = Run(label, headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    started = time.monotonic()
    with _quiet_app_logs():
        for operation in operations:
            slow = operation.label in SLOW
            every = _coverage_cases(schema, operation)
            cases = _spread(every, SLOW_COVERAGE_CAP if slow else COVERAGE_CAP)
            baseline = next((c for c in every if c.meta.generation.mode.is_positive), None)
            if baseline is not None:
                cases += _nul_probes(baseline, SLOW_NUL_CAP if slow else NUL_CAP)
                if operation.label in PRINTS:
                    path_parameters, query = PRINTS[operation.label](target.printable)
                    printing = baseline.derive(query={**(baseline.query or {}), **query})
                    printing.path_parameters.update(path_parameters)
                    cases.append(printing)
            for case in cases:
                _send(run, case, crashes)
            for mode, n in EXAMPLES.items():
                _hypothesis_examples(operation, mode, SLOW_EXAMPLES if slow else n,
                                     lambda case: _send(run, case, crashes))
    run.seconds = time.monotonic() - started
    run.operations = [op.label for op in operations]
    return run


# --- the report ---------------------------------------------------------------------------

def totals(run: Run) -> str:
    conformance = sum(f.count for f in run.found.values()
                      if f.check not in ("not_a_server_error", "transport"))
    by_class = Counter(f"{s // 100}xx" for s in run.statuses.elements())
    return (f"fuzz [{run.label}]: {run.sent} requests sent to {len(run.by_operation)} "
            f"operations in {run.seconds:.0f} s; {run.server_errors} answered 5xx, "
            f"{run.nonconforming} did not conform to the schema "
            f"({conformance} check failures), {run.transport_errors} not answered; "
            f"{len(run.found)} distinct failures; {run.pdfs} PDFs printed; statuses: "
            + ", ".join(f"{k} {v}" for k, v in sorted(by_class.items())))


def report(run: Run) -> str:
    lines = [totals(run), ""]
    for f in sorted(run.found.values(), key=lambda f: (f.operation, f.check, f.status, f.what)):
        lines.append(f"{f.operation}  [{f.check}]  {f.status or '-'}  x{f.count}")
        lines.append(f"    {f.what}")
        lines.append(f"    {f.curl}")
    return "\n".join(lines)


def _assert_clean(run: Run) -> None:
    print("\n" + totals(run))
    missing = sorted(set(run.operations) - set(run.by_operation))
    assert not missing, f"operations never called: {missing}"
    if run.found:
        pytest.fail(report(run), pytrace=False)


# --- the tests ----------------------------------------------------------------------------

def test_every_operation_holds_up_to_fuzzing_as_an_admin(fuzzed, db_url):
    token = committed_token(db_url, "admin", "fuzz-admin")
    _assert_clean(fuzz(fuzzed, "admin token", {"Authorization": f"Bearer {token}"}))


def test_every_operation_holds_up_to_fuzzing_without_a_token(fuzzed, db_url):
    _assert_clean(fuzz(fuzzed, "no token", {}))
