"""House numbering along roads: proposals first, then applied in one transaction with the
old → new mapping kept as history (DOMAIN §C, PEERS §2).

Two modes:

- ``fill`` keeps every number there is and numbers the doors without one. A new door
  between two numbered doors takes a free reserved number of its side's parity, as near to
  its frontage slot as order allows, or else a 附号 of the number before it (12-1, 12-2).
- ``renumber`` numbers every door by the rule (``civgeo_rule_numbers`` in SQL): per side,
  from the numbering start, one number per ``spacing_m`` of frontage, skipped numbers left
  out.

A proposal may also change the road: a new ``name`` (the addresses change, the numbers
may stay), a new ``geometry`` (an extension), a ``split`` (the part beyond a point becomes
a new road with its own name), a ``rule``, and ``assign`` numbers by hand. The change is
staged inside a savepoint and rolled back, so the proposal is exactly what applying it
does. Applying checks that neither the road nor its doors changed since, and refuses any
result with two doors on one address (within the road or against another road of the same
name in the county) before anything is written.
"""

from __future__ import annotations

import json
import math
from typing import Any

from geo import audit
from geo.audit import Actor
from geo.db import execute, fetch_all, fetch_one, fetch_value, load_queries
from geo.errors import Conflict, InvalidInput, NotFound
from geo.plates import roads, rules
from geo.plates.fill import fill

_Q = load_queries(__file__)
MODES = ("fill", "renumber")
REQUEST_KEYS = ("mode", "rule", "name", "geometry", "split", "assign", "reason")
SPLIT_MAX_M = 50


# ------------------------------------------------------------------ the request

def check_request(request: Any) -> dict:
    """A numbering request checked field by field (InvalidInput naming the first wrong one),
    with defaults filled in."""
    if not isinstance(request, dict):
        raise InvalidInput("the body must be an object", field="body")
    unknown = set(request) - set(REQUEST_KEYS) - {"action", "proposal"}
    if unknown:
        raise InvalidInput(f"unknown field {sorted(unknown)[0]}; the fields are "
                           f"{', '.join(REQUEST_KEYS)}", field=sorted(unknown)[0])
    mode = request.get("mode", "fill")
    if mode not in MODES:
        raise InvalidInput("mode must be fill (keep numbers, number new doors) or renumber "
                           "(every door by the rule)", field="mode")
    clean: dict[str, Any] = {"mode": mode, "rule": rules.check_rule(request.get("rule"))}
    name = request.get("name")
    if name is not None:
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 60:
            raise InvalidInput("name must be the road's new name, 1 to 60 characters",
                               field="name")
        clean["name"] = name.strip()
    if request.get("geometry") is not None:
        roads.pieces_of(request["geometry"])  # checked now, staged later
        clean["geometry"] = request["geometry"]
    split = request.get("split")
    if split is not None:
        at = split.get("at") if isinstance(split, dict) else None
        if (not isinstance(at, list) or len(at) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           and math.isfinite(v) for v in at)):
            raise InvalidInput("split.at must be [lon, lat]", field="split.at")
        new_name = split.get("name")
        if not isinstance(new_name, str) or not 1 <= len(new_name.strip()) <= 60:
            raise InvalidInput("split.name must name the new road", field="split.name")
        clean["split"] = {"at": [float(at[0]), float(at[1])], "name": new_name.strip()}
    assign = request.get("assign") or {}
    if not isinstance(assign, dict):
        raise InvalidInput("assign must map entrance ids to numbers, e.g. {\"17\": \"12-1\"}",
                           field="assign")
    clean["assign"] = {}
    for key, value in assign.items():
        try:
            entrance = int(key)
        except (TypeError, ValueError):
            raise InvalidInput(f"assign: {key!r} is not an entrance id",
                               field=f"assign.{key}") from None
        clean["assign"][str(entrance)] = rules.parse_number(value, field=f"assign.{key}")
    reason = request.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
        raise InvalidInput("reason must be text up to 500 characters", field="reason")
    clean["reason"] = reason
    return clean


# ------------------------------------------------------------------ staging

