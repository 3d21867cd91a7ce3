//! Atomic release groups (`[groups.NAME]`): all of a group's units ship in a deployment, or none
//! does. When a unit of an atomic group does not deploy (it failed, rolled back, or was skipped),
//! the group breaks: its units that have not started are skipped, and once every unit has ended,
//! the units of the group that succeeded in this deployment are undone, newest first, each
//! through its plugin's `rollback` with the snapshot and staged state its journal holds and what
//! was live before (the `replaced` entry written just before it was recorded live). Units outside
//! the group are untouched.
//!
//! Everything the undo needs is read from the state, not from memory, so crash recovery runs
//! the very same undo for a deployment that was killed half-way through it (`rollback` is safe
//! to call twice).

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::error::OrchestrateError;
use super::outcome::UnitResult;
use super::revert::members_named;
use super::setup::Deployer;
use super::unit::{self, Progress};
use crate::plan::model::{MEMBER_SEPARATOR, Plan, Unit};
use crate::state::{HistoryFilter, JournalRecord, JournalStep, Outcome, UnitCurrent};

/// The results of a deployment's units so far, shared by the units running at once: a unit of
/// a group that has broken does not start.
#[derive(Default)]
pub(super) struct Ledger(Mutex<Vec<UnitResult>>);

impl Ledger {
    /// Notes how units ended.
    pub(super) fn add(&self, results: &[UnitResult]) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(results);
    }

    /// Why `unit` must not start, if its atomic group broke already.
    pub(super) fn stopped(&self, plan: &Plan, unit: &Unit) -> Option<String> {
        let group = plan.atomic_group_of(&unit.name)?;
        let results = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let cause = broken(plan, &results).remove(&group.name)?;
        Some(format!("its atomic group `{}` broke: {cause}", group.name))
    }
}

/// The atomic groups that broke among `results` (in the order units ended), each with its
/// cause: the first of its units that did not deploy, `UNIT OUTCOME: REASON`.
fn broken(plan: &Plan, results: &[UnitResult]) -> BTreeMap<String, String> {
    let mut causes = BTreeMap::new();
    for result in results {
        if matches!(result.outcome, Outcome::Succeeded | Outcome::Unchanged) {
            continue;
        }
        if let Some(group) = plan.atomic_group_of(plan_name(&result.unit)) {
            causes.entry(group.name.clone()).or_insert_with(|| {
                format!(
                    "{} {}: {}",
                    result.unit,
                    result.outcome.as_str(),
                    result.reason.as_deref().unwrap_or("no reason given")
                )
            });
        }
    }
    causes
}

/// A unit's (or fleet member's) name in the plan.
fn plan_name(unit: &str) -> &str {
    unit.split(MEMBER_SEPARATOR).next().unwrap_or(unit)
}

/// Undoes, newest first, the units of `deployment_id` that succeeded in an atomic group that
/// broke; each one's result (in `results`, in the order units ended) becomes the undo's.
pub(super) async fn undo_broken(
    d: &Deployer,
    deployment_id: &str,
    results: &mut [UnitResult],
) -> Result<(), OrchestrateError> {
    let causes = broken(&d.plan, results);
    if causes.is_empty() {
        return Ok(());
    }
    let journal = d.store.journal_of(deployment_id)?;
    for index in (0..results.len()).rev() {
        let result = &results[index];
        let group = d.plan.atomic_group_of(plan_name(&result.unit));
        let (Outcome::Succeeded, Some(group)) = (result.outcome, group) else {
            continue;
        };
        let Some(cause) = causes.get(&group.name) else {
            continue;
        };
        let cause = format!("undone with its atomic group `{}`: {cause}", group.name);
        let Some(member) = members_named(d, &result.unit)?.into_iter().next() else {
            continue;
        };
        let undone = match Kept::read(&journal, &result.unit) {
            Ok(kept) => {
                unit::undo(
                    d,
                    deployment_id,
                    &member,
                    &result.version,
                    kept.before.as_ref(),
                    &kept.progress,
                    &cause,
                )
                .await
            }
            Err(missing) => {
                unit::fail(
                    d,
                    deployment_id,
                    &member,
                    &result.version,
                    &format!("{cause}; then {missing}"),
                )
                .await
            }
        };
        results[index] = undone;
    }
    Ok(())
}

/// Crash recovery's part: once the interrupted units of `deployment_id` have ended, undoes what
/// its broken groups still hold, as `apply` would have. The undone units' results replace theirs
/// in `recovered`, or are added to it.
pub(super) async fn undo_recovered(
    d: &Deployer,
    deployment_id: &str,
    recovered: &mut Vec<UnitResult>,
) -> Result<(), OrchestrateError> {
    let mut rows = d.store.history(&HistoryFilter {
        environment: Some(d.environment.clone()),
        ..HistoryFilter::default()
    })?;
    rows.retain(|row| row.deployment_id == deployment_id);
    rows.sort_by_key(|row| row.finished_at_ms);
    let mut results: Vec<UnitResult> = rows
        .into_iter()
        .map(|row| UnitResult {
            unit: row.unit,
            version: row.version,
            outcome: row.outcome,
            reason: row.reason,
        })
        .collect();
    let ended: Vec<Outcome> = results.iter().map(|result| result.outcome).collect();
    undo_broken(d, deployment_id, &mut results).await?;
    for (result, outcome) in results.into_iter().zip(ended) {
        if result.outcome == outcome {
            continue;
        }
        match recovered.iter_mut().find(|r| r.unit == result.unit) {
            Some(slot) => *slot = result,
            None => recovered.push(result),
        }
    }
    Ok(())
}

