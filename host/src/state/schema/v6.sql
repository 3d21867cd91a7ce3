-- The record of each deployment: its events as `--output json` writes them (redacted), in order,
-- and every host call its plugins made, with what it reached and whether it was allowed. Both are
-- bounded per deployment; a marker row says when one was cut. Rows may be written for a
-- deployment id before its `deployments` row (the first event comes first), hence no reference.
CREATE TABLE deployment_events (
    deployment_id  TEXT    NOT NULL,
    seq            BIGINT  NOT NULL,
    at_ms          BIGINT  NOT NULL,
    event          TEXT    NOT NULL,
    PRIMARY KEY (deployment_id, seq)
);
CREATE TABLE capability_calls (
    deployment_id  TEXT    NOT NULL,
    seq            BIGINT  NOT NULL,
    at_ms          BIGINT  NOT NULL,
    unit           TEXT    NOT NULL,
    plugin         TEXT    NOT NULL,
    lifecycle_call TEXT    NOT NULL,
    interface_name TEXT    NOT NULL,
    function_name  TEXT    NOT NULL,
    target         TEXT    NOT NULL,
    verdict        TEXT    NOT NULL,
    reason         TEXT,
    bytes_sent     BIGINT,
    bytes_received BIGINT,
    duration_ms    BIGINT  NOT NULL,
    PRIMARY KEY (deployment_id, seq)
);
