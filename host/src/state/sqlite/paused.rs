//! Units stopped at a pause step, and what resuming them needs.

use rusqlite::{Connection, params};

use crate::clock::now_ms;
use crate::state::{Outcome, PausedUnit};

/// Keeps `paused` and ends its unit deployment `paused`, in one transaction.
pub(super) fn pause(
    connection: &mut Connection,
    paused: &PausedUnit,
    reason: &str,
) -> rusqlite::Result<()> {
    let tx = connection.transaction()?;
    tx.execute(
        "INSERT INTO paused_units
             (environment, unit, deployment_id, version, step, weight, staged, snapshot,
              plugin_sha256, config_hash, since_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            paused.environment,
            paused.unit,
            paused.deployment_id,
            paused.version,
            paused.step,
            paused.weight,
            paused.staged,
            paused.snapshot,
            paused.plugin_sha256,
            paused.config_hash,
            paused.since_ms,
        ],
    )?;
    tx.execute(
        "UPDATE unit_deployments SET finished_at_ms = ?1, outcome = ?2, reason = ?3
         WHERE deployment_id = ?4 AND unit = ?5",
        params![
            now_ms(),
            Outcome::Paused,
            reason,
            paused.deployment_id,
            paused.unit
        ],
    )?;
    tx.commit()
}

/// The units paused in `environment`, by name.
pub(super) fn all(connection: &Connection, environment: &str) -> rusqlite::Result<Vec<PausedUnit>> {
    let mut statement = connection.prepare(
        "SELECT environment, unit, deployment_id, version, step, weight, staged, snapshot,
                plugin_sha256, config_hash, since_ms
         FROM paused_units WHERE environment = ?1 ORDER BY unit",
    )?;
    let rows = statement.query_map([environment], |row| {
        Ok(PausedUnit {
            environment: row.get(0)?,
            unit: row.get(1)?,
            deployment_id: row.get(2)?,
            version: row.get(3)?,
            step: row.get(4)?,
            weight: row.get(5)?,
            staged: row.get(6)?,
            snapshot: row.get(7)?,
            plugin_sha256: row.get(8)?,
            config_hash: row.get(9)?,
            since_ms: row.get(10)?,
        })
    })?;
    rows.collect()
}

/// Forgets `unit`'s pause made by `deployment_id`.
pub(super) fn forget(
    connection: &Connection,
    environment: &str,
    unit: &str,
    deployment_id: &str,
) -> rusqlite::Result<()> {
    connection.execute(
        "DELETE FROM paused_units WHERE environment = ?1 AND unit = ?2 AND deployment_id = ?3",
        params![environment, unit, deployment_id],
    )?;
    Ok(())
}
