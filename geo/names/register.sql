-- name: entries
-- 标准地名录 of a division: the standard names in force today that are filed under the
-- division, and those filed elsewhere whose place lies in it (a road that runs on into the
-- district next door, a park filed at the city): a point in the division, at least 20 m of
-- a line, at least half of an area. Division names (04) count by their code only.
WITH d AS (SELECT geom FROM current_divisions WHERE code = %(code)s),
ids AS (
    -- filed under the division (btree on division_code)
    SELECT n.id FROM place_names n
    WHERE n.division_code LIKE civgeo_division_prefix(%(code)s) || '%%'
    UNION
    -- filed elsewhere, lying in it (GiST on geom)
    SELECT n.id FROM place_names n, d
    WHERE n.geom && d.geom AND n.category_code NOT LIKE '04%%'
      AND coalesce(n.division_code, '') NOT LIKE civgeo_division_prefix(%(code)s) || '%%'
      AND ST_Intersects(n.geom, d.geom)
      AND CASE ST_Dimension(n.geom)
              WHEN 0 THEN true
              WHEN 1 THEN ST_Length(ST_Intersection(n.geom, d.geom)::geography) >= 20
              ELSE ST_Area(ST_Intersection(n.geom, d.geom)::geography)
                   >= 0.5 * ST_Area(n.geom::geography)
          END
)
SELECT n.id, n.name, n.roman, n.category_code, c.name AS category, n.division_code,
       n.meaning, n.origin, n.history, n.approved_by, n.approved_on, n.document_no,
       lower(n.valid) AS valid_from,
       coalesce(n.approved_on >= %(recent_since)s, false) AS recent,
       (SELECT string_agg(p.name, '' ORDER BY length(p.division_code), p.division_code)
        FROM place_names p
        WHERE p.division_code IN (left(n.division_code, 4) || '00', left(n.division_code, 6),
                                  left(n.division_code, 9))
          AND p.division_code <> n.division_code AND p.category_code LIKE '04%%'
          AND p.status = 'standard') AS within,
       (SELECT string_agg(x.name, '、' ORDER BY x.code)
        FROM current_divisions x
        WHERE ST_Dimension(n.geom) = 1 AND x.level = 'county' AND x.geom IS NOT NULL
          AND ST_Intersects(x.geom, n.geom)
          AND ST_Length(ST_Intersection(x.geom, n.geom)::geography) >= 20) AS runs_through,
       (SELECT string_agg(f.name, '、' ORDER BY upper(f.valid) DESC NULLS LAST, f.id)
        FROM place_names f WHERE f.current_id = n.id) AS former,
       round(ST_X(n.label)::numeric, 5) AS lon,
       round(ST_Y(n.label)::numeric, 5) AS lat
FROM ids
JOIN place_names n ON n.id = ids.id
JOIN place_categories c ON c.code = n.category_code
WHERE n.status = 'standard'
  AND (lower_inf(n.valid) OR lower(n.valid) <= %(today)s)
  AND (upper_inf(n.valid) OR upper(n.valid) > %(today)s)
ORDER BY n.category_code, n.division_code, n.name, n.id
LIMIT %(limit)s

-- name: pending
-- Names approved under the division that come into force on a later date (not yet
-- standard names: listed apart, with the day they take effect).
SELECT a.id AS application_id, a.kind, a.name, t.name AS replaces,
       coalesce(a.category_code, t.category_code) AS category_code, c.name AS category,
       a.division_code, a.approving_authority AS approved_by, a.approved_on, a.document_no,
       a.effective_on
FROM name_applications a
LEFT JOIN place_names t ON t.id = a.target_id
LEFT JOIN place_categories c ON c.code = coalesce(a.category_code, t.category_code)
WHERE a.took_effect_at IS NULL AND a.effective_on > %(today)s
  AND a.state IN ('approved', 'filed', 'announced')
  AND a.division_code LIKE civgeo_division_prefix(%(code)s) || '%%'
ORDER BY a.effective_on, a.id
