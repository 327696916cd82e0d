-- name: insert_plate
WITH p AS (
    INSERT INTO plates (kind, size, entrance_id, building_id, unit, status, token, replaces_id,
                        created_by)
    VALUES (%(kind)s, %(size)s, %(entrance)s, %(building)s, %(unit)s, 'planned', %(token)s,
            %(replaces)s, %(by)s)
    RETURNING id, token
), t AS (INSERT INTO plate_tokens (token, plate_id) SELECT token, id FROM p)
SELECT id FROM p

-- name: lock_plate
SELECT id FROM plates WHERE id = %(id)s FOR UPDATE

-- name: token_taken
SELECT plate_id FROM plate_tokens WHERE token = %(token)s

-- name: building_of
SELECT id, no, units FROM buildings WHERE entrance_id = %(entrance)s AND no = %(no)s

-- name: entrance_ok
SELECT e.id, e.number, e.status FROM entrances e WHERE e.id = %(id)s

-- name: active_plate
SELECT id FROM plates
WHERE entrance_id = %(entrance)s AND kind = %(kind)s
  AND building_id IS NOT DISTINCT FROM %(building)s AND unit IS NOT DISTINCT FROM %(unit)s
  AND status NOT IN ('replaced', 'removed')
LIMIT 1

-- name: plate
SELECT p.id, p.kind, p.size, p.entrance_id, p.building_id, b.no AS building_no, p.unit,
       p.status, p.token, p.token_revoked_at, p.token_revoked_reason, p.replaces_id,
       (SELECT n.id FROM plates n WHERE n.replaces_id = p.id ORDER BY n.id DESC LIMIT 1)
           AS replaced_by, p.printed_address, p.installed_on,
       ST_X(coalesce(p.installed_geom, p.geom)) AS installed_lon,
       ST_Y(coalesce(p.installed_geom, p.geom)) AS installed_lat,
       p.photo IS NOT NULL AS has_photo, p.photo_type, p.version, p.created_by, p.created_at,
       p.updated_at
FROM plates p LEFT JOIN buildings b ON b.id = p.building_id
WHERE p.id = %(id)s

-- name: plate_by_token
SELECT t.plate_id AS id, t.revoked_at, t.token = p.token AS current
FROM plate_tokens t JOIN plates p ON p.id = t.plate_id
WHERE t.token = %(token)s

-- name: events
SELECT at, action, from_status, to_status, by_name, note,
       ST_X(geom) AS lon, ST_Y(geom) AS lat
FROM plate_events WHERE plate_id = %(id)s ORDER BY at, id

-- name: insert_event
INSERT INTO plate_events (plate_id, action, from_status, to_status, by_name, note, geom)
VALUES (%(plate)s, %(action)s, %(from)s, %(to)s, %(by)s, %(note)s,
        CASE WHEN %(lon)s::float8 IS NULL THEN NULL
             ELSE ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490) END)

-- name: update_plate
UPDATE plates SET status = %(status)s, installed_on = %(installed_on)s,
       installed_geom = CASE WHEN %(lon)s::float8 IS NULL THEN installed_geom
                             ELSE ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490) END,
       photo = coalesce(%(photo)s, photo), photo_type = coalesce(%(photo_type)s, photo_type),
       version = version + 1, updated_at = now()
WHERE id = %(id)s AND version = %(version)s
RETURNING id

-- name: revoke
WITH p AS (
    UPDATE plates SET token_revoked_at = now(), token_revoked_reason = %(reason)s,
           version = version + 1, updated_at = now()
    WHERE id = %(id)s AND token_revoked_at IS NULL
    RETURNING token
)
UPDATE plate_tokens t SET revoked_at = now(), revoked_reason = %(reason)s
FROM p WHERE t.token = p.token

