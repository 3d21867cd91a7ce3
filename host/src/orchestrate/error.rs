//! Errors that stop a deployment before or outside the lifecycle (a unit's own failure is an
//! outcome, not an error).

use crate::plan::PlanError;
use crate::runtime::RuntimeError;
use crate::state::StateError;

/// Why sluice could not deploy at all.
#[derive(Debug, thiserror::Error)]
pub enum OrchestrateError {
    /// The plan is wrong (with file:line:col).
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A plugin cannot be loaded.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The state database failed, or a lock is held.
    #[error(transparent)]
    State(#[from] StateError),
    /// A secret cannot be read.
    #[error("secret `{name}`: {message}")]
    Secret {
        /// The secret's name.
        name: String,
        /// Why.
        message: String,
    },
    /// The command asked for something the plan or history cannot give.
    #[error("{0}")]
    Invalid(String),
    /// The environment deploys only an approved plan, and this one is not (or no longer) approved;
    /// the message says how to get an approval.
    #[error("{0}")]
    AwaitingApproval(String),
}
