-- name: version
SELECT table_name, version, changed_at FROM layer_changes
WHERE table_name = ANY(%(tables)s) ORDER BY table_name
