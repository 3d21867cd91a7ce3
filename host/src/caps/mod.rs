//! The capabilities the host grants plugins: one module per capability, each opening with its
//! threat model (what a hostile plugin could try, and what stops it).
//!
//! A [`Provision`] is everything the host decided a plugin may reach for one unit: built once per
//! unit from the plan, it makes a fresh [`Capabilities`] for every lifecycle call.

pub mod containers;
pub mod files;
pub mod http;
pub mod log;
pub mod plan_notes;
pub mod secrets;
pub mod sql;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::plan::model::Grants;

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
    /// [`containers::granted_engines`]); empty when it is granted no containers or images.
    pub docker: Vec<containers::EngineAddress>,
    /// The `sluice.*` labels the host adds to every container the plugin creates: unit,
    /// environment, version and deployment id.
    pub container_labels: Vec<(String, String)>,
    /// The granted databases, resolved, and where backups go.
    pub sql: sql::SqlGrant,
}

/// The host side of the sluice capabilities for one lifecycle call.
pub struct Capabilities {
    /// `sluice:deploy/log`.
    pub log: log::LogCap,
    /// `sluice:deploy/http`.
    pub http: http::HttpCap,
    /// `sluice:deploy/secrets`.
    pub secrets: secrets::SecretsCap,
    /// `sluice:deploy/containers`.
    pub containers: containers::ContainersCap,
    /// `sluice:deploy/sql`.
    pub sql: sql::SqlCap,
    /// `sluice:deploy/plan-notes`.
    pub plan_notes: plan_notes::PlanNotesCap,
}

impl Provision {
    /// Fresh capability state for one call.
    pub fn capabilities(&self) -> Result<Capabilities, CapError> {
        Ok(Capabilities {
            log: log::LogCap::new(&self.unit, self.log.clone(), self.log_budget.clone()),
            http: http::HttpCap::new(&self.plugin, &self.grants.http)?,
            secrets: secrets::SecretsCap::new(&self.plugin, self.secrets.clone()),
            containers: containers::ContainersCap::new(
                &self.plugin,
                &self.grants,
                &self.docker,
                &self.container_labels,
            ),
            sql: sql::SqlCap::new(&self.plugin, self.sql.clone()),
            plan_notes: plan_notes::PlanNotesCap::default(),
        })
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
