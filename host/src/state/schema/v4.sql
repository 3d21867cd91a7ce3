-- Backups the host took of plugins' databases (the `sql` capability's `backup`): the file that
-- holds each one, and the deployment that took it. A snapshot restores only in its environment.
CREATE TABLE snapshots (
    id             TEXT    NOT NULL PRIMARY KEY,
    environment    TEXT    NOT NULL,
    unit           TEXT    NOT NULL,
    deployment_id  TEXT    NOT NULL REFERENCES deployments (id),
    database_name  TEXT    NOT NULL,
    engine         TEXT    NOT NULL,
    path           TEXT    NOT NULL,
    bytes          BIGINT  NOT NULL,
    taken_at_ms    BIGINT  NOT NULL
);
CREATE INDEX snapshots_by_deployment ON snapshots (deployment_id);
