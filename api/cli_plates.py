"""``civgeo plates …``: number a road, validate it, campaigns and their QR sheets."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from geo import localdb
from geo.audit import Actor
from geo.db import connect, transaction


def _conn():
    return connect(localdb.database_url())


def roads_list(args) -> None:
    """Roads with their door counts (filter by division or part of the name)."""
    from geo.plates import roads

    conn = _conn()
    try:
        rows, total = roads.list_roads(conn, division=args.division, q=args.q, limit=args.limit)
        for r in rows:
            print(f"{r['id']:>6} {r['name']:<12} {r['division_code'] or '':<8} "
                  f"{r['length_m']:>8} m  {r['doors']:>4} doors")
        print(f"{len(rows)} of {total} roads")
    finally:
        conn.close()


def number(args) -> None:
    """Propose a numbering of a road (new doors, or every door by the rule); --apply
    applies it in the same transaction."""
    from geo.plates import numbering, roads

    request = {"mode": args.mode}
    if args.rule:
        request["rule"] = json.loads(args.rule)
    if args.rename:
        request["name"] = args.rename
    conn = _conn()
    try:
        with transaction(conn):
            road_id = roads.resolve(conn, args.road)
            proposal = numbering.propose(conn, Actor.cli(), road_id, request)
            for item in proposal["items"]:
                if item["old_number"] != item["new_number"] or args.verbose:
                    print(f"  door {item['entrance_id']:>6} {item['side']:<5} "
                          f"{item['measure_m']:>7.1f} m  {item['old_number'] or '—':>8} → "
                          f"{item['new_number'] or '—':<8} ({item['how']})")
            s = proposal["summary"]
            print(f"proposal {proposal['proposal']}: {s['doors']} doors, {s['changed']} "
                  f"change, {s['by_how']}")
            if args.apply:
                done = numbering.apply(conn, Actor.cli(), road_id, proposal["proposal"])
                print(f"applied: {done['changed']} doors renumbered (renumbering "
                      f"{done['renumbering']}, mapping kept)")
    finally:
        conn.close()


def validate(args) -> None:
    """Validate a road's numbering: parity, order, duplicates, gaps, distance, wrong road."""
    from geo.plates import roads, validation

    conn = _conn()
    try:
        report = validation.validate(conn, roads.resolve(conn, args.road))
    finally:
        conn.close()
    road = report["road"]
    print(f"{road['name']} ({road['id']}): {report['doors']} doors, "
          f"{report['doors_flagged']} flagged")
    for f in report["findings"]:
        print(f"  {f['kind']:<13} {f['message']}")
    if report["ok"]:
        print("  OK: no findings")


def campaign(args) -> None:
    """Create a plate campaign: plates for the numbered doors of roads (new) or
    replacements for the damaged and missing plates there (replace)."""
    from geo.plates import plates, roads

    conn = _conn()
    try:
        with transaction(conn):
            ids = [roads.resolve(conn, r) for r in args.road or []] or None
            c = plates.create_campaign(conn, Actor.cli(), {
                "name": args.name, "kind": args.kind, "roads": ids,
                "division": args.division, "due_on": args.due})
    finally:
        conn.close()
    print(f"campaign {c['id']} {c['name']}: {c['plates']} plates planned")


def campaigns(args) -> None:
    """Campaigns and their progress."""
    from geo.plates import plates

    conn = _conn()
    try:
        for c in plates.campaigns(conn):
            share = "—" if c["progress"] is None else f"{c['progress']:.0%}"
            print(f"{c['id']:>4} {c['name']:<30} {c['kind']:<8} {c['plates']:>5} plates: "
                  f"{c['planned']} planned, {c['ordered']} ordered, {c['installed']} "
                  f"installed ({share}), due {c['due_on'] or '—'}")
    finally:
        conn.close()


def qr_sheet(args) -> None:
    """Print a campaign's QR plates: an A4 sheet as HTML, or PDF when --out ends in .pdf."""
    from geo.plates import plates, qr

    conn = _conn()
    try:
        c, items = plates.sheet_items(conn, _campaign_id(conn, args.campaign))
    finally:
        conn.close()
    page = qr.sheet_html(items, title=f"{c['name']} — 门牌二维码 QR plates",
                         generated_at=dt.datetime.now().astimezone())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".pdf":
        out.write_bytes(qr.sheet_pdf(page))
    else:
        out.write_text(page, encoding="utf-8")
    print(f"wrote {out}: {len(items)} plates; each QR opens {items[0]['url'] if items else ''}")


def _campaign_id(conn, text: str) -> int:
    from geo.errors import NotFound
    from geo.plates import plates

    if text.isdigit():
        return int(text)
    for c in plates.campaigns(conn):
        if c["name"] == text:
            return c["id"]
    raise NotFound(f"no campaign named {text}", field="campaign")


def settings_set(args) -> None:
    """Set a numbering setting for a division (longest code prefix wins over defaults)."""
    from geo.plates import rules

    value = json.loads(args.value)
    rule = rules.check_rule({args.key: value})
    conn = _conn()
    try:
        with transaction(conn):
            rules.set_division_rule(conn, Actor.cli(), args.prefix, rule)
    finally:
        conn.close()
    print(f"{args.prefix}: {args.key} = {value}")


def register(sub, cmd) -> None:
    pl = sub.add_parser("plates", help="house numbers, plates, campaigns, QR sheets")
    p = pl.add_subparsers(required=True, metavar="ACTION")
    rl = cmd(p, "roads", roads_list)
    rl.add_argument("--division")
    rl.add_argument("--q", help="part of the name")
    rl.add_argument("--limit", type=int, default=50)
    nb = cmd(p, "number", number)
    nb.add_argument("road", help="road id or name")
    nb.add_argument("--mode", choices=["fill", "renumber"], default="fill")
    nb.add_argument("--rule", help='JSON settings for this road, e.g. {"spacing_m": 0}')
    nb.add_argument("--rename", help="the road's new name")
    nb.add_argument("--apply", action="store_true", help="apply the proposal")
    nb.add_argument("--verbose", action="store_true", help="list unchanged doors too")
    va = cmd(p, "validate", validate)
    va.add_argument("road", help="road id or name")
    ca = cmd(p, "campaign", campaign)
    ca.add_argument("name")
    ca.add_argument("--kind", choices=["new", "replace"], required=True)
    ca.add_argument("--road", action="append", help="road id or name (repeat)")
    ca.add_argument("--division")
    ca.add_argument("--due", help="YYYY-MM-DD")
    cmd(p, "campaigns", campaigns)
    qs = cmd(p, "qr-sheet", qr_sheet)
    qs.add_argument("campaign", help="campaign id or name")
    qs.add_argument("--out", required=True, help="sheet.html or sheet.pdf")
    st = cmd(p, "set", settings_set)
    st.add_argument("prefix", help="division code prefix, e.g. 3201 for Nanjing")
    st.add_argument("key")
    st.add_argument("value", help="JSON value, e.g. 4 or [4, 13, 14] or '\"left\"'")
