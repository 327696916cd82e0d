"""Population grids (issue 20): rasters of people per cell (WorldPop's 100 m estimates of
people by sex and 5-year age band) read with rasterio, stored as populated cells in
CGCS2000, and compared with each county's 2020 census total.

- **Files.** One GeoTIFF per age band and sex, named as WorldPop names them
  (``pop_65_f_wuhan.tif``, ``chn_f_65_2020.tif``: the age is the band's lower bound, 60 …
  80, and ``f``/``m`` the sex). All must share one grid. Bands below the ages asked for are
  not read; a file whose name says no age is refused.
- **CRS.** EPSG:4326 or EPSG:4490 (the same at a grid's accuracy). Any other CRS is refused:
  resampling counts into another grid changes them unless they are summed, so the file
  is to be warped with ``gdalwarp -r sum -t_srs EPSG:4326`` first.
- **NoData** (the file's nodata value, non-finite or negative values) is never counted.
- **Division.** Cells are kept where a county of the division holds their centre; a
  raster with no populated cell in the division is refused.
- **Census.** Each county's grid total is set beside its 2020 census total of the same
  ages; with ``scale`` (the default, ``CIVGEO_POPULATION_SCALE``) each cell's people are
  its raw value × census ÷ grid of its county, so a county's cells sum to its census
  total. A county off by more than ``max_off`` (``CIVGEO_POPULATION_MAX_OFF``, 30 %) is
  named in a warning.
"""

from __future__ import annotations

import io
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from geo import datasets
from geo.db import execute, fetch_all, fetch_one, load_queries
from geo.errors import InvalidInput, NotFound, SetupError

_Q = load_queries(__file__)

BANDS = {60: "60-64", 65: "65-69", 70: "70-74", 75: "75-79", 80: "80+"}
COLUMNS = {60: "age_60_64", 65: "age_65_69", 70: "age_70_74", 75: "age_75_79",
           80: "age_80_plus"}
