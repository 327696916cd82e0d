-- name: save
INSERT INTO coverage_scenarios (division_code, name, params, result, created_by)
VALUES (%(code)s, %(name)s, %(params)s, %(result)s, %(actor)s)
RETURNING id, created_at

-- name: list
-- Scenarios saved before what-ifs could be saved have no kind: they are suggestions.
SELECT id, division_code, name, coalesce(params ->> 'kind', 'suggestions') AS kind, params,
       created_by, created_at,
       result -> 'newly_covered_elderly' AS newly_covered_elderly,
       result -> 'share_after' AS share_after
FROM coverage_scenarios
WHERE %(code)s::text IS NULL OR division_code = %(code)s
ORDER BY id DESC

-- name: get
SELECT id, division_code, name, params, result, created_by, created_at
FROM coverage_scenarios WHERE id = %(id)s
