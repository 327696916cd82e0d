"""``civgeo names signs DIVISION``: the place-name signs (地名标志) of a division checked:
signs in service by status, the outdated ones and why, the road ends and intersections
without a street sign (with their positions), the 行政村 without a village sign."""

from __future__ import annotations

from api.cli import command, print_json, session


def check_signs(args) -> None:
    """The signs of a division checked against the standard names and the roads: outdated
    signs (renamed, abolished, a printed name or romanization that differs), every road end
    and intersection with no street sign within sign_radius_m, every 行政村 with no village
    sign. --json prints everything."""
    from geo.names import signs

    with session() as conn:
        found = signs.check(conn, args.division)
    if args.json:
        print_json(found)
        return
    states = ", ".join(f"{k} {n}" for k, n in sorted(found["by_status"].items()))
    print(f"{found['division']}: {found['signs']} signs in service ({states})")
    print(f"outdated: {len(found['outdated'])}")
    for s in found["outdated"]:
        why = "; ".join(r["message"] for r in s["outdated"])
        print(f"  sign {s['id']:>6}  {s['printed_name']} / {s['printed_roman'] or '—'}: {why}")
    print(f"road ends and intersections without a street sign: {len(found['gaps'])} of "
          f"{found['spots']} on {found['roads_with_gaps']} of {found['roads']} roads")
    for g in found["gaps"]:
        where = g["why"] + (f" with {g['crossing']}" if g["crossing"] else "")
        print(f"  {g['road']:<10} {where:<30} {g['lon']:.6f}, {g['lat']:.6f}")
    print(f"行政村 without a village sign: {len(found['villages_without_sign'])} of "
          f"{found['villages']}")


def register(names) -> None:
    """Add ``civgeo names signs``."""
    checked = command(names, "signs", check_signs)
    checked.add_argument("division", help="a division code, e.g. 320100")
    checked.add_argument("--json", action="store_true", help="everything, as JSON")
