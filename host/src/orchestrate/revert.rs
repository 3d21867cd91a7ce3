//! `sluice rollback`: bring an earlier successful version of one unit back.

use super::deployment::{begin, finish, new_deployment_id};
use super::error::OrchestrateError;
use super::outcome::RunOutcome;
use super::setup::Deployer;
use super::unit;
use crate::state::{HistoryFilter, Outcome, UnitDeploymentRecord};

/// What `sluice rollback` was asked to do.
#[derive(Debug, Clone)]
pub struct RevertOptions {
    /// The unit.
    pub unit: String,
    /// The version to return to; default: the newest successful one before the live one.
    pub to: Option<String>,
}

/// Returns `options.unit` to an earlier successful version, recorded as a `rollback` deployment.
pub async fn revert(d: &Deployer, options: &RevertOptions) -> Result<RunOutcome, OrchestrateError> {
    let unit = d.plan.units.get(&options.unit).ok_or_else(|| {
        OrchestrateError::Invalid(format!("the plan has no unit `{}`", options.unit))
    })?;
    let live = d
        .store
        .current(&d.environment, &unit.name)?
        .ok_or_else(|| {
            OrchestrateError::Invalid(format!(
                "unit `{}` was never deployed to `{}`: nothing to roll back",
                unit.name, d.environment
            ))
        })?;
    if options.to.as_deref() == Some(live.version.as_str()) {
        return Err(OrchestrateError::Invalid(format!(
            "{} is already live for `{}` in `{}`",
            live.version, unit.name, d.environment
        )));
    }
    let target = find_target(d, &unit.name, &live.version, options.to.as_deref())?;
    let state = recorded_state(d, &target)?;
    let deployment_id = new_deployment_id();
    begin(d, &deployment_id, "rollback", vec![unit.name.clone()])?;
    let result = unit::restore(
        d,
        &deployment_id,
        unit,
        &target.version,
        &state,
        &target.config_hash,
    )
    .await;
    let run = RunOutcome {
        deployment_id,
        units: vec![result],
    };
    finish(d, &run)?;
    Ok(run)
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
