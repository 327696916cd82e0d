-- name: user_for_sign_in
-- Locks the user's row: concurrent failed sign-ins each count.
SELECT id, name, role, password_hash, failed_logins, locked_until, disabled_at,
       locked_until > now() AS locked
FROM users WHERE name = %(name)s FOR UPDATE

-- name: set_password
UPDATE users SET password_hash = %(hash)s, password_set_at = now(), failed_logins = 0,
                 locked_until = NULL
WHERE id = %(id)s

-- name: rehash
UPDATE users SET password_hash = %(hash)s WHERE id = %(id)s

-- name: failed
-- The count restarts once a lock is set, so each lock needs a fresh run of failures.
UPDATE users SET
    failed_logins = CASE WHEN failed_logins + 1 >= %(limit)s THEN 0 ELSE failed_logins + 1 END,
    locked_until = CASE WHEN failed_logins + 1 >= %(limit)s
                        THEN now() + make_interval(secs => %(lock_minutes)s * 60) END
WHERE id = %(id)s
RETURNING failed_logins, locked_until

-- name: succeeded
UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = %(id)s

-- name: unlock
UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = %(id)s
RETURNING id

-- name: open_session
INSERT INTO sessions (user_id, token_sha256, csrf_token, expires_at, user_agent, address)
VALUES (%(user_id)s, %(sha)s, %(csrf)s, now() + make_interval(secs => %(minutes)s * 60),
        %(user_agent)s, %(address)s)
RETURNING id, expires_at

-- name: session
-- A live session: not revoked, not expired, used within the idle limit, its user enabled.
-- Touches last_seen_at at most once a minute, so reads stay cheap.
WITH hit AS (
    SELECT s.id AS session_id, s.csrf_token, u.id, u.name, u.role
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_sha256 = %(sha)s AND s.revoked_at IS NULL AND s.expires_at > now()
      AND s.last_seen_at > now() - make_interval(secs => %(idle_minutes)s * 60)
      AND u.disabled_at IS NULL
), touch AS (
    UPDATE sessions SET last_seen_at = now()
    WHERE id IN (SELECT session_id FROM hit) AND last_seen_at < now() - interval '1 minute'
)
SELECT session_id, csrf_token, id, name, role FROM hit

-- name: close_session
UPDATE sessions SET revoked_at = now()
WHERE token_sha256 = %(sha)s AND revoked_at IS NULL
RETURNING id, user_id

-- name: revoke_sessions
UPDATE sessions SET revoked_at = now()
WHERE user_id = %(user_id)s AND revoked_at IS NULL AND expires_at > now()

-- name: list_sessions
SELECT s.id, u.name, u.role, s.created_at, s.last_seen_at, s.expires_at, s.user_agent,
       s.address
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.revoked_at IS NULL AND s.expires_at > now()
  AND (%(name)s::text IS NULL OR u.name = %(name)s)
ORDER BY s.last_seen_at DESC
