"""The 标准地名录 (register of standard names) of a division: every standard name in force in
it, roads and streets included, by category, with the recently approved ones marked and
the approved names still waiting for their date listed apart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from geo.clock import BEIJING
from geo.db import fetch_all, load_queries
from geo.divisions import check_code, get_division

_Q = load_queries(__file__)
RECENT_DAYS = 180  # approved within this many days: marked as new in the register


@dataclass(frozen=True)
class Register:
    """The 标准地名录 of a division on a day.

    ``entries``: its standard names ordered by category (each with name, roman, category,
    within, runs_through, former, meaning, origin, approval, ``recent``, lon/lat);
    ``pending``: names approved under it that come into force after ``today``.
    """

    code: str
    name: str
    entries: list[dict]
    pending: list[dict]
    today: dt.date
    recent_days: int = RECENT_DAYS


def register(conn, division: str, today: dt.date | None = None,
             recent_days: int = RECENT_DAYS, limit: int = 20_000) -> Register:
    """The register of ``division`` as it stands on ``today`` (Beijing date by default).

    ``NotFound`` for a division that is not loaded, ``InvalidInput`` for a malformed code.
    """
    today = today or dt.datetime.now(BEIJING).date()
    head = get_division(conn, check_code(division))
    params = {"code": head["code"], "today": today, "limit": limit,
              "recent_since": today - dt.timedelta(days=recent_days)}
    return Register(head["code"], head["name"], fetch_all(conn, _Q["entries"], params),
                    fetch_all(conn, _Q["pending"], params), today, recent_days)
