"""Write a GeoJSON FeatureCollection as a real GIS file through GDAL (pyogrio): GeoPackage,
Shapefile, FlatGeobuf, CSV or GeoJSON, told by the file's extension, in CGCS2000
(EPSG:4490). Lists and objects in properties (a warehouse's stock) are written as JSON
text; a Shapefile's field names are fitted to its 10 characters, and the mapping is
returned so that it can be shown."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from geo.errors import InvalidInput

DRIVERS = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".fgb": "FlatGeobuf", ".csv": "CSV",
           ".geojson": "GeoJSON", ".json": "GeoJSON"}


@dataclass(frozen=True)
class Written:
    """What was written: the features, the driver, and renamed fields (old → new)."""

    count: int
    driver: str
    renamed: dict[str, str] = field(default_factory=dict)


def driver_for(path: Path) -> str:
    """The GDAL driver of ``path``'s extension, or InvalidInput naming the formats.

    >>> driver_for(Path("fac.gpkg")), driver_for(Path("fac.SHP"))
    ('GPKG', 'ESRI Shapefile')
    """
    try:
        return DRIVERS[path.suffix.lower()]
    except KeyError:
        raise InvalidInput(f"{path.name}: write .gpkg, .shp, .fgb, .csv or .geojson",
                           field="out") from None


def shapefile_names(names: list[str]) -> dict[str, str]:
    """Field names fitted to a Shapefile's 10 characters, unique, for the names that change.

    >>> shapefile_names(["name", "nursing_beds", "nursing_bedsx", "meals_per_day"])
    {'nursing_beds': 'nursing_be', 'nursing_bedsx': 'nursing_b1', 'meals_per_day': 'meals_per_'}
    """
    taken = {n for n in names if len(n) <= 10}
    out = {}
    for name in names:
        if len(name) <= 10:
            continue
        short, i = name[:10], 1
        while short in taken:
            short = f"{name[:10 - len(str(i))]}{i}"
            i += 1
        taken.add(short)
        out[name] = short
    return out


def _plain(v):
    """A value GDAL can store: JSON text for lists and objects, ISO text for times,
    floats for decimals."""
    if isinstance(v, list | dict):
        return json.dumps(v, ensure_ascii=False, default=str)
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    return v


def write_rows(rows: Iterable[dict], path: Path, *, columns: list[str],
               geometry_type: str, encoding: str = "UTF-8") -> Written:
    """Write rows (``geom`` as WKB in CGCS2000, then ``columns``) to ``path`` in the format
    its extension names; replaces the file. ``encoding`` is a Shapefile's (UTF-8 or
    GB18030), written to its .cpg for ArcGIS and QGIS."""
    import geopandas as gpd
    import shapely

    driver = driver_for(path)
    data = {c: [] for c in columns}
    wkb = []
    for r in rows:
        wkb.append(bytes(r["geom"]) if r["geom"] is not None else None)
        for c in columns:
            data[c].append(_plain(r[c]))
    frame = gpd.GeoDataFrame(data, geometry=shapely.from_wkb(wkb), crs=4490)
    return _write(frame, path, driver, geometry_type, encoding)


def write(collection: dict, path: Path) -> Written:
    """Write ``collection`` (GeoJSON, CGCS2000 lon/lat) to ``path``; replaces the file."""
    import geopandas as gpd

    driver = driver_for(path)
    features = [{**f, "properties": {k: json.dumps(v, ensure_ascii=False, default=str)
                                     if isinstance(v, list | dict) else v
                                     for k, v in (f.get("properties") or {}).items()}}
                for f in collection["features"]]
    frame = gpd.GeoDataFrame.from_features(features, crs=4490) if features else \
        gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=4490)
    return _write(frame, path, driver, None, "UTF-8")


def _write(frame, path: Path, driver: str, geometry_type: str | None,
           encoding: str) -> Written:
    import pyogrio

    renamed = shapefile_names(list(frame.columns.drop("geometry"))) \
        if driver == "ESRI Shapefile" else {}
    frame = frame.rename(columns=renamed)
    options: dict[str, str] = {}
    extra = {}
    if driver == "CSV":
        options["GEOMETRY"] = "AS_XY" if geometry_type == "Point" else "AS_WKT"
    if driver == "ESRI Shapefile":
        if encoding.upper() not in ("UTF-8", "GB18030"):
            raise InvalidInput("a Shapefile is written in UTF-8 or GB18030", field="encoding")
        extra["encoding"] = encoding.upper()   # GDAL writes a .cpg saying so
    for old in path.parent.glob(path.stem + ".*") if driver == "ESRI Shapefile" else [path]:
        old.unlink(missing_ok=True)
    pyogrio.write_dataframe(frame, path, driver=driver, layer_options=options or None,
                            geometry_type=geometry_type, **extra)
    return Written(len(frame), driver, renamed)
