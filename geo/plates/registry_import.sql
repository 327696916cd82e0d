-- name: road_by_key
SELECT id, name, kind, division_code, ST_AsBinary(geom) AS geom, version
FROM roads WHERE source = %(source)s AND external_id = %(key)s

-- name: roads_named
-- Current roads of a name, under a division when one is given.
SELECT id FROM roads
WHERE name = %(name)s AND status = 'current'
  AND (%(division)s::text IS NULL
       OR division_code LIKE civgeo_division_prefix(%(division)s) || '%%')
ORDER BY id

-- name: set_road_key
-- The register a row came from, on a road civgeo's domain has just made.
UPDATE roads SET source = %(source)s, external_id = %(key)s WHERE id = %(id)s

-- name: set_door_key
UPDATE entrances SET source = %(source)s, external_id = %(key)s, note = %(note)s
WHERE id = %(id)s

-- name: update_road
UPDATE roads SET name = %(name)s, name_id = %(name_id)s, kind = %(kind)s, division_code = %(division_code)s,
       geom = ST_Multi(ST_GeomFromWKB(%(geom)s, 4490)), axis = ST_GeomFromWKB(%(axis)s, 4490),
       length_m = ST_Length(ST_GeomFromWKB(%(axis)s, 4490)::geography),
       version = version + 1, updated_at = now()
WHERE id = %(id)s

-- name: door_by_key
SELECT id, road_id, number, sub, name, note, ST_X(geom) AS lon, ST_Y(geom) AS lat, status
FROM entrances WHERE source = %(source)s AND external_id = %(key)s

-- name: number_taken
-- Another current door with this number on the road (or on a road of the same name in the
-- same division, as ``roads.refuse_duplicates`` counts them).
SELECT e.id, civgeo_house_number(e.number, e.sub) AS label
FROM roads r
JOIN entrances e ON e.road_id = r.id AND e.status = 'current'
WHERE e.id <> %(id)s AND e.number = %(number)s AND coalesce(e.sub, 0) = %(sub)s
  AND r.status = 'current'
  AND (r.id = %(road_id)s OR (r.name = %(road_name)s
                              AND r.division_code IS NOT DISTINCT FROM %(division)s))
LIMIT 1

-- name: update_door
UPDATE entrances SET road_id = %(road_id)s, number = %(number)s, sub = %(sub)s,
       number_raw = NULL, name = %(name)s, note = %(note)s,
       geom = ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490),
       version = version + 1, updated_at = now()
WHERE id = %(id)s
