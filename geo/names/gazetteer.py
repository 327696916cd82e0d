"""The standard-name gazetteer: categories, name records with romanization, history, and
the bulk loaders used for the sample data and the national list."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import shapely
from pypinyin import Style, lazy_pinyin

from geo.db import execute, fetch_all, fetch_one, fetch_value, load_queries
from geo.errors import InvalidInput, NotFound
from geo.names import romanize as rz

_Q = load_queries(__file__)
CATEGORIES_FILE = Path(__file__).with_name("data") / "categories.csv"
# Division level → category code (see data/categories.csv).
LEVEL_CATEGORY = {"province": "0401", "prefecture": "0402", "county": "0403",
                  "township": "0404", "community": "0501"}
VILLAGE_CATEGORY = "0502"
STREET_CATEGORY = "0801"


def load_categories(conn, path: Path = CATEGORIES_FILE) -> int:
    """Insert or update the category table from a CSV file; return the rows read."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    rows.sort(key=lambda r: len(r["code"]))  # parents first
    with conn.cursor() as cur:
        for r in rows:
            cur.execute(_Q["upsert_category"], {
                "code": r["code"], "name": r["name"], "parent_code": r["parent_code"] or None,
                "scope": r["scope"] or None, "joined": r["joined"] == "true",
                "rank": int(r["rank"])})
    return len(rows)


def categories(conn) -> dict[str, dict]:
    """Every category by code."""
    return {r["code"]: r for r in fetch_all(conn, _Q["categories"])}


@dataclass(frozen=True)
class SearchKeys:
    """Latin keys of a name: pinyin run together, of its 专名, and initials."""

    pinyin: str
    proper_pinyin: str
    initials: str


def search_keys(name: str, proper: str) -> SearchKeys:
    """Tone-less pinyin keys, read with the place-name readings."""
    rz._load_readings()
    syllables = [s for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s]
    proper_syllables = [s for s in lazy_pinyin(proper, style=Style.NORMAL, errors="ignore") if s]
    return SearchKeys("".join(syllables).lower(), "".join(proper_syllables).lower(),
                      "".join(s[0] for s in syllables).lower())


@dataclass(frozen=True)
class NameRow:
    """A place name to insert."""

    name: str
    category_code: str
    source: str
    division_code: str | None = None
    geom: object | None = None
    meaning: str | None = None
    status: str = "standard"


def _prepare(row: NameRow, joined: bool) -> list:
    parts = rz.split(row.name, category=row.category_code)
    proper = row.name[: len(row.name) - len(parts.generic)]  # 专名, ordinals and numbers included
    try:
        roman = rz.romanize(row.name, joined=joined, category=row.category_code)
        plain, toned = roman.plain, roman.toned
    except InvalidInput:  # minority-language or non-Chinese names: romanized by hand later
        plain = toned = None
    keys = search_keys(row.name, proper)
    wkb = None if row.geom is None else shapely.to_wkb(row.geom, hex=True)
    return [row.name, proper, parts.generic, plain, toned, row.category_code,
            row.division_code, wkb, row.meaning, row.status, row.source, keys.pinyin,
            keys.proper_pinyin, keys.initials]


def _copy_field(value) -> str:
    """One field in COPY's text format: backslashes escaped, tabs and newlines blanked."""
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")


def prepared_lines(rows: Iterable[NameRow], joined: dict[str, bool]):
    """COPY lines (romanization and search keys computed) for ``rows``."""
    for row in rows:
        if row.category_code not in joined:
            raise InvalidInput(f"unknown category {row.category_code}", field="category")
        yield "\t".join(_copy_field(v) for v in _prepare(row, joined[row.category_code])) + "\n"


def copy_lines(conn, lines: io.TextIOBase, dataset: str | None) -> list[int]:
    """Insert prepared COPY lines (see ``prepared_lines``); return the new ids in order."""
    with conn.cursor() as cur:
        cur.execute(_Q["stage_names"])
        cur.copy_expert("COPY names_stage (name, proper, generic, roman, roman_toned, "
                        "category_code, division_code, wkb, meaning, status, source, pinyin, "
                        "proper_pinyin, initials) FROM STDIN", lines)
        cur.execute(_Q["insert_staged"], {"dataset": dataset})
        ids = [r[0] for r in cur.fetchall()]
        cur.execute("DROP TABLE names_stage")
    return ids


def add_names(conn, rows: Iterable[NameRow], dataset: str | None) -> list[int]:
    """Insert names with romanization and search keys; return their ids, in order."""
    joined = {code: c["joined"] for code, c in categories(conn).items()}
    return copy_lines(conn, io.StringIO("".join(prepared_lines(rows, joined))), dataset)


