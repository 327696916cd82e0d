"""Coverage settings: ``data/defaults.json``, overridden per province or city in the
``coverage_settings`` table (``civgeo coverage set 4302 beds_per_1000_target 32``), then per
request. Values DOMAIN.md marks UNCONFIRMED (walking speeds, detour factor, targets) live
here, never in code."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from geo.db import execute, fetch_all, load_queries
from geo.errors import InvalidInput

_Q = load_queries(__file__)
_DEFAULTS = Path(__file__).with_name("data") / "defaults.json"

# Bounds a request may ask for (a 15-minute circle, not a day's march).
SPEED_RANGE = (10.0, 200.0)          # metres per minute
MINUTES_RANGE = (1.0, 60.0)
ROAD_SPEED_RANGE = (5.0, 120.0)      # km/h


@cache
def defaults() -> dict[str, Any]:
    data = json.loads(_DEFAULTS.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def for_division(conn, code: str) -> dict[str, Any]:
    """The settings in force for a division: defaults, then province, then city rows."""
    merged = dict(defaults())
    for row in fetch_all(conn, _Q["overrides"], {"code": code}):
        merged[row["key"]] = row["value"]
    return merged


def set_value(conn, scope: str, key: str, value: Any) -> None:
    """Store an override for a code prefix ('' national, '43' a province, '4302' a city)."""
    if key not in defaults():
        raise InvalidInput(f"{key!r} is not a coverage setting; one of "
                           f"{', '.join(sorted(defaults()))}", field="key")
    if scope and not scope.isdigit():
        raise InvalidInput("scope must be a division code prefix such as 43 or 4302",
                           field="scope")
    execute(conn, _Q["set"], {"scope": scope, "key": key,
                              "value": json.dumps(value, ensure_ascii=False)})


def list_overrides(conn) -> list[dict]:
    return fetch_all(conn, _Q["list"])


def check_range(value: float, field: str, bounds: tuple[float, float], unit: str) -> float:
    """``value`` if it lies within ``bounds``; InvalidInput naming ``field`` otherwise."""
    low, high = bounds
    if not low <= value <= high:
        raise InvalidInput(f"{field}={value:g} is out of range: {low:g}–{high:g} {unit}",
                           field=field)
    return value


def walk_speed(s: dict, speed: float | None, profile: str | None) -> float:
    """Metres per minute from an explicit speed, a profile ('adult'/'elderly'), or the default."""
    if speed is not None:
        return check_range(float(speed), "speed", SPEED_RANGE, "m/min")
    if profile in (None, "adult"):
        return float(s["walk_speed_m_per_min"])
    if profile == "elderly":
        return float(s["elderly_walk_speed_m_per_min"])
    raise InvalidInput(f"profile {profile!r} is not adult or elderly", field="profile")
