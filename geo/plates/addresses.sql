-- name: addresses
-- Standard addresses of doors: the divisions they lie in (province → community) with the
-- romanization the gazetteer holds for each (a community is filed under its short name,
-- 锁二社区 for 锁二社区居委会), the road with its standard name, romanization and the
-- districts it runs through, the number. A door's name is text or nothing, never a missing
-- value spelt out (NaN, None, null).
SELECT e.id AS entrance_id, e.road_id, r.name AS road, coalesce(n.roman, rn.roman) AS road_roman,
       coalesce(n.roman_toned, rn.roman_toned) AS road_roman_toned,
       r.name_id, r.districts AS road_districts,
       e.number, e.sub, civgeo_house_number(e.number, e.sub) AS number_label,
       CASE WHEN lower(btrim(e.name)) IN ('', 'nan', 'none', 'null', 'undefined', 'nat', '<na>')
            THEN NULL ELSE e.name END AS place,
       e.status, ST_X(e.geom) AS lon, ST_Y(e.geom) AS lat,
       (SELECT coalesce(json_agg(json_build_object(
                    'level', d.level, 'code', d.code,
                    'name', CASE WHEN d.level = 'community' THEN d.short_name ELSE d.name END,
                    'roman', g.roman, 'roman_toned', g.roman_toned)
                ORDER BY length(d.code), d.code), '[]')
        FROM current_divisions d
        LEFT JOIN LATERAL (
            SELECT p.roman, p.roman_toned FROM place_names p
            WHERE p.division_code = d.code AND p.name IN (d.name, d.short_name)
              AND p.status = 'standard'
            ORDER BY left(p.category_code, 2) NOT IN ('04', '05'), p.name <> d.short_name, p.id
            LIMIT 1) g ON true
        WHERE d.geom && e.geom AND ST_Intersects(d.geom, e.geom)) AS divisions
FROM entrances e
JOIN roads r ON r.id = e.road_id
LEFT JOIN place_names n ON n.id = r.name_id
LEFT JOIN LATERAL (SELECT p.roman, p.roman_toned FROM place_names p
                   WHERE p.name = r.name AND p.category_code LIKE '08%%'
                     AND p.status = 'standard' LIMIT 1) rn ON r.name_id IS NULL
WHERE e.id = ANY(%(ids)s)

-- name: buildings
SELECT b.id, b.entrance_id, b.no, b.units, b.floors, b.rooms_per_floor
FROM buildings b WHERE b.entrance_id = ANY(%(ids)s) ORDER BY b.entrance_id, b.no

-- name: division_prefixes
-- Divisions whose name (or the name without its generic: 南京 for 南京市) starts the text:
-- look-ups of the text's leading parts (migration 0024).
SELECT code, name, level, parent_code,
       CASE WHEN name = ANY(%(prefixes)s::text[]) THEN length(name)
            ELSE length(civgeo_division_short(name)) END AS matched
FROM current_divisions
WHERE name = ANY(%(prefixes)s::text[]) OR civgeo_division_short(name) = ANY(%(prefixes)s::text[])
ORDER BY matched DESC, length(code)

-- name: road_prefixes
-- Current roads whose name starts the text (the text's leading parts, by index), within a
-- division when one was named.
SELECT r.id, r.name, r.division_code
FROM roads r
WHERE r.status = 'current' AND r.name = ANY(%(prefixes)s::text[])
  AND (%(division)s::text IS NULL
       OR r.division_code LIKE civgeo_division_prefix(left(%(division)s, 6)) || '%%')
ORDER BY length(r.name) DESC, r.id

-- name: compound_prefixes
-- Named compounds (小区, 单位) behind a door whose name starts the text.
SELECT e.id, e.name FROM entrances e
WHERE e.status = 'current' AND e.name = ANY(%(prefixes)s::text[])
ORDER BY length(e.name) DESC, e.number NULLS LAST, e.id
LIMIT 20

-- name: find_doors
SELECT e.id FROM entrances e
WHERE e.road_id = ANY(%(roads)s) AND e.status = 'current'
  AND (%(number)s::integer IS NULL OR e.number = %(number)s)
  AND (%(number)s::integer IS NULL OR coalesce(e.sub, 0) = coalesce(%(sub)s, 0))
  AND (%(division)s::text IS NULL OR EXISTS (
        SELECT 1 FROM current_divisions d WHERE d.code = %(division)s
          AND ST_Intersects(d.geom, e.geom)))
ORDER BY e.number NULLS LAST, e.sub NULLS FIRST, e.id
LIMIT %(limit)s

-- name: numbered_positions
-- The numbered current doors of roads with their place along the road (metres from where
-- numbering starts) and whether they stand on the side that takes odd numbers.
SELECT p.road_id, p.road_name, p.entrance_id, p.number, p.sub,
       civgeo_house_number(p.number, p.sub) AS label, p.measure_m, p.odd AS odd_side,
       ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat
FROM civgeo_entrance_positions(%(roads)s::bigint[], %(defaults)s::jsonb) p
WHERE p.number IS NOT NULL
ORDER BY p.road_id, p.number, p.sub NULLS FIRST, p.entrance_id

-- name: nearest_door
SELECT e.id, ST_Distance(e.geom::geography, p.pt::geography) AS distance_m
FROM (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490) AS pt) p
CROSS JOIN LATERAL (
    SELECT e.id, e.geom FROM entrances e
    WHERE e.status = 'current' AND e.number IS NOT NULL
    ORDER BY e.geom <-> p.pt LIMIT 5) e
ORDER BY distance_m LIMIT 1
