"""Place-name signs (地名标志, GB 17733): street and lane signs (街路巷标志), village signs
(村标志), building and compound signs (建筑物、居民区标志).

A sign is a plate (``geo.plates.plates``) that stands for a standard name at a position,
and keeps the text actually printed on it (``printed_name``, ``printed_roman``). It goes
through the plates' lifecycle, QR tokens, public damage reports and campaigns: only what
differs lives here.

- **Outdated signs.** The name a sign stands for today follows 更名 through the register
  (``current_id``); a sign is flagged for replacement when its name was renamed or
  abolished, or when its printed name or romanization differs from the standard one (a
  corrected romanization, a typo, "Rd." for 路). A replacement prints the current name.
- **Gaps.** Every current named road needs a street sign at its two ends and at each
  intersection with another named road (``spots``, computed on the road geometry in
  PostGIS); every 行政村 needs a village sign (``villages``). The search radius is the
  numbering setting ``sign_radius_m`` (per division, ``civgeo plates set``).
- **Campaigns** (``create_campaign``): ``new`` plans a sign at every gap, ``replace`` plans
  replacements for the outdated, damaged and missing signs.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from geo import audit
from geo.audit import Actor
from geo.db import fetch_all, fetch_one, fetch_value, load_queries
from geo.divisions import check_code
from geo.errors import Conflict, InvalidInput, NotFound
from geo.plates import campaigns, plates, rules

_Q = load_queries(__file__)
KINDS = ("street", "village", "compound")
KIND_LABELS = {"street": "街路巷标志", "village": "村标志", "compound": "建筑物、居民区标志"}
# Which categories of standard name each kind of sign may show (place_categories codes).
KIND_CATEGORIES = {"street": ("08", "0801"), "village": ("0502", "0702"),
                   "compound": ("11", "1101", "1102", "0501")}
SAME_PLACE_M = 5          # a second sign of the same name this close is a duplicate
TEE_M = 12                # a road ending this close to another meets it (T junction)
REPLACEABLE = ("installed", "damaged", "missing")   # the lifecycle's steps to "replaced"
SAMPLE_SOURCE = "synthetic (seeded signs at road ends and intersections; labelled sample)"
OUTDATED = {
    "renamed": "更名", "abolished": "已销名", "name_differs": "名称不符",
    "roman_differs": "罗马字母拼写不符",
}


# ------------------------------------------------------------------ outdated signs

def _letters(text: str | None) -> str:
    """A romanization compared as signs print it: case, tone marks and spacing aside
    (ZHONGSHAN LU, Zhōngshān Lù and Zhongshan  Lu are one spelling)."""
    plain = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", plain).strip().casefold()


def outdated(sign: dict) -> list[dict]:
    """Why a sign no longer shows its standard name (empty when it does), each reason
    with its code and a sentence."""
    reasons = []
    if sign["standard_status"] != "standard":
        reasons.append({"code": "abolished", "message": f"{sign['standard_name']} was "
                        "abolished (销名): the sign is to be removed"})
    elif sign["standard_id"] != sign["name_id"]:
        reasons.append({"code": "renamed", "message": f"{sign['linked_name']} was renamed "
                        f"{sign['standard_name']}: the sign still shows the former name"})
    elif sign["printed_name"] != sign["standard_name"]:
        reasons.append({"code": "name_differs", "message": f"the sign shows "
                        f"{sign['printed_name']}, the standard name is "
                        f"{sign['standard_name']}"})
    if (not reasons or reasons[0]["code"] == "name_differs") and sign["standard_roman"] \
            and _letters(sign["printed_roman"]) != _letters(sign["standard_roman"]):
        reasons.append({"code": "roman_differs", "message": f"the sign spells "
                        f"{sign['printed_roman'] or '(nothing)'}, the standard romanization "
                        f"is {sign['standard_roman']}"})
    return reasons


def _view(row: dict) -> dict:
    row["kind_label"] = KIND_LABELS[row["kind"]]
    row["status_label"] = plates.STATUS_LABELS[row["status"]]
    row["url"] = plates.qr_url(row["token"])
    row["outdated"] = outdated(row) if row["status"] not in ("replaced", "removed") else []
    row["synthetic"] = bool(row["source"] and row["source"].startswith("synthetic"))
    return row


# ------------------------------------------------------------------ read

def list_signs(conn, *, division: str | None = None, road: int | None = None,
               kind: str | None = None, status: str | None = None, campaign: int | None = None,
               reported: bool = False, only_outdated: bool = False, active: bool = False,
               sign_id: int | None = None) -> list[dict]:
    """Signs with the standard name each stands for today and why it is outdated, if it
    is; filtered by division (of the name or of its road), road, kind, status, campaign,
    public reports waiting, outdated only, in service only."""
    if division is not None:
        check_code(division)
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if status is not None and status not in plates.STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(plates.STATUSES)}",
                           field="status")
    rows = [_view(r) for r in fetch_all(conn, _Q["signs"], {
        "id": sign_id, "kind": kind, "status": status, "active": active or only_outdated,
        "road": road, "division": division, "campaign": campaign, "reported": reported})]
    return [r for r in rows if r["outdated"]] if only_outdated else rows


def get(conn, sign_id: int, *, events: bool = True) -> dict:
    """One sign with its standard name, why it is outdated and (unless ``events`` is
    false) its lifecycle; NotFound for no sign (a door plate is not one)."""
    rows = list_signs(conn, sign_id=sign_id)
    if not rows:
        raise NotFound(f"no sign {sign_id}", field="id")
    sign = rows[0]
    if events:
        sign["events"] = plates.events_of(conn, sign_id)
    return sign


# ------------------------------------------------------------------ create, change

def _position(record: dict) -> tuple[float, float]:
    lon, lat = record.get("lon"), record.get("lat")
    if lon is None or lat is None:
        raise InvalidInput("a sign needs its position: lon and lat (CGCS2000)", field="lon")
    return plates.position(record)


def _kind_for(category: str) -> str | None:
    return next((k for k, cats in KIND_CATEGORIES.items() if category in cats), None)


def _text(value: Any, field: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise InvalidInput(f"{field} must be the text on the sign, 1 to {limit} characters",
                           field=field)
    return value.strip()


def create(conn, actor: Actor, record: Any, *, replaces: int | None = None,
           source: str | None = None) -> dict:
    """A planned sign showing a standard name in force at a position. The printed text
    defaults to the standard name and its romanization; give ``printed_name`` and
    ``printed_roman`` to record a sign already standing as it reads."""
    if not isinstance(record, dict):
        raise InvalidInput("the body must be an object", field="body")
    name_id = record.get("name_id")
    if not isinstance(name_id, int) or isinstance(name_id, bool):
        raise InvalidInput("name_id must be the id of the standard name the sign shows",
                           field="name_id")
    lon, lat = _position(record)
    name = fetch_one(conn, _Q["standard_name"], {"id": name_id, "lon": lon, "lat": lat})
    if name is None:
        raise NotFound(f"no place name {name_id}", field="name_id")
    if name["status"] != "standard":
        raise InvalidInput(f"{name['name']} is not a standard name in force ({name['status']}):"
                           " a sign shows the current standard name", field="name_id")
    kind = record.get("kind") or _kind_for(name["category_code"])
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if name["category_code"] not in KIND_CATEGORIES[kind]:
        raise InvalidInput(f"{name['name']} (category {name['category_code']}) is not a name "
                           f"a {KIND_LABELS[kind]} shows", field="kind")
    size = record.get("size", "medium")
    if size not in plates.SIZES:
        raise InvalidInput(f"size must be one of {', '.join(plates.SIZES)}", field="size")
    road_id = record.get("road_id", name["road_id"] if kind == "street" else None)
    if road_id is not None:
        road = fetch_one(conn, _Q["road_ok"], {"id": road_id})
        if road is None or road["status"] != "current":
            raise NotFound(f"no current road {road_id}", field="road_id")
    if replaces is None and fetch_value(conn, _Q["active_at"], {
            "name": name_id, "kind": kind, "lon": lon, "lat": lat,
            "within_m": SAME_PLACE_M}) is not None:
        raise Conflict(f"a {KIND_LABELS[kind]} of {name['name']} already stands here; "
                       "replace it instead", field="name_id")
    token = (plates.checked_token(conn, record["token"]) if record.get("token") is not None
             else plates.new_token())
    sign_id = fetch_value(conn, _Q["insert_sign"], {
        "kind": kind, "size": size, "name": name_id, "road": road_id, "lon": lon, "lat": lat,
        "printed_name": _text(record.get("printed_name"), "printed_name", 60) or name["name"],
        "printed_roman": (_text(record.get("printed_roman"), "printed_roman", 200)
                          or name["roman"]),
        "token": token, "replaces": replaces, "source": source, "by": actor.name})
    plates.event(conn, sign_id, "planned", None, "planned", actor.name,
                 f"replaces sign {replaces}" if replaces else None)
    audit.record(conn, actor, "create", "sign", sign_id, after={"name_id": name_id,
                                                                "kind": kind})
    return get(conn, sign_id)


def replacement(conn, actor: Actor, old: dict) -> dict:
    """The sign that replaces ``old`` (a plate row of a sign): the same place, kind and
    size, printing the name it stands for today."""
    sign = get(conn, old["id"], events=False)
    if sign["standard_status"] != "standard":
        raise Conflict(f"{sign['standard_name']} was abolished: remove the sign, there is "
                       "no name to replace it with", field="status")
    return create(conn, actor, {"name_id": sign["standard_id"], "kind": sign["kind"],
                                "size": sign["size"], "lon": sign["lon"], "lat": sign["lat"],
                                "road_id": sign["road_id"]}, replaces=sign["id"])


def update(conn, actor: Actor, sign_id: int, changes: Any) -> dict:
    """A step of the sign's lifecycle (as for plates), based on a version."""
    get(conn, sign_id, events=False)
    moved = plates.update(conn, actor, sign_id, changes, family="sign")
    return {**get(conn, sign_id), **{k: moved[k] for k in ("replacement",) if k in moved}}


