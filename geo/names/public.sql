-- name: context
-- What the public page adds to a name's record: whether its category is written as one
-- word, a representative point in CGCS2000 (on the geometry itself, for lines and areas
-- too) and a shape light enough to draw on a phone (large areas simplified for display
-- only, to about 1/400 of their extent).
SELECT c.joined,
       round(ST_X(pt.p)::numeric, 6) AS lon, round(ST_Y(pt.p)::numeric, 6) AS lat,
       ST_AsGeoJSON(CASE WHEN ST_NPoints(n.geom) > 400 THEN
                        ST_SimplifyPreserveTopology(n.geom, greatest(
                            ST_XMax(n.geom) - ST_XMin(n.geom),
                            ST_YMax(n.geom) - ST_YMin(n.geom)) / 400)
                    ELSE n.geom END, 6, 0)::json AS shape
FROM place_names n
JOIN place_categories c ON c.code = n.category_code
CROSS JOIN LATERAL (SELECT n.label AS p) pt
WHERE n.id = %(id)s

-- name: parents
-- The divisions a name lies in, province first: the current divisions whose codes are the
-- prefixes of its division code (the division itself too, unless the name is that
-- division's own), each with the id of its standard name when the gazetteer has one.
SELECT d.code, coalesce(own.name, d.short_name, d.name) AS name, d.level, own.id AS name_id
FROM current_divisions d
LEFT JOIN LATERAL (
    SELECT p.id, p.name FROM place_names p
    WHERE p.division_code = d.code AND p.status = 'standard'
      AND (p.category_code LIKE '04%%' OR p.category_code LIKE '05%%')
    ORDER BY p.category_code, p.id LIMIT 1
) own ON true
WHERE d.code IN (left(%(code)s, 2) || '0000', left(%(code)s, 4) || '00', left(%(code)s, 6),
                 left(%(code)s, 9), %(code)s)
  AND (d.code <> %(code)s OR NOT %(own)s)
ORDER BY length(d.code), d.code
