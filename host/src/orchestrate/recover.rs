//! Crash recovery: a deployment whose `sluice` was killed stays "running" in the state, with its
//! journal saying how far each unit got (every transition is written before it is acted on).
//! Under the environment's lock, `sluice recover` (and every `sluice apply`, before it deploys)
//! brings each unfinished unit to a consistent end:
//!
//! - recorded live (`record` written): the recorded state is made current (again) and the unit
//!   succeeded;
//! - cut over (`shift 100` written) and not rolling back: the cut-over is done again (it is
//!   idempotent), then the live gates and `finalize`, as the run would have; a failure there rolls
//!   back as usual;
//! - staged, or staging begun: `rollback` with what the journal holds (staged state, snapshot),
//!   which removes a half-staged version as well;
//! - nothing begun (only planned or prepared): nothing changed, nothing to undo.
//!
//! Then the units of an atomic group that broke, and that succeeded, are undone as `apply` would
//! have undone them (`groups`), which also finishes an undo the crash interrupted.
//!
//! A unit paused at a `pause` step is not running: recovery leaves it paused. A `resume` or
//! `abort` that was interrupted is recovered from its own journal, whose `resume` entry holds what
//! the pause kept, and the pause is forgotten.
//!
//! Each unit's row then says what happened, the deployment is finished, and the audit log has a
//! `deployment-recovered` record.

use super::deployment::finish;
use super::error::OrchestrateError;
use super::gating::Target;
use super::groups;
use super::outcome::{RunOutcome, UnitResult};
use super::setup::Deployer;
use super::unit::{Progress, UnitRun, reported};
use crate::plan::model::Unit;
use crate::report::Event;
use crate::state::{HistoryFilter, JournalRecord, JournalStep, Outcome};

/// What the journal says one interrupted unit had done.
#[derive(Debug, Default, PartialEq, Eq)]
struct Interrupted {
    /// `prepare`'s snapshot, if it returned.
    snapshot: Option<String>,
    /// `stage`'s state, if it returned.
    staged: Option<String>,
    /// `stage` was called (something may have changed).
    staging: bool,
    /// `shift 100` was written: the cut-over was being made or was made.
    cut_over: bool,
    /// A rollback had begun.
    rolling_back: bool,
    /// The new state it was recording as live (`record`).
    recorded: Option<String>,
    /// The deployment whose pause this one took up (`resume`), if it took one up.
    paused_by: Option<String>,
}

/// What a `resume` entry holds: what the pause kept (see `unit::UnitRun::take_up`).
#[derive(Debug, serde::Deserialize)]
struct KeptByPause {
    paused_by: String,
    staged: String,
    snapshot: Option<String>,
}

/// How recovery ends an interrupted unit.
#[derive(Debug, PartialEq, Eq)]
enum Resumption {
    /// Make the state it was recording live (again): it succeeded.
    Record(String),
    /// Do the cut-over again from the staged state, then the live gates and `finalize`; roll
    /// back with `progress` if that fails.
    CompleteCutOver { staged: String, progress: Progress },
    /// Call `rollback` with what the journal holds.
    RollBack(Progress),
    /// Nothing was changed: nothing to undo.
    NothingToUndo,
}

impl Interrupted {
    /// Reads `unit`'s entries of a deployment's journal. A step this sluice does not write (left
    /// by another version) says nothing about how far the unit got, and is passed over.
    fn read(journal: &[JournalRecord], unit: &str) -> Interrupted {
        let mut seen = Interrupted::default();
        for entry in journal.iter().filter(|entry| entry.unit == unit) {
            let Ok(step) = entry.journal_step() else {
                continue;
            };
            match step {
                JournalStep::Prepared => seen.snapshot = Some(entry.detail.clone()),
                JournalStep::Stage => seen.staging = true,
                JournalStep::Staged => seen.staged = Some(entry.detail.clone()),
                JournalStep::Shift(100) => seen.cut_over = true,
                JournalStep::Rollback => seen.rolling_back = true,
                JournalStep::Record => seen.recorded = Some(entry.detail.clone()),
                JournalStep::Resume => {
                    if let Ok(kept) = serde_json::from_str::<KeptByPause>(&entry.detail) {
                        seen.snapshot = kept.snapshot;
                        seen.staged = Some(kept.staged);
                        seen.staging = true;
                        seen.paused_by = Some(kept.paused_by);
                    }
                }
                JournalStep::Plan
                | JournalStep::Irreversible
                | JournalStep::Prepare
                | JournalStep::StagedGate
                | JournalStep::LiveGate
                | JournalStep::Shift(_)
                | JournalStep::Finalize
                | JournalStep::Forget
                | JournalStep::Backup
                | JournalStep::Restore
                | JournalStep::Wait
                | JournalStep::Pause
                | JournalStep::Replaced
                | JournalStep::Undo => {}
            }
        }
        seen
    }

