//! What the host keeps for an s3-static unit.

use serde::{Deserialize, Serialize};

/// `prepare`'s snapshot: what the distribution served before this deployment.
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    /// The origin's `OriginPath` then.
    pub origin_path: String,
}

/// The staged and the finalized state.
#[derive(Debug, Serialize, Deserialize)]
pub struct Release {
    /// The version, also the release's prefix under the configured one.
    pub version: String,
    /// The releases kept, newest first (this one first once finalized).
    pub kept: Vec<String>,
    /// The paths that differ from the release before (changed, added or removed), for the
    /// invalidation.
    pub changed: Vec<String>,
    /// How many files were uploaded, and how many copied inside the bucket.
    pub uploaded: usize,
    /// Files copied from the previous release, unchanged.
    pub copied: usize,
}