def public_view(conn, sign_id: int) -> dict:
    """What a scanned sign shows the public: the standard name it stands for, its
    romanization and category, and whether the sign is outdated; nothing internal."""
    s = get(conn, sign_id, events=False)
    return {"plate": {"kind": s["kind"], "size": s["size"], "status": s["status"],
                      "status_label": s["status_label"],
                      "being_replaced": s["replaced_by"] is not None,
                      "printed_address": None},
            "address": s["standard_name"],
            "sign": {"kind": s["kind"], "kind_label": s["kind_label"],
                     "printed_name": s["printed_name"], "printed_roman": s["printed_roman"],
                     "name_id": s["standard_id"], "name": s["standard_name"],
                     "roman": s["standard_roman"], "category": s["category"],
                     "abolished": s["standard_status"] != "standard",
                     "outdated": [r["code"] for r in s["outdated"]], "road": s["road"]},
            "lon": s["lon"], "lat": s["lat"]}


# ------------------------------------------------------------------ gaps

def _defaults() -> str:
    return rules.defaults_json()


def spots(conn, *, division: str | None = None, road: int | None = None) -> list[dict]:
    """Every place a road needs a street sign (its ends, its intersections with other
    named roads), with the sign serving it (``sign_id``) or none: a gap."""
    if division is None and road is None:
        raise InvalidInput("say where: division or road", field="division")
    if division is not None:
        check_code(division)
    return fetch_all(conn, _Q["spots"], {
        "defaults": _defaults(), "division": division, "road": road,
        "tee_m": TEE_M, "tee_deg": TEE_M / 111_320.0 / math.cos(math.radians(50))})


