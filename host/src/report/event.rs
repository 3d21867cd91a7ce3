//! The events a deployment emits: printed live for people, one JSON object per line for CI.

use serde::{Deserialize, Serialize};

use crate::caps::log::Level;
use crate::plan::HookEventKind;
use crate::state::Outcome;

/// One thing that happened. Serialized with an `event` tag, e.g. `{"event":"unit-finished",...}`;
/// its time is added by the [`super::Timeline`]. `docs/events.schema.json` describes each one as
/// `--output json` writes it; a deployment's record keeps them so, and the HTML report reads them
/// back.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// A deployment of an environment began.
    DeploymentStarted {
        /// Deployment id.
        id: String,
        /// Environment.
        environment: String,
        /// `apply`, `rollback` or `recover`.
        kind: String,
        /// The units it will consider, in order.
        units: Vec<String>,
    },
    /// Whether change detection (or `--unit`, `--all`) selected a unit, and why.
    Selected {
        /// Unit.
        unit: String,
        /// Whether it is deployed.
        selected: bool,
        /// Why: the files that changed, a dependency, "never deployed", ...
        reason: String,
    },
    /// A unit is being deployed.
    UnitStarted {
        /// Unit.
        unit: String,
        /// Version.
        version: String,
    },
    /// What the plugin says the deployment will change.
    Planned {
        /// Unit.
        unit: String,
        /// One line per change: `update index.html`.
        changes: Vec<String>,
        /// Why the deployment is irreversible (it started only because that was allowed).
        irreversible: Vec<String>,
    },
    /// A lifecycle step is about to run.
    Step {
        /// Unit.
        unit: String,
        /// `prepare`, `stage`, `shift 100`, `finalize`, `rollback`...
        step: String,
    },
    /// A step ended (emitted by the [`super::Timeline`] when its unit's next event arrives; it
    /// carries the step's `duration_ms`).
    StepFinished {
        /// Unit.
        unit: String,
        /// The step.
        step: String,
    },
    /// A step finished with something worth showing.
    StepDone {
        /// Unit.
        unit: String,
        /// The step.
        step: String,
        /// What it did.
        summary: String,
    },
    /// A gate's probing begins.
    GateStarted {
        /// Unit.
        unit: String,
        /// The gate (its URL or address).
        gate: String,
        /// `staged` or `live`.
        phase: String,
    },
    /// One probe of a gate.
    Probe {
        /// Unit.
        unit: String,
        /// The gate (its URL or address).
        gate: String,
        /// Attempt number.
        attempt: u32,
        /// Whether it succeeded.
        ok: bool,
        /// `HTTP 200`, `connection refused`...
        detail: String,
    },
    /// A gate's verdict.
    Gate {
        /// Unit.
        unit: String,
        /// The gate.
        gate: String,
        /// `staged` or `live`.
        phase: String,
        /// Passed?
        passed: bool,
        /// Why.
        reason: String,
    },
    /// A message from the plugin.
    PluginLog {
        /// Unit.
        unit: String,
        /// Level.
        level: Level,
        /// Text (redacted).
        message: String,
    },
    /// A hook failed on an event: a warning, or the run's failure when the hook is required.
    HookFailed {
        /// The hook, as named in `[hooks.NAME]`.
        hook: String,
        /// The event it was told of.
        on: HookEventKind,
        /// Whether the plan marks it required.
        required: bool,
        /// Why it failed.
        reason: String,
    },
    /// A unit ended.
    UnitFinished {
        /// Unit.
        unit: String,
        /// Version.
        version: String,
        /// How.
        outcome: Outcome,
        /// Why, when it did not succeed.
        reason: Option<String>,
    },
    /// The deployment ended.
    DeploymentFinished {
        /// Deployment id.
        id: String,
        /// Overall outcome.
        outcome: Outcome,
        /// The exit code sluice will return.
        exit_code: u8,
    },
}
