//! A deployment as reports show it at its end: what it was, each unit's ending and its gate
//! verdicts, gathered from the stamped events.

use std::time::SystemTime;

use super::{Event, Stamped};
use crate::state::Outcome;

/// One gate's verdict.
#[derive(Debug, Clone)]
pub struct GateVerdict {
    /// The gate (its URL, address or plugin).
    pub gate: String,
    /// `staged` or `live`.
    pub phase: String,
    /// Whether it passed.
    pub passed: bool,
    /// Why.
    pub reason: String,
    /// How long it took.
    pub duration_ms: u64,
}

/// One unit as it ended.
#[derive(Debug, Clone)]
pub struct UnitRecord {
    /// The unit.
    pub unit: String,
    /// The version it deployed (or tried to).
    pub version: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Why, when it did not succeed.
    pub reason: Option<String>,
    /// How long it took.
    pub duration_ms: u64,
    /// Its gates' verdicts, in order.
    pub gates: Vec<GateVerdict>,
}

/// The deployment so far.
#[derive(Debug, Default)]
pub struct DeploymentRecord {
    /// The deployment's id.
    pub id: String,
    /// `apply`, `rollback` or `recover`.
    pub kind: String,
    /// The environment.
    pub environment: String,
    /// When it started.
    pub started: Option<SystemTime>,
    /// The units that ended, in the order they did.
    pub units: Vec<UnitRecord>,
    /// Verdicts of units still running.
    pending: Vec<(String, GateVerdict)>,
}

impl DeploymentRecord {
    /// Adds what `stamped` tells.
    pub fn add(&mut self, stamped: &Stamped) {
        let took = stamped.duration_ms.unwrap_or_default();
        match &stamped.event {
            Event::DeploymentStarted {
                id,
                environment,
                kind,
                ..
            } => {
                self.id = id.clone();
                self.kind = kind.clone();
                self.environment = environment.clone();
                self.started = Some(stamped.at);
            }
            Event::Gate {
                unit,
                gate,
                phase,
                passed,
                reason,
            } => self.pending.push((
                unit.clone(),
                GateVerdict {
                    gate: gate.clone(),
                    phase: phase.clone(),
                    passed: *passed,
                    reason: reason.clone(),
                    duration_ms: took,
                },
            )),
            Event::UnitFinished {
                unit,
                version,
                outcome,
                reason,
            } => {
                let (own, others) = std::mem::take(&mut self.pending)
                    .into_iter()
                    .partition(|(gated, _)| gated == unit);
                self.pending = others;
                self.units.push(UnitRecord {
                    unit: unit.clone(),
                    version: version.clone(),
                    outcome: *outcome,
                    reason: reason.clone(),
                    duration_ms: took,
                    gates: own.into_iter().map(|(_, verdict)| verdict).collect(),
                });
            }
            _ => {}
        }
    }
}
