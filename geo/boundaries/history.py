"""Division history: a change (撤县设区, 撤县设市, a new 街道, a rename, a seat move …) is an
event with its effective date and its old and new codes, names and geometry. Applying it
closes the old row's validity and opens the new one, so queries can ask "as of" any date
(divisions keep a ``valid`` date range; one row per code per moment).

``record`` applies a change to the current state; ``backfill`` records a change that the
loaded data already shows (the sample's 渌口区 was 株洲县 430221 until 2018), adding the
old state before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from geo import audit
from geo.audit import Actor
from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.divisions import check_code, division_prefix
from geo.errors import Conflict, InvalidInput, NotFound

_Q = load_queries(__file__)
KINDS = ("county_to_district", "county_to_city", "new_division", "abolish", "rename",
         "seat_move", "boundary_change", "merge", "split", "recode")
NEW_KIND = {"county_to_district": "市辖区", "county_to_city": "县级市"}


@dataclass(frozen=True)
class Change:
    kind: str
    effective: dt.date
    old_code: str | None = None
    old_name: str | None = None
    new_code: str | None = None
    new_name: str | None = None
    approval: str | None = None
    note: str | None = None
    source: str = "recorded by hand"
    old_kind: str | None = None

    def check(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
        if not (self.old_code or self.new_code):
            raise InvalidInput("a change needs an old or a new code", field="old_code")
        for field in ("old_code", "new_code"):
            if getattr(self, field):
                check_code(getattr(self, field), field)


def record(conn, actor: Actor, change: Change, *, wkt: str | None = None,
           dataset: str | None = None) -> int:
    """Apply a change to the current divisions and store the event; returns its id."""
    change.check()
    old = fetch_one(conn, _Q["current_row"], {"code": change.old_code}) if change.old_code \
        else None
    if change.old_code and old is None:
        raise NotFound(f"no current division {change.old_code}", field="old_code")
    if old and old["valid_from"] and old["valid_from"] >= change.effective:
        raise Conflict(f"{change.old_code} only became valid on {old['valid_from']}, after "
                       f"{change.effective}")
    if old:
        execute(conn, _Q["close_row"], {"id": old["id"], "effective": change.effective})
    if change.new_code and old:
        if fetch_one(conn, _Q["current_row"], {"code": change.new_code}) and \
                change.new_code != change.old_code:
            raise Conflict(f"{change.new_code} is already a current division", field="new_code")
        execute(conn, _Q["open_row"], {
            "id": old["id"], "new_code": change.new_code,
            "new_name": change.new_name or old["name"], "kind": NEW_KIND.get(change.kind),
            "effective": change.effective, "wkt": wkt, "source": change.source})
    change_id = _store(conn, change, dataset)
    audit.record(conn, actor, "divisions.change", "division_change", change_id,
                 after=asdict(change))
    return change_id


def backfill(conn, change: Change, *, dataset: str | None = None) -> int:
    """Record a change the loaded data already shows: add the state before it."""
    change.check()
    if fetch_one(conn, _Q["current_row"], {"code": change.new_code}) is None:
        raise NotFound(f"no current division {change.new_code}", field="new_code")
    execute(conn, _Q["backfill_old"], {**asdict(change), "effective": change.effective})
    return _store(conn, change, dataset)


def _store(conn, change: Change, dataset: str | None) -> int:
    params = {k: v for k, v in asdict(change).items() if k != "old_kind"}
    return fetch_one(conn, _Q["insert_change"], {**params, "dataset": dataset})["id"]


def as_of(conn, parent: str, on: dt.date) -> list[dict]:
    """A division and its children as they were on ``on``."""
    check_code(parent, "parent")
    return fetch_all(conn, _Q["as_of"], {"parent": parent, "on": on})


def changes(conn, division: str | None = None) -> list[dict]:
    return fetch_all(conn, _Q["changes"], {
        "code": division_prefix(check_code(division)) if division else None})
