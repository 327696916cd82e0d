-- name: standard_name
-- The name a new sign is to show: a standard name in force, with its road when it names
-- one (the nearest of that name to the sign, for a street sign).
SELECT n.id, n.name, n.roman, n.category_code, n.status, n.division_code,
       (SELECT r.id FROM roads r
        WHERE r.name_id = n.id AND r.status = 'current'
        ORDER BY r.geom <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490) LIMIT 1) AS road_id
FROM place_names n WHERE n.id = %(id)s

-- name: road_ok
SELECT id, name_id, status FROM roads WHERE id = %(id)s

-- name: active_at
-- A sign of the same name already in service within a few metres: plan a replacement instead.
SELECT id FROM plates
WHERE name_id = %(name)s AND kind = %(kind)s AND status NOT IN ('replaced', 'removed')
  AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490)::geography,
                 %(within_m)s)
LIMIT 1

-- name: insert_sign
WITH p AS (
    INSERT INTO plates (kind, size, name_id, road_id, geom, printed_name, printed_roman,
                        status, token, replaces_id, source, created_by)
    VALUES (%(kind)s, %(size)s, %(name)s, %(road)s,
            ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490), %(printed_name)s,
            %(printed_roman)s, 'planned', %(token)s, %(replaces)s, %(source)s, %(by)s)
    RETURNING id, token
), t AS (INSERT INTO plate_tokens (token, plate_id) SELECT token, id FROM p)
SELECT id FROM p

-- name: signs
-- Signs with the standard name each stands for today: the linked name, or the name it
-- was renamed to (following 更名 through ``current_id``, however many times).
SELECT p.id, p.kind, p.size, p.status, p.token, p.token_revoked_at IS NOT NULL AS revoked,
       p.replaces_id,
       (SELECT x.id FROM plates x WHERE x.replaces_id = p.id ORDER BY x.id DESC LIMIT 1)
           AS replaced_by,
       p.name_id, p.road_id, r.name AS road, p.printed_name, p.printed_roman,
       round(ST_X(p.geom)::numeric, 6)::float8 AS lon,
       round(ST_Y(p.geom)::numeric, 6)::float8 AS lat, p.installed_on,
       p.photo IS NOT NULL AS has_photo, p.source, p.version, p.created_by, p.created_at,
       p.updated_at, civgeo_pending_public_reports(p.id) AS public_reports,
       n.name AS linked_name, n.status AS linked_status, n.division_code,
       s.id AS standard_id, s.name AS standard_name, s.roman AS standard_roman,
       s.status AS standard_status, s.category_code, c.name AS category
FROM plates p
JOIN place_names n ON n.id = p.name_id
LEFT JOIN roads r ON r.id = p.road_id
LEFT JOIN LATERAL (
    WITH RECURSIVE chain AS (
        SELECT n.id, n.current_id, 0 AS depth
        UNION ALL
        SELECT f.id, f.current_id, chain.depth + 1
        FROM chain JOIN place_names f ON f.id = chain.current_id
        WHERE chain.depth < 30
    )
    SELECT id FROM chain ORDER BY depth DESC LIMIT 1
) last ON true
JOIN place_names s ON s.id = last.id
LEFT JOIN place_categories c ON c.code = s.category_code
WHERE p.name_id IS NOT NULL
  AND (%(id)s::bigint IS NULL OR p.id = %(id)s)
  AND (%(kind)s::text IS NULL OR p.kind = %(kind)s)
  AND (%(status)s::text IS NULL OR p.status = %(status)s)
  AND (%(active)s IS NOT TRUE OR p.status NOT IN ('replaced', 'removed'))
  AND (%(road)s::bigint IS NULL OR p.road_id = %(road)s)
  AND (%(division)s::text IS NULL
       OR n.division_code LIKE civgeo_division_prefix(%(division)s) || '%%'
       OR r.division_code LIKE civgeo_division_prefix(%(division)s) || '%%')
  AND (%(campaign)s::bigint IS NULL OR p.id IN (SELECT plate_id FROM campaign_plates
                                                WHERE campaign_id = %(campaign)s))
  AND (%(reported)s IS NOT TRUE OR civgeo_pending_public_reports(p.id) > 0)
ORDER BY r.name NULLS LAST, n.name, p.kind, p.id

