"""``civgeo`` commands for facilities, coverage and street networks."""

from __future__ import annotations

import json
from pathlib import Path

from geo import localdb
from geo.db import connect, transaction


def _conn():
    return connect(localdb.database_url())


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


# ------------------------------------------------------------------ networks

def network_import(args) -> None:
    """Import a street network (OSM .pbf/.osm, GeoPackage, GeoJSON, …); divisions it covers
    switch from straight-line estimates to network results."""
    from geo import network
    from geo.coverage import method, settings

    edges = network.read_network_file(Path(args.file))
    conn = _conn()
    try:
        with transaction(conn):
            s = network.import_edges(conn, args.name, edges, source=args.source,
                                     licence=args.licence, attribution=args.attribution)
        print(f"network {s.name}: {s.edges:,} edges ({s.walk_edges:,} walkable), "
              f"{s.nodes:,} nodes, {s.length_km:,} km")
        for row in method.divisions_covered(conn, s.id):
            how = method.for_division(conn, row["code"], settings.for_division(conn, row["code"]))
            print(f"  {row['code']} {row['name']}: {how.kind}")
    finally:
        conn.close()


# ------------------------------------------------------------------ facilities

def facilities_import(args) -> None:
    """Import facilities from GeoJSON or CSV (all or nothing; re-importing updates)."""
    from geo import facilities
    from geo.audit import Actor

    path = Path(args.file)
    records = facilities.parse_upload(path.read_bytes(), path.name)
    conn = _conn()
    try:
        with transaction(conn):
            result = facilities.import_records(conn, Actor.cli(), records,
                                               source=args.source or path.name, crs=args.crs)
    finally:
        conn.close()
    print(f"{path.name}: {result.created} created, {result.updated} updated, "
          f"{result.unchanged} unchanged")


def facilities_export(args) -> None:
    """Export facilities as GeoJSON."""
    from geo import facilities

    conn = _conn()
    try:
        rows = facilities.select(conn, division=args.division, kind=args.kind)
    finally:
        conn.close()
    text = json.dumps(facilities.feature_collection(rows), ensure_ascii=False, default=str)
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(rows)} facilities)")


# ------------------------------------------------------------------ analyses

def coverage_circle(args) -> None:
    """The 15-minute eldercare circle of a division: shares and the uncovered communities."""
    from geo.coverage import circle

    conn = _conn()
    try:
        r = circle.circle(conn, args.division, minutes=args.minutes, speed=args.speed,
                          profile=args.profile)
    finally:
        conn.close()
    s = r["summary"]
    print(f"{r['division']['name']} {r['division']['code']}: {r['minutes']:g} min at "
          f"{r['speed_m_per_min']:g} m/min — {r['note']}")
    print(f"  elderly 60+ covered: {s['covered_elderly']:,} of {s['elderly']:,} "
          f"({_pct(s['elderly_share'])}); communities covered {s['covered_communities']} of "
          f"{s['communities']} (urban {_pct(s['community_share_urban'])}, rural "
          f"{_pct(s['community_share_rural'])}); sites {s['sites']}")
    for c in r["communities"]:
        if c["status"] != circle.COVERED:
            print(f"  {c['code']} {c['name']:<14} 60+ {c['elderly']:>6,}  {c['reason']}")


def coverage_indicators(args) -> None:
    """Indicators of a division and each of its counties or townships, against targets."""
    from geo.coverage import indicators

    conn = _conn()
    try:
        r = indicators.indicators(conn, args.division)
    finally:
        conn.close()
    t = r["targets"]
    print(f"{r['division']['name']}: {r['note']}")
    print(f"targets: beds/1000 {t['beds_per_1000']}, nursing {_pct(t['nursing_share'])}, "
          f"community coverage urban {_pct(t['community_coverage_urban'])} / rural "
          f"{_pct(t['community_coverage_rural'])}, relief within {t['relief_sla_hours']} h")
    print(f"{'code':<10}{'name':<12}{'60+':>9}{'beds/1000':>11}{'nursing':>9}{'urban':>9}"
          f"{'rural':>9}{'circle':>9}{'cemetery':>10}{'relief':>9}")
    for f in r["features"]:
        p = f["properties"]
        beds = "—" if p["beds_per_1000"] is None else f"{p['beds_per_1000']:.1f}"
        print(f"{p['code']:<10}{p['name']:<12}{p['elderly']:>9,}{beds:>11}"
              f"{_pct(p['nursing_share']):>9}{_pct(p.get('community_coverage_urban')):>9}"
              f"{_pct(p.get('community_coverage_rural')):>9}"
              f"{_pct(p.get('circle_elderly_share')):>9}"
              f"{_pct(p['cemetery_village_coverage']):>10}"
              f"{_pct(p.get('relief_share_within_sla')):>9}")


def coverage_suggest(args) -> None:
    """Suggest k new eldercare sites covering the most uncovered elderly, explained."""
    from geo.audit import Actor
    from geo.coverage import suggest

    conn = _conn()
    try:
        r = suggest.suggest(conn, args.division, k=args.k, minutes=args.minutes,
                            speed=args.speed, profile=args.profile)
        if args.save:
            with transaction(conn):
                saved = suggest.save(conn, Actor.cli(), args.division, args.save,
                                     {"division": args.division, "k": args.k,
                                      "minutes": args.minutes}, r)
            print(f"saved as scenario {saved['id']}")
    finally:
        conn.close()
    print(f"{r['division']['name']}: {r['note']}; {r['candidates']} candidates; "
          f"elderly covered {_pct(r['share_before'])} → {_pct(r['share_after'])}")
    for s in r["suggestions"]:
        print(f"  {s['rank']}. {s['lon']:.6f}, {s['lat']:.6f}: {s['why']}")
        for c in s["communities"]:
            print(f"       {c['code']} {c['name']} +{c['elderly_gained']:,} 60+ "
                  f"({c['distance_m']} m, {c['minutes']} min)")


