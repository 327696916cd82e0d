-- name: add_team
INSERT INTO inspection_teams (name, side_code, members) VALUES (%(name)s, %(side)s, %(members)s)
ON CONFLICT (name) DO UPDATE SET side_code = EXCLUDED.side_code, members = EXCLUDED.members
RETURNING id, name, side_code, members

-- name: join_team
INSERT INTO team_users (team_id, user_id)
SELECT t.id, u.id FROM inspection_teams t, users u WHERE t.name = %(team)s AND u.name = %(user)s
ON CONFLICT DO NOTHING
RETURNING team_id

-- name: team
SELECT id, name, side_code, members FROM inspection_teams WHERE id = %(id)s OR name = %(name)s

-- name: user_teams
SELECT t.id, t.side_code FROM team_users tu JOIN inspection_teams t ON t.id = tu.team_id
WHERE tu.user_id = %(user_id)s

-- name: create
INSERT INTO inspections (line_id, year, kind, reason, lead_code, support_code, lead_team_id,
                         support_team_id, status)
VALUES (%(line_id)s, %(year)s, %(kind)s, %(reason)s, %(lead_code)s, %(support_code)s,
        %(lead_team_id)s, %(support_team_id)s, %(status)s)
RETURNING id

-- name: get
SELECT i.id, i.line_id, l.name AS line_name, l.number AS line_number, i.year, i.kind, i.reason,
       i.lead_code, i.support_code, i.lead_team_id, lt.name AS lead_team,
       i.support_team_id, st.name AS support_team, i.status, i.version, i.created_at,
       i.signed_at,
       coalesce((SELECT json_agg(json_build_object('side', s.side_code, 'signed_by', s.signed_by,
                                                   'signed_at', s.signed_at)
                                 ORDER BY s.signed_at)
                 FROM inspection_signatures s WHERE s.inspection_id = i.id), '[]') AS signatures,
       (SELECT count(*) FROM patrols p WHERE p.inspection_id = i.id) AS patrols,
       (SELECT count(*) FROM marker_checks c WHERE c.inspection_id = i.id) AS marker_checks,
       (SELECT count(*) FROM hazards h WHERE h.inspection_id = i.id) AS hazards
FROM inspections i
JOIN boundary_lines l ON l.id = i.line_id
LEFT JOIN inspection_teams lt ON lt.id = i.lead_team_id
LEFT JOIN inspection_teams st ON st.id = i.support_team_id
WHERE (%(id)s::bigint IS NULL OR i.id = %(id)s)
  AND (%(team_ids)s::bigint[] IS NULL OR i.lead_team_id = ANY(%(team_ids)s)
       OR i.support_team_id = ANY(%(team_ids)s))
  AND (%(line_id)s::bigint IS NULL OR i.line_id = %(line_id)s)
ORDER BY i.year DESC, i.id DESC

-- name: lock
SELECT id, status, lead_code, support_code, lead_team_id, support_team_id, line_id
FROM inspections WHERE id = %(id)s FOR UPDATE

-- name: start
UPDATE inspections SET status = 'in_progress', version = version + 1
WHERE id = %(id)s AND status = 'planned'

-- name: sign
INSERT INTO inspection_signatures (inspection_id, side_code, signed_by, user_id)
VALUES (%(id)s, %(side)s, %(by)s, %(user_id)s)
ON CONFLICT DO NOTHING

-- name: signatures
SELECT side_code FROM inspection_signatures WHERE inspection_id = %(id)s

-- name: freeze
UPDATE inspections SET status = 'signed', signed_at = now(), version = version + 1
WHERE id = %(id)s

-- name: plan
-- Every line with its last signed regular inspection; due when the cycle ends this year,
-- overdue when it ended earlier (or never inspected).
SELECT l.id AS line_id, l.name, l.number, l.level, l.left_code, l.right_code,
       last.year AS last_year, last.lead_code AS last_lead,
       (SELECT i.id FROM inspections i
        WHERE i.line_id = l.id AND i.year = %(year)s AND i.kind = 'regular') AS planned_id
FROM boundary_lines l
LEFT JOIN LATERAL (
    SELECT year, lead_code FROM inspections i
    WHERE i.line_id = l.id AND i.kind = 'regular' AND i.status = 'signed' AND i.year < %(year)s
    ORDER BY year DESC LIMIT 1
) last ON true
WHERE (%(prefix)s::text IS NULL OR l.left_code LIKE %(prefix)s || '%%'
       OR l.right_code LIKE %(prefix)s || '%%')
ORDER BY l.level DESC, l.number

-- name: regular_of_year
SELECT id FROM inspections WHERE line_id = %(line_id)s AND year = %(year)s AND kind = 'regular'

-- name: unsign
DELETE FROM inspection_signatures WHERE inspection_id = %(id)s AND side_code = %(side)s

-- name: line_of_inspection
SELECT l.id, ST_AsGeoJSON(l.geom, 7)::json AS geometry
FROM inspections i JOIN boundary_lines l ON l.id = i.line_id
WHERE i.id = %(id)s

-- name: patrol_tracks
-- The cleaned tracks (as the joint report reads them) with their breaks and gaps; one
-- patrol's when a UUID is given.
SELECT p.uuid::text AS uuid, ST_AsGeoJSON(ST_Force2D(p.track), 7)::json AS track,
       p.track_breaks AS breaks, p.gaps
FROM patrols p
WHERE p.inspection_id = %(id)s AND (%(uuid)s::uuid IS NULL OR p.uuid = %(uuid)s::uuid)
ORDER BY p.started_at NULLS LAST, p.id
