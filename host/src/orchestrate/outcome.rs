//! How units and whole runs end.

use crate::state::Outcome;

/// How one unit ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitResult {
    /// The unit.
    pub unit: String,
    /// The version it was asked to deploy.
    pub version: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Why, when it did not succeed.
    pub reason: Option<String>,
}

/// How a whole run ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunOutcome {
    /// The deployment id.
    pub deployment_id: String,
    /// Each unit, in the order they finished.
    pub units: Vec<UnitResult>,
}

impl RunOutcome {
    /// The worst unit outcome (see [`Outcome::severity`]).
    pub fn overall(&self) -> Outcome {
        self.units
            .iter()
            .map(|u| u.outcome)
            .max_by_key(|o| o.severity())
            .unwrap_or(Outcome::Unchanged)
    }
}
