//! The capabilities the host grants plugins: one module per capability, each opening with its
//! threat model (what a hostile plugin could try, and what stops it).
//!
//! Each capability is one module: its threat model, its host implementation, and a unit struct
//! implementing [`capability::Capability`] (its interfaces, how the plan grants it, its audit
//! lines) and [`capability::Provide`] (its state for one call, its linking). [`registry`] lists
//! them all; nothing else does.
//!
//! A [`Provision`] is everything the host decided a plugin may reach for one unit: built once per
//! unit from the plan, it makes a fresh [`Capabilities`] for every lifecycle call.

pub mod calls;
pub mod capability;
pub mod containers;
pub mod files;
pub mod haproxy;
pub mod http;
pub mod log;
pub mod plan_notes;
pub mod registry;
pub mod secrets;
pub mod sockets;
pub mod sql;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::plan::model::Grants;

pub use registry::Capabilities;

/// Errors setting a capability up (never a plugin's fault: the plan or the machine).
#[derive(Debug, thiserror::Error)]
pub enum CapError {
    /// A granted directory cannot be opened.
    #[error("cannot preopen `{host}` as `{guest}`: {message}")]
    Preopen {
        /// The host directory.
        host: String,
        /// The guest path.
        guest: String,
        /// Why.
        message: String,
    },
    /// A granted origin is not a valid origin (the plan validator should have caught it).
    #[error("granted origin `{0}` is not a valid origin")]
    Origin(String),
}

/// What one plugin may reach while deploying one unit.
#[derive(Clone)]
pub struct Provision {
    /// The plugin's name in the plan.
    pub plugin: String,
    /// The unit being deployed.
    pub unit: String,
    /// What the plan grants the plugin.
    pub grants: Grants,
    /// Values of the granted secrets (none: declared but not set in this environment).
    pub secrets: BTreeMap<String, Option<String>>,
    /// Where plugin log messages go.
    pub log: Arc<dyn log::LogSink>,
    /// Bytes the plugin may still log in this run.
    pub log_budget: Arc<log::LogBudget>,
    /// The Docker engines the plugin may use, the default first (see
    /// [`containers::granted_engines`]); empty when it is granted no containers, images or services.
    pub docker: Vec<containers::EngineAddress>,
    /// The `sluice.*` labels the host adds to every container the plugin creates: unit,
    /// environment, version and deployment id.
    pub container_labels: Vec<(String, String)>,
    /// How engines log in to the plan's `[registries]` when the plugin has one pull an image.
    pub registries: Vec<containers::RegistryLogin>,
    /// The granted databases, resolved, and where backups go.
    pub sql: sql::SqlGrant,
    /// Where the host calls of each lifecycle call are recorded, for the deployment's record;
    /// none when nothing keeps them (planning outside a deployment, inspection).
    pub calls: Option<Arc<dyn calls::CallLog>>,
}

impl Provision {
    /// What a plugin reaches when nothing is granted: the log alone (for inspection and
    /// benchmarks), as plugin `plugin` deploying `unit`.
    pub fn deny_all(plugin: &str, unit: &str, log: Arc<dyn log::LogSink>) -> Provision {
        Provision {
            plugin: plugin.to_owned(),
            unit: unit.to_owned(),
            grants: Grants::default(),
            secrets: BTreeMap::new(),
            log,
            log_budget: Arc::new(log::LogBudget::new(log::DEFAULT_BUDGET_BYTES)),
            docker: Vec::new(),
            container_labels: Vec::new(),
            registries: Vec::new(),
            sql: sql::SqlGrant::default(),
            calls: None,
        }
    }
}

/// An error and its sources, joined with `: `.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
