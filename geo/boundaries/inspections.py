"""Joint inspections (联检) of boundary lines: teams, the five-year plan, sign-off.

Each line is inspected every ``inspection_cycle_years`` (5, 《行政区域界线管理条例》 §12) by
both neighbouring sides, plus ad hoc after disasters; the lead and supporting sides swap
each round. An inspector works through the teams it belongs to: it sees and writes only
inspections (and so lines) assigned to one of its teams. Both sides sign; a signed
inspection is frozen.

The patrolled share (巡线覆盖) of a line is computed once, by ``share_of``, for the joint
report, the inspection and each patrol's answer alike: the part of the line within the
patrol tolerance of a cleaned track, segment by segment, so a gap in a track is never
patrolled.
"""

from __future__ import annotations

from shapely.geometry import shape

from geo import audit
from geo.audit import Actor
from geo.boundaries import lines, tracks
from geo.boundaries.settings import defaults
from geo.boundaries.sync import record_id
from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.divisions import division_prefix
from geo.errors import Conflict, Forbidden, InvalidInput, NotFound

_Q = load_queries(__file__)


def add_team(conn, actor: Actor, name: str, side_code: str, members: list[str]) -> dict:
    """An inspection team of one side (its division code) with its members; a team of that
    name is updated."""
    if not name.strip():
        raise InvalidInput("a team needs a name", field="name")
    row = fetch_one(conn, _Q["add_team"], {"name": name.strip(), "side": side_code,
                                           "members": members})
    audit.record(conn, actor, "inspection_team.add", "inspection_team", row["id"], after=row)
    return row


def join_team(conn, actor: Actor, team: str, user: str) -> None:
    """Put a user (an inspector) in a team; NotFound for an unknown team."""
    if fetch_one(conn, _Q["join_team"], {"team": team, "user": user}) is None and \
            fetch_one(conn, _Q["team"], {"id": None, "name": team}) is None:
        raise NotFound(f"no team {team}", field="team")
    audit.record(conn, actor, "inspection_team.join", "inspection_team", team,
                 after={"user": user})


def team(conn, key: int | str) -> dict:
    """A team by id or name; NotFound if there is none."""
    row = fetch_one(conn, _Q["team"], {"id": key if isinstance(key, int) else None,
                                       "name": str(key)})
    if row is None:
        raise NotFound(f"no team {key}", field="team")
    return row


def teams_of(conn, actor: Actor) -> list[dict] | None:
    """The teams of an inspector; None for an admin (who sees everything)."""
    if actor.role == "admin":
        return None
    if actor.user_id is None:
        return []
    return fetch_all(conn, _Q["user_teams"], {"user_id": actor.user_id})


def create(conn, actor: Actor, line_key: int | str, year: int, *, lead_code: str | None = None,
           lead_team: str | None = None, support_team: str | None = None,
           kind: str = "regular", reason: str | None = None, status: str = "planned") -> dict:
    """Plan an inspection of a line for ``year`` (lead side: given, or swapped from last
    round, or the party with the smaller code)."""
    if type(year) is not int or not 1990 <= year <= 2100:
        raise InvalidInput("year must be a whole number from 1990 to 2100", field="year")
    line = lines.get_line(conn, line_key)
    if kind not in ("regular", "ad_hoc"):
        raise InvalidInput("kind must be regular or ad_hoc", field="kind")
    if kind == "ad_hoc" and not reason:
        raise InvalidInput("an ad hoc inspection needs its reason (disaster, river shift, …)",
                           field="reason")
    parties = (line["left_code"], line["right_code"])
    if lead_code is None:
        last = next((p for p in plan(conn, year) if p["line_id"] == line["id"]), None)
        lead_code = last["lead_code"] if last else parties[0]
    if lead_code not in parties:
        raise InvalidInput(f"the lead side must be one of the parties {parties}",
                           field="lead_code")
    support_code = parties[1] if lead_code == parties[0] else parties[0]
    ids = {}
    for role, name, side in (("lead", lead_team, lead_code), ("support", support_team,
                                                              support_code)):
        if name:
            t = team(conn, name)
            if not side.startswith(division_prefix(t["side_code"])):
                raise InvalidInput(f"team {name} works for {t['side_code']}, not {side}",
                                   field=f"{role}_team")
            ids[role] = t["id"]
    if kind == "regular" and fetch_all(conn, _Q["regular_of_year"], {"line_id": line["id"],
                                                                       "year": year}):
        raise Conflict(f"{line['name']} already has a regular inspection in {year}")
    row = fetch_one(conn, _Q["create"], {
        "line_id": line["id"], "year": year, "kind": kind, "reason": reason,
        "lead_code": lead_code, "support_code": support_code,
        "lead_team_id": ids.get("lead"), "support_team_id": ids.get("support"),
        "status": status})
    mine = teams_of(conn, actor)
    if mine is not None and not {ids.get("lead"), ids.get("support")} & {t["id"] for t in mine}:
        raise Forbidden("plan inspections for lines your own team works on: name your team as "
                        "the lead or the supporting team")
    created = get(conn, row["id"])
    audit.record(conn, actor, "inspection.create", "inspection", row["id"], after=created)
    return created


