//! `sluice:deploy/sql`: the databases the plan declares (`[databases.NAME]`) and grants to a
//! plugin by name, opened and driven by the host: SQLite files through rusqlite, PostgreSQL
//! through tokio-postgres.
//!
//! Threat model: a hostile plugin could try to open a database it was not granted, learn a
//! database's URL or password, splice input into SQL, reach files or programs beyond the
//! database (SQLite `ATTACH`, `VACUUM INTO`, extensions), make the host hold huge result sets or
//! many connections, wait forever on a lock, or restore a backup over another database. What
//! stops it: `open` takes a name, and only granted names resolve, to a URL the plugin never
//! sees (`denied` names the database and the plugin otherwise); errors name the database and
//! never carry its URL or password. Parameters are bound by the engine, never spliced. SQLite
//! connections refuse attached databases (which also refuses `VACUUM`), run in defensive mode
//! and never load extensions; PostgreSQL gives the plugin exactly the rights of the URL's role,
//! so grant a role that owns only what it migrates. Results are capped at [`MAX_ROWS`] rows and
//! [`MAX_RESULT_BYTES`] bytes, a statement at [`MAX_STATEMENT_BYTES`], open handles at
//! [`MAX_OPEN_DATABASES`] per lifecycle call, a lock wait at [`MAX_LOCK_WAIT_MS`]. During
//! `plan` and `validate` databases open read-only (SQLite: `query_only`, an absent file reads as
//! empty; PostgreSQL: `default_transaction_read_only`, which a plugin could switch back: the
//! role is the real boundary). Backups are taken and restored by the host into its own snapshot
//! directory; a snapshot id is looked up in sluice's state and restores only over the database
//! it was taken from, in the same environment.
//!
//! The advisory lock: PostgreSQL's `pg_try_advisory_lock(key)`, retried until the timeout; for
//! SQLite an exclusive `flock(2)` on the file `<database>.sluice-lock-<key>` beside it. Both are
//! held by the handle's session and released when the handle is dropped or the process ends.

mod capability;
mod fault;
mod handle;
mod postgres;
mod rows;
mod snapshot;
mod sqlite;
mod target;
mod wit_host;

use std::collections::BTreeMap;

use wasmtime::component::{Resource, ResourceTable};

pub use capability::Sql;
pub use handle::DatabaseHandle;
pub use snapshot::{Snapshot, SnapshotLedger, Snapshots};
pub use target::{DatabaseTarget, PostgresTarget};

use crate::wit::types::Error;

/// The most rows one query may return.
pub const MAX_ROWS: usize = 10_000;
/// The most bytes (of values and column names) one query may return.
pub const MAX_RESULT_BYTES: usize = 16 * 1024 * 1024;
/// The longest statement or script the host accepts.
pub const MAX_STATEMENT_BYTES: usize = 16 * 1024 * 1024;
/// The most database handles one lifecycle call may hold open at once.
pub const MAX_OPEN_DATABASES: usize = 4;
/// The longest a plugin may wait for an advisory lock in one call.
pub const MAX_LOCK_WAIT_MS: u32 = 10 * 60 * 1000;

/// What the plan lets one plugin reach through `sql`, for one lifecycle call.
#[derive(Clone, Default)]
pub struct SqlGrant {
    /// The granted databases by name: where each is, or why it cannot be reached in this
    /// environment (a secret without a value).
    pub databases: BTreeMap<String, Result<DatabaseTarget, String>>,
    /// Open every database read-only (for `plan` and `validate`).
    pub read_only: bool,
    /// Where backups go and are recorded; none outside a deployment (no backups then).
    pub snapshots: Option<Snapshots>,
}

/// The sql capability of one lifecycle call: the plugin's open database handles.
pub struct SqlCap {
    plugin: String,
    grant: SqlGrant,
    handles: ResourceTable,
    open: usize,
}

impl SqlCap {
    /// The sql capability of `plugin` with `grant`.
    pub fn new(plugin: &str, grant: SqlGrant) -> Self {
        SqlCap {
            plugin: plugin.to_owned(),
            grant,
            handles: ResourceTable::new(),
            open: 0,
        }
    }

    /// Opens the granted database `name`.
    pub async fn open(&mut self, name: &str) -> Result<DatabaseHandle, Error> {
        let target = match self.grant.databases.get(name) {
            None => {
                let granted: Vec<&str> = self.grant.databases.keys().map(String::as_str).collect();
                return Err(Error::Denied(format!(
                    "sql: database `{name}` is not granted to plugin `{}` (granted: {})",
                    self.plugin,
                    if granted.is_empty() {
                        "none".to_owned()
                    } else {
                        granted.join(", ")
                    }
                )));
            }
            Some(Err(why)) => {
                return Err(Error::Unavailable(format!("sql: database `{name}`: {why}")));
            }
            Some(Ok(target)) => target.clone(),
        };
        if self.open >= MAX_OPEN_DATABASES {
            return Err(Error::Denied(format!(
                "sql: plugin `{}` already holds {MAX_OPEN_DATABASES} open databases, the most one \
                 call may hold; drop one before opening `{name}`",
                self.plugin
            )));
        }
        DatabaseHandle::open(
            name,
            target,
            self.grant.read_only,
            self.grant.snapshots.clone(),
        )
        .await
    }

    fn handle(
        &mut self,
        resource: &Resource<DatabaseHandle>,
    ) -> wasmtime::Result<&mut DatabaseHandle> {
        let handle = self.handles.get_mut(resource)?;
        // The bindings show the handle as a number: the call record names its database.
        super::calls::note(super::calls::Note::Reached(handle.name()));
        Ok(handle)
    }
}