-- name: spots
-- Where a road needs a street sign (GB 17733: at its two ends and at every intersection
-- with another named road), each spot with the sign of the road that serves it, if any.
-- Ends are those of the road's numbering axis; crossings are where its pieces meet
-- another current named road, or where another road stops within a few metres of it (a
-- T junction the drawing did not join). Spots of one road closer together than the
-- search radius (the two carriageways of a dual road, an end at a junction) are one spot,
-- placed on the road. Distances are metres on the ground: longitude is scaled by the
-- cosine of the latitude before clustering.
WITH r AS (
    SELECT r.id, r.name, r.name_id, r.geom, r.axis, r.division_code,
           (civgeo_road_rule(%(defaults)s::jsonb, r.division_code, r.rule)
                ->>'sign_radius_m')::float8 AS radius
    FROM roads r
    WHERE r.status = 'current' AND r.name_id IS NOT NULL
      AND (%(road)s::bigint IS NULL OR r.id = %(road)s)
      AND (%(division)s::text IS NULL
           OR r.division_code LIKE civgeo_division_prefix(%(division)s) || '%%')
), raw AS (
    SELECT r.id AS road_id, 'end' AS why, NULL::text AS crossing, ST_StartPoint(r.axis) AS geom
    FROM r
    UNION ALL
    SELECT r.id, 'end', NULL, ST_EndPoint(r.axis) FROM r
    UNION ALL
    SELECT r.id, 'intersection', o.name, ST_PointOnSurface(d.geom)
    FROM r
    JOIN roads o ON o.geom && r.geom AND o.id <> r.id AND o.name <> r.name
                AND o.status = 'current' AND ST_Intersects(o.geom, r.geom)
    CROSS JOIN LATERAL ST_Dump(ST_Intersection(o.geom, r.geom)) d
    UNION ALL
    SELECT r.id, 'intersection', o.name, ST_ClosestPoint(r.geom, e.pt)
    FROM r
    JOIN roads o ON ST_DWithin(o.geom, r.geom, %(tee_deg)s) AND o.id <> r.id
                AND o.name <> r.name AND o.status = 'current'
                AND NOT ST_Intersects(o.geom, r.geom)
    CROSS JOIN LATERAL (VALUES (ST_StartPoint(o.axis)), (ST_EndPoint(o.axis))) e(pt)
    WHERE ST_DWithin(e.pt::geography, r.geom::geography, %(tee_m)s)
), clustered AS (
    SELECT raw.*, r.radius,
           ST_ClusterDBSCAN(ST_Scale(raw.geom, cos(radians(ST_Y(raw.geom))), 1.0),
                            eps := r.radius / 111320.0, minpoints := 1)
               OVER (PARTITION BY raw.road_id) AS cluster
    FROM raw JOIN r ON r.id = raw.road_id
), spot AS (
    SELECT c.road_id, c.cluster, max(c.radius) AS radius,
           CASE WHEN bool_or(c.why = 'intersection') THEN 'intersection' ELSE 'end' END AS why,
           string_agg(DISTINCT c.crossing, '、' ORDER BY c.crossing) AS crossing,
           ST_Centroid(ST_Collect(c.geom)) AS middle
    FROM clustered c
    GROUP BY c.road_id, c.cluster
)
SELECT r.id AS road_id, r.name AS road, r.name_id, r.division_code, s.why, s.crossing,
       round(s.radius::numeric, 1)::float8 AS radius_m,
       round(ST_X(g.pt)::numeric, 6)::float8 AS lon, round(ST_Y(g.pt)::numeric, 6)::float8 AS lat,
       served.id AS sign_id, served.status AS sign_status,
       round(served.metres::numeric, 1)::float8 AS sign_m
FROM spot s
JOIN r ON r.id = s.road_id
CROSS JOIN LATERAL (SELECT ST_ClosestPoint(r.geom, s.middle) AS pt) g
LEFT JOIN LATERAL (
    SELECT p.id, p.status, ST_Distance(p.geom::geography, g.pt::geography) AS metres
    FROM plates p
    WHERE p.kind = 'street' AND p.status NOT IN ('replaced', 'removed')
      AND (p.road_id = r.id OR p.name_id = r.name_id)
      -- in degrees first (the longitude degree is the shorter: a box that holds the
      -- circle), so the GiST index finds the candidates; then on the ground
      AND ST_DWithin(p.geom, g.pt, s.radius / (111320.0 * cos(radians(ST_Y(g.pt)))))
      AND ST_DWithin(p.geom::geography, g.pt::geography, s.radius)
    ORDER BY metres LIMIT 1
) served ON true
ORDER BY r.name, r.id, s.why DESC, ST_X(g.pt), ST_Y(g.pt)

-- name: villages
-- Every 行政村 (a standard 村民委员会 name, category 0502) of the division, with its village
-- sign in service, if any.
SELECT n.id AS name_id, n.name, n.roman, n.division_code,
       round(ST_X(n.label)::numeric, 6)::float8 AS lon,
       round(ST_Y(n.label)::numeric, 6)::float8 AS lat,
       (SELECT p.id FROM plates p
        WHERE p.kind = 'village' AND p.name_id = n.id
          AND p.status NOT IN ('replaced', 'removed')
        ORDER BY p.id LIMIT 1) AS sign_id
FROM place_names n
WHERE n.category_code = '0502' AND n.status = 'standard'
  AND n.division_code LIKE civgeo_division_prefix(%(division)s) || '%%'
ORDER BY n.division_code, n.name
