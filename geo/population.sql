-- name: counties
-- The current counties under a division (or the county itself), with their outline and
-- 2020 census totals.
SELECT d.code, d.name, ST_AsBinary(d.geom) AS wkb,
       p.aged_60_plus, p.aged_65_plus, p.aged_80_plus
FROM current_divisions d
LEFT JOIN population p ON p.division_code = d.code AND p.year = 2020
WHERE d.level = 'county' AND d.geom IS NOT NULL
  AND d.code LIKE civgeo_division_prefix(%(code)s) || '%%'
ORDER BY d.code

-- name: create_grid
INSERT INTO population_grids (dataset, division_code, source, licence, ages, bands,
                              cell_deg, scaled, districts)
VALUES (%(dataset)s, %(division)s, %(source)s, %(licence)s, %(ages)s, %(bands)s,
        %(cell_deg)s, %(scaled)s, %(districts)s)

-- name: grids
SELECT g.dataset, g.division_code, g.source, g.licence, g.ages, g.bands, g.cell_deg,
       g.scaled, g.districts, g.imported_at,
       (SELECT count(*) FROM population_cells c WHERE c.dataset = g.dataset) AS cells
FROM population_grids g ORDER BY g.dataset

-- name: cells_in
SELECT count(*) AS cells, round(sum(c.people)) AS people, round(sum(c.raw)) AS people_raw,
       min(g.source) AS source, min(g.licence) AS licence, bool_and(g.scaled) AS scaled,
       min(g.ages) AS ages
FROM population_cells c JOIN population_grids g USING (dataset)
WHERE c.division_code LIKE civgeo_division_prefix(%(code)s) || '%%'

-- name: stage
CREATE TEMP TABLE population_stage (
    grid_col integer, grid_row integer, division_code text, age_60_64 bigint,
    age_65_69 bigint, age_70_74 bigint, age_75_79 bigint, age_80_plus bigint,
    raw bigint, people bigint
)

-- name: insert_cells
-- Centres from the column and row; people from whole ten-thousandths.
INSERT INTO {part} (dataset, grid_col, grid_row, division_code, geom, age_60_64,
                              age_65_69, age_70_74, age_75_79, age_80_plus, raw, people)
SELECT %(dataset)s, grid_col, grid_row, division_code,
       ST_SetSRID(ST_MakePoint(%(west)s + (grid_col + 0.5) * %(cell)s,
                               %(north)s - (grid_row + 0.5) * %(cell)s), 4490),
       age_60_64 / 1e4, age_65_69 / 1e4, age_70_74 / 1e4, age_75_79 / 1e4,
       age_80_plus / 1e4, raw / 1e4, people / 1e4
FROM population_stage
ORDER BY grid_row, grid_col