def _stage(conn, road: dict, request: dict) -> list[dict]:
    """Make the requested change to the road and work out every door's number; return the
    items. Writes road changes (the caller's savepoint or transaction decides their fate)
    but not the numbers."""
    road_id = road["id"]
    before = {e["id"]: e for e in fetch_all(conn, _Q["doors"], {"roads": [road_id]})}
    if "geometry" in request:
        parts = roads.pieces_of(request["geometry"])
        axis = roads.build_axis(parts, rules.defaults()["piece_gap_max_m"])
        from shapely.geometry import MultiLineString
        execute(conn, _Q["set_geometry"], {"id": road_id, "geom": MultiLineString(parts).wkb,
                                           "axis": axis.wkb})
    if request["rule"]:
        execute(conn, _Q["set_rule"], {"id": road_id, "rule": json.dumps(request["rule"])})
    if "name" in request:
        _name_free(conn, road_id, request["name"], "name")
        standard = roads.standard_name(conn, request["name"], road["division_code"])
        execute(conn, _Q["set_name"], {"id": road_id, "name": request["name"],
                                       "name_id": standard["id"]})
    affected = [(road_id, request["mode"])]
    if "split" in request:
        split = request["split"]
        where = fetch_one(conn, _Q["split_point"], {"id": road_id, "lon": split["at"][0],
                                                     "lat": split["at"][1]})
        if where["distance_m"] > SPLIT_MAX_M:
            raise InvalidInput(f"split.at is {where['distance_m']:.0f} m from the road; it "
                               f"must be within {SPLIT_MAX_M} m", field="split.at")
        if not 10 < where["measure_m"] < where["length_m"] - 10:  # either way round
            raise InvalidInput("split.at must be at least 10 m from either end of the road",
                               field="split.at")
        if split["name"] == fetch_value(conn, _Q["road_name"], {"id": road_id}):
            raise InvalidInput("split.name must differ from the road's name",
                               field="split.name")
        _name_free(conn, road_id, split["name"], "split.name")
        standard = roads.standard_name(conn, split["name"], road["division_code"],
                                       field="split.name")
        new_id = fetch_value(conn, _Q["split_road"], {
            "id": road_id, "f": where["f"], "name": split["name"], "name_id": standard["id"],
            "reversed": roads.get(conn, road_id)["numbered_against_axis"]})
        affected.append((new_id, "renumber"))
    items: list[dict] = []
    for rid, mode in affected:
        items.extend(_numbers(conn, rid, mode, before))
    _assign(items, request["assign"])
    return items


def _name_free(conn, road_id: int, name: str, field: str) -> None:
    """Two current roads of one name in a county would make every address ambiguous."""
    other = fetch_value(conn, _Q["name_taken"], {"id": road_id, "name": name})
    if other is not None:
        raise Conflict(f"road {other} in the same county is already named {name}; merge the "
                       "two or choose another name", field=field, road_id=other)


def _numbers(conn, road_id: int, mode: str, before: dict[int, dict]) -> list[dict]:
    positions = roads.positions(conn, road_id)
    if mode == "renumber":
        by_rule = {r["entrance_id"]: r["new_number"] for r in fetch_all(
            conn, _Q["rule_numbers"], {"roads": [road_id], "defaults": rules.defaults_json()})}
        new = {p["entrance_id"]: (by_rule[p["entrance_id"]], None, "rule") for p in positions}
    else:
        new = fill(positions)
    name = fetch_value(conn, _Q["road_name"], {"id": road_id})
    items = []
    for p in positions:
        old = before.get(p["entrance_id"])
        number, sub, how = new[p["entrance_id"]]
        items.append({
            "entrance_id": p["entrance_id"], "side": p["side"], "odd": p["odd"],
            "measure_m": round(p["measure_m"], 1), "lon": p["lon"], "lat": p["lat"],
            "old_road_id": old["road_id"] if old else road_id,
            "old_road": old["road_name"] if old else name,
            "old_number": rules.label(old["number"], old["sub"]) if old else None,
            "old_raw": old["number_raw"] if old else None,
            "new_road_id": road_id, "new_road": name, "number": number, "sub": sub,
            "new_number": rules.label(number, sub), "how": how})
    return items


def _assign(items: list[dict], assign: dict[str, tuple[int, int | None]]) -> None:
    known = {str(i["entrance_id"]): i for i in items}
    for key, (number, sub) in assign.items():
        if key not in known:
            raise InvalidInput(f"assign: entrance {key} is not a current door of this road",
                               field=f"assign.{key}")
        known[key].update(number=number, sub=sub, new_number=rules.label(number, sub),
                          how="manual")


