"""``civgeo names plan …``: the place-name plans (地名规划) from the command line: list a
division's reserved and requested names, reserve one, and decide on them (accept,
decline, extend, release, apply). The command line acts as an administrator, on the
reservation as it stands (its current version)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from api.cli import command, print_json, session
from geo.errors import InvalidInput


def _day(value: str | None, field: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"--{field} is a date such as 2027-12-31", field=field) from None


def _geometry(value: str | None) -> dict | None:
    """A GeoJSON geometry given inline or as a file (a Feature's geometry is taken)."""
    if value is None:
        return None
    text = Path(value).read_text(encoding="utf-8") if Path(value).is_file() else value
    try:
        data = json.loads(text)
    except ValueError:
        raise InvalidInput("--geometry is GeoJSON, or a file of it", field="geometry") from None
    if data.get("type") == "FeatureCollection":
        data = (data.get("features") or [{}])[0]
    return data.get("geometry") if data.get("type") == "Feature" else data


def list_plan(args) -> None:
    """The reserved and requested names (of a division), newest first, with their state as
    it reads today and their expiry."""
    from geo.names import plan

    with session() as conn:
        rows = plan.list_plan(conn, division=args.division, q=args.q, state=args.state,
                              limit=args.limit)
    for r in rows:
        print(f"{r['id']:>6}  {r['state']:<10} {r['name']:<12} {r['category_code']:<5} "
              f"{r['division_code']:<12} {str(r['expires_on'] or ''):<10}  {r['project'] or ''}")


def reserve(args) -> None:
    """Reserve a name in a division's plan, checked as an application would be (refused
    when it is already reserved in an overlapping scope, or a check blocks)."""
    from geo.audit import Actor
    from geo.names import plan

    with session(write=True) as conn:
        res = plan.create_reservation(conn, Actor.cli(), {
            "name": args.name, "category_code": args.category, "division_code": args.division,
            "applicant": args.applicant, "project": args.project,
            "location_description": args.location, "geometry": _geometry(args.geometry),
            "expires_on": args.until})
    print_json({k: res[k] for k in ("id", "state", "name", "division_code", "expires_on",
                                    "findings")})


def _decide(args, action: str) -> None:
    """Act on a reservation as it stands (its current version) and print it."""
    from geo.audit import Actor
    from geo.db import fetch_value
    from geo.names import plan

    with session(write=True) as conn:
        version = fetch_value(conn, "SELECT version FROM name_reservations WHERE id = %s",
                              (args.id,))
        step = plan.Step(version or 1, args.reason, _day(args.until, "until"),
                         args.applicant)
        res = plan.act(conn, Actor.cli(), args.id, action, step)
    out = {k: res[k] for k in ("id", "state", "name", "expires_on", "application_id")}
    print_json(out)


def accept(args) -> None:
    """Accept a requested reservation (checked again; reserved until --until, or for the
    rule's validity)."""
    _decide(args, "accept")


def decline(args) -> None:
    """Decline a requested reservation, saying why (--reason)."""
    _decide(args, "decline")


def extend(args) -> None:
    """Give a reserved or lapsed reservation a new last day (--until, or the rule's
    validity from today)."""
    _decide(args, "extend")


def release(args) -> None:
    """Release a reserved or requested name: it is free for others again."""
    _decide(args, "release")


def apply(args) -> None:
    """The road is built: the reservation becomes a draft naming application with its
    name, category and planned geometry, and is marked used."""
    _decide(args, "apply")


def register(names) -> None:
    """Add ``civgeo names plan list|reserve|accept|decline|extend|release|apply`` to the
    ``names`` group's subparsers."""
    from api.cli import group

    pl = group(names, "plan", "place-name plans (地名规划): reserved names for planned roads "
                              "and areas")
    listed = command(pl, "list", list_plan)
    listed.add_argument("--division", help="only under this division code, e.g. 430202")
    listed.add_argument("--state", help="requested, reserved, expired, declined, released, used")
    listed.add_argument("--q", help="a part of the name or of the project")
    listed.add_argument("--limit", type=int, default=100, help="at most this many")
    new = command(pl, "reserve", reserve)
    new.add_argument("name", help="the proposed name, e.g. 荷韵路")
    new.add_argument("--category", required=True, help="category code, e.g. 0801 (街路巷)")
    new.add_argument("--division", required=True, help="division code, e.g. 430202")
    new.add_argument("--applicant", required=True, help="the department asking")
    new.add_argument("--project", help="the planned project")
    new.add_argument("--location", help="the location described")
    new.add_argument("--geometry", help="the planned road or area: GeoJSON, or a file of it "
                                        "(CGCS2000 lon, lat)")
    new.add_argument("--until", help="the last day (default: the rule's validity)")
    for action, fn in (("accept", accept), ("decline", decline), ("extend", extend),
                       ("release", release), ("apply", apply)):
        one = command(pl, action, fn)
        one.add_argument("id", type=int, help="the reservation's number")
        one.add_argument("--reason", help="why (decline: required)")
        one.add_argument("--until", help="accept, extend: the last day")
        one.add_argument("--applicant", help="apply: the applicant, if not the reservation's")
