-- name: rows
-- The division and its county/township children (those loaded down to communities), each with its people, beds and villages
-- that a public cemetery (公益性公墓, or the village's own 公益性墓地) serves.
WITH units AS (
    SELECT code, name, level, geom, 0 AS depth FROM current_divisions WHERE code = %(code)s
    UNION ALL
    SELECT k.code, k.name, k.level, k.geom, 1 FROM current_divisions k
    WHERE k.parent_code = %(code)s AND k.level IN ('county', 'township')
      AND EXISTS (SELECT 1 FROM current_divisions c           -- loaded in detail
                  WHERE c.level = 'community'
                    AND c.code LIKE civgeo_division_prefix(k.code) || '%%')
), beds AS (
    SELECT u.code,
           sum(f.beds) AS beds,
           sum(f.beds) FILTER (WHERE t.institution) AS institution_beds,
           sum(f.nursing_beds) FILTER (WHERE t.institution) AS nursing_beds,
           count(*) FILTER (WHERE t.circle) AS circle_sites,
           count(*) FILTER (WHERE t.institution) AS institutions
    FROM units u
    JOIN facilities f ON f.division_code LIKE civgeo_division_prefix(u.code) || '%%'
    JOIN facility_types t ON t.code = f.type
    WHERE t.kind = 'eldercare' AND f.status = 'open'
    GROUP BY u.code
), villages AS (
    SELECT u.code, count(*) AS villages,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM facilities f JOIN facility_types t ON t.code = f.type
               WHERE t.public_cemetery AND f.status = 'open'
                 AND (f.division_code LIKE v.parent_code || '%%'
                      OR f.division_code = v.code))) AS villages_served
    FROM units u
    JOIN current_divisions v ON v.level = 'community' AND NOT coalesce(v.urban, true)
                            AND v.code LIKE civgeo_division_prefix(u.code) || '%%'
    GROUP BY u.code
)
SELECT u.code, u.name, u.level, u.depth,
       p.total, p.aged_60_plus AS elderly,
       coalesce(b.beds, 0) AS beds, coalesce(b.institution_beds, 0) AS institution_beds,
       coalesce(b.nursing_beds, 0) AS nursing_beds, coalesce(b.circle_sites, 0) AS circle_sites,
       coalesce(b.institutions, 0) AS institutions,
       coalesce(v.villages, 0) AS villages, coalesce(v.villages_served, 0) AS villages_served,
       ST_AsBinary(ST_SimplifyPreserveTopology(u.geom, 0.0003)) AS geom
FROM units u
LEFT JOIN population p ON p.division_code = u.code AND p.year = 2020
LEFT JOIN beds b ON b.code = u.code
LEFT JOIN villages v ON v.code = u.code
ORDER BY u.depth, u.code

-- name: relief_types
SELECT code FROM facility_types WHERE kind = 'relief' AND code = ANY(%(types)s)
