-- name: changes
-- The names that came into force (命名, 更名) or were abolished (销名) in a period, in the
-- shape of the national place-name database's detail record: the new name of a renaming
-- with the name it replaced, an abolished name on the day it ended; each with what its
-- approval recorded (authority, document, date, the application's location description).
WITH added AS (
    SELECT n.id, CASE WHEN old.id IS NULL THEN '命名' ELSE '更名' END AS change,
           lower(n.valid) AS effective_on, old.name AS former_name, n.id AS record_id
    FROM place_names n
    LEFT JOIN place_names old ON old.current_id = n.id AND old.status = 'historical'
    WHERE lower(n.valid) BETWEEN %(since)s AND %(until)s
      AND (%(prefix)s = '' OR n.division_code LIKE %(prefix)s || '%%')
), gone AS (
    SELECT n.id, '销名' AS change, upper(n.valid) AS effective_on, NULL::text AS former_name,
           n.id AS record_id
    FROM place_names n
    WHERE n.status = 'abolished' AND upper(n.valid) BETWEEN %(since)s AND %(until)s
      AND (%(prefix)s = '' OR n.division_code LIKE %(prefix)s || '%%')
)
SELECT c.change, n.id, n.name, n.roman, c.former_name, n.category_code,
       cat.name AS category_name, n.division_code, d.name AS division_name,
       coalesce(a.location_description, n.location_description) AS location_description,
       n.meaning, n.origin, n.history,
       coalesce(a.approving_authority, n.approved_by) AS approved_by,
       coalesce(a.document_no, n.document_no) AS document_no,
       coalesce(a.approved_on, n.approved_on) AS approved_on, c.effective_on,
       ST_AsBinary(n.geom) AS wkb
FROM (SELECT * FROM added UNION ALL SELECT * FROM gone) c
JOIN place_names n ON n.id = c.record_id
JOIN place_categories cat ON cat.code = n.category_code
LEFT JOIN current_divisions d ON d.code = n.division_code
LEFT JOIN LATERAL (
    SELECT x.location_description, x.approving_authority, x.document_no, x.approved_on
    FROM name_applications x
    WHERE (c.change <> '销名' AND x.result_name_id = n.id)
       OR (c.change = '销名' AND x.kind = 'abolition' AND x.target_id = n.id
           AND x.state IN ('approved', 'filed', 'announced'))
    ORDER BY x.id DESC LIMIT 1
) a ON true
ORDER BY c.effective_on, n.id

-- name: approvals
-- The naming, renaming and abolition applications approved in a period (their 备案公告),
-- by approval date; a building-name filing is filed, not approved, and has none.
SELECT a.id
FROM name_applications a
WHERE a.approved_on BETWEEN %(since)s AND %(until)s
  AND a.state IN ('approved', 'filed', 'announced') AND a.kind <> 'filing'
  AND (%(prefix)s = '' OR a.division_code LIKE %(prefix)s || '%%')
ORDER BY a.approved_on, a.id
