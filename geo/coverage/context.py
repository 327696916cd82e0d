"""What every coverage analysis of a division starts from: its settings, its travel model
(network or straight-line), its communities with their elderly, and the sites serving it.
The division, its travel model, its communities and its sites are kept while their tables
are unchanged (``geo.coverage.versions``)."""

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


@dataclass
class Context:
    division: dict
    settings: dict
    method: Method
    model: graphs.Graph | graphs.StraightLine
    speed: float                 # metres per minute
    minutes: float
    communities: pd.DataFrame    # code, name, urban, township, lon, lat, total, elderly
    targets: object              # the communities placed on the model
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
                "limit_m": round(self.limit_m), **self.method.as_dict()}


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
          profile: str | None = None, road: bool = False) -> Context:
    """The context of a division; ``road`` uses every street (relief trucks), not walking."""
    version = versions.data_version(conn)
    s = cs.for_division(conn, code)
    div, how, comms, model = versions.keep(
        ("context", code, road, version, json.dumps(s, sort_keys=True, default=str)),
        lambda: _base(conn, code, s, road))
    mins = cs.check_range(float(minutes if minutes is not None else s["circle_minutes"]),
                          "minutes", cs.MINUTES_RANGE if not road else (1, 48 * 60), "minutes")
    v = cs.walk_speed(s, speed, profile)
    ctx = Context(div, s, how, model, v, mins, comms.copy(), None, version)
    ctx.targets = ctx.place(comms["lon"].to_numpy(float), comms["lat"].to_numpy(float))
    return ctx


def _base(conn, code: str, s: dict, road: bool) -> tuple:
    """What a context of ``code`` takes from the database: the division, its travel method,
    its communities and the travel model."""
    div = division(conn, code)
    how = methods.for_division(conn, code, s)
    comms = pd.DataFrame(fetch_all(conn, _Q["communities"], {"prefix": division_prefix(code)}),
                         columns=["code", "name", "urban", "township", "township_name", "lon",
                                  "lat", "total", "elderly"])
    if how.kind == "network":
        model = graphs.load_graph(conn, how.network_id, walk=not road)
    else:
        lon, lat = (comms["lon"].mean(), comms["lat"].mean()) if len(comms) else (
            div["centre"]["coordinates"] if div["centre"] else (0.0, 0.0))
        model = graphs.StraightLine(float(lon), float(lat), how.detour)
    return div, how, comms, model