AGES = {"60+": 60, "65+": 65, "80+": 80}
CENSUS = {"60+": "aged_60_plus", "65+": "aged_65_plus", "80+": "aged_80_plus"}
GEOGRAPHIC = {4326, 4490}
WORLDPOP = "WorldPop (www.worldpop.org)"
WORLDPOP_LICENCE = "CC BY 4.0"
_NAME = re.compile(r"(?:^|_)(?:(?P<a1>\d{1,2})_(?P<s1>[fm])|(?P<s2>[fm])_(?P<a2>\d{1,2}))"
                   r"(?=_|\.|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Settings:
    """How a grid meets the census: scaled to it, and how far off is worth a warning."""

    scale: bool = True
    max_off: float = 0.30

    @classmethod
    def from_env(cls) -> Settings:
        scale = os.environ.get("CIVGEO_POPULATION_SCALE", "1")
        off = os.environ.get("CIVGEO_POPULATION_MAX_OFF", "0.30")
        try:
            max_off = float(off)
        except ValueError:
            max_off = -1.0
        if scale not in ("0", "1") or not 0 < max_off <= 10:
            raise SetupError("CIVGEO_POPULATION_SCALE must be 0 or 1 and "
                             "CIVGEO_POPULATION_MAX_OFF a share above 0 (0.30 = 30 %)")
        return cls(scale == "1", max_off)


@dataclass
class Grid:
    """The rasters read: people per band (both sexes summed) on one grid."""

    bands: dict[int, np.ndarray]      # lower age → people per cell (NaN: NoData)
    west: float
    north: float
    cell_deg: float
    files: list[str]

    @property
    def shape(self) -> tuple[int, int]:
        return next(iter(self.bands.values())).shape


def band_of(path: Path) -> tuple[int, str]:
    """(lower age, sex) from a WorldPop file name; InvalidInput naming the file if none."""
    found = _NAME.search(path.stem + path.suffix)
    if found is None or int(found["a1"] or found["a2"]) not in BANDS:
        raise InvalidInput(f"{path.name}: the name says no age band and sex (expected e.g. "
                           f"pop_65_f_….tif or …_f_65_….tif, ages {', '.join(map(str, BANDS))})",
                           field="files")
    return int(found["a1"] or found["a2"]), (found["s1"] or found["s2"]).lower()


def read(paths: list[Path], ages: str = "60+") -> Grid:
    """Read the rasters of the bands ``ages`` covers, summing the sexes of each band."""
    import rasterio

    if ages not in AGES:
        raise InvalidInput(f"ages must be one of {', '.join(AGES)}", field="ages")
    if not paths:
        raise InvalidInput("no raster files given", field="files")
    bands: dict[int, np.ndarray] = {}
    reference = None
    used: list[str] = []
    for path in sorted(paths):
        age, _sex = band_of(path)
        if age < AGES[ages]:
            continue
        try:
            src = rasterio.open(path)
        except rasterio.errors.RasterioIOError as exc:
            raise InvalidInput(f"{path.name}: not a raster GDAL can read ({exc})",
                               field="files") from None
        with src:
            epsg = src.crs.to_epsg() if src.crs else None
            if epsg not in GEOGRAPHIC:
                raise InvalidInput(
                    f"{path.name} is in {src.crs or 'no CRS'}, not EPSG:4326 or EPSG:4490: "
                    "people per cell cannot be resampled into another grid without changing "
                    "the counts; warp it with gdalwarp -r sum -t_srs EPSG:4326 first",
                    field="files")
            t = src.transform
            if t.b or t.d or t.e >= 0 or abs(t.a + t.e) > 1e-9:
                raise InvalidInput(f"{path.name}: cells must be square and north-up",
                                   field="files")
            here = (src.width, src.height, round(t.c, 9), round(t.f, 9), round(t.a, 12))
            if reference is None:
                reference = here
            elif here != reference:
                raise InvalidInput(f"{path.name} is on another grid than {used[0]} (size, "
                                   "origin or cell size differ)", field="files")
            values = src.read(1, masked=True).astype(np.float64).filled(np.nan)
        values[~np.isfinite(values) | (values < 0)] = np.nan
        bands[age] = values if age not in bands else np.where(
            np.isnan(bands[age]), values, bands[age] + np.nan_to_num(values))
        used.append(path.name)
    if not bands:
        raise InvalidInput(f"none of the files holds ages {ages}", field="files")
    width, height, west, north, cell = reference
    return Grid(bands, west, north, cell, used)


def import_grid(conn, paths: list[Path], *, dataset: str, division: str, ages: str = "60+",
                source: str = WORLDPOP, licence: str = WORLDPOP_LICENCE,
                settings: Settings | None = None,
                progress: Callable[[str], None] = lambda _m: None) -> dict:
    """Read the rasters and store the populated cells of ``division`` as ``dataset``
    (replacing an earlier import of that name); returns the summary with each county's
    grid and census totals. Runs in the caller's transaction: a failure leaves nothing."""
    settings = settings or Settings.from_env()
    started = time.perf_counter()
    grid = read(paths, ages)
    progress(f"read {len(grid.files)} rasters of {grid.shape[1]} × {grid.shape[0]} cells")
    counties = fetch_all(conn, _Q["counties"], {"code": division})
    if not counties:
        raise NotFound(f"no county outline is loaded under division {division}",
                       field="division")
    stack = np.stack(list(grid.bands.values()))
    raw = np.nansum(stack, axis=0)
    rows, cols = np.nonzero(raw > 0)
    lon = grid.west + (cols + 0.5) * grid.cell_deg    # the cells' centres (as insert_cells)
    lat = grid.north - (rows + 0.5) * grid.cell_deg
    county = np.full(len(rows), -1)
    for i, c in enumerate(counties):
        shape = shapely.from_wkb(bytes(c["wkb"]))
        w, s, e, n = shape.bounds
        near = np.flatnonzero((county < 0) & (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n))
        shapely.prepare(shape)
        county[near[shapely.contains_xy(shape, lon[near], lat[near])]] = i
    inside = county >= 0
    if not inside.any():
        east = grid.west + grid.shape[1] * grid.cell_deg
        south = grid.north - grid.shape[0] * grid.cell_deg
        raise InvalidInput(f"the rasters hold nobody inside division {division} (their "
                           f"extent: {grid.west:.3f}…{east:.3f} E, {south:.3f}…"
                           f"{grid.north:.3f} N)", field="files")
    outside = float(raw[rows[~inside], cols[~inside]].sum())
    rows, cols, lon, lat, county = rows[inside], cols[inside], lon[inside], lat[inside], \
        county[inside]
    cell_raw = raw[rows, cols]
    totals = np.bincount(county, weights=cell_raw, minlength=len(counties))
    districts, scale = _against_census(counties, totals, ages, settings)
    people = cell_raw * scale[county]
    datasets.begin_dataset(conn, dataset, f"Population {ages} on a grid ({source})",
                           {"files": grid.files, "ages": ages, "division": division,
                            "scaled": settings.scale}, [f"Population: {source}, {licence}"])
    execute(conn, _Q["create_grid"], {
        "dataset": dataset, "division": division, "source": source, "licence": licence,
        "ages": ages, "bands": [BANDS[a] for a in sorted(grid.bands)],
        "cell_deg": grid.cell_deg, "scaled": settings.scale,
        "districts": _json(districts)})
    band_cols = [COLUMNS[a] for a in sorted(grid.bands)]
    # Numbers go over COPY as whole ten-thousandths (integers format fast; a float
    # column of 480,000 cells took seconds); positions as the cell's column and row.
    def tenk(values: np.ndarray) -> pd.Series:
        return pd.Series(np.round(values * 10_000)).astype("Int64")

    frame = pd.DataFrame({
        "grid_col": cols, "grid_row": rows,
        "division_code": np.array([c["code"] for c in counties])[county],
        **{name: tenk(grid.bands[a][rows, cols])
           for name, a in zip(band_cols, sorted(grid.bands), strict=True)},
        "raw": tenk(cell_raw), "people": tenk(people)})
    buf = io.StringIO()
    frame.to_csv(buf, sep="\t", header=False, index=False, na_rep="\\N")
    buf.seek(0)
    with conn.cursor() as cur:
        cur.execute(_Q["stage"])
        cur.copy_expert(f"COPY population_stage ({', '.join(frame.columns)}) FROM STDIN", buf)
        progress(f"{len(frame):,} populated cells in {len(counties)} counties staged")
        # A table of the grid's own, filled, then attached: its indexes are built then.
        part = datasets.cells_partition(dataset)   # begin_dataset dropped an earlier one
        cur.execute(f"CREATE TABLE {part} (LIKE population_cells INCLUDING DEFAULTS "
                    "INCLUDING CONSTRAINTS)")
        cur.execute(_Q["insert_cells"].replace("{part}", part),
                    {"dataset": dataset, "west": grid.west, "north": grid.north,
                     "cell": grid.cell_deg})
        cur.execute(f"ALTER TABLE population_cells ATTACH PARTITION {part} "
                    "FOR VALUES IN (%(dataset)s)", {"dataset": dataset})
        cur.execute("DROP TABLE population_stage")
    progress("cells stored")
    execute(conn, "ANALYZE population_cells")
    summary = {"cells": int(len(rows)), "people_raw": round(float(cell_raw.sum())),
               "people": round(float(people.sum())), "outside_division": round(outside),
               "scaled": settings.scale, "districts": districts,
               "warnings": _warnings(districts, settings),
               "seconds": round(time.perf_counter() - started, 1)}
    datasets.finish_dataset(conn, dataset, summary)
    return summary


def _against_census(counties: list[dict], totals: np.ndarray, ages: str,
                    settings: Settings) -> tuple[list[dict], np.ndarray]:
    """Each county's grid total beside its census total, the difference and the factor
    its cells are multiplied by (1 when not scaled, or when there is no census figure)."""
    rows, scale = [], np.ones(len(counties))
    for i, c in enumerate(counties):
        census = c[CENSUS[ages]]
        grid_total = float(totals[i])
        off = (grid_total / census - 1) if census else None
        if settings.scale and census and grid_total > 0:
            scale[i] = census / grid_total
        rows.append({"code": c["code"], "name": c["name"], "grid": round(grid_total),
                     "census": census, "off": round(off, 4) if off is not None else None,
                     "scale": round(float(scale[i]), 4)})
    return rows, scale


def _warnings(districts: list[dict], settings: Settings) -> list[str]:
    far = [d for d in districts if d["off"] is not None and abs(d["off"]) > settings.max_off]
    if not far:
        return []
    named = "、".join(f"{d['name']} {d['off'] * 100:+.1f} %" for d in far)
    return [f"the grid is off the 2020 census by more than {settings.max_off * 100:.0f} % in: "
            f"{named}" + ("; cells there are scaled to the census" if settings.scale else "")]


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def grids(conn) -> list[dict]:
    """The grids imported, with their per-county comparison with the census."""
    return fetch_all(conn, _Q["grids"])


def cells_in(conn, code: str) -> dict:
    """What the grid says of a division: cells, people (scaled and raw), and its source."""
    row = fetch_one(conn, _Q["cells_in"], {"code": code})
    if row is None or not row["cells"]:
        raise NotFound(f"no population grid covers division {code}", field="division")
    return row
