//! Versioned migrations of sluice's own schema.
//!
//! `sluice_schema` holds one row per applied migration. Opening a database applies, in one
//! immediate transaction, every migration it has not seen yet; a database written by a newer
//! sluice (a version this binary does not know) is refused rather than guessed at.

use rusqlite::{Connection, TransactionBehavior};

/// The migrations, in order: version N is `MIGRATIONS[N - 1]`. Append only; never edit one.
const MIGRATIONS: &[&str] = &[
    include_str!("v1.sql"),
    include_str!("v2.sql"),
    include_str!("v3.sql"),
    include_str!("v4.sql"),
];

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

/// The newest schema version this binary knows.
fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Brings the schema up to date; does nothing when it already is.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), MigrationError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS sluice_schema (version BIGINT NOT NULL PRIMARY KEY)",
    )?;
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
