"""``civgeo boundaries …``: the line register, joint inspections and patrols from a GPX."""

from __future__ import annotations

import json
import uuid as uuidlib
from pathlib import Path

from geo import localdb
from geo.audit import Actor
from geo.db import connect, transaction


def _conn():
    return connect(localdb.database_url())


def lines_list(args) -> None:
    """The boundary lines touching a division, with markers and last inspection."""
    from geo.boundaries import lines

    conn = _conn()
    try:
        for r in lines.list_lines(conn, division=args.division, level=args.level):
            print(f"{r['id']:>5} {r['number']:<13} {r['name']:<10} {r['level']:<10} "
                  f"{r['left_name']}–{r['right_name']}  {r['length_m'] / 1000:,.1f} km, "
                  f"{r['markers']} markers, last inspected {r['last_inspected'] or '—'}")
    finally:
        conn.close()


def plan(args) -> None:
    """Lines due or overdue for their five-yearly joint inspection in a year."""
    from geo.boundaries import inspections

    conn = _conn()
    try:
        rows = inspections.plan(conn, args.year, args.division)
    finally:
        conn.close()
    for r in rows:
        if r["status"] in ("due", "overdue") or args.all:
            print(f"{r['name']:<10} {r['status']:<15} last {r['last_year'] or '—'}  lead "
                  f"{r['lead_code']}, support {r['support_code']}"
                  + (f"  (inspection {r['planned_id']})" if r["planned_id"] else ""))


def team_add(args) -> None:
    """Add (or update) an inspection team of one side."""
    from geo.boundaries import inspections

    conn = _conn()
    try:
        with transaction(conn):
            row = inspections.add_team(conn, Actor.cli(), args.name, args.side,
                                       args.member or [])
    finally:
        conn.close()
    print(f"team {row['id']} {row['name']} ({row['side_code']})")


def team_join(args) -> None:
    """Put a user (an inspector) in a team."""
    from geo.boundaries import inspections

    conn = _conn()
    try:
        with transaction(conn):
            inspections.join_team(conn, Actor.cli(), args.team, args.user)
    finally:
        conn.close()
    print(f"{args.user} is in {args.team}")


def inspect(args) -> None:
    """Plan a joint inspection of a line for a year."""
    from geo.boundaries import inspections

    conn = _conn()
    try:
        with transaction(conn):
            row = inspections.create(conn, Actor.cli(), args.line, args.year,
                                     lead_code=args.lead, lead_team=args.lead_team,
                                     support_team=args.support_team,
                                     kind="ad_hoc" if args.ad_hoc else "regular",
                                     reason=args.ad_hoc)
    finally:
        conn.close()
    print(f"inspection {row['id']}: {row['line_name']} {row['year']} ({row['kind']}), lead "
          f"{row['lead_code']}")


def patrol(args) -> None:
    """Read a GPX (or GeoJSON) track, clean it and print the share of the line it patrolled;
    with --inspection, store it as a patrol of that inspection."""
    import shapely

    from geo.boundaries import field, lines, tracks
    from geo.boundaries.settings import defaults

    data = Path(args.file).read_bytes()
    conn = _conn()
    try:
        line = lines.get_line(conn, args.line)
        raw = tracks.parse(data, None, args.file)
        clean, stats = tracks.clean(raw, defaults())
        tolerance = args.tolerance or float(defaults()["patrol_tolerance_m"])
        share = tracks.patrolled_share(shapely.from_geojson(json.dumps(line["geometry"])),
                                       [clean], tolerance)
        if args.inspection:
            with transaction(conn):
                stored = field.submit_patrol(conn, Actor.cli(), args.inspection,
                                             {"uuid": args.uuid or str(uuidlib.uuid4())},
                                             track_bytes=data)
            state = "already stored" if stored["duplicate"] else "stored"
            print(f"patrol {stored['uuid']} {state} in inspection {args.inspection}")
    finally:
        conn.close()
    print(f"{Path(args.file).name}: {stats['raw_points']} fixes, {stats['kept']} kept "
          f"(dropped: {stats['dropped_interval']} too soon, {stats['dropped_distance']} too "
          f"close, {stats['dropped_jumps']} jumps), {stats['length_m'] / 1000:.2f} km")
    print(f"{line['name']}: {share['patrolled_m'] / 1000:.2f} of "
          f"{share['line_length_m'] / 1000:.2f} km within {tolerance:g} m of the track — "
          f"patrolled share {share['share']:.1%}")