def get(conn, inspection_id: int, actor: Actor | None = None) -> dict:
    """One inspection; an inspector not on its teams gets NotFound (it is not theirs)."""
    team_ids = _team_ids(conn, actor)
    rows = fetch_all(conn, _Q["get"], {"id": record_id(inspection_id, "id"),
                                       "team_ids": team_ids, "line_id": None})
    if not rows:
        raise NotFound(f"no inspection {inspection_id} assigned to you"
                       if team_ids is not None else f"no inspection {inspection_id}", field="id")
    return rows[0]


def get_with_share(conn, inspection_id: int, actor: Actor | None = None) -> dict:
    """``get`` with ``patrolled``: the gap-aware share of the line patrolled so far
    (``inspection_patrolled``)."""
    row = get(conn, inspection_id, actor)
    return {**row, "patrolled": inspection_patrolled(conn, row["id"])}


def list_for(conn, actor: Actor, line_id: int | None = None) -> list[dict]:
    """The inspections assigned to the actor's teams (every one for an admin)."""
    return fetch_all(conn, _Q["get"], {
        "id": None, "team_ids": _team_ids(conn, actor),
        "line_id": None if line_id is None else record_id(line_id, "line")})


def _team_ids(conn, actor: Actor | None) -> list[int] | None:
    if actor is None:
        return None
    teams = teams_of(conn, actor)
    return None if teams is None else [t["id"] for t in teams]


def side_of(conn, actor: Actor, inspection: dict) -> str:
    """The side an actor writes for in an inspection (its team's); Forbidden if none."""
    teams = teams_of(conn, actor)
    if teams is None:
        return inspection["lead_code"]
    mine = {t["id"] for t in teams}
    if inspection["lead_team_id"] in mine:
        return inspection["lead_code"]
    if inspection["support_team_id"] in mine:
        return inspection["support_code"]
    raise Forbidden("this line is not assigned to any of your teams")


def _locked(conn, actor: Actor, inspection_id: int, *,
            frozen_ok: bool = False) -> tuple[dict, str]:
    """The inspection, locked, and the side the actor writes for; Conflict once both sides
    have signed (unless ``frozen_ok``)."""
    row = fetch_one(conn, _Q["lock"], {"id": record_id(inspection_id, "id")})
    if row is None:
        raise NotFound(f"no inspection {inspection_id}", field="id")
    side = side_of(conn, actor, row)
    if row["status"] == "signed" and not frozen_ok:
        raise Conflict(f"inspection {inspection_id} is signed by both sides and frozen")
    return row, side


def lock_open(conn, actor: Actor, inspection_id: int) -> tuple[dict, str]:
    """Lock an inspection for a write by ``actor``: it must be assigned and not signed."""
    row, side = _locked(conn, actor, inspection_id)
    signed = [r["side_code"] for r in fetch_all(conn, _Q["signatures"], {"id": inspection_id})]
    if signed:
        raise Conflict(f"inspection {inspection_id} is signed by {', '.join(signed)}: what "
                       "they signed cannot change; that side must withdraw its signature "
                       "first (unsign)", signed=signed)
    execute(conn, _Q["start"], {"id": inspection_id})
    return row, side


def sign(conn, actor: Actor, inspection_id: int) -> dict:
    """Sign for the actor's side; when both sides have signed, the inspection is frozen."""
    if actor.role == "admin":
        get(conn, inspection_id)                                   # NotFound first
        raise Forbidden("an inspection is signed by an inspector of each side, not an admin")
    row, side = _locked(conn, actor, inspection_id, frozen_ok=True)
    if row["status"] == "signed":
        return get(conn, inspection_id)
    execute(conn, _Q["sign"], {"id": inspection_id, "side": side, "by": actor.name,
                               "user_id": actor.user_id})
    signed = {r["side_code"] for r in fetch_all(conn, _Q["signatures"], {"id": inspection_id})}
    if {row["lead_code"], row["support_code"]} <= signed:
        execute(conn, _Q["freeze"], {"id": inspection_id})
    audit.record(conn, actor, "inspection.sign", "inspection", inspection_id,
                 after={"side": side})
    return get(conn, inspection_id)


def unsign(conn, actor: Actor, inspection_id: int) -> dict:
    """Withdraw the actor's side's signature while the other side has not signed."""
    row, side = _locked(conn, actor, inspection_id)
    execute(conn, _Q["unsign"], {"id": inspection_id, "side": side})
    audit.record(conn, actor, "inspection.unsign", "inspection", inspection_id,
                 after={"side": side})
    return get(conn, inspection_id)


