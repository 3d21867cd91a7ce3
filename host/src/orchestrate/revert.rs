//! `sluice rollback`: bring an earlier successful version of one unit back.

use super::deployment::{begin, finish};
use super::error::OrchestrateError;
use super::outcome::RunOutcome;
use super::setup::Deployer;
use super::unit;
use crate::plan::model::{MEMBER_SEPARATOR, Unit};
use crate::state::{HistoryFilter, Outcome, UnitDeploymentRecord};

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
    let deployment_id = begin(d, "rollback", names, None)?;
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
fn members_named(d: &Deployer, name: &str) -> Result<Vec<Unit>, OrchestrateError> {
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
    let found = succeeded.into_iter().find(|r| match to {
        Some(version) => r.version == version,
        None => r.version != live_version,
    });
    found.ok_or_else(|| {
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

/// The plugin state recorded when `record` made its version live.
fn recorded_state(d: &Deployer, record: &UnitDeploymentRecord) -> Result<String, OrchestrateError> {
    d.store
        .journal_of(&record.deployment_id)?
        .into_iter()
        .rev()
        .find(|entry| entry.unit == record.unit && entry.step == "record")
        .map(|entry| entry.detail)
        .ok_or_else(|| {
            OrchestrateError::Invalid(format!(
                "deployment {} of `{}` has no recorded state to return to",
                record.deployment_id, record.unit
            ))
        })
}
