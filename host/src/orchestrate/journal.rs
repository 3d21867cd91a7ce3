//! Writing the deployment journal (every transition before it is acted on), and the crash drill:
//! with `SLUICE_CRASH_AFTER=STEP` set, sluice kills itself right after writing that step.

use super::setup::Deployer;
use crate::state::{JournalEntry, JournalStep, StateError};

/// The environment variable naming the journal step after which sluice kills itself.
const CRASH_AFTER: &str = "SLUICE_CRASH_AFTER";

impl Deployer {
    /// Writes the transition `step` of `unit` in deployment `deployment_id` to the journal (its
    /// detail redacted) before it is acted on. A crash-recovery drill: with
    /// `SLUICE_CRASH_AFTER=STEP` set, sluice kills itself (SIGKILL) right after writing that step.
    pub fn journal(
        &self,
        deployment_id: &str,
        unit: &str,
        step: JournalStep,
        detail: &str,
    ) -> Result<(), StateError> {
        self.store.journal(&JournalEntry {
            deployment_id: deployment_id.to_owned(),
            unit: unit.to_owned(),
            step,
            detail: self.redactor.redact(detail).into_owned(),
        })?;
        if crash_wanted(std::env::var(CRASH_AFTER).ok().as_deref(), step) {
            crash();
        }
        Ok(())
    }
}

/// Whether the drill (`wanted`: the value of `SLUICE_CRASH_AFTER`, if set) asks for a crash
/// right after `step`: it names that step's text exactly.
fn crash_wanted(wanted: Option<&str>, step: JournalStep) -> bool {
    wanted.is_some_and(|wanted| wanted == step.to_string())
}

/// Ends this process the way a power cut or `kill -9` would: no cleanup, no lock release.
fn crash() -> ! {
    let pid = std::process::id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status();
    std::process::abort()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drill_crashes_after_the_step_it_names_by_its_journal_text() {
        assert!(crash_wanted(Some("staged"), JournalStep::Staged));
        assert!(crash_wanted(Some("shift 100"), JournalStep::Shift(100)));
        assert!(crash_wanted(Some("gate:live"), JournalStep::LiveGate));
    }

    #[test]
    fn the_drill_lets_every_other_step_pass() {
        assert!(!crash_wanted(None, JournalStep::Staged));
        assert!(!crash_wanted(Some("stage"), JournalStep::Staged));
        assert!(!crash_wanted(Some("shift 10"), JournalStep::Shift(100)));
        assert!(!crash_wanted(Some("shift:100"), JournalStep::Shift(100)));
        assert!(!crash_wanted(Some(""), JournalStep::Plan));
    }
}
