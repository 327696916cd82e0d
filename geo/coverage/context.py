"""What every coverage analysis of a division starts from: its settings, its travel model
(network or straight-line), its communities, where its elderly live (``Demand``) and the
sites serving it. The division, its travel model, its communities, its demand and its sites
are kept while their tables are unchanged (``geo.coverage.versions``).

Demand comes from a population grid wherever one of people aged 60+ covers the division
(``geo.population``: WorldPop's 100 m cells): each populated cell is a demand point,
placed on the walking network with its straight leg to the street counted as walking, and
a community's elderly are the sum of the cells whose centre it holds. Where no grid exists
the 2020 census figure of each county, spread over its communities, stands at each
community's centre, and every answer says so (``Demand.as_dict``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.coverage import graph as graphs
from geo.coverage import method as methods
from geo.coverage import settings as cs
from geo.coverage import versions
from geo.coverage.method import Method
from geo.db import fetch_all, load_queries
from geo.divisions import check_code, division_prefix, get_division
from geo.errors import InvalidInput, NotFound

_Q = load_queries(__file__)

CELLS, COMMUNITIES = "cells", "communities"
DEMANDS = ("auto", CELLS, COMMUNITIES)


@dataclass(frozen=True)
class Demand:
    """Where a context's elderly are counted: per populated grid cell (``cells``) or at each
    community's centre (``communities``), with the community each unit belongs to."""

    kind: str
    lon: np.ndarray
    lat: np.ndarray
    elderly: np.ndarray
    community: np.ndarray          # index into Context.communities, per unit
    grid: dict | None = None       # the grid the people come from (also for ``communities``)
    col: np.ndarray | None = None  # cells only: column and row in the grid
    row: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.elderly)

    @property
    def cells(self) -> bool:
        return self.kind == CELLS

    def per_community(self, values: np.ndarray, n: int) -> np.ndarray:
        """``values`` per unit summed per community (``n`` communities)."""
        return np.bincount(self.community, weights=values, minlength=n)

    def as_dict(self) -> dict:
        """What an answer says of its demand: units, source and credit, and the method."""
        g = self.grid
        if g is None:
            return {"demand": COMMUNITIES, "population_source": "census",
                    "population_credit": None, "population_scaled": None,
                    "population_note": "the 2020 census count of people aged 60+ of each county, "
                    "spread over its communities (synthetic) and counted at each community's "
                    "centre"}
        credit = f"Population: {g['source']}, {g['licence']}"
        scaled = ("scaled so that each county's cells sum to its 2020 census count"
                  if g["scaled"] else "as the grid gives them, not scaled to the census")
        where = (f"each populated {g['cell_deg'] * 3600:.3g}″ (about 100 m) cell, placed on the "
                 "walking network (the straight leg to the street counted as walking)"
                 if self.cells else "each community's centre, with the people of the grid "
                 "cells inside it (the community-centroid method)")
        return {"demand": self.kind, "population_source": g["source"],
                "population_credit": credit, "population_scaled": bool(g["scaled"]),
                "population_note": f"people aged 60+ from {g['source']} ({g['licence']}), "
                f"{scaled}; counted at {where}; community areas are synthetic",
                "cells": len(self) if self.cells else None}


@dataclass
class Context:
    division: dict
    settings: dict
    method: Method
    model: graphs.Graph | graphs.StraightLine
    speed: float                 # metres per minute
    minutes: float
    communities: pd.DataFrame    # code, name, urban, township, lon, lat, total, elderly
    demand: Demand               # where the elderly are counted (cells or community centres)
    targets: object              # the demand units placed on the model
    version: str = field(default="", compare=False)   # data_version when it was built

    @property
    def limit_m(self) -> float:
        return self.minutes * self.speed

    @property
    def snap_max(self) -> float:
        return float(self.settings["snap_max_m"])

    def place(self, lon, lat):
        """Points placed on the travel model (snapped to the network, or projected)."""
        return self.model.snap(np.atleast_1d(lon), np.atleast_1d(lat), self.snap_max)

    def reachable(self, placed) -> np.ndarray:
        """Which placed points are usable (on the network; always, for straight lines)."""
        if isinstance(placed, graphs.Snapped):
            return placed.on_network
        return np.ones(len(placed), dtype=bool)

    def sites(self, conn, types: list[str]) -> pd.DataFrame:
        """Open facilities of ``types`` that can serve the division (a fresh copy)."""
        code = self.division["code"]
        key = ("sites", code, tuple(types), self.limit_m,
               self.version or versions.data_version(conn))
        return versions.keep(key, lambda: pd.DataFrame(fetch_all(conn, _Q["sites"], {
            "code": code, "prefix": division_prefix(code), "types": types,
            "reach_m": self.limit_m}), columns=[
                "id", "name", "type", "type_name", "division_code", "places", "beds",
                "nursing_beds", "status", "lon", "lat", "inside"])).copy()

    def header(self) -> dict:
        return {"division": {"code": self.division["code"], "name": self.division["name"],
                             "level": self.division["level"]},
                "minutes": self.minutes, "speed_m_per_min": self.speed,
                "limit_m": round(self.limit_m), **self.method.as_dict(),
                **self.demand.as_dict()}


def point_of(item: object, field: str) -> tuple[float, float]:
    """``lon``, ``lat`` of a planner-given point; InvalidInput naming ``field`` otherwise."""
    try:
        return float(item["lon"]), float(item["lat"])   # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(f"{field} needs numeric lon and lat", field=field) from None


