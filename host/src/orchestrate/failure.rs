//! Why one step of a unit's deployment failed, typed and with its source: the lifecycle call and
//! the plugin's own `error`, or the runtime stopping the call, a gate, the state, the unit's
//! setup. Its `Display` is the reason people and CI see, which rollback extends ("...; rolled
//! back to v1").

use super::error::OrchestrateError;
use super::gating::phase_name;
use crate::plan::interpolate::InterpolateError;
use crate::plan::model::{GatePhase, Step};
use crate::runtime::{Call, RuntimeError};
use crate::state::StateError;
use crate::wit::types::Error as PluginError;

/// Why a step of a unit's deployment failed.
#[derive(Debug, thiserror::Error)]
pub enum UnitFailure {
    /// A lifecycle call returned the plugin's own `error` (invalid config, denied, unavailable
    /// or failed).
    #[error("{call}: {}", crate::wit::error_text(error))]
    Plugin {
        /// The call.
        call: Call,
        /// What the plugin returned.
        error: PluginError,
    },
    /// The runtime stopped a lifecycle call (a trap, its deadline, one of its limits) or could
    /// not start it.
    #[error("{source}")]
    Runtime {
        /// The call.
        call: Call,
        /// What the runtime said (it names the plugin and the call).
        source: RuntimeError,
    },
    /// A gate did not pass.
    #[error("{} gate {gate} {reason}", phase_name(*phase))]
    Gate {
        /// The phase it ran in.
        phase: GatePhase,
        /// What it probes (a URL, `tcp ADDRESS`, `plugin NAME`).
        gate: String,
        /// Why it failed, with the last probe.
        reason: String,
    },
    /// A canary step failed: its `shift`, the live gates after it, or (the last) the cut-over.
    #[error("at step {number} of {of} ({step}): {failure}")]
    AtStep {
        /// The step's number, from 1.
        number: usize,
        /// How many steps the rollout has, the cut-over included.
        of: usize,
        /// The step.
        step: Step,
        /// What failed.
        failure: Box<UnitFailure>,
    },
    /// A gate's `${...}` cannot be resolved.
    #[error("gate cannot be resolved: {0}")]
    GateUnresolved(#[source] InterpolateError),
    /// The state database failed (journal, history, current state).
    #[error(transparent)]
    State(#[from] StateError),
    /// The unit cannot be set up: its plugin is not loaded, or its config cannot be resolved.
    #[error(transparent)]
    Setup(#[from] OrchestrateError),
    /// The deployment has no plan for the unit.
    #[error("plan: the unit was not planned before the deployment")]
    NotPlanned,
    /// The plugin could not plan the unit before the deployment began: the reason the resolved
    /// plan holds (it may have been saved and approved, so it is kept as the text it was).
    #[error("{0}")]
    PlanFailed(String),
}

impl UnitFailure {
    /// A lifecycle call's two layers of failure (the runtime's, the plugin's), typed.
    pub fn from_call<T>(
        call: Call,
        result: Result<Result<T, PluginError>, RuntimeError>,
    ) -> Result<T, UnitFailure> {
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(UnitFailure::Plugin { call, error }),
            Err(source) => Err(UnitFailure::Runtime { call, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason_of(result: Result<Result<(), PluginError>, RuntimeError>) -> String {
        match UnitFailure::from_call(Call::Stage, result) {
            Ok(()) => panic!("the call failed"),
            Err(failure) => failure.to_string(),
        }
    }

    #[test]
    fn each_kind_of_plugin_error_reads_as_the_call_and_the_plugins_message() {
        let cases = [
            (
                PluginError::InvalidConfig("no root".into()),
                "stage: invalid config: no root",
            ),
            (
                PluginError::Denied("read-only".into()),
                "stage: denied: read-only",
            ),
            (
                PluginError::Unavailable("503".into()),
                "stage: unavailable: 503",
            ),
            (PluginError::Failed("disk full".into()), "stage: disk full"),
        ];
        for (error, reason) in cases {
            assert_eq!(reason_of(Ok(Err(error))), reason);
        }
    }

    #[test]
    fn a_trap_reads_as_the_runtime_says_it_and_keeps_it_as_its_source() {
        let trap = RuntimeError::Trap {
            plugin: "site".into(),
            call: "stage",
            message: "trapped: unreachable".into(),
        };
        let failure = UnitFailure::from_call::<()>(Call::Stage, Err(trap)).unwrap_err();
        assert_eq!(
            failure.to_string(),
            "plugin `site` stage: trapped: unreachable"
        );
        let source = std::error::Error::source(&failure).map(ToString::to_string);
        assert_eq!(
            source.as_deref(),
            Some("plugin `site` stage: trapped: unreachable")
        );
        assert!(matches!(
            failure,
            UnitFailure::Runtime {
                call: Call::Stage,
                ..
            }
        ));
    }

    #[test]
    fn a_failed_gate_names_its_phase_the_gate_and_why() {
        let failure = UnitFailure::Gate {
            phase: GatePhase::Live,
            gate: "http://127.0.0.1/health".into(),
            reason: "failed: 3 probes answered 503".into(),
        };
        assert_eq!(
            failure.to_string(),
            "live gate http://127.0.0.1/health failed: 3 probes answered 503"
        );
    }
}
