"""Which travel model answers for a place: its street network, or straight lines.

A division uses the newest network whose extent covers most of its communities
(``network_min_share``); a point uses its county's model. Without one, every answer is a
straight-line estimate (distance × ``detour_factor``) and says so in ``note``.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.db import fetch_all, fetch_one, load_queries
from geo.errors import InvalidInput

_Q = load_queries(__file__)


@dataclass(frozen=True)
class Method:
    kind: str                    # 'network' or 'straight-line'
    network_id: int | None
    network: str | None
    attribution: str | None
    detour: float

    @property
    def note(self) -> str:
        if self.kind == "network":
            return (f"walking distances on the street network {self.network!r}"
                    + (f" ({self.attribution})" if self.attribution else ""))
        return (f"STRAIGHT-LINE ESTIMATE: no street network is loaded here, so distances are "
                f"straight lines × {self.detour:g} (detour factor); import a network to get "
                "network results")

    def as_dict(self) -> dict:
        return {"method": self.kind, "network": self.network, "detour_factor":
                None if self.kind == "network" else self.detour, "note": self.note,
                "attribution": self.attribution}


def _method(row, detour: float) -> Method:
    if row:
        return Method("network", row["id"], row["name"], row["attribution"], 1.0)
    return Method("straight-line", None, None, None, detour)


def for_division(conn, code: str, s: dict) -> Method:
    row = fetch_one(conn, _Q["network_for_division"],
                    {"code": code, "min_share": float(s["network_min_share"])})
    return _method(row, float(s["detour_factor"]))


def division_at(conn, lon: float, lat: float, field: str = "lon") -> str:
    """The code of the smallest loaded division containing the point; InvalidInput outside them."""
    row = fetch_one(conn, _Q["inside_city"], {"lon": lon, "lat": lat})
    if row is None:
        raise InvalidInput(f"{lon:.6f}, {lat:.6f} lies outside every loaded city", field=field)
    return row["code"]


def divisions_covered(conn, network_id: int) -> list[dict]:
    """Counties and townships whose centre a network's extent covers."""
    return fetch_all(conn, _Q["divisions_covered"], {"network_id": network_id})