def _check(conn, items: list[dict]) -> None:
    """Refuse two doors on one address, within the roads or against same-named roads."""
    seen: dict[tuple, int] = {}
    for item in items:
        if item["number"] is None:
            continue
        key = (item["new_road"], item["number"], item["sub"])
        if key in seen:
            raise Conflict(f"{item['new_road']}{item['new_number']} would be given to "
                           f"entrances {seen[key]} and {item['entrance_id']}; nothing was "
                           "written", field="assign", entrances=[seen[key], item["entrance_id"]],
                           address=f"{item['new_road']}{item['new_number']}")
        seen[key] = item["entrance_id"]
    road_ids = sorted({i["new_road_id"] for i in items})
    for clash in fetch_all(conn, _Q["same_name_clashes"], {
            "roads": road_ids, "names": [k[0] for k in seen], "numbers": [k[1] for k in seen],
            "subs": [k[2] or 0 for k in seen]}):
        raise Conflict(f"{clash['road']}{clash['label']} already exists on road "
                       f"{clash['road_id']} (the same name in the same county); nothing was "
                       "written", field="name", road_id=clash["road_id"],
                       address=f"{clash['road']}{clash['label']}")


def _changed(items: list[dict]) -> list[dict]:
    """The doors whose address changes: another number, road or road name."""
    return [i for i in items if i["old_number"] != i["new_number"]
            or i["old_road"] != i["new_road"] or i["old_road_id"] != i["new_road_id"]]


def _summary(items: list[dict]) -> dict:
    changed = _changed(items)
    by_how: dict[str, int] = {}
    for i in items:
        by_how[i["how"]] = by_how.get(i["how"], 0) + 1
    return {"doors": len(items), "changed": len(changed), "by_how": by_how,
            "unresolved": [i["entrance_id"] for i in items if i["number"] is None]}


# ------------------------------------------------------------------ propose / apply

def propose(conn, actor: Actor, road_id: int, request: Any) -> dict:
    """What the requested numbering would do, stored as a proposal to apply later."""
    request = check_request(request)
    road = roads.get(conn, road_id)
    if road["status"] != "current":
        raise Conflict(f"road {road_id} is retired", field="id")
    digest = fetch_value(conn, _Q["digest"], {"id": road_id})
    execute(conn, "SAVEPOINT numbering_proposal")
    try:
        items = _stage(conn, road, request)
        error = None
        try:
            _check(conn, items)
        except Conflict as exc:
            error = exc
    finally:
        execute(conn, "ROLLBACK TO SAVEPOINT numbering_proposal")
    if error is not None:
        raise error
    changed = [i["entrance_id"] for i in _changed(items)]
    result = {"items": items, "summary": _summary(items),
              "plates_affected": fetch_all(conn, _Q["affected_plates"], {"ids": changed})}
    proposal_id = fetch_value(conn, _Q["insert_proposal"], {
        "road": road_id, "version": road["version"], "digest": digest,
        "request": json.dumps(request, ensure_ascii=False),
        "result": json.dumps(result, ensure_ascii=False), "by": actor.name})
    audit.record(conn, actor, "propose_numbering", "road", road_id,
                 after={"proposal": proposal_id, **result["summary"]})
    return {"proposal": proposal_id, "road_id": road_id, "road_version": road["version"],
            "request": request, **result}


