-- Queries of the joint inspection report (geo/boundaries/report.py). Coordinates leave as
-- CGCS2000 lon/lat with 7 decimals (about 1 cm).

-- name: inspection
SELECT id, line_id, year, kind, reason, status, version, created_at, signed_at,
       lead_code, support_code, lead_team_id, support_team_id
FROM inspections
WHERE id = %(inspection_id)s

-- name: latest_inspection
-- The inspection of the line with the latest year; of one year, the latest created.
SELECT id
FROM inspections
WHERE line_id = %(line_id)s
ORDER BY year DESC, created_at DESC, id DESC
LIMIT 1

-- name: line
SELECT id, number, name, level, left_code, right_code, agreement, length_m, source,
       ST_AsGeoJSON(geom, 7)::json AS geometry
FROM boundary_lines
WHERE id = %(line_id)s

-- name: division_names
SELECT code, name
FROM current_divisions
WHERE code = ANY(%(codes)s)

-- name: teams
SELECT id, name, side_code, members
FROM inspection_teams
WHERE id = ANY(%(ids)s)

-- name: signatures
SELECT side_code, signed_by, signed_at
FROM inspection_signatures
WHERE inspection_id = %(inspection_id)s
ORDER BY signed_at, side_code

-- name: patrols
SELECT p.id, p.uuid::text AS uuid, p.side_code, t.name AS team, p.members, p.started_at,
       p.ended_at, p.length_m, p.raw_points, p.track_points, p.notes, p.recorded_by,
       ST_AsGeoJSON(ST_Force2D(p.track), 7)::json AS track, p.track_breaks AS breaks, p.gaps,
       (SELECT count(*) FROM attachments a
        WHERE a.owner_kind = 'patrol' AND a.owner_uuid = p.uuid AND a.complete) AS photos
FROM patrols p
LEFT JOIN inspection_teams t ON t.id = p.team_id
WHERE p.inspection_id = %(inspection_id)s
ORDER BY p.started_at NULLS LAST, p.id

-- name: markers
-- Every marker of the line in sequence, with its latest check in the inspection (none when
-- the inspection is NULL). The displacement is measured on the ellipsoid from the registered
-- to the measured point; the figure the field client sent is kept beside it.
SELECT m.id, m.marker_no, m.seq, m.type, m.form, m.custodian_code, m.source_x, m.source_y,
       m.source_datum, m.elevation_m, m.condition AS register_condition, m.registered_on,
       ST_X(m.geom) AS lon, ST_Y(m.geom) AS lat,
       c.uuid::text AS check_uuid, c.condition, c.action AS recorded_action, c.note,
       c.checked_at, c.recorded_by,
       ST_X(c.measured) AS measured_lon, ST_Y(c.measured) AS measured_lat,
       coalesce(ST_Distance(m.geom::geography, c.measured::geography),
                c.displacement_m) AS displacement_m,
       c.displacement_m AS reported_displacement_m,
       (SELECT count(*) FROM attachments a
        WHERE a.owner_kind = 'marker_check' AND a.owner_uuid = c.uuid AND a.complete) AS photos,
       (SELECT count(*) FROM attachments a
        WHERE a.owner_kind = 'marker_check' AND a.owner_uuid = c.uuid
          AND NOT a.complete) AS photos_pending
FROM boundary_markers m
LEFT JOIN LATERAL (
    SELECT k.*
    FROM marker_checks k
    WHERE k.marker_id = m.id AND k.inspection_id = %(inspection_id)s
    ORDER BY k.checked_at DESC, k.id DESC
    LIMIT 1
) c ON true
WHERE m.line_id = %(line_id)s
ORDER BY m.seq, m.type

-- name: hazards
-- Each hazard with the nearest marker of the line and its distance from the line.
SELECT h.id, h.uuid::text AS uuid, h.kind, h.description, h.status, h.follow_up,
       h.reported_at, h.closed_at, h.recorded_by,
       ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat,
       ST_Distance(l.geom::geography, h.geom::geography) AS from_line_m,
       near.marker_no AS near_marker, near.distance_m AS near_marker_m,
       (SELECT count(*) FROM attachments a
        WHERE a.owner_kind = 'hazard' AND a.owner_uuid = h.uuid AND a.complete) AS photos
FROM hazards h
JOIN inspections i ON i.id = h.inspection_id
JOIN boundary_lines l ON l.id = i.line_id
LEFT JOIN LATERAL (
    SELECT m.marker_no, ST_Distance(m.geom::geography, h.geom::geography) AS distance_m
    FROM boundary_markers m
    WHERE m.line_id = i.line_id
    ORDER BY m.geom <-> h.geom
    LIMIT 1
) near ON true
WHERE h.inspection_id = %(inspection_id)s
ORDER BY h.reported_at, h.id
