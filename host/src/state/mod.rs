//! History, current state, the journal and environment locks.
//!
//! One [`Store`] trait with two backends: [`sqlite::SqliteStore`], the embedded default (a file
//! beside the plan), and [`postgres::PostgresStore`], shared by every runner of a team. Both keep
//! the same versioned schema (`schema/`): a deployment (one `sluice apply` of one environment)
//! has unit deployments; each unit's `current` state is kept per environment; the journal and
//! the audit log are append-only; saved plans carry their approvals; each deployment's record
//! keeps its events and its plugins' host calls.

pub mod audit;
mod journal_step;
mod machine;
pub mod postgres;
mod records;
mod schema;
pub mod sqlite;

pub use journal_step::{JournalStep, UnknownStep};
pub use machine::this_host;
pub use records::*;

use std::time::Duration;

/// Errors from a state backend.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The backend failed (I/O, SQL, corrupt database).
    #[error("state database {location}: {message}")]
    Backend {
        /// Which database (path or URL without password).
        location: String,
        /// What went wrong.
        message: String,
    },
    /// The environment's lock is held by someone else.
    #[error("environment `{environment}` is locked by {holder}")]
    Locked {
        /// The environment.
        environment: String,
        /// Who holds it, for people (`actor@host pid N since T`).
        holder: LockHolder,
    },
    /// A record that should exist does not.
    #[error("no {what} `{id}` in the state database")]
    NotFound {
        /// What kind of record.
        what: &'static str,
        /// Its id.
        id: String,
    },
}

/// Where sluice keeps what it knows. Calls are short and synchronous.
pub trait Store: Send + Sync {
    /// Records the start of a deployment of one environment.
    fn begin_deployment(&self, deployment: &NewDeployment) -> Result<(), StateError>;
    /// Records how a deployment ended.
    fn finish_deployment(
        &self,
        id: &str,
        outcome: Outcome,
        reason: Option<&str>,
    ) -> Result<(), StateError>;
    /// Keeps a resolved plan (`sluice plan --out`); saving the same hash again changes nothing.
    fn save_plan(&self, plan: &SavedPlan) -> Result<(), StateError>;
    /// The saved plan with this hash, if any.
    fn saved_plan(&self, hash: &str) -> Result<Option<SavedPlan>, StateError>;
    /// Records that `actor` approved the saved plan `hash` (NotFound when there is none).
    fn approve_plan(&self, hash: &str, actor: &str) -> Result<(), StateError>;
    /// The deployments of `environment` that never finished (killed mid-run), oldest first.
    fn unfinished(&self, environment: &str) -> Result<Vec<String>, StateError>;
    /// Records the start of one unit within a deployment.
    fn begin_unit(&self, unit: &NewUnitDeployment) -> Result<(), StateError>;
    /// Records how one unit ended.
    fn finish_unit(
        &self,
        deployment_id: &str,
        unit: &str,
        outcome: Outcome,
        reason: Option<&str>,
    ) -> Result<(), StateError>;
    /// Appends one transition to the journal; called *before* the transition is acted on.
    fn journal(&self, entry: &JournalEntry) -> Result<(), StateError>;
    /// The journal of one deployment, in order.
    fn journal_of(&self, deployment_id: &str) -> Result<Vec<JournalRecord>, StateError>;
    /// What is live for `unit` in `environment`, if it was ever deployed.
    fn current(&self, environment: &str, unit: &str) -> Result<Option<UnitCurrent>, StateError>;
    /// Replaces what is live for `unit` in `environment`.
    fn set_current(
        &self,
        environment: &str,
        unit: &str,
        current: &UnitCurrent,
    ) -> Result<(), StateError>;
    /// Forgets what is live for `unit` in `environment` (it was removed: nothing runs).
    fn clear_current(&self, environment: &str, unit: &str) -> Result<(), StateError>;
    /// Unit deployments, newest first, filtered.
    fn history(&self, filter: &HistoryFilter) -> Result<Vec<UnitDeploymentRecord>, StateError>;
    /// Takes the environment's lock, waiting up to `wait` (zero: fail at once with `Locked`).
    /// A lock whose holder process is gone (same host, pid not alive) is taken over.
    fn lock(
        &self,
        environment: &str,
        holder: &LockHolder,
        wait: Duration,
    ) -> Result<(), StateError>;
    /// Appends an event to the tamper-evident audit log; returns the stored record.
    fn audit_append(&self, entry: &audit::AuditEntry) -> Result<audit::AuditRecord, StateError>;
    /// The whole audit log, in stored order (check it with [`audit::verify`]).
    fn audit_records(&self) -> Result<Vec<audit::AuditRecord>, StateError>;
    /// Releases the environment's lock if `holder` has it.
    fn unlock(&self, environment: &str, holder: &LockHolder) -> Result<(), StateError>;
    /// Records a backup taken during a deployment.
    fn record_snapshot(&self, snapshot: &SnapshotRecord) -> Result<(), StateError>;
    /// The backup `id`, if one was recorded.
    fn snapshot(&self, id: &str) -> Result<Option<SnapshotRecord>, StateError>;
    /// Records, together, that `paused.unit` stopped at a pause step (its unit deployment ends
    /// `paused` for `reason`) and what resuming it needs.
    fn pause_unit(&self, paused: &PausedUnit, reason: &str) -> Result<(), StateError>;
    /// The units paused in `environment`, by name.
    fn paused(&self, environment: &str) -> Result<Vec<PausedUnit>, StateError>;
    /// Forgets the pause of `unit` that deployment `deployment_id` made (it is being resumed or
    /// aborted); nothing when there is none.
    fn unpause(&self, environment: &str, unit: &str, deployment_id: &str)
    -> Result<(), StateError>;
    /// The newest deployment of `environment`, if any.
    fn latest_deployment(&self, environment: &str) -> Result<Option<String>, StateError>;
    /// Appends events to their deployment's record (each carries its own `seq`).
    fn record_events(&self, events: &[RecordedEvent]) -> Result<(), StateError>;
    /// The recorded events of one deployment, in order.
    fn events_of(&self, deployment_id: &str) -> Result<Vec<RecordedEvent>, StateError>;
    /// Appends host calls to their deployment's record (each carries its own `seq`).
    fn record_calls(&self, calls: &[CapabilityCall]) -> Result<(), StateError>;
    /// The recorded host calls of one deployment, in order.
    fn calls_of(&self, deployment_id: &str) -> Result<Vec<CapabilityCall>, StateError>;
}
