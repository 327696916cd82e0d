"""Times as people in China read them: Beijing time (UTC+8, the one time zone of China)."""

from __future__ import annotations

import datetime as dt

BEIJING = dt.timezone(dt.timedelta(hours=8), "UTC+08:00")


def local_time(value) -> str:
    """A time as shown in reports, sheets and maps: Beijing time to the minute; a date as
    ISO; None as ''."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(BEIJING)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
