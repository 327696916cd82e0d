-- name: insert_divisions
-- Rows whose code already has a current row are left alone, so loads can share
-- provinces and neighbouring counties.
INSERT INTO divisions (code, name, short_name, level, kind, urban, parent_code, geom, centre,
                       source, name_source, dataset)
SELECT v.code, v.name, v.short_name, v.level, v.kind, v.urban::boolean, v.parent_code,
       ST_Multi(ST_GeomFromWKB(decode(v.geom_wkb, 'hex'), 4490)),
       ST_GeomFromWKB(decode(v.centre_wkb, 'hex'), 4490),
       v.source, v.name_source, v.dataset
FROM (VALUES %s) AS v (code, name, short_name, level, kind, urban, parent_code, geom_wkb,
                       centre_wkb, source, name_source, dataset)
WHERE NOT EXISTS (SELECT 1 FROM divisions d WHERE d.code = v.code AND upper_inf(d.valid))

-- name: upsert_population
INSERT INTO population (division_code, year, total, urban, rural, aged_60_plus, aged_65_plus,
                        aged_80_plus, source, dataset)
VALUES %s
ON CONFLICT (division_code, year) DO UPDATE SET
    total = EXCLUDED.total, urban = EXCLUDED.urban, rural = EXCLUDED.rural,
    aged_60_plus = EXCLUDED.aged_60_plus, aged_65_plus = EXCLUDED.aged_65_plus,
    aged_80_plus = EXCLUDED.aged_80_plus, source = EXCLUDED.source

-- name: get_division
SELECT id, code, name, short_name, level, kind, urban, parent_code, source, name_source,
       lower(valid) AS valid_from, upper(valid) AS valid_to,
       ST_AsGeoJSON(centre, 7, 0)::json AS centre
FROM divisions
WHERE code = %(code)s AND valid @> %(on)s::date

-- name: count_by_level
SELECT d.level, count(*) AS divisions,
       count(*) FILTER (WHERE d.source LIKE 'synthetic%%') AS synthetic_geometry
FROM current_divisions d
WHERE d.code LIKE civgeo_division_prefix(%(code)s) || '%%'
GROUP BY d.level

-- name: population_under
-- Sums one level only, so totals are not counted twice.
SELECT %(level)s AS level, count(*) AS units, sum(p.total) AS total,
       sum(p.aged_60_plus) AS aged_60_plus
FROM population p JOIN current_divisions d ON d.code = p.division_code
WHERE p.year = %(year)s AND d.level = %(level)s
  AND d.code LIKE civgeo_division_prefix(%(code)s) || '%%'

-- name: containing
SELECT code, name, level, kind, source
FROM divisions
WHERE valid @> %(on)s::date AND geom IS NOT NULL
  AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490))
ORDER BY array_position(ARRAY['province', 'prefecture', 'county', 'township', 'community'], level)

-- name: population_of
SELECT coalesce(sum(total), 0) AS total, coalesce(sum(aged_60_plus), 0) AS aged_60_plus
FROM population
WHERE year = %(year)s AND division_code = ANY(%(codes)s)

-- name: divisions_frame
-- For maps and exports: current divisions under a code, with their latest population.
SELECT d.code, d.name, d.short_name, d.level, d.kind, d.source, d.parent_code,
       p.total AS population, p.aged_60_plus, p.source AS population_source,
       round((ST_Area(d.geom::geography) / 1e6)::numeric, 2)::float AS area_km2,
       ST_AsBinary(d.geom) AS geom
FROM current_divisions d
LEFT JOIN population p ON p.division_code = d.code AND p.year = %(year)s
WHERE d.geom IS NOT NULL AND d.level = ANY(%(levels)s)
  AND (d.code LIKE civgeo_division_prefix(%(code)s) || '%%'
       OR (%(neighbours)s AND d.level = 'county' AND ST_Intersects(d.geom, (
            SELECT ST_Buffer(ST_Union(x.geom), 0.002) FROM current_divisions x
            WHERE x.level = 'county' AND x.code LIKE civgeo_division_prefix(%(code)s) || '%%'))))
ORDER BY d.code

-- name: tree
-- Prefectures and their counties that have communities (where coverage can be worked out),
-- with the community count and whether a walking network covers them.
SELECT c.code, c.name, c.level, c.parent_code, p.name AS parent_name,
       (SELECT count(*) FROM current_divisions m
        WHERE m.level = 'community' AND m.code LIKE civgeo_division_prefix(c.code) || '%%')
           AS communities
FROM current_divisions c
LEFT JOIN current_divisions p ON p.code = c.parent_code
WHERE c.level IN ('prefecture', 'county')
  AND EXISTS (SELECT 1 FROM current_divisions m
              WHERE m.level = 'community' AND m.code LIKE civgeo_division_prefix(c.code) || '%%')
ORDER BY c.code
