"""National data split by province (DESIGN §8, issue 19): a copy of ``place_names``
partitioned by the 2-digit province prefix of the division code, to measure what pruning
gives before the live tables are split (docs/scale.md has the plan).

The copy is ``RANGE`` partitioned on ``division_code`` itself, one partition per province
(``'43' <= code < '44'``) and a default one for names with no division. A query scoped to
a division says so as a range of codes (``division_code >= '4302' AND division_code <
'4303'``, or ``= '430202'``), which PostgreSQL prunes to the one province's partition at
planning time; a query with no division visits every partition.
"""

from __future__ import annotations

import json

from geo.db import execute, fetch_all, fetch_value
from geo.divisions import division_prefix

SCHEMA = "by_province"
# What a partition keeps of place_names: the columns lookups read, with their indexes.
COLUMNS = ("id", "name", "category_code", "division_code", "status", "pinyin", "initials",
           "geom")


def build(conn, source: str = "public.place_names") -> dict:
    """(Re)create ``by_province.place_names`` from ``source``: one partition per province
    prefix found, a default one, the lookup indexes, analysed. Returns what it made."""
    provinces = [r["p"] for r in fetch_all(conn, f"""
        SELECT DISTINCT left(division_code, 2) AS p FROM {source}
        WHERE division_code ~ '^[0-9]{{2}}' ORDER BY 1""")]
    execute(conn, f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    execute(conn, f"CREATE SCHEMA {SCHEMA}")
    execute(conn, f"""
        CREATE TABLE {SCHEMA}.place_names (
            id bigint NOT NULL, name text NOT NULL, category_code text NOT NULL,
            division_code text, status text NOT NULL, pinyin text NOT NULL,
            initials text NOT NULL, geom geometry(Geometry, 4490)
        ) PARTITION BY RANGE (division_code)""")
    for p in provinces:
        upper = f"{int(p) + 1:02d}"
        execute(conn, f"CREATE TABLE {SCHEMA}.place_names_{p} PARTITION OF "
                      f"{SCHEMA}.place_names FOR VALUES FROM ('{p}') TO ('{upper}')")
    execute(conn, f"CREATE TABLE {SCHEMA}.place_names_other PARTITION OF "
                  f"{SCHEMA}.place_names DEFAULT")
    cols = ", ".join(COLUMNS)
    rows = execute(conn, f"INSERT INTO {SCHEMA}.place_names ({cols}) SELECT {cols} FROM {source}")
    for ddl in ("(id)", "(division_code text_pattern_ops)", "(name text_pattern_ops)",
                "(division_code, name)", "USING gin (civgeo_bigrams(name))",
                "USING gist (geom)"):
        execute(conn, f"CREATE INDEX ON {SCHEMA}.place_names {ddl}")
    execute(conn, f"ANALYZE {SCHEMA}.place_names")
    return {"partitions": len(provinces) + 1, "provinces": len(provinces), "rows": rows}


def scanned_partitions(conn, sql: str, params=None) -> tuple[list[str], float, float]:
    """The tables a query reads (after planning-time pruning), its planning and execution
    time in ms (one ``EXPLAIN (ANALYZE, FORMAT JSON)``)."""
    plan = fetch_value(conn, f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found: list[str] = []

    def walk(node: dict) -> None:
        if "Relation Name" in node:
            found.append(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return sorted(set(found)), plan[0]["Planning Time"], plan[0]["Execution Time"]


def province_range(code: str) -> tuple[str, str]:
    """The codes under division ``code`` as a half-open range: ``'4302'`` → ``('4302',
    '4303')`` (how a division-scoped query lets the planner prune)."""
    prefix = division_prefix(code)
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)
