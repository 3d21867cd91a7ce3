//! `sluice apply`: the selected units, wave by wave.

use super::changes::Selection;
use super::error::OrchestrateError;
use super::outcome::{RunOutcome, UnitResult};
use super::setup::Deployer;
use super::{fleet, schedule, unit};
use crate::plan::model::Unit;
use crate::report::Event;
use crate::state::{NewDeployment, Outcome};

/// What `sluice apply` was asked to do.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// The version to deploy.
    pub version: String,
    /// The units to deploy, and why (see `changes::select`).
    pub selection: Selection,
    /// Deploy even when the same version and inputs are already live.
    pub force: bool,
    /// At most this many units deploy at the same time; 0: no limit.
    pub parallel: usize,
    /// The approved plan this run carries out, if it carries one out.
    pub approved: Option<Approved>,
}

/// An approved resolved plan that a run carries out.
#[derive(Debug, Clone)]
pub struct Approved {
    /// The plan's hash.
    pub plan_hash: String,
    /// Who approved it.
    pub by: String,
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
    approved: Option<&Approved>,
) -> Result<String, OrchestrateError> {
    let id = new_deployment_id();
    let approved_by = approved.map(|a| a.by.clone());
    d.store.begin_deployment(&NewDeployment {
        id: id.clone(),
        environment: d.environment.clone(),
        kind: kind.to_owned(),
        plan_hash: d.plan.hash.clone(),
        actor: d.actor.clone(),
        commit: d.commit.clone(),
        started_at_ms: crate::report::time::now_ms(),
        approved_by: approved_by.clone(),
    })?;
    d.audit(
        &id,
        "deployment-started",
        serde_json::json!({
            "kind": kind, "plan_hash": d.plan.hash, "commit": d.commit, "units": units,
            "approved_plan": approved.map(|a| &a.plan_hash), "approved_by": approved_by,
        }),
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

/// Deploys the selected units of the plan at `options.version`: each as soon as the units it
/// depends on are done, at most `options.parallel` at a time; a unit whose dependency did not
/// succeed is skipped.
pub async fn apply(d: &Deployer, options: &ApplyOptions) -> Result<RunOutcome, OrchestrateError> {
    let selected = &options.selection.units;
    let deployment_id = begin(d, "apply", selected.clone(), options.approved.as_ref())?;
    options.selection.report(d.reporter.as_ref());
    let results = schedule::run(&d.plan, selected, options.parallel, |unit, blocked| {
        deploy_unit(d, &deployment_id, unit, options, blocked)
    })
    .await;
    let run = RunOutcome {
        deployment_id,
        units: results,
    };
    finish(d, &run)?;
    Ok(run)
}

/// Deploys one plan unit (each member of a fleet), or skips it when a unit it depends on in
/// `blocked` did not deploy.
async fn deploy_unit(
    d: &Deployer,
    deployment_id: &str,
    unit: &Unit,
    options: &ApplyOptions,
    blocked: Vec<String>,
) -> Vec<UnitResult> {
    let version = options.version.as_str();
    if !blocked.is_empty() {
        let reason = format!("depends on {}, which did not deploy", blocked.join(", "));
        let mut skipped = Vec::new();
        for member in unit.members() {
            skipped.push(unit::skip(d, deployment_id, &member, version, &reason).await);
        }
        return skipped;
    }
    if unit.is_fleet() {
        fleet::deploy(d, deployment_id, unit, version, options.force).await
    } else {
        vec![unit::deploy(d, deployment_id, unit, version, options.force).await]
    }
}
