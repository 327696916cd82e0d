-- Browser sign-in (DESIGN §4): passwords (argon2id), failed sign-ins and locks, and the
-- server-side sessions that an opaque cookie refers to.

ALTER TABLE users
    ADD COLUMN password_hash   text,          -- argon2id, in the library's encoded form
    ADD COLUMN password_set_at timestamptz,
    ADD COLUMN failed_logins   integer NOT NULL DEFAULT 0,
    ADD COLUMN locked_until    timestamptz;

-- A session is known by the SHA-256 of its cookie value (the cookie is 256 random bits, so
-- nothing can be guessed from the digest); the CSRF token is per session.
CREATE TABLE sessions (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_sha256  text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    user_agent    text,
    address       text
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;
