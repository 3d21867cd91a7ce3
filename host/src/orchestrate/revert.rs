//! `sluice rollback`: bring an earlier successful version of one unit back.

use super::deployment::{begin, finish};
use super::error::OrchestrateError;
use super::outcome::RunOutcome;
use super::paused::refuse_if_paused;
use super::setup::Deployer;
use super::unit;
use crate::plan::model::{MEMBER_SEPARATOR, Unit};
use crate::state::{HistoryFilter, JournalRecord, JournalStep, Outcome, UnitDeploymentRecord};

/// What `sluice rollback` was asked to do.
#[derive(Debug, Clone)]
pub struct RevertOptions {
    /// The unit.
    pub unit: String,
    /// The version to return to; default: the newest successful one before the live one.
    pub to: Option<String>,
}

/// Returns `options.unit` (every member of a fleet unit, or one member named `UNIT@ENGINE`) to an
/// earlier successful version, recorded as one `rollback` deployment.
pub async fn revert(d: &Deployer, options: &RevertOptions) -> Result<RunOutcome, OrchestrateError> {
    let members = members_named(d, &options.unit)?;
    let plan_units: Vec<String> = members.iter().map(|m| m.plan_name().to_owned()).collect();
    refuse_if_paused(d, &plan_units)?;
    let mut targets = Vec::new();
    for member in &members {
        let live = d
            .store
            .current(&d.environment, &member.name)?
            .ok_or_else(|| {
                OrchestrateError::Invalid(format!(
                    "unit `{}` was never deployed to `{}`: nothing to roll back",
                    member.name, d.environment
                ))
            })?;
        if options.to.as_deref() == Some(live.version.as_str()) {
            return Err(OrchestrateError::Invalid(format!(
                "{} is already live for `{}` in `{}`",
                live.version, member.name, d.environment
            )));
        }
        let target = find_target(d, &member.name, &live.version, options.to.as_deref())?;
        let state = recorded_state(d, &target)?;
        targets.push((member, target, state));
    }
    let names = members.iter().map(|member| member.name.clone()).collect();
    let deployment_id = begin(d, "rollback", names, None).await?;
    let mut units = Vec::new();
    for (member, target, state) in targets {
        units.push(
            unit::restore(
                d,
                &deployment_id,
                member,
                &target.version,
                &state,
                &target.config_hash,
            )
            .await,
        );
    }
    let run = RunOutcome {
        deployment_id,
        units,
    };
    finish(d, &run)?;
    Ok(run)
}

/// The members `name` stands for: a plan unit's (itself, or each of a fleet's), or the one fleet
/// member named `UNIT@ENGINE`.
pub(super) fn members_named(d: &Deployer, name: &str) -> Result<Vec<Unit>, OrchestrateError> {
    let plan_name = name.split(MEMBER_SEPARATOR).next().unwrap_or(name);
    let members = d
        .plan
        .units
        .get(plan_name)
        .map(Unit::members)
        .unwrap_or_default();
    let chosen: Vec<Unit> = if plan_name == name {
        members
    } else {
        members.into_iter().filter(|m| m.name == name).collect()
    };
    if chosen.is_empty() {
        return Err(OrchestrateError::Invalid(format!(
            "the plan has no unit `{name}`"
        )));
    }
    Ok(chosen)
}

fn find_target(
    d: &Deployer,
    unit: &str,
    live_version: &str,
    to: Option<&str>,
) -> Result<UnitDeploymentRecord, OrchestrateError> {
    let succeeded = d.store.history(&HistoryFilter {
        environment: Some(d.environment.clone()),
        unit: Some(unit.to_owned()),
        outcomes: vec![Outcome::Succeeded],
        limit: 0,
    })?;
    choose_target(succeeded, live_version, to).ok_or_else(|| {
        OrchestrateError::Invalid(match to {
            Some(version) => format!(
                "version {version} of `{unit}` never succeeded in `{}`",
                d.environment
            ),
            None => format!(
                "no earlier successful version of `{unit}` in `{}` to roll back to",
                d.environment
            ),
        })
    })
}

