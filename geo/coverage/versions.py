"""Answers kept per process while the data they come from is unchanged.

A planner asks about the same division again and again (each click of the workbench), so
its division, travel method, communities and sites are kept, keyed by the change counters
of the tables they come from (``layer_changes``, bumped in the same transaction as every
write): any write, committed or only seen by its own transaction, gives a new key, and a
rolled-back one can never match a later change (``changed_at`` is part of the key).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from geo.db import fetch_all, load_queries

_Q = load_queries(__file__)

# Tables whose rows a coverage answer is drawn from.
TABLES = ["divisions", "population", "population_grids", "networks", "network_edges",
          "facilities", "facility_types"]

_KEPT: OrderedDict[tuple, Any] = OrderedDict()
_KEPT_MAX = 64
_LOCK = threading.Lock()


def data_version(conn) -> str:
    """The change counters of ``TABLES`` as this transaction sees them (one index read)."""
    rows = fetch_all(conn, _Q["version"], {"tables": TABLES})
    return ";".join(f"{r['table_name']}:{r['version']}:{r['changed_at'].timestamp()}"
                    for r in rows)


def keep(key: tuple, make: Callable[[], Any]) -> Any:
    """The answer kept under ``key`` (which must hold a ``data_version``), or ``make()``'s,
    then kept. Callers must not change what they get."""
    with _LOCK:
        if key in _KEPT:
            _KEPT.move_to_end(key)
            return _KEPT[key]
    value = make()
    with _LOCK:
        _KEPT[key] = value
        while len(_KEPT) > _KEPT_MAX:
            _KEPT.popitem(last=False)
    return value


def forget() -> None:
    """Drop every kept answer (benchmarks measure the first call after a change)."""
    with _LOCK:
        _KEPT.clear()