def villages(conn, division: str) -> list[dict]:
    """Every 行政村 of the division with its village sign in service, or none."""
    check_code(division)
    return fetch_all(conn, _Q["villages"], {"division": division})


def check(conn, division: str) -> dict:
    """The state of a division's signs: counts by status, the outdated signs, the signs
    with public reports waiting, the street spots without a sign and the 行政村 without a
    village sign."""
    signs = list_signs(conn, division=division, active=True)
    street = spots(conn, division=division)
    village = villages(conn, division)
    gaps = [s for s in street if s["sign_id"] is None]
    by_status: dict[str, int] = {}
    for s in signs:
        by_status[s["status"]] = by_status.get(s["status"], 0) + 1
    out = [s for s in signs if s["outdated"]]
    return {"division": division, "signs": len(signs), "by_status": by_status,
            "outdated": out, "reported": [s for s in signs if s["public_reports"]],
            "spots": len(street), "gaps": gaps,
            "roads": len({s["road_id"] for s in street}),
            "roads_with_gaps": len({g["road_id"] for g in gaps}),
            "villages": len(village),
            "villages_without_sign": [v for v in village if v["sign_id"] is None]}


# ------------------------------------------------------------------ campaigns

def _plan(conn, actor: Actor, kind: str, where: dict, name: str, size: str) -> list[int]:
    """The signs a campaign plans: one at every gap (``new``), or replacements of the
    outdated, damaged and missing signs (``replace``)."""
    if kind == "new":
        return _new_signs(conn, actor, where, size)
    return _replacements(conn, actor, where, name)


