-- name: inside
SELECT p.i, EXISTS (
    SELECT 1 FROM current_divisions d
    WHERE d.code = %(code)s AND d.geom && ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4490)
      AND ST_Covers(d.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4490))) AS inside
FROM unnest(%(lons)s::float8[], %(lats)s::float8[]) WITH ORDINALITY AS p (lon, lat, i)
ORDER BY p.i

-- name: save
INSERT INTO coverage_scenarios (division_code, name, params, result, created_by)
VALUES (%(code)s, %(name)s, %(params)s, %(result)s, %(actor)s)
RETURNING id, created_at

-- name: list
SELECT id, division_code, name, params, created_by, created_at,
       result -> 'newly_covered_elderly' AS newly_covered_elderly,
       result -> 'share_after' AS share_after
FROM coverage_scenarios
WHERE %(code)s::text IS NULL OR division_code = %(code)s
ORDER BY id DESC

-- name: get
SELECT id, division_code, name, params, result, created_by, created_at
FROM coverage_scenarios WHERE id = %(id)s
