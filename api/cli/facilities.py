"""``civgeo facilities …``: import and export eldercare, funeral and relief sites."""

from __future__ import annotations

from pathlib import Path

from api.cli import command, group, session


def import_file(args) -> None:
    """Import facilities from GeoJSON or CSV, all or nothing; importing the same records
    (same source, same ids) again updates them."""
    from geo import facilities
    from geo.audit import Actor

    path = Path(args.file)
    with session(write=True) as conn:
        result = facilities.import_file(conn, Actor.cli(), path.read_bytes(), path.name,
                                        source=args.source or path.name, crs=args.crs)
    print(f"{path.name}: {result.created} created, {result.updated} updated, "
          f"{result.unchanged} unchanged")


def export(args) -> None:
    """Export facilities (CGCS2000 lon/lat) as GeoPackage, Shapefile, FlatGeobuf, CSV or
    GeoJSON, told by the file's extension; every facility, no cap (``civgeo export
    facilities`` with the same choices)."""
    from api.cli.export import write_layer

    write_layer("facilities", args.out, under=args.division,
                filter=f"kind = '{args.kind}'" if args.kind else None)


def register(subparsers) -> None:
    """Add ``civgeo facilities import|export``."""
    fa = group(subparsers, "facilities", "eldercare, funeral and relief sites")
    imp = command(fa, "import", import_file)
    imp.add_argument("file", help="GeoJSON, or CSV with the columns type, name, lon, lat, …")
    imp.add_argument("--source", help="where the file is from (default: its name)")
    imp.add_argument("--crs", default="cgcs2000", choices=["cgcs2000", "wgs84", "gcj02"],
                     help="the file's coordinates: cgcs2000 (default) and wgs84 are stored "
                          "as they are, gcj02 (Amap, Tencent) is converted")
    out = command(fa, "export", export)
    out.add_argument("--division", help="only facilities under this division code")
    out.add_argument("--kind", choices=["eldercare", "funeral", "relief"])
    out.add_argument("--out", required=True, metavar="FILE",
                     help="the file to write: .gpkg, .shp, .fgb, .csv or .geojson, e.g. "
                          "facilities.gpkg")
