"""One standard name as the public page shows it (DESIGN §4a): the gazetteer's record
(``gazetteer.get_name``) with what a reader needs around it — the divisions it lies in,
a point in CGCS2000, both romanizations and a shape light enough for a small map.

Nothing here is missing-as-``None`` for a template to print: absent values are left out
or empty, and the page decides what to show."""

from __future__ import annotations

from geo.db import fetch_all, fetch_one, load_queries
from geo.errors import InvalidInput
from geo.names import gazetteer
from geo.names import romanize as rz

_Q = load_queries(__file__)
# Categories whose names are the names of divisions (行政区域, 群众自治组织): their
# division code is their own code, not the code of a division they lie in.
DIVISION_CATEGORIES = ("04", "05")


def is_division(category_code: str) -> bool:
    """A division's own name (province … village committee)?

    >>> is_division("0403"), is_division("0501"), is_division("0801")
    (True, True, False)
    """
    return category_code.startswith(DIVISION_CATEGORIES)


def romanizations(record: dict, joined: bool) -> tuple[str, str]:
    """The tone-less and the toned spelling of a name: as stored, the missing one computed
    by the 1984 rules (``geo.names.romanize``); a hand-entered spelling (minority names)
    is never replaced, and a name the rules cannot spell gets ``''``.

    >>> romanizations({"name": "荷塘区", "generic": "区", "roman": "Hetang Qu",
    ...                "roman_toned": None, "roman_manual": False}, False)
    ('Hetang Qu', 'Hétáng Qū')
    """
    plain, toned = record.get("roman") or "", record.get("roman_toned") or ""
    if (plain and toned) or record.get("roman_manual"):
        return plain, toned
    try:
        computed = rz.romanize(record["name"], joined=joined,
                               generic=record.get("generic") or None)
    except InvalidInput:   # minority-language names, names with digits or brackets
        return plain, toned
    return plain or computed.plain, toned or computed.toned


def changed_on(former: dict):
    """The date a former name stopped being the standard one: the change date the gazetteer
    records when it has one, else the end of the former name's validity (or None)."""
    return former.get("changed_on") or former.get("valid_to")


def name_page(conn, name_id: int) -> dict:
    """A name for the public page: the gazetteer's record (without its full geometry) and
    ``own_division`` (its code is its own), ``parents`` (code, name, level, name_id;
    province first), ``lon``/``lat`` (CGCS2000, 6 decimals, as text; '' without geometry),
    ``roman``/``roman_toned`` (both filled when the rules can), ``shape`` (GeoJSON for the
    map, simplified for display; None without geometry) and each former name's
    ``changed_on``. ``NotFound`` for an unknown id."""
    record = gazetteer.get_name(conn, name_id)
    record.pop("geometry", None)
    context = fetch_one(conn, _Q["context"], {"id": name_id})
    own = is_division(record["category_code"])
    parents = (fetch_all(conn, _Q["parents"], {"code": record["division_code"], "own": own})
               if record["division_code"] else [])
    roman, toned = romanizations(record, bool(context["joined"]))
    former = [{**f, "changed_on": changed_on(f)} for f in record["former_names"]]
    return {**record, "own_division": own, "parents": parents,
            "lon": f"{context['lon']:.6f}" if context["lon"] is not None else "",
            "lat": f"{context['lat']:.6f}" if context["lat"] is not None else "",
            "roman": roman, "roman_toned": toned, "shape": context["shape"],
            "former_names": former}
