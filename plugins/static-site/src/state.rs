//! The state strings this plugin hands the host and gets back.

use serde::{Deserialize, Serialize};

/// What `prepare` returns: the release `current` pointed at before the deployment, if any.
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    /// The release directory name under `releases/`, or none when nothing was live.
    pub release: Option<String>,
}

/// One release: what `stage` returns as the staged state and `finalize` as the new `current`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReleaseState {
    /// The release directory name under `releases/` (the version, or `version~N`).
    pub release: String,
    /// The version it holds.
    pub version: String,
    /// The release that was live when it was staged, if any.
    #[serde(default)]
    pub previous: Option<String>,
}
