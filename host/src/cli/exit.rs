//! sluice's exit codes: documented in README.md and `sluice --help`; CI scripts depend on them.

use std::process::ExitCode;

use crate::state::Outcome;

/// How a sluice command ended, as a process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done (deployed, or already live).
    Success = 0,
    /// 1: a deployment failed and could not be rolled back, or sluice itself failed, or a plugin
    /// trapped or hit a limit outside a deployment (in `info` or `validate`), or a `required`
    /// hook failed.
    Failed = 1,
    /// 2: invalid input: the command line, the plan, a plugin's config, a pinned digest, or a
    /// plugin that cannot be loaded as the plan says (unknown builtin, unreadable file, not a
    /// component, an ungranted or unsupported import).
    Invalid = 2,
    /// 3: a deployment failed and was rolled back: the previous version is serving.
    RolledBack = 3,
    /// 4: another sluice holds the environment's lock.
    LockHeld = 4,
    /// 5: the environment deploys only an approved plan, and this one is not (or no longer) approved.
    AwaitingApproval = 5,
    /// 6: `sluice plugins test`: the plugin breaks at least one contract rule.
    RulesBroken = 6,
    /// 7: a unit stopped at a `pause` step, part of the traffic on the new version: not failed;
    /// `sluice resume` or `sluice abort` carries on (nothing failed or rolled back).
    Paused = 7,
}

impl Exit {
    /// The exit code for a run whose overall outcome is `outcome`.
    pub fn for_outcome(outcome: Outcome) -> Exit {
        match outcome {
            Outcome::Succeeded | Outcome::Unchanged => Exit::Success,
            Outcome::RolledBack | Outcome::Skipped => Exit::RolledBack,
            Outcome::Failed | Outcome::Running => Exit::Failed,
            Outcome::Paused => Exit::Paused,
        }
    }

    /// The numeric code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// The help text listing the codes.
pub const EXIT_CODES_HELP: &str = "Exit codes:\n  0  success (deployed, or already live)\n  1  failed and not rolled back, an internal error, a plugin trapping while the plan is checked, or a required hook failing\n  2  invalid input (command line, plan, plugin config, digest)\n  3  failed and rolled back: the previous version is serving\n  4  the environment is locked by another sluice\n  5  awaiting approval: the environment deploys only an approved, unchanged plan\n  6  sluice plugins test: the plugin breaks a contract rule\n  7  paused at a `pause` step: `sluice resume` or `sluice abort` carries on";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orchestrate::{RunOutcome, UnitResult};

    /// The exit code of a run whose units ended as `outcomes`.
    fn exit_of(outcomes: &[Outcome]) -> Exit {
        let run = RunOutcome {
            deployment_id: "d1".into(),
            units: outcomes
                .iter()
                .map(|&outcome| UnitResult {
                    unit: "web".into(),
                    version: "v2".into(),
                    outcome,
                    reason: None,
                })
                .collect(),
        };
        Exit::for_outcome(run.overall())
    }

    #[test]
    fn a_paused_unit_makes_the_run_exit_7_even_with_its_dependents_skipped() {
        use Outcome::*;
        assert_eq!(exit_of(&[Succeeded, Paused, Skipped]).code(), 7);
        assert_eq!(exit_of(&[Paused, RolledBack]), Exit::RolledBack);
        assert_eq!(exit_of(&[Paused, Failed]), Exit::Failed);
        assert_eq!(exit_of(&[Skipped, Succeeded]), Exit::RolledBack);
    }
}
