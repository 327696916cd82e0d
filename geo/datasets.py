"""Bookkeeping of loaded datasets (sample cities, imported areas), so loads are idempotent."""

from __future__ import annotations

import json
from typing import Any

from geo.db import execute, fetch_all, fetch_one, load_queries

_Q = load_queries(__file__)


def get_dataset(conn, name: str) -> dict | None:
    """Return the dataset row, or None if it was never loaded."""
    return fetch_one(conn, _Q["get_dataset"], {"name": name})


def list_datasets(conn) -> list[dict]:
    """Every loaded dataset with its summary."""
    return fetch_all(conn, _Q["list_datasets"])


def remove_dataset(conn, name: str) -> None:
    """Delete a dataset and the rows it created."""
    execute(conn, _Q["remove_dataset"], {"name": name})


def begin_dataset(conn, name: str, title: str, params: dict[str, Any],
                  attribution: list[str]) -> None:
    """Record that ``name`` is being loaded with ``params`` (replacing any earlier load)."""
    remove_dataset(conn, name)
    execute(conn, _Q["begin_dataset"], {"name": name, "title": title,
                                        "params": json.dumps(params, ensure_ascii=False),
                                        "attribution": attribution})


def finish_dataset(conn, name: str, summary: dict[str, Any]) -> None:
    """Store the summary of a finished load."""
    execute(conn, _Q["finish_dataset"], {"name": name,
                                         "summary": json.dumps(summary, ensure_ascii=False)})
