-- name: rules
SELECT key, value FROM name_rules
WHERE %(code)s LIKE scope_prefix || '%%'
ORDER BY length(scope_prefix)

-- name: same_scope_names
-- Current standard names in the legal scope that clash with the proposal: the same
-- name, the same tone-less pinyin of the 专名, or the same 专名 under another 通名.
SELECT n.id, n.name, n.proper, n.generic, n.proper_pinyin, n.division_code
FROM place_names n
JOIN place_categories c ON c.code = n.category_code
WHERE n.status = 'standard'
  AND (%(target_id)s::bigint IS NULL OR n.id <> %(target_id)s)
  AND (n.name = %(name)s OR n.proper = %(proper)s OR n.proper_pinyin = %(proper_pinyin)s
       OR n.proper = ANY(%(variants)s))
  AND left(n.category_code, 2) = left(%(category)s, 2)
  AND (%(scope_prefixes)s::text[] IS NULL
       OR left(n.division_code, 6) LIKE ANY(%(scope_prefixes)s))
ORDER BY n.name = %(name)s DESC, n.proper = %(proper)s DESC, n.id
LIMIT 50

-- name: built_up_prefixes
-- The built-up area (建成区) is approximated by the city's districts (市辖区): no built-up
-- polygons ship. A county (县, 县级市) is its own built-up area.
SELECT coalesce(array_agg(d.code || '%%'), ARRAY[left(%(code)s, 6) || '%%']) AS prefixes
FROM current_divisions d
WHERE d.level = 'county' AND d.kind = '市辖区'
  AND left(d.code, 4) = left(%(code)s, 4)
  AND EXISTS (SELECT 1 FROM current_divisions x
              WHERE x.code = left(%(code)s, 6) AND x.kind = '市辖区')

-- name: outside_jurisdiction
-- Whether the geometry lies in the applicant's division, and how much of it does not
-- (metres for points and lines, square metres for areas).
SELECT d.geom IS NOT NULL AS known, ST_CoveredBy(g, d.geom) AS inside,
       ST_Dimension(g) AS dimension,
       CASE ST_Dimension(g)
           WHEN 0 THEN ST_Distance(g::geography, d.geom::geography)
           WHEN 1 THEN ST_Length(ST_Difference(g, d.geom)::geography)
           ELSE ST_Area(ST_Difference(g, d.geom)::geography)
       END AS outside
FROM ST_GeomFromText(%(wkt)s, 4490) AS g
LEFT JOIN current_divisions d ON d.code = %(code)s

-- name: pending_names
-- Names approved but not yet in force (their date is to come) that are the proposal's
-- name in the same legal scope: on their date they become standard names.
SELECT a.id, a.name, a.division_code, a.effective_on
FROM name_applications a
WHERE a.took_effect_at IS NULL AND a.effective_on IS NOT NULL
  AND a.state IN ('approved', 'filed', 'announced') AND a.kind <> 'abolition'
  AND a.name = %(name)s AND left(a.category_code, 2) = left(%(category)s, 2)
  AND a.id IS DISTINCT FROM %(app_id)s
  AND (%(scope_prefixes)s::text[] IS NULL
       OR left(a.division_code, 6) LIKE ANY(%(scope_prefixes)s))
ORDER BY a.id
LIMIT 10

-- name: target_pending
-- Other applications approved to rename or abolish the same name, not yet in force.
SELECT a.id, a.kind, a.name, a.effective_on
FROM name_applications a
WHERE a.target_id = %(target_id)s AND a.id IS DISTINCT FROM %(app_id)s
  AND a.took_effect_at IS NULL AND a.state IN ('approved', 'filed', 'announced')
ORDER BY a.id

-- name: same_scope_reservations
-- Active reservations of the place-name plans (地名规划, geo/names/plan.py) in the legal
-- scope with the proposal's name, or the same tone-less pinyin of its 专名: requested (an
-- officer has yet to decide), reserved and not lapsed, or used by an application still in
-- progress (that application itself excepted: it carries the reserved name). The partial
-- indexes name_reservations_name and _pinyin hold only these states.
SELECT r.id, r.name, r.division_code, r.state, r.expires_on, r.application_id
FROM name_reservations r
LEFT JOIN name_applications a ON a.id = r.application_id
WHERE (r.name = %(name)s OR r.proper_pinyin = %(proper_pinyin)s)
  AND r.state IN ('requested', 'reserved', 'used')
  AND (r.state <> 'reserved' OR r.expires_on IS NULL OR r.expires_on >= %(today)s)
  AND (r.state <> 'used' OR (a.state IN ('draft', 'submitted', 'assessed')
                             AND a.id IS DISTINCT FROM %(app_id)s))
  AND r.id IS DISTINCT FROM %(reservation_id)s
  AND left(r.category_code, 2) = left(%(category)s, 2)
  AND (%(scope_prefixes)s::text[] IS NULL
       OR left(r.division_code, 6) LIKE ANY(%(scope_prefixes)s))
ORDER BY r.name = %(name)s DESC, r.id
LIMIT 20
