-- name: insert_road
INSERT INTO roads (name, name_id, division_code, kind, geom, axis, length_m, rule, source, dataset)
SELECT %(name)s, %(name_id)s, %(division)s, %(kind)s, g.geom, a.axis, ST_Length(a.axis::geography), %(rule)s::jsonb, %(source)s,
       %(dataset)s
FROM (SELECT ST_Multi(ST_GeomFromWKB(%(geom)s, 4490)) AS geom) g,
     (SELECT ST_GeomFromWKB(%(axis)s, 4490) AS axis) a
RETURNING id

-- name: road_of_name
-- The current road named by a standard name, if there is one.
SELECT id FROM roads WHERE name_id = %(name_id)s AND status = 'current' ORDER BY id LIMIT 1

-- name: county_of_line
-- The county a road's line lies in (at a point on it).
SELECT d.code FROM current_divisions d
WHERE d.level = 'county' AND ST_Intersects(d.geom, ST_PointOnSurface(ST_GeomFromWKB(%(axis)s, 4490)))
ORDER BY d.code LIMIT 1

-- name: standard_street
-- The standard street name (街路巷) of this spelling filed in the division, a division above
-- it or one below it; nearest the road's line first.
SELECT n.id, n.name, n.roman, n.division_code
FROM place_names n
WHERE n.name = %(name)s AND n.status = 'standard' AND n.category_code LIKE '08%%'
  AND (%(division)s::text IS NULL OR n.division_code IS NULL
       OR n.division_code LIKE civgeo_division_prefix(%(division)s) || '%%'
       OR %(division)s LIKE civgeo_division_prefix(n.division_code) || '%%')
ORDER BY n.geom <-> ST_GeomFromWKB(%(line)s::bytea, 4490) NULLS LAST, n.id
LIMIT 1

-- name: division_name
SELECT name FROM current_divisions WHERE code = %(code)s

-- name: road
SELECT r.id, r.name, r.name_id, n.roman, n.roman_toned, r.division_code,
       d.name AS division_name, r.districts, r.kind,
       r.status, r.rule, ru.rule AS rule_in_force,
       round(r.length_m::numeric, 1) AS length_m, r.source, r.version,
       r.created_at, r.updated_at,
       (SELECT count(*) FROM entrances e WHERE e.road_id = r.id AND e.status = 'current') AS doors,
       (SELECT count(*) FROM entrances e WHERE e.road_id = r.id AND e.status = 'current'
          AND e.number IS NULL) AS unnumbered,
       ST_AsGeoJSON(r.geom, 7)::json AS geometry, ST_AsGeoJSON(r.axis, 7)::json AS axis,
       civgeo_numbering_reversed(r.axis, ru.rule->>'start', ru.rule->>'ew_from',
                                 ru.rule->>'ns_from') AS numbered_against_axis
FROM roads r
CROSS JOIN LATERAL (SELECT civgeo_road_rule(%(defaults)s::jsonb, r.division_code, r.rule)
                           AS rule) ru
LEFT JOIN place_names n ON n.id = r.name_id
LEFT JOIN current_divisions d ON d.code = r.division_code
WHERE r.id = %(id)s

-- name: roads
SELECT r.id, r.name, r.name_id, r.division_code, r.districts,
       r.kind, r.status, round(r.length_m::numeric, 1) AS length_m,
       r.version, ST_AsGeoJSON(r.geom, 6)::json AS geometry,
       (SELECT count(*) FROM entrances e WHERE e.road_id = r.id AND e.status = 'current') AS doors
FROM roads r
WHERE r.status = 'current'
  AND (%(division)s::text IS NULL OR r.division_code LIKE civgeo_division_prefix(%(division)s) || '%%')
  AND (%(q)s::text IS NULL OR r.name LIKE '%%' || %(q)s || '%%')
ORDER BY r.name, r.id
LIMIT %(limit)s OFFSET %(offset)s

-- name: count_roads
SELECT count(*) FROM roads r
WHERE r.status = 'current'
  AND (%(division)s::text IS NULL OR r.division_code LIKE civgeo_division_prefix(%(division)s) || '%%')
  AND (%(q)s::text IS NULL OR r.name LIKE '%%' || %(q)s || '%%')

-- name: positions
SELECT p.entrance_id, p.number, p.sub, p.number_raw, p.measure_m, p.side, p.odd, p.offset_m,
       ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, p.rule
