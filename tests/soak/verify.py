"""After the run: what the soak cluster holds, compared with what the clients were told.

- *missing*: an acknowledged write (a 2xx answer) that is not in the database: a facility
  whose answered id does not hold the name that was sent, a field record whose uuid is
  not stored.
- *duplicated*: a logical write stored more than once: a soak facility name on more than
  one row (every logical facility write has its own name), a field record uuid on more
  than one row.
- *stored without an acknowledgement*: a write whose client never got a 2xx (it gave up,
  or got a 500) but which is in the database. Not an error by itself: the client simply
  never learned that it landed; it is shown so the 500s and give-ups can be read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import psycopg2

from tests.soak.traffic import Write

FIELD_TABLES = {"marker_check": "marker_checks", "hazard": "hazards"}


@dataclass
class Verdict:
    acknowledged: int = 0
    found: int = 0
    missing: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    stored_unacknowledged: int = 0


def check_database(url: str, writes: list[Write], name_prefix: str) -> Verdict:
    """Look every logical write up in the soak cluster."""
    verdict = Verdict()
    conn = psycopg2.connect(url, connect_timeout=10, options="-c statement_timeout=60000")
    try:
        with conn.cursor() as cur:
            _check_facilities(cur, [w for w in writes if w.kind == "facility"], name_prefix,
                              verdict)
            for kind, table in FIELD_TABLES.items():
                _check_field_records(cur, table, [w for w in writes if w.kind == kind],
                                     verdict)
    finally:
        conn.close()
    return verdict


def _check_facilities(cur, writes: list[Write], prefix: str, verdict: Verdict) -> None:
    cur.execute("SELECT id, name FROM facilities WHERE starts_with(name, %s)", (prefix,))
    ids_by_name: dict[str, set[int]] = {}
    for row_id, name in cur.fetchall():
        ids_by_name.setdefault(name, set()).add(row_id)
    for write in writes:
        stored = ids_by_name.get(write.name or "", set())
        if write.acknowledged:
            verdict.acknowledged += 1
            if write.facility_id in stored:
                verdict.found += 1
            else:
                verdict.missing.append(f"facility {write.name!r} (answered id "
                                       f"{write.facility_id}, stored ids {sorted(stored)})")
        elif stored:
            verdict.stored_unacknowledged += 1
        if len(stored) > 1:
            verdict.duplicated.append(f"facility {write.name!r} stored {len(stored)} times "
                                      f"(ids {sorted(stored)}, {write.attempts} attempts)")


def _check_field_records(cur, table: str, writes: list[Write], verdict: Verdict) -> None:
    # ``table`` comes from FIELD_TABLES above, never from input.
    cur.execute(f"SELECT uuid::text FROM {table} WHERE uuid = ANY(%s::uuid[])",
                ([w.key for w in writes],))
    stored = Counter(row[0] for row in cur.fetchall())
    for write in writes:
        count = stored[write.key]
        if write.acknowledged:
            verdict.acknowledged += 1
            if count:
                verdict.found += 1
            else:
                verdict.missing.append(f"{write.kind} {write.key}")
        elif count:
            verdict.stored_unacknowledged += 1
        if count > 1:
            verdict.duplicated.append(f"{write.kind} {write.key} stored {count} times")