def circle_types(conn) -> list[str]:
    """The facility types that count as community eldercare sites in the circle."""
    return [r["code"] for r in fetch_all(conn, _Q["circle_types"])]


def division(conn, code: str) -> dict:
    """A current division, or InvalidInput naming the ``division`` field."""
    try:
        return get_division(conn, check_code(code))
    except NotFound:
        raise InvalidInput(f"no division with code {code} is loaded", field="division") from None


def settings_of(conn, code: str) -> dict:
    """The coverage settings in force for a loaded division (InvalidInput for another)."""
    return cs.for_division(conn, division(conn, code)["code"])


def build(conn, code: str, *, minutes: float | None = None, speed: float | None = None,
          profile: str | None = None, road: bool = False, demand: str = "auto") -> Context:
    """The context of a division; ``road`` uses every street (relief trucks), not walking.

    ``demand``: ``auto`` counts the elderly per grid cell where a grid covers the division
    and at community centres elsewhere; ``communities`` counts them at community centres
    (with a grid: the cells' people summed per community, the centroid method); ``cells``
    requires a grid.
    """
    if demand not in DEMANDS:
        raise InvalidInput(f"demand must be one of {', '.join(DEMANDS)}", field="demand")
    version = versions.data_version(conn)
    s = cs.for_division(conn, code)
    div, how, comms, model, cells = versions.keep(
        ("context", code, road, version, json.dumps(s, sort_keys=True, default=str)),
        lambda: _base(conn, code, s, road))
    mins = cs.check_range(float(minutes if minutes is not None else s["circle_minutes"]),
                          "minutes", cs.MINUTES_RANGE if not road else (1, 48 * 60), "minutes")
    v = cs.walk_speed(s, speed, profile)
    if demand == CELLS and cells is None:
        raise InvalidInput(f"no population grid of people aged 60+ covers {div['name']}",
                           field="demand")
    units = _demand(comms, cells, CELLS if demand == "auto" and cells is not None
                    else demand if demand != "auto" else COMMUNITIES)
    ctx = Context(div, s, how, model, v, mins, comms.copy(), units, None, version)
    if cells is not None:
        ctx.communities["elderly"] = cells[1]
    ctx.targets = ctx.place(units.lon, units.lat)
    return ctx


def _demand(comms: pd.DataFrame, cells: tuple | None, kind: str) -> Demand:
    """The demand units of a context: cells of the grid, or community centres."""
    index = np.arange(len(comms))
    if cells is None:
        return Demand(COMMUNITIES, comms["lon"].to_numpy(float), comms["lat"].to_numpy(float),
                      comms["elderly"].to_numpy(float), index)
    frame, per_community, grid = cells
    if kind == COMMUNITIES:
        return Demand(COMMUNITIES, comms["lon"].to_numpy(float), comms["lat"].to_numpy(float),
                      per_community, index, grid)
    return Demand(CELLS, frame["lon"].to_numpy(float), frame["lat"].to_numpy(float),
                  frame["people"].to_numpy(float), frame["index"].to_numpy(np.int64), grid,
                  frame["grid_col"].to_numpy(np.int64), frame["grid_row"].to_numpy(np.int64))


def _cells(conn, code: str, comms: pd.DataFrame) -> tuple | None:
    """The grid cells inside the communities of ``code`` (with each one's community index),
    the people of each community on the grid, and the grid; None where no grid covers it."""
    prefix = division_prefix(code)
    county = prefix[:6]
    grid = fetch_all(conn, _Q["grid"], {"county": county})
    if not grid or not len(comms):
        return None
    grid = grid[0]
    frame = pd.DataFrame(fetch_all(conn, _Q["cells"], {
        "dataset": grid["dataset"], "prefix": prefix, "county": county}),
        columns=["community", "grid_col", "grid_row", "lon", "lat", "people"])
    frame = frame[frame["people"] > 0].reset_index(drop=True)
    frame["index"] = pd.Index(comms["code"]).get_indexer(frame["community"])
    frame = frame[frame["index"] >= 0].reset_index(drop=True)
    for a in ("lon", "lat", "people", "index", "grid_col", "grid_row"):
        frame[a].to_numpy().setflags(write=False)
    per_community = np.bincount(frame["index"].to_numpy(np.int64),
                                weights=frame["people"].to_numpy(float), minlength=len(comms))
    per_community.setflags(write=False)
    return frame, per_community, dict(grid)


def _base(conn, code: str, s: dict, road: bool) -> tuple:
    """What a context of ``code`` takes from the database: the division, its travel method,
    its communities, the travel model and the grid cells in it (None without a grid)."""
    div = division(conn, code)
    how = methods.for_division(conn, code, s)
    comms = pd.DataFrame(fetch_all(conn, _Q["communities"], {"prefix": division_prefix(code)}),
                         columns=["code", "name", "urban", "township", "township_name", "lon",
                                  "lat", "total", "elderly"])
    cells = None if road else _cells(conn, code, comms)
    if how.kind == "network":
        model = graphs.load_graph(conn, how.network_id, walk=not road)
    else:
        lon, lat = (comms["lon"].mean(), comms["lat"].mean()) if len(comms) else (
            div["centre"]["coordinates"] if div["centre"] else (0.0, 0.0))
        model = graphs.StraightLine(float(lon), float(lat), how.detour)
    return div, how, comms, model, cells