/// Of a unit's successful deployments (`succeeded`, newest first), the one to return to:
/// version `to`, or else the newest whose version is not the live one.
fn choose_target(
    succeeded: Vec<UnitDeploymentRecord>,
    live_version: &str,
    to: Option<&str>,
) -> Option<UnitDeploymentRecord> {
    succeeded.into_iter().find(|r| match to {
        Some(version) => r.version == version,
        None => r.version != live_version,
    })
}

/// The plugin state recorded when `record` made its version live.
fn recorded_state(d: &Deployer, record: &UnitDeploymentRecord) -> Result<String, OrchestrateError> {
    last_recorded_state(d.store.journal_of(&record.deployment_id)?, &record.unit).ok_or_else(|| {
        OrchestrateError::Invalid(format!(
            "deployment {} of `{}` has no recorded state to return to",
            record.deployment_id, record.unit
        ))
    })
}

/// The state the last `record` step of `unit` in a deployment's `journal` made live.
fn last_recorded_state(journal: Vec<JournalRecord>, unit: &str) -> Option<String> {
    journal
        .into_iter()
        .rev()
        .find(|entry| entry.unit == unit && entry.journal_step() == Ok(JournalStep::Record))
        .map(|entry| entry.detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn succeeded(versions: &[&str]) -> Vec<UnitDeploymentRecord> {
        versions
            .iter()
            .zip(1..)
            .map(|(version, n)| UnitDeploymentRecord {
                deployment_id: format!("d{n}"),
                kind: "apply".into(),
                environment: "staging".into(),
                unit: "web".into(),
                version: (*version).to_owned(),
                plugin_sha256: "p".into(),
                config_hash: format!("c{n}"),
                plan_hash: "h".into(),
                actor: "test".into(),
                commit: None,
                started_at_ms: n,
                finished_at_ms: Some(n),
                outcome: Outcome::Succeeded,
                reason: None,
                approved_by: None,
            })
            .collect()
    }

    fn version_of(target: Option<UnitDeploymentRecord>) -> Option<(String, String)> {
        target.map(|r| (r.version, r.deployment_id))
    }

    #[test]
    fn without_a_version_the_newest_success_that_is_not_live_is_chosen() {
        let history = succeeded(&["v3", "v3", "v2", "v1"]);
        assert_eq!(
            version_of(choose_target(history, "v3", None)),
            Some(("v2".into(), "d3".into()))
        );
    }

    #[test]
    fn a_named_version_is_chosen_at_its_newest_success() {
        let history = succeeded(&["v3", "v1", "v2", "v1"]);
        assert_eq!(
            version_of(choose_target(history, "v3", Some("v1"))),
            Some(("v1".into(), "d2".into()))
        );
    }

    #[test]
    fn nothing_is_chosen_when_no_other_version_or_the_named_one_never_succeeded() {
        assert_eq!(
            version_of(choose_target(succeeded(&["v3"]), "v3", None)),
            None
        );
        assert_eq!(
            version_of(choose_target(succeeded(&["v3", "v2"]), "v3", Some("v9"))),
            None
        );
    }

    fn entry(seq: i64, unit: &str, step: JournalStep, detail: &str) -> JournalRecord {
        JournalRecord {
            seq,
            unit: unit.into(),
            step: step.to_string(),
            detail: detail.into(),
            at_ms: seq,
        }
    }

    #[test]
    fn the_state_to_return_to_is_the_units_last_recorded_one() {
        let journal = vec![
            entry(1, "web", JournalStep::Staged, "staged"),
            entry(2, "web", JournalStep::Record, "first"),
            entry(3, "web", JournalStep::Rollback, "why"),
            entry(4, "web", JournalStep::Record, "second"),
            entry(5, "api", JournalStep::Record, "other unit"),
            entry(6, "web", JournalStep::Forget, ""),
        ];
        assert_eq!(
            last_recorded_state(journal, "web").as_deref(),
            Some("second")
        );
    }

    #[test]
    fn a_deployment_that_recorded_nothing_for_the_unit_has_no_state_to_return_to() {
        let journal = vec![
            entry(1, "web", JournalStep::Staged, "staged"),
            entry(2, "api", JournalStep::Record, "other unit"),
        ];
        assert_eq!(last_recorded_state(journal, "web"), None);
    }
}
