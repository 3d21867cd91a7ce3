//! The state strings this plugin hands the host and gets back (all JSON).

use crate::model::DeploymentRef;
use crate::upload::Uploaded;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What `prepare` returns: the production deployment that was live before.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    /// The live production deployment, or none when the project had none.
    pub production: Option<DeploymentRef>,
}

/// What both deployments of a version are made of: the preview and, at the cut-over, production.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Release {
    /// `/path` to asset hash.
    pub manifest: BTreeMap<String, String>,
    /// The site's `_headers`, if any.
    #[serde(default)]
    pub headers: Option<String>,
    /// The site's `_redirects`, if any.
    #[serde(default)]
    pub redirects: Option<String>,
    /// The commit message (with the `sluice-deployment:` line).
    pub commit_message: String,
    /// The commit hash, if configured.
    #[serde(default)]
    pub commit_hash: Option<String>,
}

/// What `stage` returns and the host hands to `shift`, `finalize` and `rollback`: the preview
/// deployment and everything needed to publish the same release to production.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StagedState {
    /// The version staged.
    pub version: String,
    /// The preview deployment.
    pub preview: DeploymentRef,
    /// What the preview serves, and production will.
    #[serde(flatten)]
    pub release: Release,
    /// What staging uploaded.
    pub uploaded: Uploaded,
}

/// What `finalize` returns and the host hands back as `current`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Current {
    /// The live production deployment.
    pub production: DeploymentRef,
    /// The version it serves.
    pub version: String,
    /// Its manifest, for `plan` to say which files change.
    pub manifest: BTreeMap<String, String>,
}
