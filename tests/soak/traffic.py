"""The soak's clients: closed-loop httpx (async) clients on loopback sending a mix of
public lookups and writes, a database kill part-way through, and the counts.

A write is one *logical* write: a facility (``POST /facilities`` with an
``Idempotency-Key`` header) or a field record of the boundary inspection (marker check or
hazard, keyed by the ``uuid`` in its body). When the answer is a 503, a connection error or
a timeout, the client sends the SAME request again (same body, same key) after a short
back-off, until it gets a 2xx or a 4xx, or its time is up. Any other answer (a 500) ends
the write: the client does not know whether it was stored. Reads are sent once.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from tests.soak.stack import Stack, StackError

REQUEST_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
MAX_ATTEMPTS = 100            # per logical write, on top of the time limit
BACKOFF_FIRST_S = 0.1
BACKOFF_MAX_S = 1.0
DRAIN_S = 30.0                # after the run, writes in flight may retry this long
PAUSE_AFTER_KILL_S = 3.0
RESTART_ATTEMPTS = 5
RETRIED = {503}               # and connection errors and timeouts

# Public lookups (no token), as the README's examples.
NAME_QUERIES = ["荷塘", "株洲", "荷塘區", "zhu zhou shi", "zzs", "株州", "芦淞", "hetang"]
ADDRESS_QUERIES = ["江蘇省南京市上海路８２號", "南京市上海路82号", "上海路82号", "三条巷"]
# A point in 荷塘区 (430202, Zhuzhou) for the new eldercare sites.
HETANG = (113.17, 27.86)
CONDITIONS = ["intact", "damaged", "displaced", "threatened"]
HAZARD_KINDS = ["construction", "damage", "dispute", "mining", "other"]

# The mix: kind of request → weight.
MIX = {"names.search": 20, "names.reverse": 15, "addresses.search": 15,
       "addresses.reverse": 10, "facility": 20, "marker_check": 10, "hazard": 10}
WRITES = ("facility", "marker_check", "hazard")


@dataclass(frozen=True)
class Targets:
    """What the writes need from the sample data, found once before the run."""

    token: str
    inspection_id: int
    markers: list[tuple[str, float, float]]     # marker number, registered lon, lat
    name_prefix: str                            # every soak facility's name starts so


@dataclass
class Write:
    """One logical write and how it ended."""

    kind: str                       # facility, marker_check or hazard
    key: str                        # the Idempotency-Key, or the field record's uuid
    path: str
    body: bytes
    name: str | None = None         # the facility's (unique) name
    attempts: int = 0
    status: int | None = None       # the last answer's status; None if no answer came
    facility_id: int | None = None  # from the 2xx answer
    replayed: bool = False          # answered as a replay (header) or ``duplicate: true``

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Fault:
    """When the database was killed and started again, and the first successes after."""

    kill_at_s: float                           # planned, from the start of the run
    pid: int | None = None
    killed_at: float | None = None             # time.monotonic() values
    restart_began_at: float | None = None      # the last `civgeo db up` attempt
    restarted_at: float | None = None
    restart_attempts: int = 0
    restart_error: str | None = None
    first_read_ok: float | None = None
    first_write_ok: float | None = None

    def note_success(self, is_write: bool, sent_at: float) -> None:
        """A 2xx answer to a request sent after the kill (so not served before it)."""
        if self.killed_at is None or sent_at < self.killed_at:
            return
        now = time.monotonic()
        if is_write and self.first_write_ok is None:
            self.first_write_ok = now
        if not is_write and self.first_read_ok is None:
            self.first_read_ok = now


@dataclass
class Tally:
    """Every request sent and what came back, overall and per kind of request."""

    outcomes: Counter[str] = field(default_factory=Counter)
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=dict)   # answered requests
    samples_500: list[str] = field(default_factory=list)

    def note(self, kind: str, outcome: str) -> None:
        self.outcomes[outcome] += 1
        self.by_kind.setdefault(kind, Counter())[outcome] += 1

    def took(self, kind: str, seconds: float) -> None:
        self.seconds.setdefault(kind, []).append(seconds)

    def percentile(self, kind: str, share: float) -> float | None:
        """The time within which ``share`` of the answered requests of a kind came back."""
        times = sorted(self.seconds.get(kind, []))
        return times[min(len(times) - 1, int(share * len(times)))] if times else None

    @property
    def sent(self) -> int:
        return sum(self.outcomes.values())


@dataclass
class Run:
    """Everything the run produced, for the report and the database check."""

    tally: Tally
    fault: Fault
    writes: list[Write]
    started_at: float
    ended_at: float = 0.0


# ------------------------------------------------------------------ one request

async def send(http: httpx.AsyncClient, run: Run, kind: str, method: str, path: str, *,
               params: dict | None = None, content: bytes | None = None,
               headers: dict | None = None) -> httpx.Response | None:
    """Send one request and count its outcome; the response, or None when none came."""
    sent_at = time.monotonic()
    try:
        response = await http.request(method, path, params=params, content=content,
                                      headers=headers)
    except httpx.TimeoutException:
        run.tally.note(kind, "timeout")
        return None
    except httpx.TransportError:
        run.tally.note(kind, "connection error")
        return None
    run.tally.note(kind, str(response.status_code))
    run.tally.took(kind, time.monotonic() - sent_at)
    if response.is_success:
        run.fault.note_success(kind in WRITES, sent_at)
    elif response.status_code >= 500 and response.status_code != 503 \
            and len(run.tally.samples_500) < 5:
        run.tally.samples_500.append(f"{kind} {method} {path}: {response.status_code} "
                                     f"{_detail(response)}")
    return response


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail"))[:200]
    except (ValueError, AttributeError):
        return response.text[:200]


# ------------------------------------------------------------------ reads

def read_request(kind: str, rng: random.Random) -> tuple[str, dict]:
    """The path and query of a public lookup of this kind."""
    if kind == "names.search":
        return "/names/search", {"q": rng.choice(NAME_QUERIES)}
    if kind == "names.reverse":
        return "/names/reverse", {"lon": round(rng.uniform(113.05, 113.2), 4),
                                  "lat": round(rng.uniform(27.8, 27.9), 4)}
    if kind == "addresses.search":
        return "/addresses/search", {"q": rng.choice(ADDRESS_QUERIES)}
    return "/addresses/reverse", {"lon": round(rng.uniform(118.7717, 118.7727), 5),
                                  "lat": round(rng.uniform(32.0511, 32.0521), 5)}


# ------------------------------------------------------------------ writes

def new_write(kind: str, rng: random.Random, targets: Targets, client: int, seq: int) -> Write:
    """A new logical write of this kind, with its key and the body every attempt sends."""
    key = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if kind == "facility":
        name = f"{targets.name_prefix}{client}-{seq}"
        body = {"type": "day_care", "name": name, "places": 30,
                "lon": round(HETANG[0] + rng.uniform(-0.005, 0.005), 6),
                "lat": round(HETANG[1] + rng.uniform(-0.005, 0.005), 6)}
        return Write(kind, key, "/facilities", _json(body), name=name)
    marker, lon, lat = rng.choice(targets.markers)
    near = {"lon": round(lon + rng.uniform(-0.0002, 0.0002), 7),
            "lat": round(lat + rng.uniform(-0.0002, 0.0002), 7)}
    when = f"2026-10-12T{8 + seq % 10:02d}:{seq % 60:02d}:{client % 60:02d}+08:00"
    path = f"/inspections/{targets.inspection_id}"
    if kind == "marker_check":
        body = {"uuid": key, "marker": marker, "condition": rng.choice(CONDITIONS),
                **near, "checked_at": when, "note": f"压测 soak {client}-{seq}"}
        return Write(kind, key, f"{path}/marker-checks", _json(body))
    body = {"uuid": key, "kind": rng.choice(HAZARD_KINDS),
            "description": f"压测隐患 soak {client}-{seq}", **near, "reported_at": when}
    return Write(kind, key, f"{path}/hazards", _json(body))


def _json(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


async def write_until_answered(http: httpx.AsyncClient, run: Run, write: Write,
                               targets: Targets, give_up_at: float) -> None:
    """Send the write, and the same request again after a 503, a connection error or a
    timeout, until a 2xx or a 4xx (or another 5xx, which ends it unanswered for sure)."""
    headers = {"Authorization": f"Bearer {targets.token}", "Content-Type": "application/json"}
    if write.kind == "facility":
        headers["Idempotency-Key"] = write.key
    backoff = BACKOFF_FIRST_S
    while write.attempts < MAX_ATTEMPTS:
        write.attempts += 1
        response = await send(http, run, write.kind, "POST", write.path, content=write.body,
                              headers=headers)
        write.status = response.status_code if response is not None else None
        if response is not None and response.status_code not in RETRIED:
            _note_answer(write, response)
            return
        if time.monotonic() + backoff > give_up_at:
            return
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, BACKOFF_MAX_S)


def _note_answer(write: Write, response: httpx.Response) -> None:
    if not response.is_success:
        return
    write.replayed = response.headers.get("idempotent-replayed") == "true"
    try:
        answer = response.json()
    except ValueError:
        return
    if write.kind == "facility":
        write.facility_id = answer.get("id")
    else:
        write.replayed = write.replayed or answer.get("duplicate") is True


# ------------------------------------------------------------------ the clients

async def client_loop(index: int, base_url: str, targets: Targets, run: Run, seed: int,
                      stop_at: float, give_up_at: float) -> None:
    """One client: a request at a time, no pause, until ``stop_at``."""
    rng = random.Random(seed * 1000 + index)
    kinds, weights = list(MIX), list(MIX.values())
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT,
                                 trust_env=False) as http:
        seq = 0
        while time.monotonic() < stop_at:
            kind = rng.choices(kinds, weights)[0]
            seq += 1
            if kind in WRITES:
                write = new_write(kind, rng, targets, index, seq)
                run.writes.append(write)
                await write_until_answered(http, run, write, targets, give_up_at)
            else:
                path, params = read_request(kind, rng)
                await send(http, run, kind, "GET", path, params=params)


async def inject_fault(stack: Stack, fault: Fault, started_at: float) -> None:
    """At ``kill_at_s`` kill -9 the postmaster, wait, then ``civgeo db up`` again."""
    await asyncio.sleep(max(0.0, started_at + fault.kill_at_s - time.monotonic()))
    fault.pid = stack.kill_database()
    fault.killed_at = time.monotonic()
    await asyncio.sleep(PAUSE_AFTER_KILL_S)
    for attempt in range(1, RESTART_ATTEMPTS + 1):
        fault.restart_attempts = attempt
        fault.restart_began_at = time.monotonic()
        try:
            await asyncio.to_thread(stack.db_up)
        except StackError as exc:       # e.g. the killed server's backends still hold on
            fault.restart_error = str(exc)
            await asyncio.sleep(2.0)
            continue
        fault.restarted_at = time.monotonic()
        fault.restart_error = None
        return


async def run_soak(stack: Stack, targets: Targets, *, seconds: float, clients: int,
                   kill_at_s: float, seed: int) -> Run:
    """The whole run: the clients for ``seconds``, the fault, then the writes in flight
    drain (at most DRAIN_S) and anything still running is cancelled."""
    started_at = time.monotonic()
    run = Run(Tally(), Fault(kill_at_s), [], started_at)
    stop_at, give_up_at = started_at + seconds, started_at + seconds + DRAIN_S
    tasks = [asyncio.create_task(client_loop(i, stack.api_url, targets, run, seed, stop_at,
                                             give_up_at)) for i in range(clients)]
    fault = asyncio.create_task(inject_fault(stack, run.fault, started_at))
    limit = give_up_at - time.monotonic() + REQUEST_TIMEOUT.read + 5
    await _finish(tasks + [fault], limit)
    run.ended_at = time.monotonic()
    return run


async def _finish(tasks: list[asyncio.Task], limit: float) -> None:
    """Wait for the tasks at most ``limit`` seconds, cancel the rest, and re-raise the
    first error one of them had (a bug, or the kill failing)."""
    done, pending = await asyncio.wait(tasks, timeout=max(limit, 0.0))
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        if task.exception() is not None:
            raise task.exception()


async def discover(base_url: str, token: str, run_tag: str) -> Targets:
    """The sample's open inspection of 株衡线 (one is planned if none is open) and its
    markers, through the API."""
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base_url, timeout=30, trust_env=False,
                                 headers=auth) as http:
        listed = (await http.get("/inspections")).raise_for_status().json()
        open_ones = [i for i in listed if i["line_name"] == "株衡线" and i["status"] != "signed"]
        inspection = open_ones[0] if open_ones else await _plan_inspection(http)
        markers = (await http.get("/boundaries/markers", params={"line": inspection["line_id"]})
                   ).raise_for_status().json()["features"]
    found = [(m["properties"]["marker_no"], m["properties"]["lon"], m["properties"]["lat"])
             for m in markers if m["properties"]["lon"] is not None]
    if not found:
        raise StackError(f"no markers on line {inspection['line_id']} (株衡线)")
    return Targets(token, inspection["id"], found, f"压测照料中心-{run_tag}-")


async def _plan_inspection(http: httpx.AsyncClient) -> dict:
    answer = await http.post("/inspections", json={
        "line": "株衡线", "year": 2026, "kind": "ad_hoc", "reason": "压测 soak test",
        "lead_code": "430200", "lead_team": "株洲市联检工作组",
        "support_team": "衡阳市联检工作组"})
    return answer.raise_for_status().json()

