"""``civgeo plates …``: number a road, validate it, plate campaigns and their QR sheets
(DOMAIN §C)."""

from __future__ import annotations

import argparse
import json

from api.cli import command, group, session, write_page
from geo.audit import Actor


def _json(text: str):
    """A JSON argument; argparse reports a bad one with the command's usage."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not JSON ({exc.msg}): {text}") from None


def roads_list(args) -> None:
    """Roads with their door counts (filter by division or part of the name)."""
    from geo.plates import roads

    with session() as conn:
        rows, total = roads.list_roads(conn, division=args.division, q=args.q, limit=args.limit)
    for r in rows:
        print(f"{r['id']:>6} {r['name']:<12} {r['division_code'] or '':<8} "
              f"{r['length_m']:>8} m  {r['doors']:>4} doors")
    print(f"{len(rows)} of {total} roads")


def number(args) -> None:
    """Propose a numbering of a road (new doors, or every door by the rule) and keep the
    proposal; --apply applies it in the same transaction."""
    from geo.plates import numbering, roads

    request = {"mode": args.mode}
    if args.rule is not None:
        request["rule"] = args.rule
    if args.rename:
        request["name"] = args.rename
    done = None
    with session(write=True) as conn:
        road_id = roads.resolve(conn, args.road)
        proposal = numbering.propose(conn, Actor.cli(), road_id, request)
        if args.apply:
            done = numbering.apply(conn, Actor.cli(), road_id, proposal["proposal"])
    _print_proposal(proposal, args.verbose)
    if done:
        print(f"applied: {done['changed']} doors renumbered (renumbering "
              f"{done['renumbering']}, mapping kept)")


def _print_proposal(proposal: dict, verbose: bool) -> None:
    """The doors whose number changes (with ``verbose``, every door) and the summary."""
    for item in proposal["items"]:
        if item["old_number"] != item["new_number"] or verbose:
            print(f"  door {item['entrance_id']:>6} {item['side']:<5} "
                  f"{item['measure_m']:>7.1f} m  {item['old_number'] or '—':>8} → "
                  f"{item['new_number'] or '—':<8} ({item['how']})")
    s = proposal["summary"]
    print(f"proposal {proposal['proposal']}: {s['doors']} doors, {s['changed']} change, "
          f"{s['by_how']}")


def validate(args) -> None:
    """Validate a road's numbering: parity, order, duplicates, gaps, distance, wrong road."""
    from geo.plates import roads, validation

    with session() as conn:
        report = validation.validate(conn, roads.resolve(conn, args.road))
    road = report["road"]
    print(f"{road['name']} ({road['id']}): {report['doors']} doors, "
          f"{report['doors_flagged']} flagged")
    for f in report["findings"]:
        print(f"  {f['kind']:<13} {f['message']}")
    if report["ok"]:
        print("  OK: no findings")


def campaign(args) -> None:
    """Create a plate campaign: plates for the numbered doors that have none (new), or
    replacements for the damaged, missing and outdated plates (replace), on the roads given
    or in the division."""
    from geo.plates import campaigns, roads

    with session(write=True) as conn:
        ids = [roads.resolve(conn, r) for r in args.road or []] or None
        c = campaigns.create_campaign(conn, Actor.cli(), {
            "name": args.name, "kind": args.kind, "roads": ids, "division": args.division,
            "due_on": args.due})
    print(f"campaign {c['id']} {c['name']}: {c['plates']} plates planned")


def campaigns_list(args) -> None:
    """Campaigns and their progress."""
    from geo.plates import campaigns

    with session() as conn:
        rows = campaigns.campaigns(conn)
    for c in rows:
        share = "—" if c["progress"] is None else f"{c['progress']:.0%}"
        print(f"{c['id']:>4} {c['name']:<30} {c['kind']:<8} {c['plates']:>5} plates: "
              f"{c['planned']} planned, {c['ordered']} ordered, {c['installed']} "
              f"installed ({share}), due {c['due_on'] or '—'}")


def qr_sheet(args) -> None:
    """Write a campaign's QR plates as an A4 proof sheet: HTML, or PDF when --out ends in
    .pdf."""
    from geo.plates import campaigns
    from maps.plate_sheet import campaign_html, campaign_pdf

    with session() as conn:
        sheet = campaigns.sheet(conn, campaigns.resolve(conn, args.campaign))
    out = write_page(args.out, sheet, html=campaign_html, pdf=campaign_pdf)
    first = f"; the first QR code opens {sheet.plates[0]['url']}" if sheet.plates else ""
    print(f"wrote {out}: {len(sheet.plates)} plates{first}")


def settings_set(args) -> None:
    """Set a numbering setting for a division (longest code prefix wins over defaults)."""
    from geo.plates import rules

    with session(write=True) as conn:
        rules.set_division_rule(conn, Actor.cli(), args.prefix, {args.key: args.value})
    print(f"{args.prefix}: {args.key} = {args.value}")


def _register_roads(p) -> None:
    """``roads``, ``number`` and ``validate``."""
    rl = command(p, "roads", roads_list)
    rl.add_argument("--division", help="only roads in this division (a code)")
    rl.add_argument("--q", help="part of the name")
    rl.add_argument("--limit", type=int, default=50, help="default: %(default)s")
    nb = command(p, "number", number)
    nb.add_argument("road", help="road id or name")
    nb.add_argument("--mode", choices=["fill", "renumber"], default="fill",
                    help="fill: keep numbers, number new doors (default); renumber: every "
                         "door by the rule")
    nb.add_argument("--rule", type=_json,
                    help='JSON settings for this road, e.g. {"spacing_m": 0}')
    nb.add_argument("--rename", help="the road's new name")
    nb.add_argument("--apply", action="store_true", help="apply the proposal")
    nb.add_argument("--verbose", action="store_true", help="list unchanged doors too")
    command(p, "validate", validate).add_argument("road", help="road id or name")


def _register_campaigns(p) -> None:
    """``campaign``, ``campaigns``, ``qr-sheet`` and ``set``."""
    ca = command(p, "campaign", campaign)
    ca.add_argument("name", help="the campaign's name (unique)")
    ca.add_argument("--kind", choices=["new", "replace"], required=True)
    ca.add_argument("--road", action="append", help="road id or name (repeat)")
    ca.add_argument("--division", help="the roads under this division code (with --road: "
                                       "those of them there)")
    ca.add_argument("--due", help="YYYY-MM-DD")
    command(p, "campaigns", campaigns_list)
    qs = command(p, "qr-sheet", qr_sheet)
    qs.add_argument("campaign", help="campaign id or name")
    qs.add_argument("--out", required=True, help="sheet.html, or sheet.pdf for a PDF")
    st = command(p, "set", settings_set)
    st.add_argument("prefix", help="division code prefix, e.g. 3201 for Nanjing")
    st.add_argument("key", help="a numbering setting, e.g. spacing_m")
    st.add_argument("value", type=_json,
                    help="JSON value, e.g. 4 or [4, 13, 14] or '\"left\"'")


def register(subparsers) -> None:
    """Add ``civgeo plates …``."""
    p = group(subparsers, "plates", "house numbers, plates, campaigns, QR sheets")
    _register_roads(p)
    _register_campaigns(p)
