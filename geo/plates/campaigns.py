"""Plate campaigns (门牌设置/更换): plates for the numbered doors of roads that have none
(``new``), or replacements for the damaged and missing plates there (``replace``), followed
to installation; and the proof sheet of a campaign's plates (``sheet``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from geo import audit
from geo.audit import Actor
from geo.db import execute, fetch_all, fetch_value, load_queries
from geo.divisions import check_code
from geo.errors import Conflict, InvalidInput, NotFound
from geo.plates import addresses, plates

_Q = load_queries(__file__)
KINDS = ("new", "replace")


@dataclass(frozen=True)
class PlateSheet:
    """A campaign (as ``campaign`` gives it) and its plates as the proof sheet shows them:
    id, token, url, size, kind, status, road, road_roman, number_label, building, unit and
    the full standard address."""

    campaign: dict
    plates: list[dict]


Plan = Callable[[Any, Actor, str, dict, str, str], list[int]]


def _plan_plates(conn, actor: Actor, kind: str, where: dict, name: str, size: str) -> list[int]:
    if kind == "new":
        return _new_plates(conn, actor, where, size)
    return _replacements(conn, actor, where, name)


def create_campaign(conn, actor: Actor, record: Any, *, subject: str = "plates",
                    plan: Plan = _plan_plates) -> dict:
    """A campaign: plates for the numbered doors of roads (``new``) or replacements for the
    damaged and missing plates there (``replace``). Place-name signs run the same campaigns
    (``subject="signs"``) with their own ``plan`` (``geo.names.signs``): ``plan(conn,
    actor, kind, where, name, size)`` makes the plates or signs and gives their ids."""
    c = _checked(conn, record)
    where = {"roads": c["roads"], "division": c["division"]}
    new_ids = plan(conn, actor, c["kind"], where, c["name"], c["size"])
    campaign_id = fetch_value(conn, _Q["insert_campaign"], {
        "name": c["name"], "kind": c["kind"], "division": c["division"],
        "due_on": c["due_on"], "note": c["note"], "by": actor.name, "subject": subject})
    execute(conn, _Q["link"], {"campaign": campaign_id, "plates": new_ids})
    audit.record(conn, actor, "create", "plate_campaign", campaign_id,
                 after={"kind": c["kind"], "subject": subject, "plates": len(new_ids)})
    return campaign(conn, campaign_id, subject=subject)


def _checked(conn, record: Any) -> dict:
    """The campaign's fields, checked; InvalidInput or Conflict naming the first wrong one."""
    if not isinstance(record, dict):
        raise InvalidInput("the body must be an object", field="body")
    name = record.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100:
        raise InvalidInput("name must be 1 to 100 characters", field="name")
    if fetch_value(conn, _Q["campaign_name_taken"], {"name": name.strip()}) is not None:
        raise Conflict(f"a campaign named {name.strip()} exists", field="name")
    if record.get("kind") not in KINDS:
        raise InvalidInput("kind must be new (plates for numbered doors without one) or "
                           "replace (damaged and missing plates)", field="kind")
    roads = record.get("roads")
    if roads is not None and (not isinstance(roads, list) or not all(
            isinstance(r, int) and not isinstance(r, bool) for r in roads)):
        raise InvalidInput("roads must be a list of road ids", field="roads")
    division = record.get("division")
    if division is not None:
        check_code(division)
    if roads is None and division is None:
        raise InvalidInput("say where: roads or division", field="roads")
    return {"name": name.strip(), "kind": record["kind"], "roads": roads,
            "division": division, "due_on": _date(record.get("due_on"), "due_on"),
            "size": record.get("size", "medium"), "note": record.get("note")}


def _date(value: Any, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a date (YYYY-MM-DD)", field=field) from None


def _new_plates(conn, actor: Actor, where: dict, size: str) -> list[int]:
    """A planned plate for each numbered door there that has none."""
    doors = [r["id"] for r in fetch_all(conn, _Q["doors_needing_plates"], where)]
    if not doors:
        raise InvalidInput("every numbered door there has a plate already (or no door "
                           "is numbered yet)", field="roads")
    return [plates.create(conn, actor, {"entrance_id": d, "size": size})["id"] for d in doors]


def _replacements(conn, actor: Actor, where: dict, name: str) -> list[int]:
    """Each damaged or missing plate there marked replaced; the ids of their replacements."""
    old = [r["id"] for r in fetch_all(conn, _Q["plates_to_replace"], where)]
    if not old:
        raise InvalidInput("no damaged or missing plate there waits for a replacement",
                           field="roads")
    new_ids = []
    for plate_id in old:
        plate = plates.get(conn, plate_id, events=False)
        moved = plates.update(conn, actor, plate_id, {
            "status": "replaced", "version": plate["version"], "note": f"campaign {name}"})
        new_ids.append(moved["replacement"]["id"])
    return new_ids


def _progress(row: dict) -> dict:
    active = row["plates"] - row["closed"]
    row["progress"] = round(row["installed"] / active, 3) if active else None
    return row


def campaigns(conn, *, subject: str = "plates") -> list[dict]:
    """Every campaign of plates (or of signs) with its counts by status and its progress
    (installed / active)."""
    return [_progress(r) for r in fetch_all(conn, _Q["campaigns"],
                                            {"id": None, "subject": subject})]


def campaign(conn, campaign_id: int, *, with_plates: bool = False,
             subject: str = "plates") -> dict:
    """One campaign with its progress; with ``with_plates``, its plates too."""
    rows = fetch_all(conn, _Q["campaigns"], {"id": campaign_id, "subject": subject})
    if not rows:
        raise NotFound(f"no campaign {campaign_id}", field="id")
    found = _progress(rows[0])
    if with_plates:
        found["plates"] = plates.list_plates(conn, campaign=campaign_id, limit=10_000)[0]
    return found


def resolve(conn, key: str | int) -> int:
    """A campaign's id from its id or its name."""
    if isinstance(key, int) or key.isdigit():
        return int(key)
    for c in campaigns(conn):
        if c["name"] == key:
            return c["id"]
    raise NotFound(f"no campaign named {key}", field="campaign")


def sheet(conn, campaign_id: int) -> PlateSheet:
    """The campaign and its plates as the proof sheet prints them."""
    c = campaign(conn, campaign_id)
    rows = fetch_all(conn, _Q["campaign_plate_ids"], {"id": campaign_id})
    found = addresses.addresses(conn, [p["entrance_id"] for p in rows])
    return PlateSheet(c, [_sheet_plate(conn, p, found[p["entrance_id"]]) for p in rows])


def _sheet_plate(conn, p: dict, a: dict) -> dict:
    road = next(n for n in a["standard_names"] if n["level"] == "road")
    full = (addresses.address(conn, p["entrance_id"], p["building_no"], p["unit"])
            if p["building_no"] else a)
    return {"id": p["id"], "token": p["token"], "url": plates.qr_url(p["token"]),
            "size": p["size"], "kind": p["kind"], "status": p["status"],
            "road": a["parts"]["road"], "road_roman": road["roman"],
            "number_label": a["parts"]["number"],
            "building": f"{p['building_no']}栋" if p["building_no"] else None,
            "unit": f"{p['unit']}单元" if p["unit"] else None, "address": full["address"]}
