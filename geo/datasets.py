"""Bookkeeping of loaded datasets (sample cities, imported areas), so loads are idempotent,
and the overview of what a loaded area holds."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import geopandas as gpd

from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.divisions import divisions_frame, get_division

OVERVIEW_LEVELS = ("county", "township", "community")

_Q = load_queries(__file__)


def get_dataset(conn, name: str) -> dict | None:
    """Return the dataset row, or None if it was never loaded."""
    return fetch_one(conn, _Q["get_dataset"], {"name": name})


def list_datasets(conn) -> list[dict]:
    """Every loaded dataset with its summary."""
    return fetch_all(conn, _Q["list_datasets"])


def remove_dataset(conn, name: str) -> None:
    """Delete a dataset and the rows it created (a population grid's cells are a table of
    their own: it goes too)."""
    execute(conn, _Q["remove_dataset"], {"name": name})
    execute(conn, f"DROP TABLE IF EXISTS {cells_partition(name)}")


def cells_partition(name: str) -> str:
    """The table holding the cells of the population grid loaded as dataset ``name``
    (a partition of ``population_cells``; named from a hash: any characters are fine)."""
    return "population_cells_" + hashlib.sha256(name.encode()).hexdigest()[:16]


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


@dataclass(frozen=True)
class Overview:
    """A loaded area for its overview map: its counties, townships and communities with
    population (and the bordering counties), a title and the data's notices."""

    name: str
    code: str
    title: str
    frame: gpd.GeoDataFrame
    attribution: str


def overview(conn, code: str, *, name: str | None = None, title: str | None = None,
             attribution: list[str] | None = None) -> Overview:
    """The overview of the area under ``code``; by default titled by the division and with
    the notices of every loaded dataset."""
    if title is None:
        title = f"{get_division(conn, code)['name']} {code}"
    if attribution is None:
        attribution = sorted({a for d in list_datasets(conn) for a in d["attribution"]})
    return Overview(name or code, code, title,
                    divisions_frame(conn, code, OVERVIEW_LEVELS, neighbours=True),
                    " · ".join(attribution))


def overviews(conn) -> list[Overview]:
    """The overview of each loaded area (the datasets loaded for a division code)."""
    return [overview(conn, d["params"]["code"], name=d["name"], title=d["title"],
                     attribution=d["attribution"])
            for d in list_datasets(conn) if "code" in d["params"]]
