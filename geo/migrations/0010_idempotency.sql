-- The answers to requests sent with an ``Idempotency-Key`` header (api.idempotency): a
-- request sent again with the same key and the same content gets the first answer back
-- instead of creating twice. Stored in the same transaction as the request's own writes,
-- so an answer is kept exactly when its writes are. Kept a day (a setting), per caller.
CREATE TABLE idempotency_keys (
    caller       text NOT NULL,          -- SHA-256 of the Authorization header ('' if none)
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint  text NOT NULL,          -- SHA-256 of method, path, query and body
    status       smallint NOT NULL,
    content_type text,
    location     text,
    body         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
);
