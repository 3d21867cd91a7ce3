//! A fleet unit (`engines = [...]`) rolls across its Docker engines: one member per engine
//! (`api@edge-1`), each through the whole lifecycle with its own gates and recorded state,
//! `max_unavailable` members at a time. The first batch in which a member does not succeed stops
//! the roll-out: the members after it are skipped, and the members already updated are returned
//! to what they ran before, newest first.

use futures::future::join_all;

use super::outcome::UnitResult;
use super::resolved::ResolvedPlan;
use super::setup::Deployer;
use super::unit::{self, Progress};
use crate::plan::model::Unit;
use crate::state::{Outcome, UnitCurrent};

/// Deploys the fleet `unit` at `version`, each member as `resolved` planned it; one result per
/// member.
pub(super) async fn deploy(
    d: &Deployer,
    deployment_id: &str,
    unit: &Unit,
    version: &str,
    force: bool,
    resolved: &ResolvedPlan,
) -> Vec<UnitResult> {
    let members = unit.members();
    let mut results: Vec<UnitResult> = Vec::new();
    let mut updated: Vec<(&Unit, Option<UnitCurrent>)> = Vec::new();
    let mut batches = members.chunks(unit.max_unavailable);
    for batch in batches.by_ref() {
        let before: Vec<Option<UnitCurrent>> = batch
            .iter()
            .map(|member| d.store.current(&d.environment, &member.name).ok().flatten())
            .collect();
        let outcomes = join_all(batch.iter().map(|member| {
            let planned = resolved.unit(&member.name);
            unit::deploy(d, deployment_id, member, version, force, planned)
        }))
        .await;
        for ((member, before), result) in batch.iter().zip(before).zip(&outcomes) {
            if result.outcome == Outcome::Succeeded {
                updated.push((member, before));
            }
        }
        results.extend(outcomes);
        if let Some(cause) = stop_cause(&results) {
            for rest in batches.flatten() {
                let reason = format!("the roll-out stopped: {cause}");
                results.push(unit::skip(d, deployment_id, rest, version, &reason).await);
            }
            for (member, before) in updated.iter().rev() {
                let undone = unit::undo(
                    d,
                    deployment_id,
                    member,
                    version,
                    before.as_ref(),
                    &Progress::default(),
                    &cause,
                )
                .await;
                if let Some(slot) = results.iter_mut().find(|r| r.unit == member.name) {
                    *slot = undone;
                }
            }
            break;
        }
    }
    results
}

/// Why the roll-out must stop, if a member did not succeed: `MEMBER: reason`.
fn stop_cause(results: &[UnitResult]) -> Option<String> {
    results
        .iter()
        .find(|r| !matches!(r.outcome, Outcome::Succeeded | Outcome::Unchanged))
        .map(|r| {
            format!(
                "{} {}: {}",
                r.unit,
                r.outcome.as_str(),
                r.reason.as_deref().unwrap_or("no reason given")
            )
        })
}
