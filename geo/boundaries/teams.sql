-- Queries of the inspection teams (geo/boundaries/teams.py). A team reaches a line through
-- the inspections it leads or supports (inspections.lead_team_id / support_team_id).

-- name: list_teams
-- Every team with its side's name, its members (accounts: name and role only) and the
-- lines it works on (each line once, with its latest inspection the team is on).
SELECT t.id, t.name, t.side_code, d.name AS side_name,
       coalesce((SELECT json_agg(json_build_object('name', u.name, 'role', u.role)
                                 ORDER BY u.name)
                 FROM team_users tu JOIN users u ON u.id = tu.user_id
                 WHERE tu.team_id = t.id), '[]') AS members,
       coalesce((SELECT json_agg(json_build_object(
                          'id', x.line_id, 'name', x.line_name, 'number', x.number,
                          'inspection', x.id, 'year', x.year, 'status', x.status,
                          'side', x.side) ORDER BY x.number)
                 FROM (SELECT DISTINCT ON (i.line_id) i.line_id, l.name AS line_name, l.number,
                              i.id, i.year, i.status,
                              CASE WHEN i.lead_team_id = t.id THEN 'lead' ELSE 'support' END
                                  AS side
                       FROM inspections i JOIN boundary_lines l ON l.id = i.line_id
                       WHERE i.lead_team_id = t.id OR i.support_team_id = t.id
                       ORDER BY i.line_id, i.year DESC, i.id DESC) x), '[]') AS lines
FROM inspection_teams t
LEFT JOIN current_divisions d ON d.code = t.side_code
WHERE (%(id)s::bigint IS NULL OR t.id = %(id)s)
ORDER BY t.side_code, t.name

-- name: team_by_name
SELECT id FROM inspection_teams WHERE name = %(name)s

-- name: division
SELECT code, name FROM current_divisions WHERE code = %(code)s

-- name: users_named
SELECT id, name, role, disabled_at FROM users WHERE name = ANY(%(names)s)

-- name: insert_team
INSERT INTO inspection_teams (name, side_code, members)
VALUES (%(name)s, %(side)s, %(members)s)
RETURNING id

-- name: join
-- The account joins, and its name goes on the team's roster (which the joint report prints).
WITH joined AS (
    INSERT INTO team_users (team_id, user_id) VALUES (%(team_id)s, %(user_id)s)
    ON CONFLICT DO NOTHING
    RETURNING team_id
)
UPDATE inspection_teams t
SET members = CASE WHEN %(name)s = ANY(t.members) THEN t.members
                   ELSE array_append(t.members, %(name)s) END
FROM joined WHERE t.id = joined.team_id
RETURNING t.id

-- name: leave
WITH left_team AS (
    DELETE FROM team_users WHERE team_id = %(team_id)s AND user_id = %(user_id)s
    RETURNING team_id
)
UPDATE inspection_teams t SET members = array_remove(t.members, %(name)s)
FROM left_team WHERE t.id = left_team.team_id
RETURNING t.id

-- name: inspection_for_update
SELECT id, status, lead_code, support_code, lead_team_id, support_team_id
FROM inspections WHERE id = %(id)s FOR UPDATE

-- name: assign_lead
UPDATE inspections SET lead_team_id = %(team_id)s, version = version + 1 WHERE id = %(id)s

-- name: assign_support
UPDATE inspections SET support_team_id = %(team_id)s, version = version + 1 WHERE id = %(id)s

-- name: inspector_names
SELECT name FROM users WHERE role = 'inspector' AND disabled_at IS NULL ORDER BY name
