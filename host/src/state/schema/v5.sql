-- Units stopped at a `pause` step of their canary steps, waiting for `sluice resume` or
-- `sluice abort`: what either needs to carry on in a later process. One row per unit at most; the
-- row goes when the unit is resumed or aborted.
CREATE TABLE paused_units (
    environment    TEXT    NOT NULL,
    unit           TEXT    NOT NULL,
    deployment_id  TEXT    NOT NULL REFERENCES deployments (id),
    version        TEXT    NOT NULL,
    step           BIGINT  NOT NULL,
    weight         BIGINT  NOT NULL,
    staged         TEXT    NOT NULL,
    snapshot       TEXT,
    plugin_sha256  TEXT    NOT NULL,
    config_hash    TEXT    NOT NULL,
    since_ms       BIGINT  NOT NULL,
    PRIMARY KEY (environment, unit)
);
