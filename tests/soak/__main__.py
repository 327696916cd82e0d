"""``python -m tests.soak`` (``make soak``): concurrent clients, a ``kill -9`` of the
database part-way, and a check that every acknowledged write is stored exactly once.

Exit status: 0 when no answer was a 500, nothing acknowledged is missing, nothing is
stored twice and the API recovered after the restart; 1 when any of that failed; 2 when the
soak could not run (setup failed, or the hard deadline passed); 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import secrets
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from tests.soak.stack import SAMPLES, Stack, StackError
from tests.soak.traffic import (
    DRAIN_S,
    PAUSE_AFTER_KILL_S,
    Fault,
    Run,
    Targets,
    Write,
    discover,
    run_soak,
)
from tests.soak.verify import Verdict, check_database

SETUP_BUDGET_S = 900          # db up, fixtures (a fresh cache downloads ~100 MB), server
TEARDOWN_BUDGET_S = 180
FIXTURES_TIMEOUT_S = 600


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="length of the load "
                        "(default: %(default)s)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients "
                        "(default: %(default)s)")
    parser.add_argument("--kill-at", type=float, default=None, metavar="SECONDS",
                        help="when to kill the database (default: a third of --seconds)")
    parser.add_argument("--seed", type=int, default=1, help="for the request mix "
                        "(default: %(default)s)")
    parser.add_argument("--server-log", type=Path, default=None, metavar="FILE",
                        help="keep a copy of the API server's log here")
    args = parser.parse_args(argv)
    if not 5 <= args.seconds <= 3600:
        parser.error("--seconds must be between 5 and 3600")
    if not 1 <= args.clients <= 200:
        parser.error("--clients must be between 1 and 200")
    if args.kill_at is None:
        args.kill_at = args.seconds / 3
    if not 0 <= args.kill_at < args.seconds:
        parser.error("--kill-at must fall within the run")
    return args


def say(text: str) -> None:
    print(text, flush=True)


# ------------------------------------------------------------------ the hard deadline

class Overdue(KeyboardInterrupt):
    """The whole soak took longer than it may. A KeyboardInterrupt, so that it stops
    whatever runs (asyncio tasks included) as Ctrl-C does, and everything is torn down."""


def _overdue(_signum, _frame) -> None:
    raise Overdue


# ------------------------------------------------------------------ setup

def set_up(stack: Stack) -> Targets:
    """Cluster, sample data, admin token, server; the targets of the writes."""
    say(f"soak cluster: CIVGEO_HOME={stack.home}, port {stack.pg_port}; API {stack.api_url}")
    step("civgeo db up", stack.db_up)
    step(f"civgeo fixtures load ({', '.join(SAMPLES)})",
         lambda: stack.load_fixtures(FIXTURES_TIMEOUT_S))
    token = step("civgeo users add (admin)", stack.admin_token)
    step("civgeo serve (one uvicorn process)", stack.start_server)
    run_tag = secrets.token_hex(3)
    targets = asyncio.run(discover(stack.api_url, token, run_tag))
    say(f"writes go to inspection {targets.inspection_id} (株衡线, {len(targets.markers)} "
        f"markers) and to facilities named {targets.name_prefix}…")
    return targets


def step(what: str, action):
    started = time.monotonic()
    result = action()
    say(f"  {what}: {time.monotonic() - started:.1f} s")
    return result


# ------------------------------------------------------------------ the report

def report_requests(run: Run) -> None:
    tally, seconds = run.tally, run.ended_at - run.started_at
    say(f"\nrequests sent: {tally.sent:,} in {seconds:.1f} s ({tally.sent / seconds:,.0f}/s)")
    statuses = sorted((k for k in tally.outcomes if k.isdigit()), key=int)
    say("answers by status: " + ", ".join(f"{k}: {tally.outcomes[k]:,}" for k in statuses))
    say(f"connection errors: {tally.outcomes['connection error']:,}, "
        f"timeouts: {tally.outcomes['timeout']:,}")
    say("by request kind (answer time p50 / p99 of answered requests):")
    for kind, counts in sorted(tally.by_kind.items()):
        shown = ", ".join(f"{k}: {v:,}" for k, v in sorted(counts.items()))
        p50, p99 = tally.percentile(kind, 0.5), tally.percentile(kind, 0.99)
        times = f"{p50 * 1000:,.0f} / {p99 * 1000:,.0f} ms" if p50 is not None else "-"
        say(f"  {kind:<18} {times:>17}   {shown}")
    say(f"500s: {tally.outcomes['500']:,}")
    for sample in tally.samples_500:
        say(f"  e.g. {sample}")


def report_recovery(fault: Fault, started_at: float, redo: list[str]) -> None:
    if fault.killed_at is None:
        say("\nfault: the database was not killed (the run ended first)")
        return
    say(f"\nfault: kill -9 of the postmaster (pid {fault.pid}) at "
        f"{fault.killed_at - started_at:.1f} s into the run")
    if fault.restarted_at is None:
        say(f"  civgeo db up failed {fault.restart_attempts} times: {fault.restart_error}")
        return
    say(f"  civgeo db up began {fault.restart_began_at - fault.killed_at:.1f} s after the "
        f"kill and took {fault.restarted_at - fault.restart_began_at:.1f} s "
        f"(attempt {fault.restart_attempts}); the database was down "
        f"{fault.restarted_at - fault.killed_at:.1f} s")
    for line in redo:
        say(f"  PostgreSQL crash recovery: {line}")
    for what, at in (("write", fault.first_write_ok), ("read", fault.first_read_ok)):
        if at is None:
            say(f"  recovery: no successful {what} after the kill")
        else:
            say(f"  recovery: first successful {what} {at - fault.restarted_at:.2f} s after "
                f"db up returned ({at - fault.killed_at:.2f} s after the kill)")


def report_writes(writes: list[Write]) -> None:
    endings = Counter(_ending(w) for w in writes)
    by_kind = Counter(w.kind for w in writes if w.acknowledged)
    retried = sum(w.attempts > 1 for w in writes)
    say(f"\nlogical writes: {len(writes):,} started; acknowledged (2xx): "
        f"{endings['acknowledged']:,} ("
        + ", ".join(f"{k} {v:,}" for k, v in sorted(by_kind.items())) + ")")
    say(f"  refused (4xx): {endings['refused']:,}, failed (5xx other than 503): "
        f"{endings['failed']:,}, unresolved (no answer within {DRAIN_S:.0f} s after the "
        f"end): {endings['unresolved']:,}")
    say(f"  retried: {retried:,} (most attempts: {max((w.attempts for w in writes), default=0)}"
        f"); answered as a replay or duplicate: {sum(w.replayed for w in writes):,}")
    refused = Counter(f"{w.kind} {w.status}" for w in writes if _ending(w) == "refused")
    if refused:
        say("  refusals: " + ", ".join(f"{k}: {v}" for k, v in refused.most_common()))


def _ending(write: Write) -> str:
    if write.acknowledged:
        return "acknowledged"
    if write.status is not None and 400 <= write.status < 500:
        return "refused"
    if write.status is not None and write.status != 503:
        return "failed"
    return "unresolved"


def report_check(verdict: Verdict) -> None:
    say(f"\ndatabase check: {verdict.found:,} of {verdict.acknowledged:,} acknowledged "
        f"writes found")
    say(f"missing: {len(verdict.missing)}, duplicated: {len(verdict.duplicated)}")
    for line in (verdict.missing + verdict.duplicated)[:10]:
        say(f"  {line}")
    say(f"stored without an acknowledgement: {verdict.stored_unacknowledged}")


def report_server_log(stack: Stack) -> None:
    """The exceptions the server logged (the last line of each traceback), most frequent
    first."""
    try:
        text = stack.server_log.read_text(errors="replace")
    except OSError:
        return
    last_lines = re.findall(r"^([A-Za-z_][\w.]*(?:Error|Exception|Interrupt)\b.*)$", text,
                            flags=re.MULTILINE)
    say(f"\nserver log: {text.count('Traceback (most recent call last)')} tracebacks")
    for line, n in Counter(s[:160] for s in last_lines).most_common(5):
        say(f"  {n:>5} × {line}")


def failures(run: Run, verdict: Verdict) -> list[str]:
    found = []
    if run.tally.outcomes["500"]:
        found.append(f"{run.tally.outcomes['500']} answers were 500")
    if verdict.missing:
        found.append(f"{len(verdict.missing)} acknowledged writes are missing")
    if verdict.duplicated:
        found.append(f"{len(verdict.duplicated)} writes are stored more than once")
    fault = run.fault
    if fault.killed_at is not None and (fault.restarted_at is None
                                        or fault.first_write_ok is None
                                        or fault.first_read_ok is None):
        found.append("the API did not recover after the database restart")
    return found


# ------------------------------------------------------------------ main

def soak(args: argparse.Namespace, stack: Stack) -> int:
    targets = set_up(stack)
    say(f"\nload: {args.clients} clients for {args.seconds:.0f} s; kill -9 of the database "
        f"at {args.kill_at:.0f} s, civgeo db up {PAUSE_AFTER_KILL_S:.0f} s later")
    run = asyncio.run(run_soak(stack, targets, seconds=args.seconds, clients=args.clients,
                               kill_at_s=args.kill_at, seed=args.seed))
    report_requests(run)
    report_recovery(run.fault, run.started_at, stack.crash_recovery_log())
    report_writes(run.writes)
    verdict = check_database(stack.database_url(), run.writes, targets.name_prefix)
    report_check(verdict)
    stack.stop_server()
    report_server_log(stack)
    found = failures(run, verdict)
    say("\nRESULT: " + ("PASS" if not found else "FAIL: " + "; ".join(found)))
    return 1 if found else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)    # as Ctrl-C: tear down
    signal.signal(signal.SIGALRM, _overdue)
    signal.alarm(int(SETUP_BUDGET_S + args.seconds + DRAIN_S + TEARDOWN_BUDGET_S))
    stack: Stack | None = None
    try:
        stack = Stack()
        return soak(args, stack)
    except StackError as exc:
        say(f"soak could not run: {exc}")
        return 2
    except Overdue:
        say("soak: the hard deadline passed; stopped")
        return 2
    except KeyboardInterrupt:
        say("soak: interrupted")
        return 130
    finally:
        signal.alarm(0)
        if stack is not None:
            say("tearing down: API server, civgeo db down, " + str(stack.home))
            for problem in stack.close(args.server_log):
                say(f"  teardown problem: {problem}")


if __name__ == "__main__":
    sys.exit(main())
