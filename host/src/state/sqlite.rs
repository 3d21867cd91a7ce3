//! The embedded default [`Store`]: one SQLite file (`.sluice/state.db` beside the plan).
//!
//! WAL mode so readers (`sluice history`) never block a running deployment; a 5 s busy timeout
//! so two processes writing at once wait for each other instead of failing; foreign keys on.
//! The connection sits behind a mutex, so one store can be shared across threads.

mod audit;
mod columns;
mod history;
mod lock;
mod migrations;
mod paused;
mod record;
mod snapshots;
#[cfg(test)]
mod tests;

use std::fmt::Display;
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};

use crate::clock::now_ms;

use super::audit::{AuditEntry, AuditRecord};
use super::{
    CapabilityCall, HistoryFilter, JournalEntry, JournalRecord, LockHolder, NewDeployment,
    NewUnitDeployment, Outcome, PausedUnit, RecordedEvent, SavedPlan, SnapshotRecord, StateError,
    Store, UnitCurrent, UnitDeploymentRecord,
};

/// How long SQLite waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How often a waiting [`Store::lock`] looks again.
const LOCK_POLL: Duration = Duration::from_millis(200);

/// State kept in one SQLite file.
pub struct SqliteStore {
    connection: Mutex<Connection>,
    location: String,
}

impl SqliteStore {
    /// Opens (creating it and its parent directories if needed) the database at `path` and
    /// brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StateError> {
        let location = path.display().to_string();
        let backend = |e: &dyn Display| StateError::Backend {
            location: location.clone(),
            message: e.to_string(),
        };
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|e| backend(&e))?;
        }
        let connection = open_configured(path).map_err(|e| backend(&e))?;
        Ok(SqliteStore {
            connection: Mutex::new(connection),
            location,
        })
    }

    /// A store in memory, gone when dropped: for commands that must not touch the real state.
    pub fn in_memory() -> Result<SqliteStore, StateError> {
        let location = "an in-memory database".to_owned();
        let backend = |e: &dyn Display| StateError::Backend {
            location: location.clone(),
            message: e.to_string(),
        };
        let mut connection = Connection::open_in_memory().map_err(|e| backend(&e))?;
        migrations::migrate(&mut connection).map_err(|e| backend(&e))?;
        Ok(SqliteStore {
            connection: Mutex::new(connection),
            location,
        })
    }

    /// Runs `work` on the connection, turning SQLite errors into [`StateError::Backend`].
    fn run<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StateError> {
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        work(&mut connection).map_err(|e| StateError::Backend {
            location: self.location.clone(),
            message: e.to_string(),
        })
    }
}

/// Opens `path`, configures the connection and migrates the schema. Switching a new file to WAL
/// answers "database is locked" at once, without waiting on the busy timeout, when another process
/// is doing the same (two `sluice apply` started together): that is retried until
/// [`BUSY_TIMEOUT`] has passed.
fn open_configured(path: &Path) -> Result<Connection, migrations::MigrationError> {
    let attempt = || -> Result<Connection, migrations::MigrationError> {
        let mut connection = Connection::open(path)?;
        configure(&connection)?;
        migrations::migrate(&mut connection)?;
        Ok(connection)
    };
    let give_up = Instant::now() + BUSY_TIMEOUT;
    loop {
        match attempt() {
            Err(e) if e.is_busy() && Instant::now() < give_up => {
                std::thread::sleep(Duration::from_millis(20));
            }
            result => return result,
        }
    }
}

/// Per-connection settings: WAL, busy timeout, foreign keys.
fn configure(connection: &Connection) -> rusqlite::Result<()> {
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    connection.pragma_update(None, "foreign_keys", true)
}

impl Store for SqliteStore {
    fn begin_deployment(&self, deployment: &NewDeployment) -> Result<(), StateError> {
        self.run(|connection| {
            connection.execute(
                "INSERT INTO deployments
                     (id, environment, kind, plan_hash, actor, git_commit, started_at_ms, outcome, approved_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    deployment.id,
                    deployment.environment,
                    deployment.kind,
                    deployment.plan_hash,
                    deployment.actor,
                    deployment.commit,
                    deployment.started_at_ms,
                    Outcome::Running,
                    deployment.approved_by,
                ],
            )
        })?;
        Ok(())
    }

    fn finish_deployment(
        &self,
        id: &str,
        outcome: Outcome,
        reason: Option<&str>,
    ) -> Result<(), StateError> {
        let changed = self.run(|connection| {
            connection.execute(
                "UPDATE deployments SET finished_at_ms = ?1, outcome = ?2, reason = ?3 WHERE id = ?4",
                params![now_ms(), outcome, reason, id],
            )
        })?;
        found_or(changed, "deployment", || id.to_owned())
    }

