-- Users, their bearer tokens (stored as SHA-256 digests, never in clear) and the audit log.

CREATE TABLE users (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    role        text NOT NULL CHECK (role IN ('planner', 'inspector', 'names_officer',
                                              'plates_officer', 'admin')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
    prefix       text NOT NULL,            -- first characters, to tell tokens apart in lists
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Every mutating domain call writes one row: who, what, when, before and after.
CREATE TABLE audit_log (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor     text NOT NULL,               -- user name, or 'cli:<os user>' for the command line
    user_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    action    text NOT NULL,               -- verb, e.g. 'users.add', 'fixtures.load'
    entity    text NOT NULL,               -- table or resource kind
    entity_id text,
    before    jsonb,
    after     jsonb
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_at ON audit_log (at);
