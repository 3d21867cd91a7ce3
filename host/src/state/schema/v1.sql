-- Version 1 of sluice's own schema. Kept to portable SQL (it also runs on PostgreSQL) so a
-- second backend reuses it; later versions add approvals and promotions as new tables.

-- One `sluice apply` or `sluice rollback` of one environment.
CREATE TABLE deployments (
    id             TEXT    NOT NULL PRIMARY KEY,
    environment    TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    plan_hash      TEXT    NOT NULL,
    actor          TEXT    NOT NULL,
    git_commit     TEXT,
    started_at_ms  BIGINT  NOT NULL,
    finished_at_ms BIGINT,
    outcome        TEXT    NOT NULL,
    reason         TEXT
);
CREATE INDEX deployments_by_environment ON deployments (environment, started_at_ms);

-- One unit within a deployment.
CREATE TABLE unit_deployments (
    deployment_id  TEXT    NOT NULL REFERENCES deployments (id),
    environment    TEXT    NOT NULL,
    unit           TEXT    NOT NULL,
    version        TEXT    NOT NULL,
    plugin_sha256  TEXT    NOT NULL,
    config_hash    TEXT    NOT NULL,
    started_at_ms  BIGINT  NOT NULL,
    finished_at_ms BIGINT,
    outcome        TEXT    NOT NULL,
    reason         TEXT,
    PRIMARY KEY (deployment_id, unit)
);
CREATE INDEX unit_deployments_by_unit ON unit_deployments (environment, unit, started_at_ms);

-- What is live for each unit in each environment: the plugin's own state from `finalize`.
CREATE TABLE unit_current (
    environment    TEXT    NOT NULL,
    unit           TEXT    NOT NULL,
    version        TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    deployment_id  TEXT    NOT NULL REFERENCES deployments (id),
    plugin_sha256  TEXT    NOT NULL,
    config_hash    TEXT    NOT NULL,
    since_ms       BIGINT  NOT NULL,
    PRIMARY KEY (environment, unit)
);

-- Every transition, written before it is acted on; append-only.
CREATE TABLE journal (
    deployment_id  TEXT    NOT NULL REFERENCES deployments (id),
    seq            BIGINT  NOT NULL,
    unit           TEXT    NOT NULL,
    step           TEXT    NOT NULL,
    detail         TEXT    NOT NULL,
    at_ms          BIGINT  NOT NULL,
    PRIMARY KEY (deployment_id, seq)
);

-- One lock per environment.
CREATE TABLE locks (
    environment    TEXT    NOT NULL PRIMARY KEY,
    token          TEXT    NOT NULL,
    actor          TEXT    NOT NULL,
    host           TEXT    NOT NULL,
    pid            BIGINT  NOT NULL,
    since_ms       BIGINT  NOT NULL
);
