-- Walking reach from a point part-way along an edge (re-applied on every migrate).

CREATE OR REPLACE FUNCTION civgeo_walk_reach(
    p_network integer, p_lon double precision, p_lat double precision, p_dx double precision,
    p_dy double precision, p_edge bigint, p_fraction double precision,
    p_budget double precision, p_inbound boolean)
RETURNS TABLE (node bigint, cost double precision)
LANGUAGE sql STABLE AS $fn$
    -- pgr_drivingDistance from a virtual node -1 joined to the start edge's two ends (three
    -- times faster than pgr_withPointsDD, same costs), on the walking edges inside a box of
    -- half-widths p_dx, p_dy degrees around the point, which holds every path within the
    -- budget. ``p_inbound`` swaps cost and reverse_cost: the distance *to* the point.
    -- (Parameters carry a p_ prefix: pgr_drivingDistance has columns called edge and cost.)
    SELECT d.node, d.agg_cost
    FROM network_edges s, pgr_drivingDistance(
        format($$SELECT id, source, target, %s AS cost, %s AS reverse_cost FROM walk_edges
                 WHERE network_id = %s
                   AND geom && ST_Expand(ST_SetSRID(ST_MakePoint(%s, %s), 4490), %s, %s)
                 UNION ALL SELECT -1, -1, %s, %s, %s
                 UNION ALL SELECT -2, -1, %s, %s, %s$$,
               CASE WHEN p_inbound THEN 'reverse_cost' ELSE 'cost' END,
               CASE WHEN p_inbound THEN 'cost' ELSE 'reverse_cost' END,
               p_network, p_lon, p_lat, p_dx, p_dy,
               s.source, p_fraction * s.length_m, p_fraction * s.length_m,
               s.target, (1 - p_fraction) * s.length_m, (1 - p_fraction) * s.length_m),
        -1, p_budget, directed := true) d
    WHERE s.id = p_edge AND d.node > 0
$fn$;
COMMENT ON FUNCTION civgeo_walk_reach IS
    'Network metres from a point snapped part-way along edge ``p_edge`` to every walkable node '
    'within ``budget`` (see geo/coverage/isochrone.py).';
