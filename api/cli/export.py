"""``civgeo export LAYER --out FILE``: any published layer as a GIS file."""

from __future__ import annotations

from api.cli import command, output_file, session


def write_layer(layer_id: str, out: str, *, filter: str | None = None,
                under: str | None = None, properties: str | None = None,
                encoding: str = "UTF-8", crs: str | None = None) -> None:
    """Write every matching feature of a layer to ``out`` and say what was written."""
    from geo import export as gis
    from geo import features

    path = output_file(out)
    gis.driver_for(path)    # a wrong extension stops before the query
    layer = features.get_layer(layer_id)
    srid = features.crs_srid(crs)
    q = features.Query(filter=filter, properties=properties, simple={"under": under},
                       crs=srid)
    columns = {c: layer.props[c] for c in features.selected(layer, properties)}
    with session() as conn:
        written = gis.write_rows(features.rows(conn, layer, q, features.Reader("admin")),
                                 path, columns=columns, geometry_type=layer.geometry,
                                 srid=srid, encoding=encoding)
    where = "CGCS2000 EPSG:4490" if srid in (None, 4490, 4326) else f"EPSG:{srid}"
    print(f"wrote {out} ({written.count} {layer_id}, {written.driver}, {where})")
    for old, new in written.renamed.items():
        print(f"  field {old} → {new} (a Shapefile takes 10 characters)")


def export(args) -> None:
    """Export a layer as GeoPackage, Shapefile, FlatGeobuf, CSV or GeoJSON, told by the
    file's extension, in CGCS2000 (EPSG:4490) or the CRS asked for; every feature, no cap."""
    write_layer(args.layer, args.out, filter=args.filter, under=args.under,
                properties=args.properties, encoding=args.encoding, crs=args.crs)


def register(subparsers) -> None:
    """Add ``civgeo export``."""
    from geo.features import LAYERS

    out = command(subparsers, "export", export)
    out.add_argument("layer", choices=sorted(LAYERS), help="the layer (as in /ogc/collections)")
    out.add_argument("--out", required=True, metavar="FILE",
                     help="the file to write: .gpkg, .shp, .fgb, .csv or .geojson")
    out.add_argument("--filter", metavar="CQL2",
                     help="only features matching a CQL2 filter, e.g. \"beds >= 100\"")
    out.add_argument("--under", metavar="CODE", help="only features under a division code "
                     "(divisions, names, facilities, roads)")
    out.add_argument("--properties", metavar="A,B", help="only these properties")
    out.add_argument("--crs", metavar="EPSG:CODE", help="coordinates in another CRS: a "
                     "CGCS2000 3-degree Gauss-Kruger zone (EPSG:4534-4554, as CAD and survey "
                     "staff use), EPSG:3857 …; default CGCS2000 lon/lat (EPSG:4490)")
    out.add_argument("--encoding", default="UTF-8", choices=["UTF-8", "GB18030"],
                     help="a Shapefile's encoding, written to its .cpg (default UTF-8; "
                          "GB18030 for older ArcGIS)")
