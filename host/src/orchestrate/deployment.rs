//! `sluice apply`: the selected units, wave by wave.

use std::collections::BTreeSet;

use futures::future::join_all;

use super::error::OrchestrateError;
use super::outcome::{RunOutcome, UnitResult};
use super::setup::Deployer;
use super::unit;
use crate::plan::graph;
use crate::report::Event;
use crate::state::{NewDeployment, Outcome};

/// What `sluice apply` was asked to do.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// The version to deploy.
    pub version: String,
    /// Only these units (and nothing else); empty means every unit.
    pub units: Vec<String>,
    /// Deploy even when the same version and inputs are already live.
    pub force: bool,
}

/// A new deployment id (time-ordered).
pub(super) fn new_deployment_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Records the start of a deployment of `kind` and announces it.
pub(super) fn begin(
    d: &Deployer,
    kind: &str,
    units: Vec<String>,
) -> Result<String, OrchestrateError> {
    let id = new_deployment_id();
    d.store.begin_deployment(&NewDeployment {
        id: id.clone(),
        environment: d.environment.clone(),
        kind: kind.to_owned(),
        plan_hash: d.plan.hash.clone(),
        actor: d.actor.clone(),
        commit: d.commit.clone(),
        started_at_ms: crate::report::time::now_ms(),
    })?;
    d.audit(
        &id,
        "deployment-started",
        serde_json::json!({ "kind": kind, "plan_hash": d.plan.hash, "commit": d.commit, "units": units }),
    )?;
    d.reporter.event(Event::DeploymentStarted {
        id: id.clone(),
        environment: d.environment.clone(),
        kind: kind.to_owned(),
        units,
    });
    Ok(id)
}

/// Records how a deployment ended.
pub(super) fn finish(d: &Deployer, run: &RunOutcome) -> Result<(), OrchestrateError> {
    let reason = run
        .units
        .iter()
        .filter_map(|u| {
            u.reason
                .as_ref()
                .filter(|_| u.outcome != Outcome::Unchanged)
                .map(|r| format!("{}: {r}", u.unit))
        })
        .collect::<Vec<_>>();
    let reason = (!reason.is_empty()).then(|| reason.join("; "));
    d.store
        .finish_deployment(&run.deployment_id, run.overall(), reason.as_deref())?;
    d.audit(
        &run.deployment_id,
        "deployment-finished",
        serde_json::json!({ "outcome": run.overall(), "reason": reason }),
    )?;
    Ok(())
}

/// Deploys the selected units of the plan at `options.version`: units of one wave at the same
/// time; a unit whose dependency did not succeed is skipped.
pub async fn apply(d: &Deployer, options: &ApplyOptions) -> Result<RunOutcome, OrchestrateError> {
    let selected = select(d, &options.units)?;
    let deployment_id = begin(d, "apply", selected.clone())?;
    let mut results: Vec<UnitResult> = Vec::new();
    let mut broken: BTreeSet<String> = BTreeSet::new();
    for wave in graph::waves(&d.plan, &selected) {
        let runs = wave.iter().map(|name| {
            let unit = &d.plan.units[name];
            let blocked: Vec<&String> = unit
                .depends_on
                .iter()
                .filter(|dep| broken.contains(*dep))
                .collect();
            let deployment_id = deployment_id.as_str();
            async move {
                if blocked.is_empty() {
                    unit::deploy(d, deployment_id, unit, &options.version, options.force).await
                } else {
                    let names: Vec<&str> = blocked.iter().map(|s| s.as_str()).collect();
                    unit::skip(
                        d,
                        deployment_id,
                        unit,
                        &options.version,
                        &format!("depends on {}, which did not deploy", names.join(", ")),
                    )
                    .await
                }
            }
        });
        for result in join_all(runs).await {
            if !matches!(result.outcome, Outcome::Succeeded | Outcome::Unchanged) {
                broken.insert(result.unit.clone());
            }
            results.push(result);
        }
    }
    let run = RunOutcome {
        deployment_id,
        units: results,
    };
    finish(d, &run)?;
    Ok(run)
}

/// The units to deploy: all, or the named ones (each must exist).
fn select(d: &Deployer, names: &[String]) -> Result<Vec<String>, OrchestrateError> {
    if names.is_empty() {
        return Ok(d.plan.units.keys().cloned().collect());
    }
    for name in names {
        if !d.plan.units.contains_key(name) {
            return Err(OrchestrateError::Invalid(format!(
                "the plan has no unit `{name}` (it has: {})",
                d.plan.units.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    Ok(names.to_vec())
}
