"""Population grids (issue 20): small rasters written with rasterio over 荷塘区 (430202,
2020 census: 56,881 aged 60+), read, stored as cells and compared with the census."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from geo import population
from geo.db import fetch_all
from geo.errors import InvalidInput

CELL = 0.000833333333333     # 3 arc-seconds, as WorldPop's 100 m grids
WEST, NORTH = 113.168, 27.862   # inside 荷塘区
NODATA = -3.4e38


def raster(path, values, *, crs="EPSG:4326", west=WEST, north=NORTH):
    """A float32 GeoTIFF of people per cell, north-up, NoData as WorldPop's."""
    values = np.asarray(values, dtype="float32")
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1],
                       height=values.shape[0], count=1, dtype="float32", crs=crs,
                       transform=from_origin(west, north, CELL, CELL), nodata=NODATA) as dst:
        dst.write(values, 1)
    return path


def grid_files(tmp_path, **kw):
    """Two bands (60–64 women and men, 80+ women) on a 3 × 2 grid; one cell NoData in the
    60–64 women's band, one empty cell."""
    nd = NODATA
    return [raster(tmp_path / "pop_60_f_test.tif", [[1.5, nd, 0.0], [2.0, 4.0, 0.0]], **kw),
            raster(tmp_path / "pop_60_m_test.tif", [[1.0, 3.0, 0.0], [2.0, nd, 0.0]], **kw),
            raster(tmp_path / "pop_80_f_test.tif", [[0.5, 1.0, 0.0], [nd, 2.0, 0.0]], **kw)]


def test_cells_are_stored_with_their_bands_and_nodata_is_never_counted(conn, sample, tmp_path):
    done = population.import_grid(conn, grid_files(tmp_path), dataset="grid-test",
                                  division="430202",
                                  settings=population.Settings(scale=False))
    cells = fetch_all(conn, "SELECT grid_col, grid_row, division_code, age_60_64, "
                            "age_80_plus, raw, people, ST_X(geom) AS lon, ST_Y(geom) AS lat "
                            "FROM population_cells WHERE dataset = 'grid-test' "
                            "ORDER BY grid_row, grid_col")
    # The third column is empty in every band: no cell. NoData adds nothing.
    assert [(c["grid_col"], c["grid_row"]) for c in cells] == [(0, 0), (1, 0), (0, 1), (1, 1)]
    assert [c["age_60_64"] for c in cells] == pytest.approx([2.5, 3.0, 4.0, 4.0])
    assert [c["age_80_plus"] for c in cells] == pytest.approx([0.5, 1.0, None, 2.0])
    assert [c["raw"] for c in cells] == pytest.approx([3.0, 4.0, 4.0, 6.0])
    assert {c["division_code"] for c in cells} == {"430202"}
    assert cells[0]["lon"] == pytest.approx(WEST + CELL / 2)        # the cell's centre
    assert cells[0]["lat"] == pytest.approx(NORTH - CELL / 2)
    assert done["people_raw"] == 17 and done["people"] == 17 and not done["scaled"]
    [hetang] = [d for d in done["districts"] if d["code"] == "430202"]
    assert hetang["census"] == 56881 and hetang["off"] == pytest.approx(17 / 56881 - 1,
                                                                        abs=1e-4)
    assert done["warnings"] and "荷塘区" in done["warnings"][0]   # 17 people, far off


def test_scaled_to_the_census_the_cells_sum_to_it_exactly(conn, sample, tmp_path):
    done = population.import_grid(conn, grid_files(tmp_path), dataset="grid-test",
                                  division="430202")
    total = fetch_all(conn, "SELECT sum(people) AS s, sum(raw) AS r FROM population_cells "
                            "WHERE dataset = 'grid-test'")[0]
    assert total["s"] == pytest.approx(56881, abs=0.5) and total["r"] == pytest.approx(17)
    assert done["people"] == 56881 and done["scaled"]
    assert population.cells_in(conn, "430202")["people"] == 56881
    # Imported again under the same name: replaced, not added.
    population.import_grid(conn, grid_files(tmp_path), dataset="grid-test", division="430202")
    assert fetch_all(conn, "SELECT count(*) AS n FROM population_cells "
                           "WHERE dataset = 'grid-test'")[0]["n"] == 4


def test_only_the_bands_of_the_ages_asked_for_are_read(conn, sample, tmp_path):
    done = population.import_grid(conn, grid_files(tmp_path), dataset="grid-test",
                                  division="430202", ages="80+",
                                  settings=population.Settings(scale=False))
    assert done["people_raw"] == 4 and done["cells"] == 3    # 0.5 + 1.0 + 2.0 (rounded)


def test_bad_rasters_are_refused_naming_the_reason(conn, sample, tmp_path):
    projected = tmp_path / "projected"
    projected.mkdir()
    raster(projected / "pop_60_f_x.tif", [[1.0]], crs="EPSG:3857", west=12_600_000,
           north=3_230_000)
    with pytest.raises(InvalidInput, match="EPSG:3857.*gdalwarp -r sum") as exc:
        population.import_grid(conn, list(projected.glob("*.tif")), dataset="g",
                               division="430202")
    assert exc.value.field == "files"
    far = tmp_path / "far"
    far.mkdir()
    raster(far / "pop_60_f_x.tif", [[5.0]], west=100.0, north=40.0)   # in Gansu
    with pytest.raises(InvalidInput, match="nobody inside division 430202"):
        population.import_grid(conn, [far / "pop_60_f_x.tif"], dataset="g",
                               division="430202")
    unnamed = raster(tmp_path / "people.tif", [[1.0]])
    with pytest.raises(InvalidInput, match="people.tif: the name says no age band"):
        population.import_grid(conn, [unnamed], dataset="g", division="430202")
    other = tmp_path / "other"
    other.mkdir()
    files = [raster(other / "pop_60_f_a.tif", [[1.0]]),
             raster(other / "pop_65_f_a.tif", [[1.0, 2.0]])]
    with pytest.raises(InvalidInput, match="on another grid"):
        population.import_grid(conn, files, dataset="g", division="430202")


def test_worldpop_names_give_the_band_and_sex(tmp_path):
    assert population.band_of(tmp_path / "pop_65_f_wuhan.tif") == (65, "f")
    assert population.band_of(tmp_path / "chn_m_80_2020.tif") == (80, "m")
    with pytest.raises(InvalidInput):
        population.band_of(tmp_path / "chn_m_15_2020.tif")   # not an elderly band
