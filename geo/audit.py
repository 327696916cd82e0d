"""The audit log: every mutating domain call records who did what, when, before and after."""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from typing import Any

from geo.db import execute, fetch_all, load_queries

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
                 limit: int = 100, offset: int = 0) -> list[dict]:
    """Audit rows, newest first, optionally for one entity."""
    return fetch_all(conn, _Q["list_entries"], {"entity": entity, "entity_id": entity_id,
                                                  "limit": limit, "offset": offset})
