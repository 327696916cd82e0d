-- name: attachment
SELECT uuid, inspection_id, owner_kind, owner_uuid, sha256, size, media_type,
       length(data) AS received, complete
FROM attachments WHERE uuid = %(uuid)s

-- name: declare_attachment
INSERT INTO attachments (uuid, inspection_id, owner_kind, owner_uuid, sha256, size, media_type)
VALUES (%(uuid)s, %(inspection_id)s, %(owner_kind)s, %(owner_uuid)s, %(sha256)s, %(size)s,
        %(media_type)s)

-- name: attachment_for_update
SELECT uuid, inspection_id, sha256, size, media_type, length(data) AS received, complete
FROM attachments WHERE uuid = %(uuid)s FOR UPDATE

-- name: append_attachment
UPDATE attachments SET data = data || %(chunk)s WHERE uuid = %(uuid)s
RETURNING length(data) AS received, sha256(data) AS digest, substring(data FROM 1 FOR 16) AS head

-- name: complete_attachment
UPDATE attachments SET complete = true, completed_at = now() WHERE uuid = %(uuid)s

-- name: reset_attachment
UPDATE attachments SET data = '' WHERE uuid = %(uuid)s

-- name: attachment_data
SELECT data, media_type, inspection_id, complete FROM attachments WHERE uuid = %(uuid)s

-- name: inspection_photos
SELECT a.uuid::text AS uuid, a.owner_kind, a.owner_uuid::text AS owner_uuid, a.media_type,
       a.complete, m.marker_no
FROM attachments a
LEFT JOIN marker_checks c ON a.owner_kind = 'marker_check' AND c.uuid = a.owner_uuid
LEFT JOIN boundary_markers m ON m.id = c.marker_id
WHERE a.inspection_id = %(id)s
ORDER BY a.created_at, a.uuid
