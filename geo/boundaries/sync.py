"""The sync rules every field record follows (PEERS §3, after ODK Central and QFieldCloud).

Every patrol, marker check, hazard and photo carries the client's UUID. Its content is
hashed (canonical JSON); the same UUID with the same content again is answered with the
stored record and writes nothing; the same UUID with other content is a ``Conflict``, never
a silent overwrite or a second record. Edits carry the version they were based on; a stale
edit is a ``Conflict`` carrying both versions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid as uuidlib
from typing import Any

from geo import plausible
from geo.errors import Conflict, InvalidInput, NotFound

EARLIEST_YEAR, LATEST_YEAR = 1990, 2100       # an inspection's years (inspections.create)
# The range of a PostgreSQL bigint: an id beyond it cannot exist, and must not reach SQL.
MAX_ID = 2**63 - 1


def content_hash(record: Any) -> str:
    """The SHA-256 of a record as canonical JSON (sorted keys, no spaces).

    >>> content_hash({"b": 1, "a": "界"}) == content_hash({"a": "界", "b": 1})
    True
    """
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def client_uuid(value: Any, field: str) -> str:
    """``value`` as a canonical UUID string, or InvalidInput naming ``field``."""
    try:
        return str(uuidlib.UUID(str(value)))
    except (ValueError, TypeError):
        raise InvalidInput(f"{field} must be a UUID made by the client, not {value!r}",
                           field=field) from None


def client_time(value: Any, field: str, required: bool = True) -> dt.datetime | None:
    """An ISO 8601 time from the field (Beijing time when it has no zone), not in the
    future; None when absent and not ``required``."""
    if value in (None, ""):
        if required:
            raise InvalidInput(f"{field} is required (ISO 8601 time)", field=field)
        return None
    try:
        t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{field} must be an ISO 8601 time, not {value!r}",
                           field=field) from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))   # Beijing time
    if not EARLIEST_YEAR <= t.year <= LATEST_YEAR:  # nor do years 1 and 9999 overflow in UTC
        raise InvalidInput(f"{field} {value} is not in the years an inspection can have "
                           f"({EARLIEST_YEAR}–{LATEST_YEAR})", field=field)
    if t > dt.datetime.now(dt.UTC) + dt.timedelta(days=1):
        raise InvalidInput(f"{field} {t.isoformat()} is in the future", field=field)
    return t


def lonlat(record: dict, field: str = "") -> tuple[float, float]:
    """The record's ``lon`` and ``lat`` as numbers inside China, or InvalidInput naming
    them (saying so when they look swapped)."""
    prefix = f"{field}." if field else ""
    try:
        lon, lat = float(record["lon"]), float(record["lat"])
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(f"{prefix}lon and {prefix}lat must be numbers",
                           field=f"{prefix}lon") from None
    plausible.point(lon, lat, f"{prefix}lon")
    return lon, lat


def record_id(value: Any, field: str) -> int:
    """An id (an inspection's, a line's) as a whole number a bigint column can hold, or
    InvalidInput naming ``field``; one that merely does not exist is left to NotFound.

    >>> record_id(7, "id")
    7
    >>> record_id(2**63, "id")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: id must be a whole number up to 9223372036854775807, not ...
    """
    if type(value) is not int or not -MAX_ID <= value <= MAX_ID:
        raise InvalidInput(f"{field} must be a whole number up to {MAX_ID}, not {value!r}",
                           field=field)
    return value


def check_types(record: dict, kinds: dict[str, type]) -> None:
    """InvalidInput naming the first field whose JSON type is wrong."""
    for key, kind in kinds.items():
        value = record.get(key)
        if value is not None and not isinstance(value, kind):
            raise InvalidInput(f"{key} must be a {'list' if kind is list else 'string'}",
                               field=key)


def based_on(current: dict, changes: dict, inspection_id: int, what: str) -> int:
    """The version an edit is based on; NotFound if the record is not in this inspection,
    Conflict carrying both versions if the edit is stale."""
    if current["inspection_id"] != inspection_id:
        raise NotFound(f"no {what} {current['uuid']} in inspection {inspection_id}",
                       field="uuid")
    version = changes.get("version")
    if type(version) is not int:
        raise InvalidInput("version is required: the version your edit is based on",
                           field="version")
    if version != current["version"]:
        raise Conflict(f"{what} {current['uuid']} is at version {current['version']}, your "
                       f"edit is based on {version}", yours=changes, current=current)
    return version
