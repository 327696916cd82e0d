-- name: network_for_division
-- The newest network covering at least ``min_share`` of the division's loaded communities
-- (of its area, where it has none): a city loaded in part is judged by what is loaded.
WITH d AS (SELECT code, geom FROM current_divisions WHERE code = %(code)s),
comms AS (
    SELECT c.centre FROM current_divisions c, d
    WHERE c.level = 'community' AND c.code LIKE civgeo_division_prefix(d.code) || '%%'
      AND c.centre IS NOT NULL
)
SELECT n.id, n.name, n.attribution
FROM networks n, d
WHERE n.extent && d.geom
  AND CASE WHEN EXISTS (SELECT 1 FROM comms)
           THEN (SELECT count(*) FILTER (WHERE ST_Covers(n.extent, centre))::float8
                        / count(*) FROM comms) >= %(min_share)s
           ELSE ST_Area(ST_Intersection(n.extent, d.geom)) >= %(min_share)s * ST_Area(d.geom)
      END
ORDER BY n.imported_at DESC, n.id DESC
LIMIT 1

-- name: inside_city
SELECT code FROM current_divisions
WHERE level IN ('county', 'township', 'community')
  AND geom && ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490)
  AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490))
ORDER BY length(code) DESC LIMIT 1

-- name: divisions_covered
-- Counties and townships whose centre lies in a network's extent.
SELECT d.code, d.name FROM current_divisions d, networks n
WHERE n.id = %(network_id)s AND d.level IN ('county', 'township')
  AND d.centre && n.extent AND ST_Covers(n.extent, d.centre)
ORDER BY d.code