FROM civgeo_entrance_positions(%(roads)s::bigint[], %(defaults)s::jsonb, %(override)s::jsonb) p
ORDER BY p.measure_m, p.entrance_id

-- name: distance_to_road
SELECT ST_Distance(r.geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490)::geography)
FROM roads r WHERE r.id = %(id)s

-- name: insert_entrance
INSERT INTO entrances (road_id, number, sub, name, geom, source)
VALUES (%(road)s, %(number)s, %(sub)s, %(name)s,
        ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490), 'officer')
RETURNING id

-- name: entrances
SELECT e.id, e.road_id, e.number, e.sub, civgeo_house_number(e.number, e.sub) AS label,
       e.number_raw, e.name, e.status, e.version, ST_X(e.geom) AS lon, ST_Y(e.geom) AS lat
FROM entrances e WHERE e.id = ANY(%(ids)s) ORDER BY e.id

-- name: road_entrances
SELECT e.id, e.road_id, e.number, e.sub, civgeo_house_number(e.number, e.sub) AS label,
       e.number_raw, e.name, e.status, e.version, ST_X(e.geom) AS lon, ST_Y(e.geom) AS lat
FROM entrances e WHERE e.road_id = %(id)s AND e.status = 'current'
ORDER BY e.number NULLS LAST, e.sub NULLS FIRST, e.id

-- name: roads_named
SELECT id FROM roads WHERE name = %(name)s AND status = 'current' ORDER BY id

-- name: lock_road
SELECT id FROM roads WHERE id = %(id)s FOR UPDATE

-- name: existing_numbers
SELECT e.id, civgeo_house_number(e.number, e.sub) AS label
FROM roads r
JOIN entrances e ON e.road_id = r.id AND e.status = 'current'
JOIN unnest(%(numbers)s::integer[], %(subs)s::integer[]) AS x(number, sub)
  ON e.number = x.number AND coalesce(e.sub, 0) = x.sub
WHERE r.status = 'current'
  AND (r.id = %(id)s OR (r.name = %(name)s AND r.division_code IS NOT DISTINCT FROM %(division)s))
LIMIT 1

-- name: register
-- The road register of a division for the plates officer's desk: each road with its rule
-- in force, where its numbering starts and ends (for the direction in words) and its doors.
SELECT r.id, r.name, r.division_code, d.name AS division_name, r.kind, r.version,
       round(r.length_m::numeric, 1) AS length_m, ru.rule AS rule_in_force,
       (SELECT count(*) FROM entrances e WHERE e.road_id = r.id AND e.status = 'current') AS doors,
       (SELECT count(*) FROM entrances e WHERE e.road_id = r.id AND e.status = 'current'
          AND e.number IS NULL) AS unnumbered,
       ST_X(s.a) AS from_lon, ST_Y(s.a) AS from_lat, ST_X(s.b) AS to_lon, ST_Y(s.b) AS to_lat
FROM roads r
CROSS JOIN LATERAL (SELECT civgeo_road_rule(%(defaults)s::jsonb, r.division_code, r.rule)
                           AS rule) ru
CROSS JOIN LATERAL (
    SELECT CASE WHEN rev THEN ST_EndPoint(r.axis) ELSE ST_StartPoint(r.axis) END AS a,
           CASE WHEN rev THEN ST_StartPoint(r.axis) ELSE ST_EndPoint(r.axis) END AS b
    FROM (SELECT civgeo_numbering_reversed(r.axis, ru.rule->>'start', ru.rule->>'ew_from',
                                           ru.rule->>'ns_from') AS rev) x) s
LEFT JOIN current_divisions d ON d.code = r.division_code
WHERE r.status = 'current'
  AND (%(division)s::text IS NULL OR r.division_code LIKE civgeo_division_prefix(%(division)s) || '%%')
  AND (%(q)s::text IS NULL OR r.name LIKE '%%' || %(q)s || '%%')
  AND (%(ids)s::bigint[] IS NULL OR r.id = ANY(%(ids)s::bigint[]))
ORDER BY r.name, r.id
LIMIT %(limit)s OFFSET %(offset)s

-- name: road_divisions
-- The counties (or other divisions) that have current roads, with how many.
SELECT r.division_code AS code, d.name, count(*) AS roads
FROM roads r LEFT JOIN current_divisions d ON d.code = r.division_code
WHERE r.status = 'current' AND r.division_code IS NOT NULL
GROUP BY r.division_code, d.name ORDER BY r.division_code