    fn begin_unit(&self, unit: &NewUnitDeployment) -> Result<(), StateError> {
        self.run(|connection| {
            connection.execute(
                "INSERT INTO unit_deployments
                     (deployment_id, environment, unit, version, plugin_sha256, config_hash, started_at_ms, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    unit.deployment_id,
                    unit.environment,
                    unit.unit,
                    unit.version,
                    unit.plugin_sha256,
                    unit.config_hash,
                    unit.started_at_ms,
                    Outcome::Running,
                ],
            )
        })?;
        Ok(())
    }

    fn finish_unit(
        &self,
        deployment_id: &str,
        unit: &str,
        outcome: Outcome,
        reason: Option<&str>,
    ) -> Result<(), StateError> {
        let changed = self.run(|connection| {
            connection.execute(
                "UPDATE unit_deployments SET finished_at_ms = ?1, outcome = ?2, reason = ?3
                 WHERE deployment_id = ?4 AND unit = ?5",
                params![now_ms(), outcome, reason, deployment_id, unit],
            )
        })?;
        found_or(changed, "unit deployment", || {
            format!("{deployment_id}/{unit}")
        })
    }

    fn journal(&self, entry: &JournalEntry) -> Result<(), StateError> {
        self.run(|connection| {
            connection.execute(
                "INSERT INTO journal (deployment_id, seq, unit, step, detail, at_ms)
                 SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5 FROM journal WHERE deployment_id = ?1",
                params![entry.deployment_id, entry.unit, entry.step.to_string(), entry.detail, now_ms()],
            )
        })?;
        Ok(())
    }

    fn journal_of(&self, deployment_id: &str) -> Result<Vec<JournalRecord>, StateError> {
        self.run(|connection| {
            let mut statement = connection
                .prepare("SELECT seq, unit, step, detail, at_ms FROM journal WHERE deployment_id = ?1 ORDER BY seq")?;
            let records = statement.query_map([deployment_id], |row| {
                Ok(JournalRecord {
                    seq: row.get(0)?,
                    unit: row.get(1)?,
                    step: row.get(2)?,
                    detail: row.get(3)?,
                    at_ms: row.get(4)?,
                })
            })?;
            records.collect()
        })
    }

    fn current(&self, environment: &str, unit: &str) -> Result<Option<UnitCurrent>, StateError> {
        self.run(|connection| {
            connection
                .query_row(
                    "SELECT version, state, deployment_id, plugin_sha256, config_hash, since_ms
                     FROM unit_current WHERE environment = ?1 AND unit = ?2",
                    [environment, unit],
                    |row| {
                        Ok(UnitCurrent {
                            version: row.get(0)?,
                            state: row.get(1)?,
                            deployment_id: row.get(2)?,
                            plugin_sha256: row.get(3)?,
                            config_hash: row.get(4)?,
                            since_ms: row.get(5)?,
                        })
                    },
                )
                .optional()
        })
    }

