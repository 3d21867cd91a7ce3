//! The strings the host keeps for this plugin: what was imported (`current`), what `stage` did,
//! and the snapshot `rollback` restores.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use crate::resource::{Key, Resource};

/// What one import put into Keycloak: the files' checksum (also stored as the realm attribute)
/// and the digest of every resource, so the next import can send only what changed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Imported {
    /// sha256 hex of the realm files.
    pub checksum: String,
    /// Resource -> digest of its representation.
    #[serde(default)]
    pub digests: BTreeMap<String, String>,
}

/// What `stage` did.
#[derive(Debug, Serialize, Deserialize)]
pub struct StagedImport {
    /// What is now in Keycloak.
    pub imported: Imported,
}

/// What the realm was before the import: enough to put it back.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// The realm's representation; none when the realm did not exist.
    pub realm: Option<Map<String, Value>>,
    /// Resources the import sends that existed, as they were (users with their memberships),
    /// and every role of a client the import overwrites.
    #[serde(default)]
    pub existing: Vec<Resource>,
    /// Resources the import sends that did not exist: rollback deletes them.
    #[serde(default)]
    pub absent: Vec<Key>,
}
