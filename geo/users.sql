-- name: add_user
INSERT INTO users (name, role) VALUES (%(name)s, %(role)s)
RETURNING id, name, role, created_at

-- name: add_token
INSERT INTO api_tokens (user_id, token_sha256, prefix) VALUES (%(user_id)s, %(sha)s, %(prefix)s)

-- name: get_user_by_name
SELECT id, name, role, created_at, disabled_at FROM users WHERE name = %(name)s

-- name: list_users
SELECT u.id, u.name, u.role, u.created_at, u.disabled_at,
       count(t.id) FILTER (WHERE t.revoked_at IS NULL) AS active_tokens,
       max(t.last_used_at) AS last_used_at
FROM users u LEFT JOIN api_tokens t ON t.user_id = u.id
GROUP BY u.id ORDER BY u.name

-- name: authenticate
-- Touches last_used_at at most once a minute, so reads stay cheap.
WITH hit AS (
    SELECT t.id AS token_id, u.id, u.name, u.role
    FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_sha256 = %(sha)s AND t.revoked_at IS NULL AND u.disabled_at IS NULL
), touch AS (
    UPDATE api_tokens SET last_used_at = now()
    WHERE id IN (SELECT token_id FROM hit)
      AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
)
SELECT id, name, role FROM hit

-- name: revoke_tokens
UPDATE api_tokens SET revoked_at = now()
WHERE user_id = %(user_id)s AND revoked_at IS NULL

-- name: disable_user
UPDATE users SET disabled_at = now() WHERE id = %(user_id)s AND disabled_at IS NULL

-- name: revoke_sessions
UPDATE sessions SET revoked_at = now()
WHERE user_id = %(user_id)s AND revoked_at IS NULL
