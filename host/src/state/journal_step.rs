//! The transitions a deployment's journal records, typed. The store keeps each as its text
//! ([`JournalStep`]'s `Display`), which is what older state databases hold and what the crash
//! drill (`SLUICE_CRASH_AFTER=STEP`) names; `FromStr` reads it back.

use std::fmt;
use std::str::FromStr;

/// One transition of a unit's deployment, written to the journal before it is acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalStep {
    /// `plan`: the unit's plan (made before the deployment began) is reported.
    Plan,
    /// `irreversible`: the plugin said the deployment cannot be undone (detail: its reasons).
    Irreversible,
    /// `prepare`: the plugin's `prepare` is called.
    Prepare,
    /// `prepared`: `prepare` returned (detail: its snapshot).
    Prepared,
    /// `stage`: the plugin's `stage` is called.
    Stage,
    /// `staged`: `stage` returned (detail: the staged state).
    Staged,
    /// `gate:staged`: a staged gate is evaluated (detail: what it probes).
    StagedGate,
    /// `gate:live`: a live gate is evaluated (detail: what it probes).
    LiveGate,
    /// `shift N`: `shift(N)` is called; `shift 100` is the cut-over.
    Shift(u8),
    /// `wait`: a `wait` step begins (detail: how long).
    Wait,
    /// `pause`: the unit stops at a `pause` step (detail: the step and the weight, JSON).
    Pause,
    /// `resume`: a paused unit is taken up again by `sluice resume` or `sluice abort`, in a new
    /// deployment (detail: what the pause kept — staged state, snapshot, step, weight — JSON).
    Resume,
    /// `finalize`: the plugin's `finalize` is called.
    Finalize,
    /// `record`: a state is made the unit's current one (detail: that state).
    Record,
    /// `rollback`: the plugin's `rollback` is called (detail: why, when a deployment failed).
    Rollback,
    /// `forget`: the unit's current state is cleared (nothing runs there any more).
    Forget,
    /// `backup`: the host took a database backup for the plugin (detail: the snapshot).
    Backup,
    /// `restore`: the host restores a database backup for the plugin (detail: the snapshot).
    Restore,
    /// `replaced`: a unit of an atomic group is about to be recorded live (detail: what was live
    /// before, a `UnitCurrent` as JSON, or `null`): what undoing it with its group returns to.
    Replaced,
    /// `undo`: a unit that succeeded is undone because its atomic group broke (detail: why).
    Undo,
}

impl JournalStep {
    /// Every step written without a parameter (all but [`JournalStep::Shift`]).
    const FIXED: [JournalStep; 19] = [
        JournalStep::Plan,
        JournalStep::Irreversible,
        JournalStep::Prepare,
        JournalStep::Prepared,
        JournalStep::Stage,
        JournalStep::Staged,
        JournalStep::StagedGate,
        JournalStep::LiveGate,
        JournalStep::Finalize,
        JournalStep::Record,
        JournalStep::Rollback,
        JournalStep::Forget,
        JournalStep::Backup,
        JournalStep::Restore,
        JournalStep::Wait,
        JournalStep::Pause,
        JournalStep::Resume,
        JournalStep::Replaced,
        JournalStep::Undo,
    ];
}

impl fmt::Display for JournalStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            JournalStep::Plan => "plan",
            JournalStep::Irreversible => "irreversible",
            JournalStep::Prepare => "prepare",
            JournalStep::Prepared => "prepared",
            JournalStep::Stage => "stage",
            JournalStep::Staged => "staged",
            JournalStep::StagedGate => "gate:staged",
            JournalStep::LiveGate => "gate:live",
            JournalStep::Shift(percent) => return write!(f, "shift {percent}"),
            JournalStep::Finalize => "finalize",
            JournalStep::Record => "record",
            JournalStep::Rollback => "rollback",
            JournalStep::Forget => "forget",
            JournalStep::Backup => "backup",
            JournalStep::Restore => "restore",
            JournalStep::Wait => "wait",
            JournalStep::Pause => "pause",
            JournalStep::Resume => "resume",
            JournalStep::Replaced => "replaced",
            JournalStep::Undo => "undo",
        };
        f.write_str(text)
    }
}

/// Text that is no journal step this sluice writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a journal step")]
pub struct UnknownStep(pub String);

impl FromStr for JournalStep {
    type Err = UnknownStep;

    /// Reads a step's text; only the exact text [`fmt::Display`] writes is accepted.
    fn from_str(text: &str) -> Result<JournalStep, UnknownStep> {
        let unknown = || UnknownStep(text.to_owned());
        if let Some(percent) = text.strip_prefix("shift ") {
            let step = JournalStep::Shift(percent.parse().map_err(|_| unknown())?);
            return if step.to_string() == text {
                Ok(step)
            } else {
                Err(unknown())
            };
        }
        JournalStep::FIXED
            .into_iter()
            .find(|step| step.to_string() == text)
            .ok_or_else(unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One example of every variant; the match makes a new variant fail to compile here until
    /// it is added.
    fn examples() -> Vec<JournalStep> {
        let mut steps = JournalStep::FIXED.to_vec();
        steps.extend([0, 25, 100].map(JournalStep::Shift));
        for step in &steps {
            match step {
                JournalStep::Plan
                | JournalStep::Irreversible
                | JournalStep::Prepare
                | JournalStep::Prepared
                | JournalStep::Stage
                | JournalStep::Staged
                | JournalStep::StagedGate
                | JournalStep::LiveGate
                | JournalStep::Shift(_)
                | JournalStep::Finalize
                | JournalStep::Record
                | JournalStep::Rollback
                | JournalStep::Forget
                | JournalStep::Backup
                | JournalStep::Restore
                | JournalStep::Wait
                | JournalStep::Pause
                | JournalStep::Resume
                | JournalStep::Replaced
                | JournalStep::Undo => {}
            }
        }
        steps
    }

    #[test]
    fn every_step_reads_back_from_the_text_it_is_stored_as() {
        for step in examples() {
            assert_eq!(step.to_string().parse::<JournalStep>(), Ok(step));
        }
    }

    #[test]
    fn the_stored_texts_are_those_older_state_databases_hold() {
        let texts: Vec<String> = examples().iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "plan",
                "irreversible",
                "prepare",
                "prepared",
                "stage",
                "staged",
                "gate:staged",
                "gate:live",
                "finalize",
                "record",
                "rollback",
                "forget",
                "backup",
                "restore",
                "wait",
                "pause",
                "resume",
                "replaced",
                "undo",
                "shift 0",
                "shift 25",
                "shift 100"
            ]
        );
    }

    #[test]
    fn every_fixed_step_is_listed_once() {
        for step in JournalStep::FIXED {
            let listed = JournalStep::FIXED.iter().filter(|s| **s == step).count();
            assert_eq!(listed, 1, "{step}");
        }
    }

    #[test]
    fn text_that_is_not_exactly_a_step_is_refused() {
        for text in [
            "",
            "Stage",
            "shift",
            "shift 07",
            "shift 256",
            "shift -1",
            "shift:100",
            "gate",
        ] {
            assert_eq!(
                text.parse::<JournalStep>(),
                Err(UnknownStep(text.to_owned())),
                "{text:?}"
            );
        }
    }
}
