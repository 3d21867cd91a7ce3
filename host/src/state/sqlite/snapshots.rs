//! Recording and finding the backups the host took during deployments.

use rusqlite::{Connection, OptionalExtension, params};

use crate::state::SnapshotRecord;

/// Inserts one snapshot record.
pub(super) fn record(conn: &Connection, snapshot: &SnapshotRecord) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO snapshots
             (id, environment, unit, deployment_id, database_name, engine, path, bytes, taken_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            snapshot.id,
            snapshot.environment,
            snapshot.unit,
            snapshot.deployment_id,
            snapshot.database,
            snapshot.engine,
            snapshot.path,
            i64::try_from(snapshot.bytes).unwrap_or(i64::MAX),
            snapshot.taken_at_ms,
        ],
    )?;
    Ok(())
}

/// The snapshot `id`, if recorded.
pub(super) fn find(conn: &Connection, id: &str) -> rusqlite::Result<Option<SnapshotRecord>> {
    conn.query_row(
        "SELECT id, environment, unit, deployment_id, database_name, engine, path, bytes, taken_at_ms
         FROM snapshots WHERE id = ?1",
        [id],
        |row| {
            Ok(SnapshotRecord {
                id: row.get(0)?,
                environment: row.get(1)?,
                unit: row.get(2)?,
                deployment_id: row.get(3)?,
                database: row.get(4)?,
                engine: row.get(5)?,
                path: row.get(6)?,
                bytes: u64::try_from(row.get::<_, i64>(7)?).unwrap_or(0),
                taken_at_ms: row.get(8)?,
            })
        },
    )
    .optional()
}