def get_name(conn, name_id: int) -> dict:
    """A name with its category, geometry, former names and (if historical) its successor."""
    row = fetch_one(conn, _Q["get_name"], {"id": name_id})
    if row is None:
        raise NotFound(f"no place name with id {name_id}", field="id")
    row["former_names"] = fetch_all(conn, _Q["former_names"], {"id": name_id})
    row["current"] = None
    if row["current_id"] is not None:
        cur = fetch_one(conn, _Q["get_name"], {"id": row["current_id"]})
        row["current"] = {"id": cur["id"], "name": cur["name"], "roman": cur["roman"],
                          "since": row["valid_to"]}
    return row


def names_from_divisions(conn, code: str, dataset: str | None) -> int:
    """Make the sample divisions under ``code`` into standard names (source: the division's)."""
    rows, named = [], named_division_codes(conn)
    for d in fetch_all(conn, _Q["division_names"], {"code": code}):
        if d["code"] in named:  # kept from an earlier load (e.g. renamed by an officer)
            continue
        category = LEVEL_CATEGORY[d["level"]]
        if d["level"] == "community" and d["urban"] is False:
            category = VILLAGE_CATEGORY
        rows.append(NameRow(d["name"], category, "china-division 2.7.0 (NBS 2023)",
                            d["code"], shapely.from_wkb(bytes(d["wkb"]))))
    return len(add_names(conn, rows, dataset))


def names_from_network(conn, network_id: int, dataset: str | None) -> int:
    """Named streets of a network become 街路巷 names (geometry: the merged street)."""
    rows = [NameRow(r["name"], STREET_CATEGORY, "OpenStreetMap street names (ODbL)",
                    r["division_code"], shapely.from_wkb(bytes(r["wkb"])))
            for r in fetch_all(conn, _Q["street_names"], {"network_id": network_id})]
    return len(add_names(conn, rows, dataset))


# How a division change reads in a former name's 历史沿革.
CHANGE_KIND_ZH = {"county_to_district": "撤县设区", "county_to_city": "撤县设市",
                  "rename": "更名", "merge": "合并", "split": "拆分", "recode": "代码变更",
                  "abolish": "撤销", "new_division": "新设", "seat_move": "驻地迁移",
                  "boundary_change": "边界调整"}


def former_names_from_history(conn, prefix: str | None = None,
                              dataset: str | None = None) -> int:
    """The division history's old names as former names (曾用名) in the gazetteer.

    Each recorded change whose old name differs from the current standard name of its new
    code (株洲县 → 渌口区, 2018-06-19) becomes a historical name leading to that name, valid
    until the change's effective date. Idempotent: a change already turned into a former
    name is left alone. ``prefix`` limits it to new codes under a division prefix. Returns
    how many names were added."""
    joined = {code: c["joined"] for code, c in categories(conn).items()}
    added = 0
    for c in fetch_all(conn, _Q["former_names_due"], {"prefix": prefix}):
        # Filed where the place lies now, so a search within the current division finds it
        # (the old code stays in the division history).
        row = NameRow(c["old_name"], c["category_code"],
                      f"division history: {c['source']}", c["division_code"])
        (name, proper, generic, roman, roman_toned, category_code, division_code, _wkb,
         _meaning, _status, source, pinyin, proper_pinyin, initials) = _prepare(
            row, joined[c["category_code"]])
        kind = CHANGE_KIND_ZH.get(c["kind"], c["kind"])
        execute(conn, _Q["insert_former"], {
            "name": name, "proper": proper, "generic": generic, "roman": roman,
            "roman_toned": roman_toned, "category_code": category_code,
            "division_code": division_code, "effective": c["effective"],
            "current_id": c["current_id"], "document_no": c["approval"],
            "history": f"{c['effective']:%Y-%m-%d} {kind}：{name} → {c['current_name']}",
            "source": source, "dataset": dataset, "pinyin": pinyin,
            "proper_pinyin": proper_pinyin, "initials": initials})
        added += 1
    return added


def names_frame(conn, ids: list[int]):
    """Names (with geometry) by id as a GeoDataFrame, for maps."""
    from geo.db import fetch_frame

    return fetch_frame(conn, _Q["names_frame"], {"ids": list(ids)})


def count_names(conn, dataset: str) -> int:
    """How many names a dataset loaded."""
    return fetch_value(conn, _Q["count_names"], {"dataset": dataset})


def named_division_codes(conn) -> set[str]:
    """Division codes that already have a name."""
    return {r["division_code"] for r in fetch_all(conn, _Q["named_division_codes"])}


def refresh_search_indexes(conn) -> None:
    """Merge the GIN pending lists and analyse, after a bulk load."""
    execute(conn, _Q["refresh_search_indexes"])