def _new_signs(conn, actor: Actor, where: dict, size: str) -> list[int]:
    places = []
    for road in where["roads"] or [None]:
        if road is not None or where["division"] is not None:
            places += [("street", s["name_id"], s["road_id"], s["lon"], s["lat"])
                       for s in spots(conn, division=where["division"] if road is None
                                      else None, road=road) if s["sign_id"] is None]
    if where["division"] is not None and not where["roads"]:
        places += [("village", v["name_id"], None, v["lon"], v["lat"])
                   for v in villages(conn, where["division"])
                   if v["sign_id"] is None and v["lon"] is not None]
    if not places:
        raise InvalidInput("every road end, intersection and 行政村 there has its sign",
                           field="roads")
    return [create(conn, actor, {"kind": k, "name_id": n, "road_id": r, "lon": x, "lat": y,
                                 "size": size})["id"] for k, n, r, x, y in places]


def _replacements(conn, actor: Actor, where: dict, name: str) -> list[int]:
    found: dict[int, dict] = {}
    for road in where["roads"] or [None]:
        for s in list_signs(conn, division=where["division"] if road is None else None,
                            road=road, active=True):
            if (s["outdated"] or s["status"] in ("damaged", "missing")) \
                    and s["status"] in REPLACEABLE and s["replaced_by"] is None:
                found[s["id"]] = s
    new_ids = []
    for s in found.values():
        if s["standard_status"] != "standard":
            continue                     # abolished: removed by an officer, not replaced
        moved = plates.update(conn, actor, s["id"], {
            "status": "replaced", "version": s["version"], "note": f"campaign {name}"},
            family="sign")
        new_ids.append(moved["replacement"]["id"])
    if not new_ids:
        raise InvalidInput("no outdated, damaged or missing sign there waits for a "
                           "replacement", field="roads")
    return new_ids


def create_campaign(conn, actor: Actor, record: Any) -> dict:
    """A sign campaign (地名标志设置/更换): signs at the gaps of some roads or a division
    (``new``), or replacements for the outdated, damaged and missing ones (``replace``)."""
    return campaigns.create_campaign(conn, actor, record, subject="signs", plan=_plan)