def plan(conn, year: int, division: str | None = None) -> list[dict]:
    """Lines due or overdue for their regular inspection in ``year``, lead side swapped."""
    cycle = int(defaults()["inspection_cycle_years"])
    out = []
    for r in fetch_all(conn, _Q["plan"], {"year": year,
                                          "prefix": division_prefix(division) if division
                                          else None}):
        last = r["last_year"]
        due_year = (last + cycle) if last else None
        status = ("never inspected" if last is None else "overdue" if due_year < year
                  else "due" if due_year == year else "not due")
        parties = (r["left_code"], r["right_code"])
        lead = (parties[1] if r["last_lead"] == parties[0] else parties[0]) if last \
            else parties[0]
        out.append({**r, "due_year": due_year, "status": status, "lead_code": lead,
                    "support_code": parties[1] if lead == parties[0] else parties[0]})
    return out


# ------------------------------------------------------------------ what an inspector sees

def visible_line_ids(conn, actor: Actor) -> list[int] | None:
    """The lines an inspector works on (those of its teams' inspections); None for an admin,
    who sees every line."""
    if teams_of(conn, actor) is None:
        return None
    return sorted({i["line_id"] for i in list_for(conn, actor)})


def assigned_line(conn, actor: Actor, line_key: int | str) -> dict:
    """A line (by id, name or number) the actor works on; NotFound for any other."""
    line = lines.get_line(conn, line_key)
    visible = visible_line_ids(conn, actor)
    if visible is not None and line["id"] not in visible:
        raise NotFound(f"no boundary line {line_key} assigned to your teams", field="line")
    return line


def lines_for(conn, actor: Actor, *, division: str | None = None,
              level: str | None = None) -> list[dict]:
    """The boundary lines the actor works on (touching a division, of a level)."""
    return lines.list_lines(conn, division=division, level=level,
                            ids=visible_line_ids(conn, actor))


def markers_for(conn, actor: Actor, line_key: int | str) -> tuple[dict, list[dict]]:
    """A line the actor works on and its markers in sequence."""
    line = assigned_line(conn, actor, line_key)
    return line, lines.markers(conn, line["id"])


def plan_for(conn, actor: Actor, year: int, division: str | None = None) -> list[dict]:
    """``plan`` for the lines the actor works on."""
    rows = plan(conn, year, division)
    visible = visible_line_ids(conn, actor)
    return rows if visible is None else [r for r in rows if r["line_id"] in visible]


# ------------------------------------------------------------------ the patrolled share

def share_of(line_geometry: dict, patrols: list[dict], tolerance_m: float) -> dict:
    """How much of a line (GeoJSON, lon/lat) lies within ``tolerance_m`` of the patrols'
    cleaned tracks (each patrol's ``track`` as ``tracks.segmented`` gives it, or None),
    segment by segment: no straight piece across a gap (``tracks.patrolled_share``, metres
    in a local transverse Mercator).

    Returns
    -------
    dict
        ``{share (0–1), patrolled_m, line_length_m, segments, unpatrolled}``: the patrolled
        and the unpatrolled stretches as ``(from_m, to_m)`` along the line.
    """
    paths = [tracks.from_geojson(p["track"]) for p in patrols if p.get("track")]
    result = tracks.patrolled_share(shape(line_geometry), paths, tolerance_m)
    unpatrolled, start = [], 0.0
    for a, b in result["segments"]:
        if a > start:
            unpatrolled.append((start, a))
        start = b
    if start < result["line_length_m"]:
        unpatrolled.append((start, result["line_length_m"]))
    return {"share": result["share"], "patrolled_m": result["patrolled_m"],
            "line_length_m": result["line_length_m"], "segments": result["segments"],
            "unpatrolled": unpatrolled}


def _patrolled(conn, inspection_id: int, uuid: str | None) -> tuple[dict, list[dict]]:
    line = fetch_one(conn, _Q["line_of_inspection"], {"id": record_id(inspection_id, "id")})
    if line is None:
        raise NotFound(f"no inspection {inspection_id}", field="id")
    rows = fetch_all(conn, _Q["patrol_tracks"], {"id": inspection_id, "uuid": uuid})
    for r in rows:
        r["track"] = tracks.segmented(r["track"], r.pop("breaks"))
    share = share_of(line["geometry"], rows, float(defaults()["patrol_tolerance_m"]))
    return share, rows


def inspection_patrolled(conn, inspection_id: int) -> dict:
    """The share of the inspection's line patrolled so far by all its patrols:
    ``{share, patrolled_m, line_length_m, patrols, gaps}``, the last two counts."""
    share, rows = _patrolled(conn, inspection_id, None)
    return {"share": share["share"], "patrolled_m": share["patrolled_m"],
            "line_length_m": share["line_length_m"], "patrols": len(rows),
            "gaps": sum(len(r["gaps"]) for r in rows)}


def patrol_patrolled(conn, inspection_id: int, uuid: str) -> dict:
    """The share of the line patrolled by one patrol of the inspection, with its gaps:
    ``{share, patrolled_m, line_length_m, gaps: [{start, end, seconds, metres, cause}]}``."""
    share, rows = _patrolled(conn, inspection_id, uuid)
    return {"share": share["share"], "patrolled_m": share["patrolled_m"],
            "line_length_m": share["line_length_m"],
            "gaps": [g for r in rows for g in r["gaps"]]}
