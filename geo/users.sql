-- name: add_user
INSERT INTO users (name, role) VALUES (%(name)s, %(role)s)
RETURNING id, name, role, created_at

-- name: add_token
INSERT INTO api_tokens (user_id, token_sha256, prefix) VALUES (%(user_id)s, %(sha)s, %(prefix)s)

-- name: get_user_by_name
SELECT id, name, role, created_at, disabled_at FROM users WHERE name = %(name)s

-- name: list_users
-- Tokens and sessions are counted in one pass each (a handful of users, their own rows);
-- a session is opened by each successful sign-in, so the newest is the last sign-in.
-- Never the password hash: only whether there is one.
WITH t AS (
    SELECT user_id, count(*) FILTER (WHERE revoked_at IS NULL) AS active_tokens,
           max(last_used_at) AS last_used_at
    FROM api_tokens GROUP BY user_id
), s AS (
    SELECT user_id,
           count(*) FILTER (WHERE revoked_at IS NULL AND expires_at > now()) AS open_sessions,
           max(created_at) AS last_sign_in_at
    FROM sessions GROUP BY user_id
)
SELECT u.id, u.name, u.role, u.created_at, u.disabled_at,
       coalesce(t.active_tokens, 0) AS active_tokens, t.last_used_at,
       coalesce(s.open_sessions, 0) AS open_sessions, s.last_sign_in_at,
       u.password_hash IS NOT NULL AS has_password, u.password_set_at,
       CASE WHEN u.locked_until > now() THEN u.locked_until END AS locked_until
FROM users u LEFT JOIN t ON t.user_id = u.id LEFT JOIN s ON s.user_id = u.id
ORDER BY u.name

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

-- name: set_role
UPDATE users SET role = %(role)s WHERE id = %(id)s

-- name: lock_admins
-- The enabled administrators, locked so that two demotions at once cannot leave none.
SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE
