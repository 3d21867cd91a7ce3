-- Resolved plans written by `sluice plan --out`, and who approved each (`sluice approve`). An
-- approval is bound to the plan's hash: changed inputs make a different hash, never approved.
CREATE TABLE plans (
    hash           TEXT   NOT NULL PRIMARY KEY,
    environment    TEXT   NOT NULL,
    body           TEXT   NOT NULL,
    created_by     TEXT   NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    approved_by    TEXT,
    approved_at_ms BIGINT
);

-- Who approved the plan a deployment ran, if it ran an approved plan.
ALTER TABLE deployments ADD COLUMN approved_by TEXT;
