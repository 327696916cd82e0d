"""``civgeo coverage …``: the 15-minute eldercare circle, indicators against targets, site
suggestions, burial zones and the coverage settings (DOMAIN §E-F)."""

from __future__ import annotations

import json

from api.cli import command, group, session


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def circle(args) -> None:
    """The 15-minute eldercare circle of a division: shares and the uncovered communities."""
    from geo.coverage import circle as circles

    with session() as conn:
        r = circles.circle(conn, args.division, minutes=args.minutes, speed=args.speed,
                           profile=args.profile)
    s = r["summary"]
    print(f"{r['division']['name']} {r['division']['code']}: {r['minutes']:g} min at "
          f"{r['speed_m_per_min']:g} m/min — {r['note']}")
    print(f"  {r['population_note']}" + (f" ({r['population_credit']})"
                                          if r["population_credit"] else ""))
    print(f"  elderly 60+ covered: {s['covered_elderly']:,} of {s['elderly']:,} "
          f"({_pct(s['elderly_share'])}); communities covered {s['covered_communities']} of "
          f"{s['communities']} (urban {_pct(s['community_share_urban'])}, rural "
          f"{_pct(s['community_share_rural'])}); sites {s['sites']}")
    for c in r["communities"]:
        if c["status"] != circles.COVERED:
            print(f"  {c['code']} {c['name']:<14} 60+ {c['elderly']:>6,}  {c['reason']}")


def indicators(args) -> None:
    """Indicators of a division and each of its counties or townships, against targets."""
    from geo.coverage import indicators as table

    with session() as conn:
        r = table.indicators(conn, args.division)
    t = r["targets"]
    print(f"{r['division']['name']}: {r['note']}")
    print(f"targets: beds/1000 {t['beds_per_1000']}, nursing {_pct(t['nursing_share'])}, "
          f"community coverage urban {_pct(t['community_coverage_urban'])} / rural "
          f"{_pct(t['community_coverage_rural'])}, relief within {t['relief_sla_hours']} h")
    print(f"{'code':<10}{'name':<12}{'60+':>9}{'beds/1000':>11}{'nursing':>9}{'urban':>9}"
          f"{'rural':>9}{'circle':>9}{'cemetery':>10}{'relief':>9}")
    for f in r["features"]:
        print(_indicator_row(f["properties"]))


def _indicator_row(p: dict) -> str:
    beds = "—" if p["beds_per_1000"] is None else f"{p['beds_per_1000']:.1f}"
    return (f"{p['code']:<10}{p['name']:<12}{p['elderly']:>9,}{beds:>11}"
            f"{_pct(p['nursing_share']):>9}{_pct(p.get('community_coverage_urban')):>9}"
            f"{_pct(p.get('community_coverage_rural')):>9}"
            f"{_pct(p.get('circle_elderly_share')):>9}"
            f"{_pct(p['cemetery_village_coverage']):>10}"
            f"{_pct(p.get('relief_share_within_sla')):>9}")


def suggest(args) -> None:
    """Suggest k new eldercare sites covering the most uncovered elderly, each explained;
    --save keeps them as a named scenario."""
    from geo.audit import Actor
    from geo.coverage import suggest as sites

    options = {"k": args.k, "minutes": args.minutes, "speed": args.speed,
               "profile": args.profile}
    with session(write=bool(args.save)) as conn:
        if args.save:
            r = sites.suggest_and_save(conn, Actor.cli(), args.division, args.save, **options)
        else:
            r = sites.suggest(conn, args.division, **options)
    if args.save:
        print(f"saved as scenario {r['scenario']['id']}")
    print(f"{r['division']['name']}: {r['note']}; {r['candidates']} candidates; "
          f"elderly covered {_pct(r['share_before'])} → {_pct(r['share_after'])}")
    for s in r["suggestions"]:
        print(f"  {s['rank']}. {s['lon']:.6f}, {s['lat']:.6f}: {s['why']}")
        for c in s["communities"]:
            print(f"       {c['code']} {c['name']} +{c['elderly_gained']:,} 60+ "
                  f"({c['distance_m']} m, {c['minutes']} min)")


