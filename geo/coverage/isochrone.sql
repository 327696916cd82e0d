-- name: snap
-- The nearest walkable edge of a network to a point: the five nearest by index, then the
-- nearest in metres on the ellipsoid.
SELECT id, fraction, leg_m, length_m FROM (
    SELECT e.id, e.length_m,
           ST_LineLocatePoint(e.geom, p) AS fraction,
           ST_Distance(e.geom::geography, p::geography) AS leg_m
    FROM network_edges e, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490) AS p
    WHERE e.network_id = %(network_id)s AND e.walk
    ORDER BY e.geom <-> p
    LIMIT 5
) near
ORDER BY leg_m
LIMIT 1

-- name: reach
-- Network distance (metres) from the snapped point to every node within ``budget``
-- (civgeo_walk_reach: a box prefilter, so the cost does not grow with the network).
SELECT node, cost AS agg_cost
FROM civgeo_walk_reach(%(network_id)s, %(lon)s, %(lat)s, %(dx)s, %(dy)s, %(edge_id)s,
                       %(fraction)s, %(budget)s, %(reverse)s)

-- name: pieces
-- The reached stretches of street for each budget (metres beyond the snapped point): whole
-- edges, the reached ends of edges walked into from one side, and the stretch of the start
-- edge either side of the point; with the number of nodes reached, in one round trip.
WITH reach AS (
    SELECT node, cost
    FROM civgeo_walk_reach(%(network_id)s, %(lon)s, %(lat)s, %(dx)s, %(dy)s, %(edge_id)s,
                           %(fraction)s, %(budget)s, %(reverse)s)
), edges AS (
    SELECT e.id, e.length_m AS len, e.geom, s.cost AS cs, t.cost AS ct
    FROM network_edges e
    LEFT JOIN reach s ON s.node = e.source
    LEFT JOIN reach t ON t.node = e.target
    WHERE e.network_id = %(network_id)s AND e.walk
      AND e.geom && ST_Expand(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490), %(dx)s, %(dy)s)
      AND (s.node IS NOT NULL OR t.node IS NOT NULL) AND e.id <> %(edge_id)s
), budgets AS (
    SELECT b, i FROM unnest(%(budgets)s::float8[]) WITH ORDINALITY AS x (b, i)
), parts AS (
    SELECT i, CASE
        WHEN greatest(b - coalesce(cs, 'infinity'), 0) + greatest(b - coalesce(ct, 'infinity'), 0)
             >= len THEN geom
        ELSE ST_Collect(
            CASE WHEN cs < b THEN ST_LineSubstring(geom, 0, least((b - cs) / len, 1)) END,
            CASE WHEN ct < b THEN ST_LineSubstring(geom, greatest(1 - (b - ct) / len, 0), 1) END)
        END AS geom
    FROM edges, budgets
    WHERE coalesce(cs, 'infinity') < b OR coalesce(ct, 'infinity') < b
    UNION ALL
    SELECT i, ST_LineSubstring(e.geom, greatest(%(fraction)s - b / e.length_m, 0),
                               least(%(fraction)s + b / e.length_m, 1))
    FROM network_edges e, budgets
    WHERE e.id = %(edge_id)s AND b > 0
)
SELECT p.i AS tier, ST_AsBinary(ST_Collect(p.geom)) AS geom,
       (SELECT count(*) FROM reach r WHERE r.cost <= b.b) AS nodes
FROM parts p JOIN budgets b ON b.i = p.i
WHERE p.geom IS NOT NULL
GROUP BY p.i, b.b ORDER BY p.i

-- name: elderly_within
-- Communities whose centre lies in each polygon, with their people aged 60+.
SELECT t.i AS tier, count(d.code) AS communities, coalesce(sum(p.aged_60_plus), 0) AS elderly
FROM unnest(%(polygons)s::text[]) WITH ORDINALITY AS t (wkb, i)
LEFT JOIN current_divisions d
       ON d.level = 'community' AND ST_Covers(ST_GeomFromWKB(decode(t.wkb, 'hex'), 4490), d.centre)
LEFT JOIN population p ON p.division_code = d.code AND p.year = 2020
GROUP BY t.i ORDER BY t.i

-- name: grid_elderly_within
-- The people of a population grid's cells whose centre lies in each polygon.
SELECT t.i AS tier, count(c.grid_col) AS cells, coalesce(sum(c.people), 0) AS elderly
FROM unnest(%(polygons)s::text[]) WITH ORDINALITY AS t (wkb, i)
LEFT JOIN population_cells c
       ON c.dataset = %(dataset)s
      AND ST_Covers(ST_GeomFromWKB(decode(t.wkb, 'hex'), 4490), c.geom)
GROUP BY t.i ORDER BY t.i
