-- name: names
SELECT code, name FROM current_divisions WHERE code = ANY(%(codes)s)
