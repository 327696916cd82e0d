"""Numbers for the doors that have none, between the numbered doors of a side (the
``fill`` mode of ``numbering``). Pure arithmetic on door positions; no database.

A new door between two numbered doors takes a free number of its side's parity, as near to
its frontage slot (one number per ``spacing_m`` from the numbering start) as order allows,
or else a 附号 of the number before it (12-1, 12-2).
"""

from __future__ import annotations


def nth_number(n: int, odd: bool, skip: list[int]) -> int:
    """The n-th (from 0) number of a parity, skipped numbers left out (SQL twin:
    civgeo_nth_number).

    >>> [nth_number(n, True, []) for n in range(4)]
    [1, 3, 5, 7]
    >>> [nth_number(n, False, [4, 14]) for n in range(7)]     # no 4 and no 14 on this road
    [2, 6, 8, 10, 12, 16, 18]
    """
    base = 1 if odd else 2
    candidate = base + 2 * n
    while True:
        skipped = sum(1 for s in skip if base <= s <= candidate and s % 2 == base % 2)
        nxt = base + 2 * (n + skipped)
        if nxt == candidate:
            return candidate
        candidate = nxt


def _allowed(number: int, skip: list[int]) -> bool:
    return number not in skip


def fill(positions: list[dict]) -> dict[int, tuple[int | None, int | None, str]]:
    """Keep the numbers there are; number the rest. ``positions`` are in measure order,
    each with entrance_id, number, sub, odd, measure_m and the road's rule; the answer is
    {entrance_id: (number, sub, how)} with ``how`` one of kept, slot, reserved, sub, none.

    Two new doors on the odd side between 3 and 5, no number free between them, become
    3-1 and 3-2; a new door beyond 5 takes the next free odd number:

    >>> rule = {"spacing_m": 0, "skip_numbers": []}
    >>> def door(i, at, number=None):
    ...     return {"entrance_id": i, "number": number, "sub": None, "odd": True,
    ...             "measure_m": at, "rule": rule}
    >>> found = fill([door(1, 0, 3), door(2, 5), door(3, 8), door(4, 10, 5), door(5, 20)])
    >>> [found[i] for i in range(1, 6)]                                 # doors 1 to 5
    [(3, None, 'kept'), (3, 1, 'sub'), (3, 2, 'sub'), (5, None, 'kept'), (7, None, 'reserved')]
    """
    if not positions:
        return {}
    rule = positions[0]["rule"]
    spacing = rule.get("spacing_m") or 0
    skip = list(rule.get("skip_numbers") or [])
    used = {(p["number"], p["sub"]) for p in positions if p["number"]}
    out: dict[int, tuple[int | None, int | None, str]] = {}
    for odd in (True, False):
        seq = [p for p in positions if p["odd"] is odd]
        i = 0
        while i < len(seq):
            if seq[i]["number"]:
                out[seq[i]["entrance_id"]] = (seq[i]["number"], seq[i]["sub"], "kept")
                i += 1
                continue
            j = i
            while j < len(seq) and not seq[j]["number"]:
                j += 1
            lo = seq[i - 1] if i > 0 else None
            hi = seq[j] if j < len(seq) else None
            _fill_run(seq[i:j], lo, hi, odd, spacing, skip, used, out)
            i = j
    return out


def _fill_run(run: list[dict], lo: dict | None, hi: dict | None, odd: bool, spacing: float,
              skip: list[int], used: set, out: dict) -> None:
    lo_n = lo["number"] if lo else 0
    desired = [nth_number(int(p["measure_m"] // spacing), odd, skip) if spacing else 0
               for p in run]
    top = hi["number"] if hi else max(desired + [lo_n]) + 2 * len(run) + 2
    parity = 1 if odd else 0
    free = [n for n in range(lo_n + 1, top) if n % 2 == parity and _allowed(n, skip)
            and (n, None) not in used]
    previous: tuple[int, int | None] | None = (lo["number"], lo["sub"]) if lo else None
    for k, door in enumerate(run):
        left = len(run) - k - 1
        floor_n = previous[0] if previous else 0
        options = [n for n in free if n > floor_n]
        if len(options) > left:
            usable = options[:len(options) - left]
            pick = next((n for n in usable if n >= desired[k]), usable[-1])
            free.remove(pick)
            used.add((pick, None))
            how = "slot" if pick == desired[k] else "reserved"
            out[door["entrance_id"]] = (pick, None, how)
            previous = (pick, None)
            continue
        if previous is None:
            out[door["entrance_id"]] = (None, None, "none")
            continue
        base, sub = previous[0], (previous[1] or 0) + 1
        limit = hi["sub"] if hi and hi["number"] == base and hi["sub"] else 100
        while (base, sub) in used and sub < limit:
            sub += 1
        if sub >= limit:
            out[door["entrance_id"]] = (None, None, "none")
            continue
        used.add((base, sub))
        out[door["entrance_id"]] = (base, sub, "sub")
        previous = (base, sub)
