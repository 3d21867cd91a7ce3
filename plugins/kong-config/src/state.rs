//! The strings the host keeps for this plugin.

use serde::{Deserialize, Serialize};

/// A config Kong held or holds: the exact text that was posted and its hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Loaded {
    /// The posted text (JSON), or Kong's own export when the posted text is not known.
    pub text: String,
    /// Kong's `configuration_hash` for it.
    pub hash: String,
}

/// What Kong held before the deployment; `None` when it held no config.
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    /// The config to load back.
    pub before: Option<Loaded>,
}

/// What `stage` did.
#[derive(Debug, Serialize, Deserialize)]
pub struct StagedConfig {
    /// Kong already held the whole new config: every later step is a no-op.
    pub unchanged: bool,
}
