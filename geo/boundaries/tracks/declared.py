"""Gaps the field app declares (断点, the ``gaps`` of a patrol record): read and checked.

Each is ``{start, end, cause}``: ISO 8601 times (Beijing time when they have no zone) and
one of ``DECLARED``. ``tracks.clean`` breaks the track between the last fix at or before
``start`` and the first fix at or after ``end`` and gives the gap that cause.
"""

from __future__ import annotations

from geo.boundaries.sync import client_time
from geo.boundaries.tracks.clean import DECLARED
from geo.boundaries.tracks.track import Track
from geo.errors import InvalidInput


def read_declared(gaps: list | None, raw: Track) -> list[tuple[float, float, str]]:
    """The declared gaps as (start, end, cause), times in epoch seconds; InvalidInput naming
    ``gaps[k].start``, ``.end``, ``.cause`` or ``gaps`` (a track without times)."""
    out = []
    for k, gap in enumerate(gaps or []):
        where = f"gaps[{k}]"
        if not isinstance(gap, dict):
            raise InvalidInput(f"{where} must be an object {{start, end, cause}}", field=where)
        start = client_time(gap.get("start"), f"{where}.start")
        end = client_time(gap.get("end"), f"{where}.end")
        if end < start:
            raise InvalidInput(f"{where} ends ({end.isoformat()}) before it starts "
                               f"({start.isoformat()})", field=f"{where}.end")
        if gap.get("cause") not in DECLARED:
            raise InvalidInput(f"{where}.cause must be one of {', '.join(DECLARED)}",
                               field=f"{where}.cause")
        out.append((start.timestamp(), end.timestamp(), gap["cause"]))
    if out and raw.t is None:
        raise InvalidInput("declared gaps need a track with times: this track has none",
                           field="gaps")
    return out


def unplaced_warning(gap: dict, k: int) -> dict:
    """The warning for a declared gap outside the track's times (it breaks nothing)."""
    return {"code": "gap_outside_track",
            "message": f"gaps[{k}] ({gap.get('start')} – {gap.get('end')}) lies outside the "
                       "times of the track: it breaks nothing"}
