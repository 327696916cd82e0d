-- name: record
INSERT INTO audit_log (actor, user_id, action, entity, entity_id, before, after)
VALUES (%(actor)s, %(user_id)s, %(action)s, %(entity)s, %(entity_id)s, %(before)s, %(after)s)

-- name: list_entries
SELECT id, at, actor, user_id, action, entity, entity_id, before, after
FROM audit_log
WHERE (%(entity)s::text IS NULL OR entity = %(entity)s)
  AND (%(entity_id)s::text IS NULL OR entity_id = %(entity_id)s)
ORDER BY id DESC
LIMIT %(limit)s OFFSET %(offset)s
