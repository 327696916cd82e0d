-- name: create_network
INSERT INTO networks (name, source, licence, attribution, dataset)
VALUES (%(name)s, %(source)s, %(licence)s, %(attribution)s, %(dataset)s)
RETURNING id

-- name: stage
CREATE TEMP TABLE network_stage (
    u bigint NOT NULL, v bigint NOT NULL, highway text, name text, wkb bytea NOT NULL
) ON COMMIT DROP

-- name: insert_nodes
-- One node per source node id, where its edges end: every line runs from its u to its v
-- (import_edges checks that all the ends of a node meet), so any of them will do; the
-- lowest, for the same result on every load.
INSERT INTO network_nodes (network_id, ext_id, geom)
SELECT %(network_id)s, ext_id, geom FROM (
    SELECT DISTINCT ON (ext_id) ext_id, geom FROM (
        SELECT u AS ext_id, ST_StartPoint(ST_GeomFromWKB(wkb, 4490)) AS geom FROM network_stage
        UNION ALL
        SELECT v, ST_EndPoint(ST_GeomFromWKB(wkb, 4490)) FROM network_stage
    ) ends ORDER BY ext_id, ST_X(geom), ST_Y(geom)
) n

-- name: insert_edges
INSERT INTO network_edges (network_id, source, target, highway, name, length_m, walk, geom)
SELECT %(network_id)s, a.id, b.id, s.highway, s.name,
       ST_Length(ST_GeomFromWKB(s.wkb, 4490)::geography),
       coalesce(NOT (s.highway = ANY(%(not_walkable)s)), true),
       ST_GeomFromWKB(s.wkb, 4490)
FROM network_stage s
JOIN network_nodes a ON a.network_id = %(network_id)s AND a.ext_id = s.u
JOIN network_nodes b ON b.network_id = %(network_id)s AND b.ext_id = s.v

-- name: network_summary
SELECT n.id, n.name, n.source, n.licence, n.attribution,
       count(e.id) AS edges, count(e.id) FILTER (WHERE e.walk) AS walk_edges,
       round(coalesce(sum(e.length_m), 0)::numeric / 1000, 1) AS length_km,
       (SELECT count(*) FROM network_nodes x WHERE x.network_id = n.id) AS nodes
FROM networks n LEFT JOIN network_edges e ON e.network_id = n.id
WHERE n.name = %(name)s
GROUP BY n.id

-- name: nearest_node
SELECT id, ST_Distance(geom::geography, p::geography) AS distance_m
FROM network_nodes, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490) AS p
WHERE network_id = %(network_id)s
ORDER BY geom <-> p
LIMIT 1

-- name: walk_node_coords
SELECT ST_X(n.geom) AS x, ST_Y(n.geom) AS y
FROM network_nodes n
WHERE n.network_id = %(network_id)s
  AND (EXISTS (SELECT 1 FROM network_edges e WHERE e.source = n.id AND e.walk)
       OR EXISTS (SELECT 1 FROM network_edges e WHERE e.target = n.id AND e.walk))
ORDER BY n.id

-- name: set_extent
UPDATE networks SET extent = (
    SELECT ST_SetSRID(ST_Buffer(ST_ConvexHull(ST_Collect(geom))::geography, 100)::geometry, 4490)
    FROM network_edges WHERE network_id = %(network_id)s)
WHERE id = %(network_id)s
