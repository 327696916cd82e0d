-- name: record
INSERT INTO audit_log (actor, user_id, action, entity, entity_id, before, after)
VALUES (%(actor)s, %(user_id)s, %(action)s, %(entity)s, %(entity_id)s, %(before)s, %(after)s)

-- name: list_entries
-- Each filter is optional. An actor or an action (or a family of actions: a range of
-- names, which the C collation keeps in byte order) reads audit_log_actor or
-- audit_log_action (0016) in id order; an entity, audit_log_entity (0002); a date range,
-- audit_log_at. Days are China's (Asia/Shanghai): since and until are both included.
SELECT id, at, actor, user_id, action, entity, entity_id, before, after
FROM audit_log
WHERE (%(entity)s::text IS NULL OR entity = %(entity)s)
  AND (%(entity_id)s::text IS NULL OR entity_id = %(entity_id)s)
  AND (%(actor)s::text IS NULL OR actor = %(actor)s)
  AND (%(action)s::text IS NULL OR action = %(action)s)
  AND (%(family_from)s::text IS NULL
       OR (action >= %(family_from)s AND action < %(family_to)s))
  AND (%(since)s::date IS NULL
       OR at >= %(since)s::date::timestamp AT TIME ZONE 'Asia/Shanghai')
  AND (%(until)s::date IS NULL
       OR at < (%(until)s::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
ORDER BY id DESC
LIMIT %(limit)s OFFSET %(offset)s
