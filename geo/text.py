"""The limits every piece of text obeys, wherever it comes from (a request, a file, the
command line): no control characters, and a maximum length by kind. The API states the same
limits in its schema (``api.bodies``) and refuses what breaks them before a route runs; the
domain checks them again for what reaches it another way (an imported file, the CLI).

>>> clean("荷塘区", "name")
'荷塘区'
>>> clean("a\\x00b", "note")
Traceback (most recent call last):
...
geo.errors.InvalidInput: note: control characters (U+0000) are not allowed
"""

from __future__ import annotations

import re

from geo.errors import InvalidInput

NAME_MAX = 50           # a place, road, facility, team or person's name (the search's limit)
CODE_MAX = 64           # codes, numbers and keys: 界桩编号, 门牌号, division codes…
LINE_MAX = 500          # one line of text: an address, a title, a reason
NOTE_MAX = 4000         # notes, descriptions, comments, announcement texts
MEMBERS_MAX = 50        # people in a patrol team

# C0 controls except tab, line feed and carriage return; DEL; C1 controls. None of them
# belongs in a name or a note, and PostgreSQL refuses NUL outright.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_reason(value: str) -> str | None:
    """Why ``value`` is refused, or None when it has no control character.

    >>> control_reason("line one\\nline two") is None, control_reason("\\x7f")
    (True, 'control characters (U+007F) are not allowed')
    """
    found = CONTROL.search(value)
    return None if found is None else (
        f"control characters (U+{ord(found.group()):04X}) are not allowed")


def clean(value: str, field: str, max_length: int = NOTE_MAX) -> str:
    """``value`` when it has no control character and at most ``max_length`` characters,
    else InvalidInput naming ``field``."""
    if (reason := control_reason(value)) is not None:
        raise InvalidInput(f"{field}: {reason}", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"{field}: at most {max_length} characters, not {len(value)}",
                           field=field)
    return value
