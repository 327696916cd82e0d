"""Where a read may go: streaming replicas, their lag, and read-your-writes by LSN
(DESIGN §8).

A write's position in the primary's WAL is its LSN (``pg_current_wal_lsn()`` after it
committed). A replica has applied everything up to ``pg_last_wal_replay_lsn()``; a client
that wrote at LSN ``w`` may read from a replica only once that replica has replayed ``w``.
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, field

from geo.db import fetch_one

_LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")


def lsn_value(text: str | None) -> int | None:
    """``'16/B374D848'`` as a number (``None`` for no LSN or one that is not an LSN)."""
    if not text:
        return None
    match = _LSN.match(text.strip())
    if match is None:
        return None
    return (int(match[1], 16) << 32) | int(match[2], 16)


def lsn_text(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def primary_lsn(conn) -> int:
    """Where the primary's WAL is now: every write committed before is at or below it."""
    return lsn_value(fetch_one(conn, "SELECT pg_current_wal_lsn()::text AS lsn")["lsn"])


def standby_state(conn) -> dict:
    """A replica's own view: whether it is one, what it applied and received, paused."""
    row = fetch_one(conn, """
        SELECT pg_is_in_recovery() AS standby,
               pg_last_wal_replay_lsn()::text AS replayed,
               pg_last_wal_receive_lsn()::text AS received,
               CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END AS paused""")
    return {"standby": row["standby"], "replayed": lsn_value(row["replayed"]),
            "received": lsn_value(row["received"]), "paused": bool(row["paused"])}


@dataclass
class Lag:
    """How far one replica is behind, from checks made by this process.

    Bytes are the primary's LSN minus the replica's replayed LSN at the check. Seconds
    are how long ago the primary first stood at a position the replica has still not
    replayed (from the primary positions seen at earlier checks), so a replica of an idle
    primary is 0 s behind however old its last replayed transaction is."""

    seen: deque = field(default_factory=lambda: deque(maxlen=600))   # (monotonic, lsn)

    def measure(self, primary: int, replayed: int, now: float | None = None) -> tuple[int, float]:
        now = time.monotonic() if now is None else now
        if not self.seen or self.seen[-1][1] != primary:
            self.seen.append((now, primary))
        behind = max(0, primary - replayed)
        if behind == 0:
            self.seen.clear()
            self.seen.append((now, primary))
            return 0, 0.0
        first = next((t for t, lsn in self.seen if lsn > replayed), now)
        return behind, now - first
