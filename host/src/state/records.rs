//! The records a [`super::Store`] keeps.

use std::fmt;

/// How a deployment or unit deployment ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Still running (or interrupted: the journal says how far it got).
    Running,
    /// Deployed and finalized.
    Succeeded,
    /// Nothing to do: the version was already live.
    Unchanged,
    /// Failed, and rollback restored the previous version.
    RolledBack,
    /// Failed, and rollback failed too: needs a person.
    Failed,
    /// Not attempted because a unit it depends on failed or is paused.
    Skipped,
    /// Stopped at a `pause` step with part of the traffic on the new version, waiting for
    /// `sluice resume` or `sluice abort` (see [`PausedUnit`]).
    Paused,
}

impl Outcome {
    /// The stored and printed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Succeeded => "succeeded",
            Outcome::Unchanged => "unchanged",
            Outcome::RolledBack => "rolled-back",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
            Outcome::Paused => "paused",
        }
    }

    /// How bad an ending is, to pick the worst of several: failed > rolled back > paused >
    /// skipped > succeeded > unchanged (a unit skipped because another paused makes the run
    /// paused, not worse).
    pub fn severity(self) -> u8 {
        match self {
            Outcome::Failed | Outcome::Running => 6,
            Outcome::RolledBack => 5,
            Outcome::Paused => 4,
            Outcome::Skipped => 3,
            Outcome::Succeeded => 2,
            Outcome::Unchanged => 1,
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Running,
            Outcome::Succeeded,
            Outcome::Unchanged,
            Outcome::RolledBack,
            Outcome::Failed,
            Outcome::Skipped,
            Outcome::Paused,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The start of one deployment (one `sluice apply` or `sluice rollback` of one environment).
#[derive(Debug, Clone)]
pub struct NewDeployment {
    /// Unique id (UUID v7 text).
    pub id: String,
    /// The environment.
    pub environment: String,
    /// `apply` or `rollback`.
    pub kind: String,
    /// sha256 of the plan file.
    pub plan_hash: String,
    /// Who ran it (`--actor`, `$SLUICE_ACTOR`, `$GITHUB_ACTOR` or `$USER`).
    pub actor: String,
    /// The git commit of the plan's repository, if any.
    pub commit: Option<String>,
    /// Start time, milliseconds since the Unix epoch.
    pub started_at_ms: i64,
    /// Who approved the plan it runs, if it runs an approved plan.
    pub approved_by: Option<String>,
}

/// The start of one unit within a deployment.
#[derive(Debug, Clone)]
pub struct NewUnitDeployment {
    /// The deployment it belongs to.
    pub deployment_id: String,
    /// The environment (repeated for easy queries).
    pub environment: String,
    /// The unit.
    pub unit: String,
    /// The version being deployed.
    pub version: String,
    /// sha256 of the plugin component.
    pub plugin_sha256: String,
    /// sha256 of the unit's resolved config (changes when inputs change).
    pub config_hash: String,
    /// Start time, ms since the epoch.
    pub started_at_ms: i64,
}

/// One unit deployment as history shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitDeploymentRecord {
    /// The deployment id.
    pub deployment_id: String,
    /// `apply` or `rollback`.
    pub kind: String,
    /// The environment.
    pub environment: String,
    /// The unit.
    pub unit: String,
    /// The version.
    pub version: String,
    /// sha256 of the plugin component.
    pub plugin_sha256: String,
    /// sha256 of the resolved config.
    pub config_hash: String,
    /// sha256 of the plan file.
    pub plan_hash: String,
    /// Who ran it.
    pub actor: String,
    /// The git commit, if any.
    pub commit: Option<String>,
    /// Start, ms since the epoch.
    pub started_at_ms: i64,
    /// End, ms since the epoch (none while running).
    pub finished_at_ms: Option<i64>,
    /// How it ended.
    pub outcome: Outcome,
    /// Why it failed or rolled back.
    pub reason: Option<String>,
    /// Who approved the plan it ran, if any.
    pub approved_by: Option<String>,
}

/// A resolved plan as `sluice plan --out` saved it, and its approval.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SavedPlan {
    /// The plan's hash (sha256 of its canonical JSON).
    pub hash: String,
    /// The environment it deploys.
    pub environment: String,
    /// The resolved plan, JSON.
    pub body: String,
    /// Who wrote it.
    pub created_by: String,
    /// When, ms since the epoch.
    pub created_at_ms: i64,
    /// Who approved it, once approved.
    pub approved_by: Option<String>,
    /// When it was approved, ms since the epoch.
    pub approved_at_ms: Option<i64>,
}

/// Which history to list.
#[derive(Debug, Clone, Default)]
pub struct HistoryFilter {
    /// Only this environment.
    pub environment: Option<String>,
    /// Only this unit.
    pub unit: Option<String>,
    /// Only these outcomes (empty: all).
    pub outcomes: Vec<Outcome>,
    /// At most this many (0: no limit).
    pub limit: usize,
}

/// What is live for one unit in one environment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnitCurrent {
    /// The live version.
    pub version: String,
    /// The plugin's own state, as `finalize` returned it.
    pub state: String,
    /// The deployment that made it live.
    pub deployment_id: String,
    /// sha256 of the plugin that deployed it.
    pub plugin_sha256: String,
    /// sha256 of the resolved config it was deployed with.
    pub config_hash: String,
    /// When it became live, ms since the epoch.
    pub since_ms: i64,
}

