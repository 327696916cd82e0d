-- name: stamp
SELECT name, attribution, imported_at FROM networks WHERE id = %(id)s

-- name: edges
SELECT id, source, target, length_m AS cost, ST_AsBinary(geom) AS geom
FROM network_edges
WHERE network_id = %(id)s AND (walk OR NOT %(walk)s)
ORDER BY id

-- name: networks_newest
SELECT n.id, (SELECT count(*) FROM network_edges e WHERE e.network_id = n.id) AS edges
FROM networks n ORDER BY n.imported_at DESC, n.id DESC
