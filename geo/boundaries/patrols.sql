-- name: patrol_by_uuid
SELECT id, uuid, content_hash, inspection_id FROM patrols WHERE uuid = %(uuid)s

-- name: same_track
-- The first patrol of the inspection with this raw track (uses patrols_track_sha256).
SELECT uuid::text AS uuid FROM patrols
WHERE inspection_id = %(inspection_id)s AND track_sha256 = %(sha256)s
ORDER BY id LIMIT 1

-- name: insert_patrol
INSERT INTO patrols (uuid, content_hash, inspection_id, side_code, team_id, members,
                     started_at, ended_at, raw_track, track, raw_points, track_points,
                     length_m, notes, recorded_by, user_id, gaps, track_breaks, track_sha256)
VALUES (%(uuid)s, %(hash)s, %(inspection_id)s, %(side)s, %(team_id)s, %(members)s,
        %(started_at)s, %(ended_at)s, ST_GeomFromEWKT(%(raw)s), ST_GeomFromEWKT(%(clean)s),
        %(raw_points)s, %(track_points)s, %(length_m)s, %(notes)s, %(by)s, %(user_id)s,
        %(gaps)s::jsonb, %(breaks)s::integer[], %(sha256)s)
RETURNING id

-- name: patrol
SELECT p.id, p.uuid, p.inspection_id, p.side_code, p.members, p.started_at, p.ended_at,
       p.raw_points, p.track_points, round(p.length_m) AS length_m, p.notes, p.recorded_by,
       p.received_at
FROM patrols p WHERE p.uuid = %(uuid)s

-- name: check_by_uuid
SELECT id, uuid, content_hash, inspection_id, version FROM marker_checks WHERE uuid = %(uuid)s

-- name: marker_of_line
SELECT id, marker_no, ST_X(geom) AS lon, ST_Y(geom) AS lat, condition
FROM boundary_markers
WHERE line_id = %(line_id)s AND (marker_no = %(marker)s OR id::text = %(marker)s)

-- name: displacement
SELECT ST_Distance(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490)::geography,
                   geom::geography) AS metres
FROM boundary_markers WHERE id = %(id)s

-- name: insert_check
INSERT INTO marker_checks (uuid, content_hash, inspection_id, marker_id, patrol_uuid,
                           condition, measured, accuracy_m, displacement_m, action, note,
                           checked_at, recorded_by, user_id)
VALUES (%(uuid)s, %(hash)s, %(inspection_id)s, %(marker_id)s, %(patrol_uuid)s, %(condition)s,
        CASE WHEN %(lon)s::float8 IS NULL THEN NULL
             ELSE ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490) END, %(accuracy_m)s,
        %(displacement_m)s, %(action)s, %(note)s, %(checked_at)s, %(by)s, %(user_id)s)
RETURNING id

-- name: update_check
UPDATE marker_checks SET condition = %(condition)s,
    measured = CASE WHEN %(lon)s::float8 IS NULL THEN NULL
                    ELSE ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490) END,
    displacement_m = %(displacement_m)s, action = %(action)s, note = %(note)s,
    version = version + 1, updated_at = now()
WHERE uuid = %(uuid)s AND version = %(version)s
RETURNING id

-- name: check
SELECT c.id, c.uuid, c.inspection_id, m.marker_no, c.condition,
       ST_X(c.measured) AS lon, ST_Y(c.measured) AS lat, c.accuracy_m,
       round(c.displacement_m::numeric, 2) AS displacement_m, c.action, c.note, c.checked_at,
       c.recorded_by, c.version, c.updated_at
FROM marker_checks c JOIN boundary_markers m ON m.id = c.marker_id
WHERE c.uuid = %(uuid)s

-- name: check_marker
SELECT m.id, m.marker_no
FROM marker_checks c JOIN boundary_markers m ON m.id = c.marker_id
WHERE c.uuid = %(uuid)s

-- name: marker_condition
-- The marker's condition is that of its latest check.
UPDATE boundary_markers m SET condition = c.condition
FROM (SELECT condition FROM marker_checks WHERE marker_id = %(marker_id)s
      ORDER BY checked_at DESC, id DESC LIMIT 1) c
WHERE m.id = %(marker_id)s

-- name: hazard_by_uuid
SELECT id, uuid, content_hash, inspection_id, version FROM hazards WHERE uuid = %(uuid)s

-- name: insert_hazard
INSERT INTO hazards (uuid, content_hash, inspection_id, kind, description, geom, accuracy_m,
                     status, reported_at, recorded_by, user_id)
VALUES (%(uuid)s, %(hash)s, %(inspection_id)s, %(kind)s, %(description)s,
        ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490), %(accuracy_m)s, 'open',
        %(reported_at)s, %(by)s, %(user_id)s)
RETURNING id

-- name: update_hazard
UPDATE hazards SET status = %(status)s, follow_up = follow_up || %(entry)s::jsonb,
    closed_at = CASE WHEN %(status)s = 'closed' THEN now() END,
    version = version + 1, updated_at = now()
WHERE uuid = %(uuid)s AND version = %(version)s
RETURNING id

-- name: hazard
SELECT h.id, h.uuid, h.inspection_id, h.kind, h.description, ST_X(h.geom) AS lon,
       ST_Y(h.geom) AS lat, h.accuracy_m, h.status, h.follow_up, h.reported_at, h.closed_at, h.recorded_by,
       h.version, h.updated_at
FROM hazards h WHERE h.uuid = %(uuid)s

-- name: distance_to_line
SELECT ST_Distance(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490)::geography,
                   geom::geography) AS metres
FROM boundary_lines WHERE id = %(line_id)s

-- name: line_wkb
SELECT ST_AsBinary(geom) AS wkb FROM boundary_lines WHERE id = %(line_id)s

-- name: track_distance
-- On the spheroid (geography): a track on the other side of the world is measured as truly
-- as one beside the line.
SELECT ST_Distance(ST_Force2D(ST_GeomFromEWKT(%(track)s))::geography,
                   geom::geography) AS metres
FROM boundary_lines WHERE id = %(line_id)s