    /// What recovery does with it (see the module's documentation).
    fn resumption(self) -> Resumption {
        if let Some(state) = self.recorded {
            return Resumption::Record(state);
        }
        let progress = Progress {
            snapshot: self.snapshot,
            staged: self.staged.clone(),
            weight: 0,
        };
        match (self.cut_over, self.rolling_back, self.staged) {
            (true, false, Some(staged)) => Resumption::CompleteCutOver { staged, progress },
            _ if self.staging => Resumption::RollBack(progress),
            _ => Resumption::NothingToUndo,
        }
    }
}

/// Brings every unfinished deployment of the environment to a consistent end, oldest first; one
/// run per deployment recovered (none when nothing was interrupted). Call it holding the lock.
pub async fn recover(d: &Deployer) -> Result<Vec<RunOutcome>, OrchestrateError> {
    let mut recovered = Vec::new();
    for deployment_id in d.store.unfinished(&d.environment)? {
        recovered.push(recover_deployment(d, &deployment_id).await?);
    }
    Ok(recovered)
}

async fn recover_deployment(
    d: &Deployer,
    deployment_id: &str,
) -> Result<RunOutcome, OrchestrateError> {
    let journal = d.store.journal_of(deployment_id)?;
    d.reporter.event(Event::DeploymentStarted {
        id: deployment_id.to_owned(),
        environment: d.environment.clone(),
        kind: "recover".into(),
        units: journal
            .iter()
            .map(|entry| entry.unit.clone())
            .filter(|unit| !unit.is_empty())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
    });
    let running = d.store.history(&HistoryFilter {
        environment: Some(d.environment.clone()),
        outcomes: vec![Outcome::Running],
        ..HistoryFilter::default()
    })?;
    let mut units = Vec::new();
    for row in running.iter().filter(|r| r.deployment_id == deployment_id) {
        let Some(member) = d
            .plan
            .units
            .values()
            .flat_map(Unit::members)
            .find(|member| member.name == row.unit)
        else {
            let reason = "interrupted; the unit is no longer in the plan, so nothing was done";
            d.store
                .finish_unit(deployment_id, &row.unit, Outcome::Failed, Some(reason))?;
            units.push(UnitResult {
                unit: row.unit.clone(),
                version: row.version.clone(),
                outcome: Outcome::Failed,
                reason: Some(reason.to_owned()),
            });
            continue;
        };
        let seen = Interrupted::read(&journal, &member.name);
        units.push(
            reported(d, deployment_id, &member, &row.version, |run| {
                run.resume(seen)
            })
            .await,
        );
    }
    groups::undo_recovered(d, deployment_id, &mut units).await?;
    let run = RunOutcome {
        deployment_id: deployment_id.to_owned(),
        units,
    };
    finish(d, &run)?;
    d.audit(
        deployment_id,
        "deployment-recovered",
        serde_json::json!({ "outcome": run.overall(), "units": run.units }),
    )?;
    Ok(run)
}

