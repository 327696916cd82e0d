-- name: findings
SELECT f.entrance_id, f.road_id, f.kind, f.detail,
       e.number, e.sub, civgeo_house_number(e.number, e.sub) AS label, e.number_raw,
       ST_X(e.geom) AS lon, ST_Y(e.geom) AS lat
FROM civgeo_numbering_findings(%(roads)s::bigint[], %(defaults)s::jsonb) f
LEFT JOIN entrances e ON e.id = f.entrance_id
ORDER BY f.road_id, f.kind, e.number NULLS LAST, e.sub NULLS FIRST, f.entrance_id

-- name: counts
SELECT kind, count(*) AS n
FROM civgeo_numbering_findings(%(roads)s::bigint[], %(defaults)s::jsonb)
GROUP BY kind ORDER BY kind

-- name: counts_by_road
SELECT road_id, kind, count(*) AS n
FROM civgeo_numbering_findings(%(roads)s::bigint[], %(defaults)s::jsonb)
GROUP BY road_id, kind ORDER BY road_id, kind
