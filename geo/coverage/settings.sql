-- name: overrides
SELECT key, value FROM coverage_settings
WHERE %(code)s LIKE scope_prefix || '%%'
ORDER BY length(scope_prefix)

-- name: set
INSERT INTO coverage_settings (scope_prefix, key, value) VALUES (%(scope)s, %(key)s, %(value)s)
ON CONFLICT (scope_prefix, key) DO UPDATE SET value = EXCLUDED.value

-- name: list
SELECT scope_prefix, key, value FROM coverage_settings ORDER BY scope_prefix, key
