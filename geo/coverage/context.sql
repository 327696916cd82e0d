-- name: communities
-- The communities (社区/村) under a division with their people and the township they are in.
SELECT d.code, d.name, d.urban, d.parent_code AS township, t.name AS township_name,
       ST_X(d.centre) AS lon, ST_Y(d.centre) AS lat,
       coalesce(p.total, 0) AS total, coalesce(p.aged_60_plus, 0) AS elderly
FROM current_divisions d
LEFT JOIN current_divisions t ON t.code = d.parent_code
LEFT JOIN population p ON p.division_code = d.code AND p.year = 2020
WHERE d.level = 'community' AND d.code LIKE %(prefix)s || '%%' AND d.centre IS NOT NULL
ORDER BY d.code

-- name: sites
-- Open facilities of the given types that can serve the division: inside it, or within
-- ``reach_m`` of it (a site across the district line serves its neighbours too). The
-- division is read once (MATERIALIZED: not detoasted per facility). A distance in degrees
-- that is never shorter than ``reach_m`` there (``deg``: by the metres of a degree of
-- longitude at its far edge, with a margin of one part in a hundred) leaves only the sites
-- near its line to the exact distance on the ellipsoid.
WITH d AS MATERIALIZED (
    SELECT geom, geom::geography AS g, %(reach_m)s / (111320 * cos(radians(
               least(89, greatest(abs(ST_YMin(geom)), abs(ST_YMax(geom))))))) AS deg
    FROM current_divisions WHERE code = %(code)s
)
SELECT f.id, f.name, f.type, t.name AS type_name, f.division_code, f.places, f.beds,
       f.nursing_beds, f.status, ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat,
       f.division_code LIKE %(prefix)s || '%%' AS inside
FROM facilities f JOIN facility_types t ON t.code = f.type, d
WHERE f.type = ANY(%(types)s) AND f.status = 'open'
  AND (f.division_code LIKE %(prefix)s || '%%'
       OR (f.geom && ST_Expand(d.geom, d.deg / 0.99) AND ST_DWithin(f.geom, d.geom, d.deg / 0.99)
           AND ST_DWithin(f.geom::geography, d.g, %(reach_m)s)))
ORDER BY f.id

-- name: circle_types
SELECT code FROM facility_types WHERE circle ORDER BY sort

-- name: grid
-- The newest grid of people aged 60+ with cells in the counties of a division, if any.
SELECT g.dataset, g.source, g.licence, g.ages, g.cell_deg, g.scaled, g.districts
FROM population_grids g
WHERE g.ages = '60+' AND EXISTS (
    SELECT 1 FROM population_cells c
    WHERE c.dataset = g.dataset AND c.division_code LIKE %(county)s || '%%')
ORDER BY g.imported_at DESC, g.dataset
LIMIT 1

-- name: cells
-- The populated cells of a grid inside the communities under a division, each with the
-- community holding its centre (the cell's people are counted there once).
SELECT d.code AS community, c.grid_col, c.grid_row, ST_X(c.geom) AS lon,
       ST_Y(c.geom) AS lat, c.people
FROM current_divisions d
JOIN population_cells c ON c.dataset = %(dataset)s AND c.geom @ d.geom
                       AND ST_Contains(d.geom, c.geom)
WHERE d.level = 'community' AND d.code LIKE %(prefix)s || '%%' AND d.geom IS NOT NULL
  AND c.division_code LIKE %(county)s || '%%'
ORDER BY c.grid_row, c.grid_col
