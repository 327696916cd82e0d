-- name: inside
SELECT p.i, EXISTS (
    SELECT 1 FROM current_divisions d
    WHERE d.code = %(code)s AND d.geom && ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4490)
      AND ST_Covers(d.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4490))) AS inside
FROM unnest(%(lons)s::float8[], %(lats)s::float8[]) WITH ORDINALITY AS p (lon, lat, i)
ORDER BY p.i