def apply(conn, actor: Actor, road_id: int, proposal_id: Any) -> dict:
    """Apply a stored proposal: the road change, the numbers and the history, together."""
    if not isinstance(proposal_id, int) or isinstance(proposal_id, bool):
        raise InvalidInput("proposal must be the id of a proposal (propose first)",
                           field="proposal")
    proposal = fetch_one(conn, _Q["proposal"], {"id": proposal_id, "road": road_id})
    if proposal is None:
        raise NotFound(f"no proposal {proposal_id} for road {road_id}", field="proposal")
    if proposal["applied_at"] is not None:
        raise Conflict(f"proposal {proposal_id} was applied at {proposal['applied_at']}",
                       field="proposal")
    execute(conn, _Q["lock_roads"], {"ids": [road_id]})  # one apply at a time per road
    road = roads.get(conn, road_id)
    digest = fetch_value(conn, _Q["digest"], {"id": road_id})
    if road["version"] != proposal["road_version"] or digest != proposal["digest"]:
        raise Conflict(f"road {road_id} or its doors changed since proposal {proposal_id}; "
                       "propose again", field="proposal", road_version=road["version"],
                       proposal_version=proposal["road_version"])
    request = proposal["request"]
    request["assign"] = {k: tuple(v) for k, v in request.get("assign", {}).items()}
    items = _stage(conn, road, request)
    _check(conn, items)
    if [(i["entrance_id"], i["new_number"]) for i in items] != [
            (i["entrance_id"], i["new_number"]) for i in proposal["result"]["items"]]:
        raise Conflict("the numbering no longer comes out as proposed; propose again",
                       field="proposal")
    changed = _changed(items)
    execute(conn, _Q["set_numbers"], {
        "ids": [i["entrance_id"] for i in changed],
        "numbers": [i["number"] for i in changed], "subs": [i["sub"] for i in changed]})
    reason = request.get("reason") or _reason(request)
    renumbering = fetch_value(conn, _Q["insert_renumbering"], {
        "road": road_id, "proposal": proposal_id, "reason": reason, "by": actor.name})
    execute(conn, _Q["insert_items"], {
        "renumbering": renumbering, "ids": [i["entrance_id"] for i in changed],
        "old_road_ids": [i["old_road_id"] for i in changed],
        "old_roads": [i["old_road"] for i in changed],
        "old_numbers": [i["old_number"] or i["old_raw"] for i in changed],
        "new_road_ids": [i["new_road_id"] for i in changed],
        "new_roads": [i["new_road"] for i in changed],
        "new_numbers": [i["new_number"] for i in changed]})
    outdated = fetch_all(conn, _Q["mark_outdated"], {
        "ids": [i["entrance_id"] for i in changed],
        "old": [f"{i['old_road']}{i['old_number'] or i['old_raw'] or ''}" for i in changed],
        "new": [f"{i['new_road']}{i['new_number'] or ''}" for i in changed], "by": actor.name})
    execute(conn, _Q["mark_applied"], {"id": proposal_id})
    execute(conn, _Q["bump_road"], {"ids": sorted({i["new_road_id"] for i in items} | {road_id})})
    audit.record(conn, actor, "apply_numbering", "road", road_id,
                 after={"proposal": proposal_id, "renumbering": renumbering,
                        "changed": len(changed)})
    return {"applied": True, "proposal": proposal_id, "renumbering": renumbering,
            "road_id": road_id, "changed": len(changed),
            "new_roads": sorted({i["new_road_id"] for i in items} - {road_id}),
            "plates_outdated": outdated,
            "mapping": [{k: i[k] for k in ("entrance_id", "old_road", "old_number",
                                           "new_road", "new_number")} for i in changed]}


def _reason(request: dict) -> str:
    parts = []
    if "name" in request:
        parts.append(f"renamed {request['name']}")
    if "split" in request:
        parts.append(f"split, the far part named {request['split']['name']}")
    if "geometry" in request:
        parts.append("road redrawn")
    if request.get("rule"):
        parts.append("rule changed")
    parts.append("renumbered by the rule" if request["mode"] == "renumber"
                 else "new doors numbered")
    return "; ".join(parts)


def history(conn, road_id: int) -> list[dict]:
    """The renumberings of a road (or that moved doors off it), newest first, with the
    old → new mapping."""
    roads.get(conn, road_id)
    return fetch_all(conn, _Q["history"], {"id": road_id})


# ------------------------------------------------------------------ bulk

def number_roads(conn, actor: Actor, road_ids: list[int], reason: str) -> dict:
    """Number every door of many roads by their rules in one statement, with history
    (new roads; the benchmark's path). Refused if two of them, or one and another road,
    share a name in a county and would share numbers."""
    clash = fetch_one(conn, _Q["bulk_name_clash"], {"roads": road_ids})
    if clash:
        raise Conflict(f"roads {clash['a']} and {clash['b']} are both {clash['name']} in "
                       f"{clash['division_code']}; number them as one road or rename one",
                       field="roads")
    row = fetch_one(conn, _Q["number_roads"], {"roads": road_ids,
                                                "defaults": rules.defaults_json(),
                                                "reason": reason, "by": actor.name})
    audit.record(conn, actor, "number_roads", "road", None,
                 after={"roads": len(road_ids), **row})
    return row
