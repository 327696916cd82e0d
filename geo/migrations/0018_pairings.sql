-- Pairing a phone (手机配对, issue 16): a one-time sign-in link an administrator shows as a
-- QR code, so an inspector's phone signs in to the field app without a typed password.
-- Like a session, a link is known only by the SHA-256 of its token (256 random bits).
CREATE TABLE pairings (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,  -- who it signs in
    token_sha256  text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    created_by    text NOT NULL,            -- who made it, as the audit log names actors
    created_by_id bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,              -- the one sign-in it allowed
    replaced_at   timestamptz,              -- a newer link for the same user was made
    CHECK (expires_at > created_at),
    CHECK (used_at IS NULL OR replaced_at IS NULL)
);
-- At most one link a user is still open: making a new one replaces the earlier ones.
CREATE UNIQUE INDEX pairings_open ON pairings (user_id)
    WHERE used_at IS NULL AND replaced_at IS NULL;
