-- name: lock_user
-- The user's row, locked: two links made at once for one user are made one after the other.
SELECT id FROM users WHERE id = %(user_id)s FOR UPDATE

-- name: replace_open
UPDATE pairings SET replaced_at = now()
WHERE user_id = %(user_id)s AND used_at IS NULL AND replaced_at IS NULL

-- name: add
INSERT INTO pairings (user_id, token_sha256, created_by, created_by_id, expires_at)
VALUES (%(user_id)s, %(sha)s, %(created_by)s, %(created_by_id)s,
        now() + make_interval(secs => %(minutes)s * 60))
RETURNING id, created_at, expires_at

-- name: use
-- Marks the link used if it still may be: one statement, so of two phones presenting the
-- same link at once the second waits on the row, finds it used and gets nothing.
UPDATE pairings p SET used_at = now()
FROM users u
WHERE p.token_sha256 = %(sha)s AND u.id = p.user_id
  AND p.used_at IS NULL AND p.replaced_at IS NULL AND p.expires_at > now()
  AND u.disabled_at IS NULL AND u.role = ANY (%(roles)s)
RETURNING p.id, u.id AS user_id, u.name, u.role

-- name: why_not
SELECT p.id, u.id AS user_id, u.name, u.role, p.used_at, p.replaced_at,
       p.expires_at <= now() AS expired
FROM pairings p JOIN users u ON u.id = p.user_id
WHERE p.token_sha256 = %(sha)s