def sample_gpx(args) -> None:
    """Write a synthetic GPX walk along a line (for trying the patrol upload)."""
    from fixtures.boundaries import sample_gpx as make

    conn = _conn()
    try:
        text = make(conn, args.line, km=args.km, seed=args.seed)
    finally:
        conn.close()
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")


def topology(args) -> None:
    """Gaps and overlaps between neighbouring divisions, markers off their line, lines off
    the shared edge; --national checks every real county polygon of China."""
    from geo.boundaries import topology as topo

    conn = _conn()
    try:
        with transaction(conn):
            result = topo.national(conn) if args.national else topo.report(conn, args.division)
    finally:
        conn.close()
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str)[:20000])


def report(args) -> None:
    """Write the joint inspection report as HTML or PDF."""
    from geo.boundaries import report as reports

    conn = _conn()
    try:
        data = reports.inspection_report(conn, args.inspection)
    finally:
        conn.close()
    out = Path(args.out)
    if out.suffix == ".pdf":
        out.write_bytes(reports.render_pdf(data))
    else:
        out.write_text(reports.render_html(data, map_svg=reports.map_svg(data)), encoding="utf-8")
    print(f"wrote {out}")


def map_boundary(args) -> None:
    """Write the map of a boundary line (markers, displacements, patrols, hazards)."""
    from geo.boundaries import lines
    from maps.assets import copy_beside
    from maps.base import MapSettings
    from maps.boundary import boundary_page

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    copy_beside(out)
    conn = _conn()
    try:
        line = lines.get_line(conn, args.line)
        m = boundary_page(conn, line["id"], inspection_id=args.inspection,
                          settings=MapSettings.from_env(assets_url="vendor"))
    finally:
        conn.close()
    path = out / f"boundary-{line['number']}.html"
    m.save(str(path))
    print(f"wrote {path}")


def register(sub, cmd) -> None:
    bd = sub.add_parser("boundaries", help="boundary lines, joint inspections, patrols")
    b = bd.add_subparsers(required=True, metavar="ACTION")
    ls = cmd(b, "lines", lines_list)
    ls.add_argument("--division")
    ls.add_argument("--level", choices=["province", "prefecture", "county"])
    pl = cmd(b, "plan", plan)
    pl.add_argument("--year", type=int, default=2026)
    pl.add_argument("--division")
    pl.add_argument("--all", action="store_true", help="also the lines not due")
    ta = cmd(b, "team-add", team_add)
    ta.add_argument("name")
    ta.add_argument("--side", required=True, help="division code the team works for")
    ta.add_argument("--member", action="append", help="a member's name (repeat)")
    tj = cmd(b, "team-join", team_join)
    tj.add_argument("team")
    tj.add_argument("user")
    ins = cmd(b, "inspect", inspect)
    ins.add_argument("line", help="line id, name (株衡线) or number")
    ins.add_argument("year", type=int)
    ins.add_argument("--lead", help="lead side's code (default: swapped from last round)")
    ins.add_argument("--lead-team")
    ins.add_argument("--support-team")
    ins.add_argument("--ad-hoc", metavar="REASON", help="an extra inspection, and why")
    pt = cmd(b, "patrol", patrol)
    pt.add_argument("file", help="GPX or GeoJSON track")
    pt.add_argument("--line", required=True)
    pt.add_argument("--tolerance", type=float, help="metres (default: patrol_tolerance_m)")
    pt.add_argument("--inspection", type=int, help="store it as a patrol of this inspection")
    pt.add_argument("--uuid", help="the patrol's UUID (default: a new one)")
    sg = cmd(b, "sample-gpx", sample_gpx)
    sg.add_argument("line")
    sg.add_argument("--km", type=float, default=8.0)
    sg.add_argument("--seed", type=int, default=2026)
    sg.add_argument("--out", required=True)
    tp = cmd(b, "topology", topology)
    tp.add_argument("division", nargs="?", default="430200")
    tp.add_argument("--national", action="store_true")
    rp = cmd(b, "report", report)
    rp.add_argument("inspection", type=int)
    rp.add_argument("--out", required=True, help="report.html or report.pdf")


def register_maps(mp, cmd) -> None:
    mb = cmd(mp, "boundary", map_boundary)
    mb.add_argument("line", help="line id, name (株衡线) or number")
    mb.add_argument("--inspection", type=int)
    mb.add_argument("--out", default="maps-out")
