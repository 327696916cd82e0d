-- name: stamp
SELECT name, attribution, imported_at FROM networks WHERE id = %(id)s

-- name: edges
SELECT id, source, target, length_m AS cost, ST_AsBinary(geom) AS geom
FROM network_edges
WHERE network_id = %(id)s AND (walk OR NOT %(walk)s)
ORDER BY id
