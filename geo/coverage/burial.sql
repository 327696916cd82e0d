-- name: violations
-- Graves and cemeteries inside a burial-prohibited zone (三沿六区): within the buffer of a
-- listed road class of the loaded network or of a line layer, or inside a polygon layer.
WITH f AS (
    SELECT f.id, f.name, f.type, t.name AS type_name, f.division_code, f.geom
    FROM facilities f JOIN facility_types t ON t.code = f.type
    WHERE f.type = ANY(%(types)s) AND f.status <> 'closed'
      AND f.division_code LIKE %(prefix)s || '%%'
), lines AS (
    SELECT * FROM unnest(%(line_layers)s::text[], %(line_buffers)s::float8[]) AS l (layer, buffer_m)
)
SELECT f.id, f.name, f.type, f.type_name, f.division_code,
       ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat, z.layer, z.zone_name, z.distance_m, z.buffer_m
FROM f CROSS JOIN LATERAL (
    (SELECT 'road:' || e.highway AS layer, e.name AS zone_name,
            ST_Distance(e.geom::geography, f.geom::geography) AS distance_m,
            %(road_buffer)s::float8 AS buffer_m
     FROM network_edges e
     WHERE e.highway = ANY(%(highways)s)
       AND e.geom && ST_Expand(f.geom, %(road_buffer)s / (111320 * cos(radians(
               least(89, abs(ST_Y(f.geom)))))))
       AND ST_DWithin(e.geom::geography, f.geom::geography, %(road_buffer)s)
     ORDER BY 3 LIMIT 1)
    UNION ALL
    (SELECT z.layer, z.name, ST_Distance(z.geom::geography, f.geom::geography), l.buffer_m
     FROM burial_zone_features z JOIN lines l ON l.layer = z.layer
     WHERE z.geom && ST_Expand(f.geom, l.buffer_m / (111320 * cos(radians(
               least(89, abs(ST_Y(f.geom)))))))
       AND ST_DWithin(z.geom::geography, f.geom::geography, l.buffer_m)
     ORDER BY 3 LIMIT 1)
    UNION ALL
    (SELECT z.layer, z.name, 0, 0
     FROM burial_zone_features z
     WHERE z.layer = ANY(%(polygon_layers)s) AND z.geom && f.geom AND ST_Covers(z.geom, f.geom)
     LIMIT 1)
) z
ORDER BY f.id, z.layer

-- name: checked
SELECT count(*) AS n FROM facilities
WHERE type = ANY(%(types)s) AND status <> 'closed' AND division_code LIKE %(prefix)s || '%%'

-- name: zones
-- The zone polygons near the division, for maps: buffered roads and line layers, polygons.
WITH d AS (SELECT geom FROM current_divisions WHERE code = %(code)s),
lines AS (
    SELECT * FROM unnest(%(line_layers)s::text[], %(line_buffers)s::float8[]) AS l (layer, buffer_m)
)
SELECT 'road' AS layer, NULL AS name,
       ST_AsBinary(ST_Union(ST_Buffer(e.geom::geography, %(road_buffer)s, 2)::geometry)) AS geom
FROM network_edges e, d
WHERE e.highway = ANY(%(highways)s) AND e.geom && d.geom
HAVING count(*) > 0
UNION ALL
SELECT z.layer, z.name, ST_AsBinary(ST_Buffer(z.geom::geography, l.buffer_m, 2)::geometry)
FROM burial_zone_features z JOIN lines l ON l.layer = z.layer, d
WHERE z.geom && d.geom
UNION ALL
SELECT z.layer, z.name, ST_AsBinary(z.geom)
FROM burial_zone_features z, d
WHERE z.layer = ANY(%(polygon_layers)s) AND z.geom && d.geom

-- name: roads_near
-- Whether any road of the listed classes lies in or near the division (0 where no network
-- is loaded: the road zones could not be checked).
SELECT count(*) AS n FROM (
    SELECT 1 FROM network_edges e, current_divisions d
    WHERE d.code = %(code)s AND e.highway = ANY(%(highways)s) AND e.geom && d.geom LIMIT 1
) x