    fn set_current(
        &self,
        environment: &str,
        unit: &str,
        current: &UnitCurrent,
    ) -> Result<(), StateError> {
        self.run(|connection| {
            connection.execute(
                "INSERT INTO unit_current
                     (environment, unit, version, state, deployment_id, plugin_sha256, config_hash, since_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (environment, unit) DO UPDATE SET
                     version = excluded.version, state = excluded.state,
                     deployment_id = excluded.deployment_id, plugin_sha256 = excluded.plugin_sha256,
                     config_hash = excluded.config_hash, since_ms = excluded.since_ms",
                params![
                    environment,
                    unit,
                    current.version,
                    current.state,
                    current.deployment_id,
                    current.plugin_sha256,
                    current.config_hash,
                    current.since_ms,
                ],
            )
        })?;
        Ok(())
    }

    fn save_plan(&self, plan: &SavedPlan) -> Result<(), StateError> {
        self.run(|connection| {
            connection.execute(
                "INSERT INTO plans (hash, environment, body, created_by, created_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (hash) DO NOTHING",
                params![
                    plan.hash,
                    plan.environment,
                    plan.body,
                    plan.created_by,
                    plan.created_at_ms
                ],
            )
        })?;
        Ok(())
    }

    fn saved_plan(&self, hash: &str) -> Result<Option<SavedPlan>, StateError> {
        self.run(|connection| {
            connection
                .query_row(
                    "SELECT hash, environment, body, created_by, created_at_ms, approved_by, approved_at_ms
                     FROM plans WHERE hash = ?1",
                    params![hash],
                    |row| {
                        Ok(SavedPlan {
                            hash: row.get(0)?,
                            environment: row.get(1)?,
                            body: row.get(2)?,
                            created_by: row.get(3)?,
                            created_at_ms: row.get(4)?,
                            approved_by: row.get(5)?,
                            approved_at_ms: row.get(6)?,
                        })
                    },
                )
                .optional()
        })
    }

    fn approve_plan(&self, hash: &str, actor: &str) -> Result<(), StateError> {
        let changed = self.run(|connection| {
            connection.execute(
                "UPDATE plans SET approved_by = ?1, approved_at_ms = ?2 WHERE hash = ?3",
                params![actor, now_ms(), hash],
            )
        })?;
        found_or(changed, "plan", || hash.to_owned())
    }

    fn unfinished(&self, environment: &str) -> Result<Vec<String>, StateError> {
        self.run(|connection| {
            let mut statement = connection.prepare(
                "SELECT id FROM deployments WHERE environment = ?1 AND outcome = ?2
                 ORDER BY started_at_ms, id",
            )?;
            statement
                .query_map(params![environment, Outcome::Running], |row| row.get(0))?
                .collect()
        })
    }

    fn clear_current(&self, environment: &str, unit: &str) -> Result<(), StateError> {
        self.run(|connection| {
            connection.execute(
                "DELETE FROM unit_current WHERE environment = ?1 AND unit = ?2",
                params![environment, unit],
            )
        })?;
        Ok(())
    }

    fn history(&self, filter: &HistoryFilter) -> Result<Vec<UnitDeploymentRecord>, StateError> {
        self.run(|connection| history::query(connection, filter))
    }

    fn lock(
        &self,
        environment: &str,
        holder: &LockHolder,
        wait: Duration,
    ) -> Result<(), StateError> {
        // A wait too long to represent is a wait without end.
        let give_up_at = Instant::now().checked_add(wait);
        loop {
            match self.run(|connection| lock::try_take(connection, environment, holder))? {
                lock::Attempt::Taken => return Ok(()),
                lock::Attempt::HeldBy(current) => {
                    let remaining = give_up_at
                        .map_or(LOCK_POLL, |at| at.saturating_duration_since(Instant::now()));
                    if remaining.is_zero() {
                        return Err(StateError::Locked {
                            environment: environment.to_owned(),
                            holder: current,
                        });
                    }
                    std::thread::sleep(LOCK_POLL.min(remaining));
                }
            }
        }
    }

    fn unlock(&self, environment: &str, holder: &LockHolder) -> Result<(), StateError> {
        self.run(|connection| lock::release(connection, environment, holder))
    }

    fn audit_append(&self, entry: &AuditEntry) -> Result<AuditRecord, StateError> {
        self.run(|connection| audit::append(connection, entry))
    }

    fn audit_records(&self) -> Result<Vec<AuditRecord>, StateError> {
        self.run(|connection| audit::all(connection))
    }

    fn record_snapshot(&self, snapshot: &SnapshotRecord) -> Result<(), StateError> {
        self.run(|connection| snapshots::record(connection, snapshot))
    }

    fn snapshot(&self, id: &str) -> Result<Option<SnapshotRecord>, StateError> {
        self.run(|connection| snapshots::find(connection, id))
    }

    fn pause_unit(&self, paused: &PausedUnit, reason: &str) -> Result<(), StateError> {
        self.run(|connection| paused::pause(connection, paused, reason))
    }

    fn paused(&self, environment: &str) -> Result<Vec<PausedUnit>, StateError> {
        self.run(|connection| paused::all(connection, environment))
    }

    fn unpause(
        &self,
        environment: &str,
        unit: &str,
        deployment_id: &str,
    ) -> Result<(), StateError> {
        self.run(|connection| paused::forget(connection, environment, unit, deployment_id))
    }

    fn latest_deployment(&self, environment: &str) -> Result<Option<String>, StateError> {
        self.run(|connection| record::latest(connection, environment))
    }

    fn record_events(&self, events: &[RecordedEvent]) -> Result<(), StateError> {
        self.run(|connection| record::add_events(connection, events))
    }

    fn events_of(&self, deployment_id: &str) -> Result<Vec<RecordedEvent>, StateError> {
        self.run(|connection| record::events(connection, deployment_id))
    }

    fn record_calls(&self, calls: &[CapabilityCall]) -> Result<(), StateError> {
        self.run(|connection| record::add_calls(connection, calls))
    }

    fn calls_of(&self, deployment_id: &str) -> Result<Vec<CapabilityCall>, StateError> {
        self.run(|connection| record::calls(connection, deployment_id))
    }
}

/// `Ok` when an update changed a row, [`StateError::NotFound`] when there was none to change.
fn found_or(
    changed: usize,
    what: &'static str,
    id: impl FnOnce() -> String,
) -> Result<(), StateError> {
    match changed {
        0 => Err(StateError::NotFound { what, id: id() }),
        _ => Ok(()),
    }
}
