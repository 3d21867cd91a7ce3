//! The state strings this plugin hands the host and gets back (all JSON).

use serde::{Deserialize, Serialize};

/// What a service runs: the image reference and the id Swarm runs it by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// The image reference (`repository:tag`).
    pub image: String,
    /// The image id (`sha256:...`) the service's spec runs.
    pub image_id: String,
}

/// What `finalize` returns and the host hands back as `current`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Current {
    /// The service.
    pub service: String,
    /// What it runs.
    #[serde(flatten)]
    pub live: Release,
    /// The version it runs.
    pub version: String,
}

/// What `prepare` returns: what the service ran before this deployment, if it existed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    /// The live release; none when the service did not exist.
    pub live: Option<Release>,
}

/// What `stage` returns: the release it rolled out and the one it replaced.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StagedState {
    /// The new release, now rolled out.
    pub new: Release,
    /// The release it replaced; none when `stage` created the service.
    pub previous: Option<Release>,
}
