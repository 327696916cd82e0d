"""``civgeo network …``: import a street network, so the divisions it covers get network
results instead of straight-line estimates."""

from __future__ import annotations

from pathlib import Path

from api.cli import command, group, session


def import_network(args) -> None:
    """Import a street network (OSM .osm/.pbf, GeoPackage, GeoJSON, Shapefile, GeoParquet);
    the divisions it covers switch from straight-line estimates to network results."""
    from geo import network

    edges = network.read_network_file(Path(args.file))
    with session(write=True) as conn:
        s = network.import_edges(conn, args.name, edges, source=args.source,
                                 licence=args.licence, attribution=args.attribution)
        methods = _methods(conn, s.id)
    print(f"network {s.name}: {s.edges:,} edges ({s.walk_edges:,} walkable), "
          f"{s.nodes:,} nodes, {s.length_km:,} km")
    for row, kind in methods:
        print(f"  {row['code']} {row['name']}: {kind}")


def _methods(conn, network_id: int) -> list[tuple[dict, str]]:
    """Each division the network covers, with how its distances are now measured."""
    from geo.coverage import method, settings

    return [(row, method.for_division(conn, row["code"],
                                      settings.for_division(conn, row["code"])).kind)
            for row in method.divisions_covered(conn, network_id)]


def register(subparsers) -> None:
    """Add ``civgeo network import``."""
    nw = group(subparsers, "network", "street networks")
    imp = command(nw, "import", import_network)
    imp.add_argument("file", help="the network file; lines, in any CRS the file declares")
    imp.add_argument("--name", required=True, help="network name")
    imp.add_argument("--source", default="OpenStreetMap", help="where it is from "
                                                               "(default: %(default)s)")
    imp.add_argument("--licence", default="ODbL 1.0", help="its licence (default: %(default)s)")
    imp.add_argument("--attribution", default="© OpenStreetMap contributors, ODbL",
                     help="the notice results and maps based on it carry "
                          "(default: %(default)s)")