/// What a unit's journal in this deployment keeps for undoing it.
#[derive(Debug, PartialEq, Eq)]
struct Kept {
    /// Its snapshot and staged state.
    progress: Progress,
    /// What was live before it (none: nothing was).
    before: Option<UnitCurrent>,
}

impl Kept {
    /// Reads `unit`'s entries of a deployment's journal; fails when no `replaced` entry says
    /// what was live before.
    fn read(journal: &[JournalRecord], unit: &str) -> Result<Kept, String> {
        let mut progress = Progress::default();
        let mut before = None;
        for entry in journal.iter().filter(|entry| entry.unit == unit) {
            match entry.journal_step() {
                Ok(JournalStep::Prepared) => progress.snapshot = Some(entry.detail.clone()),
                Ok(JournalStep::Staged) => progress.staged = Some(entry.detail.clone()),
                Ok(JournalStep::Replaced) => before = Some(entry.detail.as_str()),
                _ => {}
            }
        }
        let before = before.ok_or_else(|| {
            format!("undoing {unit} is impossible: its journal does not say what was live before")
        })?;
        let before = serde_json::from_str(before).map_err(|e| {
            format!("undoing {unit} is impossible: what was live before is unreadable ({e})")
        })?;
        Ok(Kept { progress, before })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::test_support::{DIAMOND, parse_with};

    fn result(unit: &str, outcome: Outcome) -> UnitResult {
        UnitResult {
            unit: unit.into(),
            version: "v2".into(),
            outcome,
            reason: Some(format!("{unit} said so")),
        }
    }

    fn plan() -> Plan {
        parse_with(&format!(
            "{DIAMOND}[groups.release]\nunits = [\"schema\", \"api\", \"web\"]\n[groups.loose]\nunits = [\"worker\"]\natomic = false\n"
        ))
        .unwrap()
    }

    #[test]
    fn an_atomic_group_breaks_at_its_first_unit_that_did_not_deploy() {
        let results = [
            result("schema", Outcome::Succeeded),
            result("docs", Outcome::Failed),
            result("worker", Outcome::Failed),
            result("api", Outcome::RolledBack),
            result("web", Outcome::Skipped),
        ];
        let causes = broken(&plan(), &results);
        assert_eq!(
            causes,
            [(
                "release".to_owned(),
                "api rolled-back: api said so".to_owned()
            )]
            .into()
        );
    }

    #[test]
    fn a_group_whose_units_all_deployed_or_were_live_already_is_whole() {
        let results = [
            result("schema", Outcome::Succeeded),
            result("api", Outcome::Unchanged),
            result("web", Outcome::Succeeded),
        ];
        assert!(broken(&plan(), &results).is_empty());
    }

    #[test]
    fn a_unit_does_not_start_once_its_group_broke() {
        let plan = plan();
        let ledger = Ledger::default();
        ledger.add(&[result("schema", Outcome::Succeeded)]);
        assert_eq!(ledger.stopped(&plan, &plan.units["web"]), None);
        ledger.add(&[result("api", Outcome::Failed)]);
        assert_eq!(
            ledger.stopped(&plan, &plan.units["web"]).as_deref(),
            Some("its atomic group `release` broke: api failed: api said so")
        );
        assert_eq!(ledger.stopped(&plan, &plan.units["docs"]), None);
    }

    fn entry(step: JournalStep, detail: &str) -> JournalRecord {
        JournalRecord {
            seq: 1,
            unit: "api".into(),
            step: step.to_string(),
            detail: detail.into(),
            at_ms: 1,
        }
    }

    #[test]
    fn the_journal_keeps_the_snapshot_the_staged_state_and_what_was_live_before() {
        let before = UnitCurrent {
            version: "v1".into(),
            state: "{}".into(),
            deployment_id: "d0".into(),
            plugin_sha256: "p".into(),
            config_hash: "c".into(),
            since_ms: 5,
        };
        let journal = [
            entry(JournalStep::Prepared, "snap"),
            entry(JournalStep::Staged, "new"),
            entry(
                JournalStep::Replaced,
                &serde_json::to_string(&before).unwrap(),
            ),
            entry(JournalStep::Record, "final"),
        ];
        assert_eq!(
            Kept::read(&journal, "api"),
            Ok(Kept {
                progress: Progress {
                    snapshot: Some("snap".into()),
                    staged: Some("new".into()),
                    weight: 0,
                },
                before: Some(before),
            })
        );
        let first = [entry(JournalStep::Replaced, "null")];
        assert_eq!(Kept::read(&first, "api").map(|kept| kept.before), Ok(None));
        let error = Kept::read(&journal[..2], "api").unwrap_err();
        assert!(
            error.contains("does not say what was live before"),
            "{error}"
        );
    }
}