def coverage_burial(args) -> None:
    """Graves and cemeteries of a division inside burial-prohibited zones (三沿六区)."""
    from geo.coverage import burial

    conn = _conn()
    try:
        r = burial.report(conn, args.division)
    finally:
        conn.close()
    print(f"{r['division']['name']}: {r['inside_zones']} of {r['checked']} graves and "
          "cemeteries lie in a prohibited zone")
    for f in r["features"]:
        p = f["properties"]
        zones = "; ".join(f"{z['layer']} {z['name'] or ''} ({z['distance_m']} m)".strip()
                          for z in p["zones"])
        print(f"  {p['id']:>6} {p['type_name']} {p['name']}: {zones}")


def coverage_set(args) -> None:
    """Override a coverage setting for a province or city (e.g. 4302 beds_per_1000_target 32)."""
    from geo.coverage import settings

    try:
        value = json.loads(args.value)
    except json.JSONDecodeError:
        value = args.value
    conn = _conn()
    try:
        with transaction(conn):
            settings.set_value(conn, "" if args.scope in ("-", "national") else args.scope,
                               args.key, value)
    finally:
        conn.close()
    print(f"{args.scope} {args.key} = {json.dumps(value, ensure_ascii=False)}")


def map_coverage(args) -> None:
    """Write the coverage, indicator and suggestion maps of a division (HTML)."""
    from maps import coverage
    from maps.assets import copy_beside
    from maps.base import MapSettings

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    copy_beside(out)
    settings = MapSettings.from_env(assets_url="vendor")
    conn = _conn()
    try:
        pages = {"coverage": lambda: coverage.coverage_page(conn, args.division,
                                                            minutes=args.minutes,
                                                            settings=settings),
                 "indicators": lambda: coverage.indicators_page(conn, args.division,
                                                                settings=settings),
                 "suggestions": lambda: coverage.suggestions_page(conn, args.division, k=args.k,
                                                                  settings=settings)}
        for name in args.only or pages:
            path = out / f"{name}-{args.division}.html"
            pages[name]().save(str(path))
            print(f"wrote {path}")
    finally:
        conn.close()


def register(sub, cmd) -> None:
    """Add the commands to the ``civgeo`` parser."""
    nw = sub.add_parser("network", help="street networks").add_subparsers(required=True,
                                                                          metavar="ACTION")
    imp = cmd(nw, "import", network_import)
    imp.add_argument("file")
    imp.add_argument("--name", required=True, help="network name")
    imp.add_argument("--source", default="OpenStreetMap")
    imp.add_argument("--licence", default="ODbL 1.0")
    imp.add_argument("--attribution", default="© OpenStreetMap contributors, ODbL")

    fa = sub.add_parser("facilities", help="eldercare, funeral and relief sites").add_subparsers(
        required=True, metavar="ACTION")
    fi = cmd(fa, "import", facilities_import)
    fi.add_argument("file", help="GeoJSON or CSV (columns type, name, lon, lat, …)")
    fi.add_argument("--source", help="where the file is from (default: its name)")
    fi.add_argument("--crs", default="cgcs2000", choices=["cgcs2000", "wgs84", "gcj02"])
    fe = cmd(fa, "export", facilities_export)
    fe.add_argument("--division")
    fe.add_argument("--kind", choices=["eldercare", "funeral", "relief"])
    fe.add_argument("--out", required=True)

    cv = sub.add_parser("coverage", help="coverage analyses").add_subparsers(required=True,
                                                                            metavar="ANALYSIS")
    for name, fn in (("circle", coverage_circle), ("suggest", coverage_suggest)):
        sp = cmd(cv, name, fn)
        sp.add_argument("division")
        sp.add_argument("--minutes", type=float)
        sp.add_argument("--speed", type=float, help="m/min")
        sp.add_argument("--profile", choices=["adult", "elderly"])
        if name == "suggest":
            sp.add_argument("-k", type=int, default=3)
            sp.add_argument("--save", metavar="NAME", help="save as a named scenario")
    cmd(cv, "indicators", coverage_indicators).add_argument("division")
    cmd(cv, "burial", coverage_burial).add_argument("division")
    st = cmd(cv, "set", coverage_set)
    st.add_argument("scope", help="code prefix: 43 (province), 4302 (city) or 'national'")
    st.add_argument("key")
    st.add_argument("value", help="a JSON value, e.g. 32 or 0.8")


def register_maps(mp, cmd) -> None:
    mc = cmd(mp, "coverage", map_coverage)
    mc.add_argument("division")
    mc.add_argument("--minutes", type=float)
    mc.add_argument("-k", type=int, default=3, help="suggestions on the suggestion map")
    mc.add_argument("--only", action="append", choices=["coverage", "indicators", "suggestions"])
    mc.add_argument("--out", default="maps-out")