/// A unit stopped at a `pause` step: everything `sluice resume` and `sluice abort` need, kept
/// until one of them runs. What was live before ([`UnitCurrent`]) stays recorded as current.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PausedUnit {
    /// The environment.
    pub environment: String,
    /// The unit (`UNIT@ENGINE` for a fleet member).
    pub unit: String,
    /// The deployment that paused it.
    pub deployment_id: String,
    /// The version being rolled out.
    pub version: String,
    /// The pause step's number among the unit's steps, from 1 (resuming starts at the next).
    pub step: u32,
    /// The share of traffic on the new version while paused, in percent.
    pub weight: u8,
    /// The staged state `stage` returned.
    pub staged: String,
    /// `prepare`'s snapshot.
    pub snapshot: Option<String>,
    /// sha256 of the plugin that staged it.
    pub plugin_sha256: String,
    /// sha256 of the plugin digest and the resolved config it was staged with.
    pub config_hash: String,
    /// When it paused, ms since the epoch.
    pub since_ms: i64,
}

/// One journal line, before it is written.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    /// The deployment.
    pub deployment_id: String,
    /// The unit (empty for deployment-wide steps).
    pub unit: String,
    /// The transition (stored as its text, e.g. `stage`, `gate:staged`, `shift 100`).
    pub step: super::JournalStep,
    /// Detail: plugin state, snapshot, reason (JSON or text).
    pub detail: String,
}

/// One journal line as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JournalRecord {
    /// Position in the deployment's journal, from 1.
    pub seq: i64,
    /// The unit.
    pub unit: String,
    /// The transition, as stored: text, which a newer sluice may have written (see
    /// [`JournalRecord::journal_step`]).
    pub step: String,
    /// Its detail.
    pub detail: String,
    /// When it was written, ms since the epoch.
    pub at_ms: i64,
}

impl JournalRecord {
    /// The transition, typed; an error for text this sluice does not write.
    pub fn journal_step(&self) -> Result<super::JournalStep, super::UnknownStep> {
        self.step.parse()
    }
}

/// Who holds (or wants) an environment lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// The deployment id or another unique token.
    pub token: String,
    /// Who (actor).
    pub actor: String,
    /// The machine's host name.
    pub host: String,
    /// The process id.
    pub pid: u32,
    /// Since when, ms since the epoch.
    pub since_ms: i64,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on {} (pid {}, since {})",
            self.actor,
            self.host,
            self.pid,
            crate::clock::format_ms(self.since_ms)
        )
    }
}

/// A backup the host took of a plugin's database during a deployment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SnapshotRecord {
    /// Its id, as the plugin got it.
    pub id: String,
    /// The environment it was taken in.
    pub environment: String,
    /// The unit whose plugin took it.
    pub unit: String,
    /// The deployment that took it.
    pub deployment_id: String,
    /// The database's name in the plan.
    pub database: String,
    /// `sqlite` or `postgres`.
    pub engine: String,
    /// The file holding it.
    pub path: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// When it was taken, ms since the epoch.
    pub taken_at_ms: i64,
}

/// One event of a deployment's record, as `--output json` wrote it (redacted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordedEvent {
    /// The deployment.
    pub deployment_id: String,
    /// Its place among the deployment's events, from 1.
    pub seq: i64,
    /// When it happened, ms since the epoch.
    pub at_ms: i64,
    /// The event's JSON object.
    pub event: String,
}

/// Whether a capability let a host call through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallVerdict {
    /// The capability allowed it (it may still have failed).
    Allowed,
    /// The capability refused it (the reason says why).
    Denied,
    /// Not a call: the marker saying the record holds no more calls of this deployment.
    Cut,
}

impl CallVerdict {
    /// The stored and printed name.
    pub fn as_str(self) -> &'static str {
        match self {
            CallVerdict::Allowed => "allowed",
            CallVerdict::Denied => "denied",
            CallVerdict::Cut => "cut",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<CallVerdict> {
        [CallVerdict::Allowed, CallVerdict::Denied, CallVerdict::Cut]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// One host call a plugin made during a deployment, as its record keeps it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CapabilityCall {
    /// The deployment.
    pub deployment_id: String,
    /// Its place among the deployment's calls, from 1.
    pub seq: i64,
    /// When it began, ms since the epoch.
    pub at_ms: i64,
    /// The unit whose deployment made it.
    pub unit: String,
    /// The plugin that made it (the unit's, or one of its gates').
    pub plugin: String,
    /// The plugin's lifecycle call it made it in: `prepare`, `stage`, `check`...
    pub call: String,
    /// The interface, as the bindings name it: `containers`, `http`, `types`.
    pub interface: String,
    /// The function: `create`, `send`.
    pub function: String,
    /// What it reached: an endpoint and a container or image, `METHOD origin/path` of an HTTP
    /// request, a database, a secret's name (never its value), an HAProxy backend and server.
    pub target: String,
    /// Whether the capability let it through.
    pub verdict: CallVerdict,
    /// Why it was denied (or, for the marker, why the record stops).
    pub reason: Option<String>,
    /// Bytes sent, where the capability counts them.
    pub bytes_sent: Option<u64>,
    /// Bytes received, where the capability counts them.
    pub bytes_received: Option<u64>,
    /// How long it took, ms.
    pub duration_ms: u64,
}

/// A count (bytes, milliseconds) as a `BIGINT` column holds it.
pub(crate) fn column_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A `BIGINT` column's count (never negative when sluice wrote it).
pub(crate) fn count_of_column(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
