-- The tamper-evident audit log: each record carries the hash of the one before it.
CREATE TABLE audit (
    seq           BIGINT NOT NULL PRIMARY KEY,
    at_ms         BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    environment   TEXT NOT NULL,
    deployment_id TEXT NOT NULL,
    event         TEXT NOT NULL,
    detail        TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
