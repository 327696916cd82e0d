"""``civgeo population …``: population grids (WorldPop rasters of people by age band)."""

from __future__ import annotations

from pathlib import Path

from api.cli import command, group, print_json, session


def import_files(args) -> None:
    """Import WorldPop-style rasters of people per cell (one file per age band and sex:
    pop_65_f_….tif) for a division: the populated cells of its counties, each county's
    total beside its 2020 census total, scaled to it unless --no-scale. All or nothing;
    importing the same name again replaces the grid."""
    from geo import population

    settings = population.Settings.from_env()
    if args.no_scale:
        settings = population.Settings(False, settings.max_off)
    with session(write=True) as conn:
        done = population.import_grid(
            conn, [Path(f) for f in args.files], dataset=args.name, division=args.division,
            ages=args.ages, source=args.source, licence=args.licence, settings=settings,
            progress=lambda m: print(f"  {m}", flush=True))
    print(f"{args.name}: {done['cells']:,} populated cells, {done['people_raw']:,} people "
          f"aged {args.ages} on the grid, {done['people']:,} after "
          f"{'scaling to the census' if done['scaled'] else 'no scaling'}; "
          f"{done['outside_division']:,} outside the division's counties; {done['seconds']} s")
    print(f"  {'county':<10} {'grid':>9} {'census':>9} {'off':>7} {'scale':>6}")
    for d in done["districts"]:
        off = f"{d['off'] * 100:+.1f}%" if d["off"] is not None else "—"
        print(f"  {d['name']:<10} {d['grid']:>9,} {d['census'] or 0:>9,} {off:>7} "
              f"{d['scale']:>6.3f}")
    for warning in done["warnings"]:
        print(f"warning: {warning}")


def list_grids(args) -> None:
    """The grids imported, with each county's grid and census totals (JSON)."""
    from geo import population

    with session() as conn:
        print_json(population.grids(conn))


def register(subparsers) -> None:
    """Add ``civgeo population import|list`` (geo.population, with numpy and pandas, is
    imported only when a command runs)."""
    po = group(subparsers, "population", "population grids (people by age on 100 m cells)")
    imp = command(po, "import", import_files)
    imp.add_argument("files", nargs="+", metavar="FILE.tif",
                     help="GeoTIFFs in EPSG:4326/4490, one per age band and sex")
    imp.add_argument("--division", required=True, help="the division code, e.g. 420100")
    imp.add_argument("--ages", default="60+", choices=["60+", "65+", "80+"],
                     help="the ages to count (bands below are not read); default 60+")
    imp.add_argument("--name", default="worldpop", help="the grid's dataset name")
    imp.add_argument("--source", default="WorldPop (www.worldpop.org)",
                     help="the credit line")
    imp.add_argument("--licence", default="CC BY 4.0")
    imp.add_argument("--no-scale", action="store_true",
                     help="keep the grid's own figures (default: scale each county's cells "
                          "to its census total; CIVGEO_POPULATION_SCALE)")
    command(po, "list", list_grids)
