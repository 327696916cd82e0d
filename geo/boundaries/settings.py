"""Boundary settings from ``data/defaults.json`` (tolerances, track filters, photo limits)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_DEFAULTS = Path(__file__).with_name("data") / "defaults.json"


@cache
def defaults() -> dict[str, Any]:
    data = json.loads(_DEFAULTS.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}
