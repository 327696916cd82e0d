"""Inspection teams (联检工作组) managed by an administrator: a team works for one side (a
division), its members are inspectors' accounts, and it reaches a line through the
inspections it leads or supports. Every change is audited; members show only their names
and roles.
"""

from __future__ import annotations

from geo import audit
from geo.audit import Actor
from geo.boundaries.sync import record_id
from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.divisions import division_prefix
from geo.errors import Conflict, InvalidInput, NotFound

_Q = load_queries(__file__)
SIDES = ("lead", "support")


def list_teams(conn) -> list[dict]:
    """Every team with its side, its members ({name, role}) and its lines ({id, name,
    number, inspection, year, status, side}), by side code."""
    return fetch_all(conn, _Q["list_teams"], {"id": None})


def get_team(conn, team_id: int) -> dict:
    """One team as ``list_teams`` gives it; NotFound if there is none."""
    row = fetch_one(conn, _Q["list_teams"], {"id": record_id(team_id, "team")})
    if row is None:
        raise NotFound(f"no inspection team {team_id}", field="team")
    return row


def inspector_names(conn) -> list[str]:
    """The names of the active inspectors (who may join a team), in order."""
    return [r["name"] for r in fetch_all(conn, _Q["inspector_names"])]


def create_team(conn, actor: Actor, name: str, side_code: str, members: list[str]) -> dict:
    """A new team of one side (a current division's code) with inspectors as members;
    Conflict when a team has that name."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("a team needs a name", field="name")
    if fetch_one(conn, _Q["division"], {"code": side_code}) is None:
        raise InvalidInput(f"{side_code} is not the code of a current division",
                           field="side_code")
    if fetch_one(conn, _Q["team_by_name"], {"name": name}) is not None:
        raise Conflict(f"a team named {name} exists already", field="name")
    users = _inspectors(conn, members, [f"members[{i}]" for i in range(len(members))])
    team_id = fetch_one(conn, _Q["insert_team"], {"name": name, "side": side_code,
                                                  "members": []})["id"]
    for user in users:
        fetch_one(conn, _Q["join"], {"team_id": team_id, "user_id": user["id"],
                                     "name": user["name"]})
    created = get_team(conn, team_id)
    audit.record(conn, actor, "inspection_team.create", "inspection_team", team_id,
                 after=_audited(created))
    return created


def add_member(conn, actor: Actor, team_id: int, user: str) -> dict:
    """Put an inspector in a team; Conflict when it is in already."""
    team = get_team(conn, team_id)
    [account] = _inspectors(conn, [user], ["user"])
    if fetch_one(conn, _Q["join"], {"team_id": team["id"], "user_id": account["id"],
                                    "name": account["name"]}) is None:
        raise Conflict(f"{user} is in team {team['name']} already", field="user")
    after = get_team(conn, team["id"])
    audit.record(conn, actor, "inspection_team.join", "inspection_team", team["id"],
                 before=_audited(team), after=_audited(after))
    return after


def remove_member(conn, actor: Actor, team_id: int, user: str) -> dict:
    """Take a user out of a team; NotFound when it is not in it."""
    team = get_team(conn, team_id)
    account = fetch_one(conn, _Q["users_named"], {"names": [user]})
    if account is None or fetch_one(conn, _Q["leave"], {
            "team_id": team["id"], "user_id": account["id"], "name": account["name"]}) is None:
        raise NotFound(f"{user} is not in team {team['name']}", field="user")
    after = get_team(conn, team["id"])
    audit.record(conn, actor, "inspection_team.leave", "inspection_team", team["id"],
                 before=_audited(team), after=_audited(after))
    return after


def assign(conn, actor: Actor, team_id: int, inspection_id: int,
           side: str | None = None) -> dict:
    """Make a team the lead or supporting team of an inspection (the side its division is
    on; ``side`` when the team's division covers both parties). This is how a line reaches
    a team's inspectors. Conflict once both sides have signed."""
    team = get_team(conn, team_id)
    row = fetch_one(conn, _Q["inspection_for_update"],
                    {"id": record_id(inspection_id, "inspection")})
    if row is None:
        raise NotFound(f"no inspection {inspection_id}", field="inspection")
    if row["status"] == "signed":
        raise Conflict(f"inspection {inspection_id} is signed by both sides and frozen",
                       field="inspection")
    if side is not None and side not in SIDES:
        raise InvalidInput("side must be lead or support", field="side")
    prefix = division_prefix(team["side_code"])
    fits = [s for s in SIDES if row[f"{s}_code"].startswith(prefix)]
    if side is not None and side not in fits:
        raise InvalidInput(f"team {team['name']} works for {team['side_code']}, not for the "
                           f"{side} side {row[f'{side}_code']}", field="side")
    if not fits:
        raise InvalidInput(f"team {team['name']} works for {team['side_code']}, not for "
                           f"{row['lead_code']} or {row['support_code']}", field="inspection")
    if side is None and len(fits) > 1:
        raise InvalidInput("the team's division covers both sides: say which (lead or "
                           "support)", field="side")
    chosen = side or fits[0]
    execute(conn, _Q[f"assign_{chosen}"], {"id": row["id"], "team_id": team["id"]})
    audit.record(conn, actor, "inspection.assign_team", "inspection", row["id"],
                 before={f"{chosen}_team_id": row[f"{chosen}_team_id"]},
                 after={f"{chosen}_team_id": team["id"], "team": team["name"]})
    return {"inspection": row["id"], "side": chosen, "team": get_team(conn, team["id"])}


def _inspectors(conn, names: list[str], fields: list[str]) -> list[dict]:
    """The active inspectors' accounts of ``names``; InvalidInput naming the field of an
    unknown user, a disabled one, or one of another role."""
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InvalidInput("members must be a list of user names", field="members")
    found = {u["name"]: u for u in fetch_all(conn, _Q["users_named"], {"names": names})}
    out = []
    for name, field in zip(names, fields, strict=True):
        user = found.get(name)
        if user is None:
            raise InvalidInput(f"no user named {name}", field=field)
        if user["disabled_at"] is not None:
            raise InvalidInput(f"user {name} is disabled", field=field)
        if user["role"] != "inspector":
            raise InvalidInput(f"user {name} is a {user['role']}, not an inspector: only "
                               "inspectors join inspection teams", field=field)
        if user not in out:
            out.append(user)
    return out


def _audited(team: dict) -> dict:
    return {"name": team["name"], "side_code": team["side_code"],
            "members": [m["name"] for m in team["members"]]}
