"""Write a layer's features as a real GIS file through GDAL (pyogrio): GeoPackage,
Shapefile, FlatGeobuf, CSV or GeoJSON, told by the file's extension, in CGCS2000
(EPSG:4490) or the CRS asked for. Fields keep the types the layer declares; lists and
objects are written as JSON text; a Shapefile's field names are fitted to its 10
characters, and the mapping is returned so that it can be shown."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

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


def write_rows(rows: Iterable[dict], path: Path, *, columns: dict[str, Any],
               geometry_type: str, srid: int | None = None,
               encoding: str = "UTF-8") -> Written:
    """Write rows (``geom`` as WKB in ``srid``, CGCS2000 when None, then ``columns``, each
    with its type: a ``geo.cql.Queryable``) to ``path`` in the format its extension names;
    replaces the file. Fields get their declared types, whatever the values hold, so that
    every export of a layer has the same schema. ``encoding`` is a Shapefile's (UTF-8 or
    GB18030), written to its .cpg for ArcGIS and QGIS."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    driver = driver_for(path)
    if encoding.upper() != "UTF-8" and driver != "ESRI Shapefile":
        raise InvalidInput("--encoding is for Shapefiles; GeoPackage, FlatGeobuf and GeoJSON "
                           "are UTF-8, and CSV is UTF-8 with a BOM for Excel",
                           field="encoding")
    data: dict[str, list] = {c: [] for c in columns}
    wkb = []
    for r in rows:
        wkb.append(bytes(r["geom"]) if r["geom"] is not None else None)
        for c in columns:
            data[c].append(_plain(r[c]))
    typed = {c: pd.array(v, dtype=_DTYPES.get(columns[c].type, object))
             for c, v in data.items()}
    frame = gpd.GeoDataFrame(typed, geometry=shapely.from_wkb(wkb),
                             crs=4490 if srid in (None, 4326) else srid)
    return _write(frame, path, driver, geometry_type, encoding)


_DTYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean"}


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
        options["WRITE_BOM"] = "YES"     # Excel on a Chinese Windows reads it as UTF-8
    if driver == "ESRI Shapefile":
        if encoding.upper() not in ("UTF-8", "GB18030"):
            raise InvalidInput("a Shapefile is written in UTF-8 or GB18030", field="encoding")
        extra["encoding"] = encoding.upper()   # GDAL writes a .cpg saying so
    for old in path.parent.glob(path.stem + ".*") if driver == "ESRI Shapefile" else [path]:
        old.unlink(missing_ok=True)
    if driver == "GPKG":     # GeoPackage 1.2, which GDAL 3.6 and older QGIS read fully
        extra["dataset_options"] = {"VERSION": "1.2"}
    pyogrio.write_dataframe(frame, path, driver=driver, layer_options=options or None,
                            geometry_type=geometry_type, **extra)
    return Written(len(frame), driver, renamed)