impl UnitRun<'_> {
    /// Ends one interrupted unit as its journal allows (see the module's documentation).
    async fn resume(self, seen: Interrupted) -> (Outcome, Option<String>) {
        if let Some(paused_by) = &seen.paused_by {
            // Interrupted while taking up a pause: the journal, not the pause, now says what to do.
            if let Err(e) = self
                .d
                .store
                .unpause(&self.d.environment, &self.unit.name, paused_by)
            {
                return self.record_end(Outcome::Failed, Some(e.to_string()));
            }
        }
        let (progress, reason) = match seen.resumption() {
            Resumption::Record(state) => {
                return match self.record_current(self.version, &state, &self.config_hash) {
                    Ok(()) => self.record_end(
                        Outcome::Succeeded,
                        Some("interrupted while it was recorded live; recovery recorded it".into()),
                    ),
                    Err(e) => self.record_end(Outcome::Failed, Some(e.to_string())),
                };
            }
            Resumption::NothingToUndo => {
                return self.record_end(
                    Outcome::RolledBack,
                    Some("interrupted before it changed anything: nothing to undo".into()),
                );
            }
            Resumption::CompleteCutOver { staged, progress } => {
                let target = Target {
                    version: self.version,
                    staged: &[],
                };
                let finished = self
                    .cut_over(&staged, &target)
                    .await
                    .and_then(|state| Ok(self.record_live(&state)?));
                match finished {
                    Ok(()) => {
                        return self.record_end(
                            Outcome::Succeeded,
                            Some("interrupted at the cut-over; recovery completed it".into()),
                        );
                    }
                    Err(failure) => (
                        progress,
                        format!("interrupted at the cut-over; completing it failed: {failure}"),
                    ),
                }
            }
            Resumption::RollBack(progress) => (
                progress,
                "interrupted before the cut-over; recovery rolled it back".to_owned(),
            ),
        };
        let (outcome, reason) = self.roll_back(&progress, reason).await;
        self.record_end(outcome, Some(reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal(steps: &[(&str, &str)]) -> Vec<JournalRecord> {
        steps
            .iter()
            .zip(1..)
            .map(|(&(step, detail), seq)| JournalRecord {
                seq,
                unit: "web".into(),
                step: step.into(),
                detail: detail.into(),
                at_ms: seq,
            })
            .collect()
    }

    #[test]
    fn a_unit_killed_after_staging_has_its_snapshot_and_staged_state_read_back() {
        let seen = Interrupted::read(
            &journal(&[
                ("plan", ""),
                ("prepare", ""),
                ("prepared", "snap"),
                ("stage", ""),
                ("staged", "new"),
                ("gate:staged", "http://x"),
            ]),
            "web",
        );
        assert_eq!(
            seen,
            Interrupted {
                snapshot: Some("snap".into()),
                staged: Some("new".into()),
                staging: true,
                ..Interrupted::default()
            }
        );
    }

    #[test]
    fn the_cut_over_a_rollback_and_the_record_are_noticed_and_other_units_ignored() {
        let mut entries = journal(&[
            ("shift 100", ""),
            ("rollback", "why"),
            ("record", "s"),
            ("record", "t"),
        ]);
        entries[3].unit = "api".into();
        let seen = Interrupted::read(&entries, "web");
        assert!(seen.cut_over && seen.rolling_back);
        assert_eq!(seen.recorded.as_deref(), Some("s"));
    }

    /// What recovery does for a unit whose journal holds `steps` (as `JournalStep`s).
    fn resumption_after(steps: &[(JournalStep, &str)]) -> Resumption {
        let texts: Vec<(String, &str)> = steps
            .iter()
            .map(|(step, detail)| (step.to_string(), *detail))
            .collect();
        let texts: Vec<(&str, &str)> = texts.iter().map(|(s, d)| (s.as_str(), *d)).collect();
        Interrupted::read(&journal(&texts), "web").resumption()
    }

    const BEFORE_STAGING: [(JournalStep, &str); 4] = [
        (JournalStep::Plan, ""),
        (JournalStep::Irreversible, "{}"),
        (JournalStep::Prepare, ""),
        (JournalStep::Prepared, "snap"),
    ];

    #[test]
    fn a_unit_interrupted_before_staging_has_nothing_to_undo() {
        assert_eq!(resumption_after(&[]), Resumption::NothingToUndo);
        for end in 1..=BEFORE_STAGING.len() {
            assert_eq!(
                resumption_after(&BEFORE_STAGING[..end]),
                Resumption::NothingToUndo,
                "after {}",
                BEFORE_STAGING[end - 1].0
            );
        }
    }

    #[test]
    fn a_unit_interrupted_while_staging_is_rolled_back_with_its_snapshot() {
        let mut steps = BEFORE_STAGING.to_vec();
        steps.push((JournalStep::Stage, ""));
        assert_eq!(
            resumption_after(&steps),
            Resumption::RollBack(Progress {
                snapshot: Some("snap".into()),
                staged: None,
                weight: 0,
            })
        );
    }

    #[test]
    fn a_unit_interrupted_after_staging_and_before_the_cut_over_is_rolled_back() {
        let mut steps = BEFORE_STAGING.to_vec();
        steps.extend([
            (JournalStep::Stage, ""),
            (JournalStep::Staged, "new"),
            (JournalStep::Backup, "{}"),
            (JournalStep::StagedGate, "http://x"),
            (JournalStep::Shift(10), ""),
            (JournalStep::LiveGate, "http://x"),
            (JournalStep::Shift(50), ""),
        ]);
        assert_eq!(
            resumption_after(&steps),
            Resumption::RollBack(Progress {
                snapshot: Some("snap".into()),
                staged: Some("new".into()),
                weight: 0,
            })
        );
    }

    #[test]
    fn a_unit_interrupted_at_or_after_the_cut_over_has_it_completed() {
        let mut steps = BEFORE_STAGING.to_vec();
        steps.extend([
            (JournalStep::Stage, ""),
            (JournalStep::Staged, "new"),
            (JournalStep::Shift(100), ""),
        ]);
        let completed = Resumption::CompleteCutOver {
            staged: "new".into(),
            progress: Progress {
                snapshot: Some("snap".into()),
                staged: Some("new".into()),
                weight: 0,
            },
        };
        assert_eq!(resumption_after(&steps), completed);
        steps.extend([
            (JournalStep::LiveGate, "http://x"),
            (JournalStep::Finalize, ""),
        ]);
        assert_eq!(resumption_after(&steps), completed);
    }

    #[test]
    fn a_unit_interrupted_while_rolling_back_is_rolled_back_again_not_completed() {
        let mut steps = BEFORE_STAGING.to_vec();
        steps.extend([
            (JournalStep::Stage, ""),
            (JournalStep::Staged, "new"),
            (JournalStep::Shift(100), ""),
            (JournalStep::Rollback, "live gate failed"),
            (JournalStep::Restore, "{}"),
        ]);
        assert_eq!(
            resumption_after(&steps),
            Resumption::RollBack(Progress {
                snapshot: Some("snap".into()),
                staged: Some("new".into()),
                weight: 0,
            })
        );
    }

    #[test]
    fn a_unit_interrupted_while_it_was_recorded_live_has_that_state_recorded() {
        let mut steps = BEFORE_STAGING.to_vec();
        steps.extend([
            (JournalStep::Stage, ""),
            (JournalStep::Staged, "new"),
            (JournalStep::Shift(100), ""),
            (JournalStep::Finalize, ""),
            (JournalStep::Record, "final"),
        ]);
        assert_eq!(resumption_after(&steps), Resumption::Record("final".into()));
    }

    #[test]
    fn a_rollback_without_a_stage_before_it_has_nothing_to_undo() {
        assert_eq!(
            resumption_after(&[(JournalStep::Rollback, ""), (JournalStep::Forget, "")]),
            Resumption::NothingToUndo
        );
    }

    #[test]
    fn a_unit_interrupted_while_its_pause_was_taken_up_is_rolled_back_with_what_the_pause_kept() {
        let kept = r#"{"paused_by":"d1","step":2,"weight":50,"staged":"new","snapshot":"snap"}"#;
        let seen = Interrupted::read(
            &journal(&[("plan", ""), ("resume", kept), ("shift 80", "")]),
            "web",
        );
        assert_eq!(seen.paused_by.as_deref(), Some("d1"));
        assert_eq!(
            seen.resumption(),
            Resumption::RollBack(Progress {
                snapshot: Some("snap".into()),
                staged: Some("new".into()),
                weight: 0,
            })
        );
    }

    #[test]
    fn steps_this_sluice_does_not_write_are_passed_over() {
        let seen = Interrupted::read(
            &journal(&[("stage", ""), ("shift:100", ""), ("teleport", "x")]),
            "web",
        );
        assert_eq!(
            seen,
            Interrupted {
                staging: true,
                ..Interrupted::default()
            }
        );
    }
}
