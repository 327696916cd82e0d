"""``civgeo import markers|roads|doors FILE --source NAME``: a department's registers
(界桩登记表, road register, 门牌登记) from CSV, XLSX, GeoPackage or zipped Shapefile, all or
nothing, idempotent by (source, the row's id in the register)."""

from __future__ import annotations

import sys
from pathlib import Path

from api.cli import command, group, session

_LABEL = {"markers": "markers", "roads": "roads", "doors": "doors"}


def _run(args, kind: str) -> None:
    run_import(args, _importer(kind), _LABEL[kind])


def run_import(args, importer, label: str) -> None:
    """Import ``args.file`` with ``importer`` (``args.source``, ``args.crs``,
    ``args.datum_params``) and print the report; a refused file lists its bad rows on stderr
    and exits 2."""
    from geo.audit import Actor
    from geo.errors import InvalidInput
    from geo.registers import Coordinates, parse_params

    path = Path(args.file)
    coords = Coordinates(crs=args.crs, datum_params=parse_params(args.datum_params))
    try:
        with session(write=True) as conn:
            report = importer(conn, Actor.cli(), path.read_bytes(), path.name,
                              source=args.source or path.name, coords=coords)
    except InvalidInput as exc:
        errors = exc.extra.get("errors")
        if not errors:
            raise
        bad = exc.extra.get("bad_rows", len(errors))
        print(f"{path.name}: refused, nothing was imported ({bad} bad row"
              f"{'s' if bad > 1 else ''}):", file=sys.stderr)
        for e in errors:
            print(f"  row {e['row']}, {e['field']}: {e['reason']}", file=sys.stderr)
        sys.exit(2)
    print(f"{path.name}: {report.added} added, {report.changed} changed, "
          f"{report.unchanged} unchanged ({label}, source {args.source or path.name})")
    for row in report.rows:
        if row["status"] == "changed":
            print(f"  row {row['row']} {row['key']}: changed {', '.join(row['fields'])}")
        for warning in row.get("warnings", []):
            print(f"  row {row['row']} {row['key']}: warning: {warning['message']}")


def _importer(kind: str):
    if kind == "markers":
        from geo.boundaries import markers_import
        return markers_import.import_file
    from geo.plates import registry_import
    return registry_import.import_roads if kind == "roads" else registry_import.import_doors


def markers(args) -> None:
    """Import a boundary-marker register (界桩登记表).

    Columns (Chinese or English): 界桩编号 (marker_no), 经度/纬度 (lon/lat) or X/Y (northing,
    easting in a CGCS2000 3-degree Gauss–Krüger zone), optionally 界线, 类型, 坐标系, 带号,
    中央子午线, 高程, 保管方, 状况, 登记日期, 备注. Xi'an 1980 and Beijing 1954 coordinates are
    refused unless --datum-params gives the official 7 parameters to CGCS2000."""
    _run(args, "markers")


def roads(args) -> None:
    """Import a road register: 道路名称 (name) and its line (WKT column 几何/WKT, or the
    features of a GeoPackage or Shapefile), optionally 道路编码, 道路类型, 行政区划代码."""
    _run(args, "roads")


def doors(args) -> None:
    """Import a door register (门牌登记): 门牌编码 (the door's id in the register), 道路名称
    or 道路编码, 门牌号 and 经度/纬度 (or X/Y, or GeoPackage points), optionally 名称, 备注,
    行政区划代码. The roads must be there already (civgeo import roads)."""
    _run(args, "doors")


def register(subparsers) -> None:
    """Add ``civgeo import markers|roads|doors``."""
    imp = group(subparsers, "import", "import the registers a department keeps (all or "
                                      "nothing)", "REGISTER")
    for name, fn in (("markers", markers), ("roads", roads), ("doors", doors)):
        add_arguments(command(imp, name, fn))


def add_arguments(cmd) -> None:
    """The arguments of a register import: the file, --source, --crs, --datum-params."""
    cmd.add_argument("file", help="the register: .csv (UTF-8 or GB18030), .xlsx, .gpkg "
                                  "or a zipped Shapefile")
    cmd.add_argument("--source", help="which register this is; importing the same source "
                                      "again updates its rows (default: the file's name)")
    cmd.add_argument("--crs", help="the coordinates' system when the file has no 坐标系 "
                                   "column: CGCS2000 (default), WGS84, GCJ02, "
                                   "EPSG:4513–4554 (3-degree Gauss–Krüger), 西安80, 北京54")
    cmd.add_argument("--datum-params", metavar="DX,DY,DZ,RX,RY,RZ,DS",
                     help="the official 7 parameters from Xi'an 1980 or Beijing 1954 to "
                          "CGCS2000 (metres, arc-seconds, ppm; position vector)")