def hotspots(args) -> None:
    """On a population grid: covered shares per cell beside community centres for the
    division and its districts, then the hot spots of uncovered elderly."""
    from geo.coverage import hotspots as spots

    walk = {"minutes": args.minutes, "speed": args.speed, "profile": args.profile}
    with session() as conn:
        compared = spots.compare(conn, args.division, **walk)
        found = spots.hotspots(conn, args.division, top=args.top, radius_m=args.radius,
                               **walk)
    print(f"{compared['population_note']} ({compared['population_credit']})")
    print(f"{'code':<11}{'name':<14}{'60+':>9}{'by cell':>9}{'by centre':>11}{'diff':>8}"
          f"{'hidden':>8}")
    for d in compared["districts"]:
        diff = "—" if d["difference_pp"] is None else f"{d['difference_pp']:+.1f}"
        print(f"{d['code']:<11}{d['name']:<14}{d['elderly']:>9,}"
              f"{_pct(d['covered_share_cells']):>9}{_pct(d['covered_share_centroids']):>11}"
              f"{diff:>8}{d['hidden_elderly']:>8,}")
    s = found["summary"]
    print(f"hot spots ({s['radius_m']:g} m): {s['hotspot_elderly']:,} of "
          f"{s['uncovered_elderly']:,} uncovered elderly")
    for f in found["features"]:
        p = f["properties"]
        walk_min = "—" if p["median_walk_min"] is None else f"{p['median_walk_min']:g} min"
        print(f"  {p['rank']:>2}. {p['lon']:.5f}, {p['lat']:.5f}: {p['uncovered_elderly']:,} "
              f"uncovered in {p['cells']} cells ({p['too_far']:,} too far, "
              f"{p['over_capacity']:,} at full sites, {p['off_network']:,} off the network); "
              f"median walk {walk_min}; "
              + "、".join(c["name"] for c in p["communities"]))


def burial(args) -> None:
    """Graves and cemeteries of a division inside burial-prohibited zones (三沿六区)."""
    from geo.coverage import burial as zones

    with session() as conn:
        r = zones.report(conn, args.division)
    print(f"{r['division']['name']}: {r['inside_zones']} of {r['checked']} graves and "
          "cemeteries lie in a prohibited zone")
    for f in r["features"]:
        p = f["properties"]
        found = "; ".join(f"{z['layer']} {z['name'] or ''} ({z['distance_m']} m)".strip()
                          for z in p["zones"])
        print(f"  {p['id']:>6} {p['type_name']} {p['name']}: {found}")


def set_value(args) -> None:
    """Override a coverage setting nationally or for a province or city, e.g.
    civgeo coverage set 4302 beds_per_1000_target 32."""
    from geo.coverage import settings

    try:
        value = json.loads(args.value)
    except json.JSONDecodeError:
        value = args.value
    scope = "" if args.scope in ("-", "national") else args.scope
    with session(write=True) as conn:
        settings.set_value(conn, scope, args.key, value)
    print(f"{args.scope} {args.key} = {json.dumps(value, ensure_ascii=False)}")


def _circle_options(parser) -> None:
    """The division and the walking limit, speed and profile of an analysis."""
    parser.add_argument("division", help="a division code, e.g. 430202")
    parser.add_argument("--minutes", type=float,
                        help="walking limit in minutes (default: the circle_minutes setting)")
    parser.add_argument("--speed", type=float, help="walking speed in m/min (default: the "
                                                    "setting for the profile)")
    parser.add_argument("--profile", choices=["adult", "elderly"],
                        help="whose walking speed (default: adult)")


def register(subparsers) -> None:
    """Add ``civgeo coverage circle|suggest|indicators|hotspots|burial|set``."""
    cv = group(subparsers, "coverage", "coverage analyses", metavar="ANALYSIS")
    _circle_options(command(cv, "circle", circle))
    picks = command(cv, "suggest", suggest)
    _circle_options(picks)
    picks.add_argument("-k", type=int, default=3, help="how many sites, 1 to 20 "
                                                      "(default: %(default)s)")
    picks.add_argument("--save", metavar="NAME", help="save as a named scenario")
    command(cv, "indicators", indicators).add_argument("division", help="a division code")
    hot = command(cv, "hotspots", hotspots)
    _circle_options(hot)
    hot.add_argument("--top", type=int, help="how many hot spots, 1 to 50 (default: the "
                                             "hotspots_top setting)")
    hot.add_argument("--radius", type=float, help="a hot spot's radius in metres, 100 to 3000 "
                                                  "(default: the hotspot_radius_m setting)")
    command(cv, "burial", burial).add_argument("division", help="a division code")
    st = command(cv, "set", set_value)
    st.add_argument("scope", help="code prefix: 43 (province), 4302 (city), or 'national' "
                                  "(or '-')")
    st.add_argument("key", help="a setting, e.g. beds_per_1000_target (an unknown key is "
                                "answered with the list)")
    st.add_argument("value", help="a JSON value, e.g. 32 or 0.8 (anything else is kept as "
                                  "text)")
