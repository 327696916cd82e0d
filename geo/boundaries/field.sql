-- name: records
-- This inspection's marker checks and hazards already on the server, for the phone to show
-- which markers are done this round (and to recognise its own records by UUID).
SELECT 'marker_check' AS kind, c.uuid::text AS uuid, m.marker_no, c.condition, NULL AS hazard_kind,
       c.checked_at AS at, c.recorded_by, c.version
FROM marker_checks c JOIN boundary_markers m ON m.id = c.marker_id
WHERE c.inspection_id = %(id)s
UNION ALL
SELECT 'hazard', h.uuid::text, NULL, NULL, h.kind, h.reported_at, h.recorded_by, h.version
FROM hazards h WHERE h.inspection_id = %(id)s
ORDER BY at

-- name: patrols
SELECT p.uuid::text AS uuid, p.side_code, p.started_at, p.ended_at, round(p.length_m) AS length_m,
       p.recorded_by
FROM patrols p WHERE p.inspection_id = %(id)s ORDER BY p.started_at NULLS LAST, p.id

-- name: team_names
SELECT t.name, t.side_code FROM team_users tu JOIN inspection_teams t ON t.id = tu.team_id
WHERE tu.user_id = %(user_id)s ORDER BY t.name
