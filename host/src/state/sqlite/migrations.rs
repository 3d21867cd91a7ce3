//! Versioned migrations of sluice's own schema.
//!
//! `sluice_schema` holds one row per applied migration. Opening a database applies, in one
//! immediate transaction, every migration it has not seen yet; a database written by a newer
//! sluice (a version this binary does not know) is refused rather than guessed at.

use rusqlite::{Connection, TransactionBehavior};

use crate::state::schema::{MIGRATIONS, VERSIONS_TABLE, latest_version};

/// Why the schema could not be brought up to date.
#[derive(Debug, thiserror::Error)]
pub(super) enum MigrationError {
    /// SQLite refused a statement.
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
    /// The database is newer than this binary.
    #[error(
        "schema version {found} is newer than this sluice supports ({supported}); upgrade sluice"
    )]
    TooNew {
        /// The version in the database.
        found: i64,
        /// The newest version this binary knows.
        supported: i64,
    },
}

impl MigrationError {
    /// Whether another connection held the database (worth trying again).
    pub(super) fn is_busy(&self) -> bool {
        matches!(self, MigrationError::Sql(e)
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy))
    }
}

/// Brings the schema up to date; does nothing when it already is.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), MigrationError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(VERSIONS_TABLE)?;
    let found: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM sluice_schema",
        [],
        |row| row.get(0),
    )?;
    let supported = latest_version();
    if found > supported {
        return Err(MigrationError::TooNew { found, supported });
    }
    for (version, sql) in (1..)
        .zip(MIGRATIONS)
        .filter(|(version, _)| *version > found)
    {
        tx.execute_batch(sql)?;
        tx.execute("INSERT INTO sluice_schema (version) VALUES (?1)", [version])?;
    }
    tx.commit()?;
    Ok(())
}
