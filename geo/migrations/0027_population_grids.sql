-- Population grids (issue 20): people per cell of a raster (WorldPop's 100 m grids of
-- people aged 60+), stored as the cells' centres in CGCS2000 with the people of each age
-- band, each cell in the county holding it, and each county's total beside its 2020 census
-- total. A grid is a dataset: removing the dataset removes its cells.
--
-- The cells are partitioned by grid: an import fills a table of its own with no index and
-- attaches it, so its indexes are built in one pass over hundreds of thousands of cells
-- (instead of growing row by row), and a grid imported again replaces its partition.
CREATE TABLE population_grids (
    dataset       text PRIMARY KEY REFERENCES datasets (name) ON DELETE CASCADE,
    division_code text NOT NULL,                -- the division it was imported for
    source        text NOT NULL,                -- credit line, e.g. WorldPop (www.worldpop.org)
    licence       text NOT NULL,
    ages          text NOT NULL CHECK (ages IN ('60+', '65+', '80+')),
    bands         text[] NOT NULL,              -- the age bands read, e.g. {60-64, …, 80+}
    cell_deg      double precision NOT NULL CHECK (cell_deg > 0),
    scaled        boolean NOT NULL,             -- cells scaled to the census totals
    districts     jsonb NOT NULL,               -- per county: grid, census, off, scale
    imported_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE population_cells (
    dataset       text NOT NULL REFERENCES population_grids (dataset) ON DELETE CASCADE,
    grid_col      integer NOT NULL,              -- the cell's column and row in the raster
    grid_row      integer NOT NULL,
    division_code text NOT NULL,                -- the county holding the cell's centre
    geom          geometry(Point, 4490) NOT NULL,
    age_60_64     real,                         -- people by band (both sexes); NULL: not read
    age_65_69     real,
    age_70_74     real,
    age_75_79     real,
    age_80_plus   real,
    raw           real NOT NULL CHECK (raw > 0),   -- the grid's people of the ages imported
    people        real NOT NULL CHECK (people >= 0),  -- raw × the county's scale
    PRIMARY KEY (dataset, grid_col, grid_row)
) PARTITION BY LIST (dataset);
CREATE INDEX population_cells_geom ON population_cells USING gist (geom);
CREATE INDEX population_cells_division ON population_cells (division_code text_pattern_ops);

-- The square a cell covers, for display (centre ± half a cell).
CREATE FUNCTION civgeo_cell_square(centre geometry, cell_deg double precision)
RETURNS geometry LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ST_Expand(centre, cell_deg / 2) $$;