-- name: reissue
-- The old token is withdrawn for good; the plate answers to the new one.
WITH old AS (
    UPDATE plate_tokens SET revoked_at = coalesce(revoked_at, now()),
           revoked_reason = coalesce(revoked_reason, 'a new QR code was issued')
    WHERE plate_id = %(id)s AND revoked_at IS NULL
), new AS (INSERT INTO plate_tokens (token, plate_id) VALUES (%(token)s, %(id)s))
UPDATE plates SET token = %(token)s, token_revoked_at = NULL, token_revoked_reason = NULL,
       version = version + 1, updated_at = now()
WHERE id = %(id)s

-- name: photo
SELECT photo, photo_type FROM plates WHERE id = %(id)s

-- name: list_plates
SELECT p.id, p.kind, p.size, p.entrance_id, p.status, p.token, p.token_revoked_at IS NOT NULL
           AS revoked, p.installed_on, p.version, p.printed_address, r.id AS road_id, r.name AS road,
       civgeo_pending_public_reports(p.id) AS public_reports,
       civgeo_house_number(e.number, e.sub) AS number_label, b.no AS building_no, p.unit,
       ST_X(coalesce(p.installed_geom, e.geom)) AS lon, ST_Y(coalesce(p.installed_geom, e.geom)) AS lat
FROM plates p
JOIN entrances e ON e.id = p.entrance_id
JOIN roads r ON r.id = e.road_id
LEFT JOIN buildings b ON b.id = p.building_id
WHERE (%(status)s::text IS NULL OR p.status = %(status)s)
  AND (%(road)s::bigint IS NULL OR r.id = %(road)s)
  AND (%(campaign)s::bigint IS NULL OR p.id IN (SELECT plate_id FROM campaign_plates
                                                WHERE campaign_id = %(campaign)s))
  AND (NOT %(reported)s OR civgeo_pending_public_reports(p.id) > 0)
ORDER BY r.name, e.number NULLS LAST, e.sub NULLS FIRST, p.kind, b.no, p.unit, p.id
LIMIT %(limit)s OFFSET %(offset)s

-- name: count_plates
SELECT count(*) FROM plates p JOIN entrances e ON e.id = p.entrance_id
WHERE (%(status)s::text IS NULL OR p.status = %(status)s)
  AND (%(road)s::bigint IS NULL OR e.road_id = %(road)s)
  AND (%(campaign)s::bigint IS NULL OR p.id IN (SELECT plate_id FROM campaign_plates
                                                WHERE campaign_id = %(campaign)s))
  AND (NOT %(reported)s OR civgeo_pending_public_reports(p.id) > 0)

-- name: recent_public_report
SELECT 1 FROM plate_events
WHERE plate_id = %(id)s AND action = %(action)s AND by_name = 'public'
  AND at > now() - interval '1 day'
LIMIT 1

-- name: pending_count
SELECT civgeo_pending_public_reports(%(id)s)

-- name: pending_reports
-- The public reports after each plate's last answering officer event (the rule of
-- civgeo_pending_public_reports), oldest first.
SELECT v.plate_id, v.id, v.at, substr(v.action, length('public_report_') + 1) AS kind, v.note
FROM plate_events v
WHERE v.plate_id = ANY(%(ids)s::bigint[]) AND v.by_name = 'public'
  AND v.id > civgeo_last_officer_answer(v.plate_id)
ORDER BY v.plate_id, v.at, v.id

-- name: reports_queue
-- Plates with public reports waiting, the longest waiting first.
SELECT p.id, p.kind, p.status, p.version, p.token, p.entrance_id, r.id AS road_id,
       r.name AS road, civgeo_house_number(e.number, e.sub) AS number_label,
       b.no AS building_no, p.unit, q.first_at, q.n AS public_reports
FROM (SELECT v.plate_id, min(v.at) AS first_at, count(*) AS n
      FROM plate_events v
      WHERE v.by_name = 'public' AND v.id > civgeo_last_officer_answer(v.plate_id)
      GROUP BY v.plate_id) q
JOIN plates p ON p.id = q.plate_id
JOIN entrances e ON e.id = p.entrance_id
JOIN roads r ON r.id = e.road_id
LEFT JOIN buildings b ON b.id = p.building_id
ORDER BY q.first_at, p.id
LIMIT %(limit)s OFFSET %(offset)s
