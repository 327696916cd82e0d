-- name: rank_hits
-- Candidate ids come from the branches (each on its own index, each limited); here the
-- best reason per name wins and the order is: match quality, the whole name (exact
-- characters or pinyin) before a longer name that contains it (三条巷 before 三条巷社区),
-- standard before historical, category rank (province … street), distance to `near`,
-- shorter names. A historical name found by its whole name is a former name: it says so,
-- with the name it became and since when (``current.since``).
WITH hits AS (
    {branches}
), best AS (
    SELECT DISTINCT ON (id) id, score, match FROM hits ORDER BY id, score
)
SELECT n.id, n.name, n.roman, n.category_code, c.name AS category, n.division_code, n.status,
       CASE WHEN b.match IN ('exact', 'pinyin') AND n.status = 'historical'
                 AND n.current_id IS NOT NULL THEN 'former_name' ELSE b.match END AS match,
       b.score,
       CASE WHEN n.current_id IS NOT NULL THEN
            json_build_object('id', cur.id, 'name', cur.name, 'roman', cur.roman,
                              'since', upper(n.valid)) END AS current,
       (SELECT string_agg(p.name, ' ' ORDER BY length(p.division_code), p.division_code)
        FROM place_names p
        WHERE p.division_code IN (left(n.division_code, 2) || '0000',
                                  left(n.division_code, 4) || '00',
                                  left(n.division_code, 6), left(n.division_code, 9))
          -- a division is not within itself; a road is within the district it is filed in
          AND (p.division_code <> n.division_code OR n.category_code !~ '^0[45]')
          AND p.category_code LIKE '04%%' AND p.status = 'standard') AS within,
       ST_AsGeoJSON(n.label, 6, 0)::json AS point,
       {distance} AS distance_m
FROM best b
JOIN place_names n ON n.id = b.id
JOIN place_categories c ON c.code = n.category_code
LEFT JOIN place_names cur ON cur.id = n.current_id
ORDER BY floor(b.score), b.match NOT IN ('exact', 'pinyin', 'former_name'),
         n.status <> 'standard', c.rank,
         b.score, distance_m NULLS LAST, length(n.name), n.id
LIMIT %(limit)s

-- name: nearby
-- Names near a point with no query: index order (planar degrees) for candidates, metres
-- for the final order; the areas containing the point are divisions, not neighbours.
SELECT * FROM (
    SELECT n.id, n.name, n.roman, n.category_code, c.name AS category, n.division_code,
           n.status, 'near' AS match, 9 AS score, NULL::json AS current, NULL AS within,
           ST_AsGeoJSON(n.label, 6, 0)::json AS point,
           round(ST_Distance(n.geom::geography, p::geography))::int AS distance_m
    FROM place_names n
    JOIN place_categories c ON c.code = n.category_code,
         ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490) AS p
    WHERE n.geom IS NOT NULL AND n.status = 'standard'
      AND NOT (left(n.category_code, 2) IN ('04', '05') AND ST_Intersects(n.geom, p)) {filters}
    ORDER BY n.geom <-> p
    LIMIT %(limit)s * 4
) near
ORDER BY distance_m, id
LIMIT %(limit)s

-- name: nearest_features
-- Reverse lookup: the named features nearest a point, leaving out the division and
-- community areas that contain it (those are listed as its divisions). The index gives
-- candidates by planar distance in degrees; the answer is ordered in metres. Metres cost a
-- walk over the outline on the ellipsoid, so they are measured only for the candidates that
-- can be among the nearest: near the point a degree is at least ``least(110574, 111319 ×
-- cos latitude)`` and at most 111,700 metres, so a candidate whose degrees at the least
-- exceed the limit-th candidate's at the most (plus a metre, for the rounding) is farther
-- than each of the first ones. The answer is the same; the reverse lookup 25 % faster.
WITH candidates AS MATERIALIZED (
    SELECT n.id, n.name, n.roman, c.name AS category, n.division_code, n.geom,
           n.geom <-> p AS degrees
    FROM place_names n
    JOIN place_categories c ON c.code = n.category_code,
         ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490) AS p
    WHERE n.geom IS NOT NULL AND n.status = 'standard'
      AND NOT (left(n.category_code, 2) IN ('04', '05') AND ST_Intersects(n.geom, p))
    ORDER BY n.geom <-> p
    LIMIT %(limit)s * 4
)
SELECT id, name, roman, category, division_code,
       round(ST_Distance(geom::geography,
                         ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490)::geography))::int
           AS distance_m
FROM candidates
WHERE degrees * least(110574, 111319 * cosd(least(abs(%(lat)s) + 2 * degrees + 0.01, 89)))
      <= coalesce((SELECT degrees FROM candidates ORDER BY degrees OFFSET %(limit)s - 1 LIMIT 1)
                  * 111700 + 1, 'Infinity')
ORDER BY distance_m, id
LIMIT %(limit)s
