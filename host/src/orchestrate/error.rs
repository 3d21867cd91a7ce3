//! Errors that stop a deployment before or outside the lifecycle (a unit's own failure is an
//! outcome, not an error).

use std::collections::BTreeMap;

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
    /// Units the deployment would touch are paused (stopped at a `pause` step): nothing was
    /// started. The message names each paused deployment and the commands that carry on.
    #[error("{0}")]
    Paused(String),
    /// Plugins say the deployment would be irreversible, and that was not allowed: nothing
    /// was started. Per unit, the plugin's reasons.
    #[error("{}", irreversible_message(.0))]
    Irreversible(BTreeMap<String, Vec<String>>),
}

fn irreversible_message(units: &BTreeMap<String, Vec<String>>) -> String {
    let mut text = String::from(
        "the deployment would be irreversible, so it was not started (nothing was changed):",
    );
    for (unit, reasons) in units {
        for reason in reasons {
            text.push_str(&format!("\n  {unit}: {reason}"));
        }
    }
    text.push_str(
        "\nreview what could not be undone (`sluice plan` shows it), then apply again with \
         --allow-irreversible, or apply an approved plan (`sluice plan --out`), to proceed",
    );
    text
}
