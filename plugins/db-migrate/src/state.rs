//! The state strings this plugin hands the host and gets back.

use serde::{Deserialize, Serialize};

/// What `prepare` returns: where the history stood, and the backup taken, if anything was
/// pending.
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    /// The last `installed_rank` before the deployment.
    pub rank: i64,
    /// The host's snapshot id of the backup (none when nothing was pending).
    #[serde(default)]
    pub backup: Option<String>,
}

/// What `stage` returns and `finalize` keeps as the unit's `current` state.
#[derive(Debug, Serialize, Deserialize)]
pub struct Migrated {
    /// The last `installed_rank` after the deployment.
    pub rank: i64,
    /// The newest applied version, if any.
    #[serde(default)]
    pub version: Option<String>,
    /// The files this deployment applied.
    #[serde(default)]
    pub applied: Vec<String>,
}
