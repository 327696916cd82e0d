"""The audit log: every mutating domain call records who did what, when, before and after."""

from __future__ import annotations

import datetime as dt
import getpass
import json
from dataclasses import dataclass
from typing import Any

from geo.db import execute, fetch_all, load_queries
from geo.errors import InvalidInput

_Q = load_queries(__file__)


@dataclass(frozen=True)
class Actor:
    """Who is acting: an API user (with id and role) or the command line."""

    name: str
    role: str
    user_id: int | None = None

    @classmethod
    def cli(cls) -> Actor:
        """The operating-system user running the ``civgeo`` command, acting as admin."""
        return cls(f"cli:{getpass.getuser()}", "admin")


def record(conn, actor: Actor, action: str, entity: str, entity_id: object = None, *,
           before: Any = None, after: Any = None) -> None:
    """Append one audit row in the caller's transaction."""
    execute(conn, _Q["record"], {
        "actor": actor.name, "user_id": actor.user_id, "action": action, "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "before": _json(before), "after": _json(after)})


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def list_entries(conn, *, entity: str | None = None, entity_id: str | None = None,
                 actor: str | None = None, action: str | None = None,
                 since: dt.date | None = None, until: dt.date | None = None,
                 limit: int = 100, offset: int = 0) -> list[dict]:
    """Audit rows, newest first, narrowed by any of: the entity (type, id), who acted
    (``actor``, as recorded), the action (exact, or a family ``auth.*``: every action
    starting with ``auth.``) and the days (China time, both included)."""
    if since is not None and until is not None and since > until:
        raise InvalidInput("the date range ends before it starts", field="until")
    exact, family = action, None
    if action is not None and action.endswith(".*"):
        exact, family = None, action[:-1]
    return fetch_all(conn, _Q["list_entries"], {
        "entity": entity, "entity_id": entity_id, "actor": actor, "action": exact,
        "family_from": family, "family_to": _after_prefix(family), "since": since,
        "until": until, "limit": limit, "offset": offset})


def _after_prefix(prefix: str | None) -> str | None:
    """The first text after every text starting with ``prefix`` (in byte order).

    >>> _after_prefix("auth.")
    'auth/'
    """
    return None if not prefix else prefix[:-1] + chr(ord(prefix[-1]) + 1)
