//! `sluice apply`: the selected units, wave by wave.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;

use super::error::OrchestrateError;
use super::outcome::{RunOutcome, UnitResult};
use super::setup::Deployer;
use super::unit::{self, UnitPlan};
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
    /// Start the deployment even when a plugin says it would be irreversible
    /// (`--allow-irreversible`).
    pub allow_irreversible: bool,
}

/// A new deployment id (time-ordered).
pub(super) fn new_deployment_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Records the start of deployment `id` of `kind` and announces it.
pub(super) fn begin(
    d: &Deployer,
    id: &str,
    kind: &str,
    units: Vec<String>,
) -> Result<(), OrchestrateError> {
    d.store.begin_deployment(&NewDeployment {
        id: id.to_owned(),
        environment: d.environment.clone(),
        kind: kind.to_owned(),
        plan_hash: d.plan.hash.clone(),
        actor: d.actor.clone(),
        commit: d.commit.clone(),
        started_at_ms: crate::report::time::now_ms(),
    })?;
    d.audit(
        id,
        "deployment-started",
        serde_json::json!({ "kind": kind, "plan_hash": d.plan.hash, "commit": d.commit, "units": units }),
    )?;
    d.reporter.event(Event::DeploymentStarted {
        id: id.to_owned(),
        environment: d.environment.clone(),
        kind: kind.to_owned(),
        units,
    });
    Ok(())
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

/// Deploys the selected units of the plan at `options.version`: every unit is planned first
/// (an irreversible plan stops everything unless allowed), then units of one wave deploy at the
/// same time; a unit whose dependency did not succeed is skipped.
pub async fn apply(d: &Deployer, options: &ApplyOptions) -> Result<RunOutcome, OrchestrateError> {
    let selected = select(d, &options.units)?;
    let deployment_id = new_deployment_id();
    let planned = join_all(selected.iter().map(|name| {
        let deployment_id = deployment_id.as_str();
        async move {
            let plan = unit::preflight(
                d,
                deployment_id,
                &d.plan.units[name],
                &options.version,
                options.force,
            )
            .await;
            (name.clone(), plan)
        }
    }))
    .await;
    let mut plans: BTreeMap<String, UnitPlan> = planned.into_iter().collect();
    let irreversible = irreversible_units(&plans);
    if !irreversible.is_empty() && !irreversible_allowed(options) {
        return Err(OrchestrateError::Irreversible(irreversible));
    }
    begin(d, &deployment_id, "apply", selected.clone())?;
    if !irreversible.is_empty() {
        d.audit(
            &deployment_id,
            "irreversible-allowed",
            serde_json::json!({ "units": irreversible }),
        )?;
    }
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
            let plan = plans.remove(name).unwrap_or(UnitPlan::Planned(Err(
                "plan: the unit was not planned".to_owned(),
            )));
            async move {
                if blocked.is_empty() {
                    unit::deploy(d, deployment_id, unit, &options.version, plan).await
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

/// Each unit whose plan is irreversible, with the plugin's reasons.
fn irreversible_units(plans: &BTreeMap<String, UnitPlan>) -> BTreeMap<String, Vec<String>> {
    plans
        .iter()
        .filter(|(_, plan)| !plan.irreversible().is_empty())
        .map(|(unit, plan)| (unit.clone(), plan.irreversible().to_vec()))
        .collect()
}

/// Whether a deployment some plugin calls irreversible may start. The one place that decides
/// it: today `--allow-irreversible`; an approval of the plan (when approvals land) will be
/// accepted here as well.
fn irreversible_allowed(options: &ApplyOptions) -> bool {
    options.allow_irreversible
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
