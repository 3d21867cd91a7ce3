//! `sluice apply`: the selected units, wave by wave.

use std::collections::BTreeMap;

use super::changes::Selection;
use super::error::OrchestrateError;
use super::groups::{self, Ledger};
use super::hooks::Occurrence;
use super::outcome::{RunOutcome, UnitResult};
use super::paused::{carry_on, refuse_if_paused};
use super::resolved::{ResolvedPlan, resolve};
use super::schedule::Blocked;
use super::setup::Deployer;
use super::{fleet, schedule, unit};
use crate::plan::model::{HookEventKind, Unit};
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
    /// Start the deployment even when a plugin says it would be irreversible
    /// (`--allow-irreversible`).
    pub allow_irreversible: bool,
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

/// Records the start of a deployment of `kind`, announces it and tells the hooks.
pub(super) async fn begin(
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
        started_at_ms: crate::clock::now_ms(),
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
    let occurrence = Occurrence {
        deployment_id: Some(&id),
        ..Occurrence::default()
    };
    d.fire(HookEventKind::DeploymentStarted, occurrence).await;
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
/// succeed is skipped. A deployment a plugin calls irreversible does not start unless allowed.
pub async fn apply(d: &Deployer, options: &ApplyOptions) -> Result<RunOutcome, OrchestrateError> {
    let selected = &options.selection.units;
    refuse_if_paused(d, selected)?;
    let resolved = resolve(d, &options.version, selected).await?;
    let irreversible = irreversible_units(d, &resolved, options)?;
    if !irreversible.is_empty() && !irreversible_allowed(options) {
        return Err(OrchestrateError::Irreversible(irreversible));
    }
    let deployment_id = begin(d, "apply", selected.clone(), options.approved.as_ref()).await?;
    options.selection.report(d.reporter.as_ref());
    if !irreversible.is_empty() {
        d.audit(
            &deployment_id,
            "irreversible-allowed",
            serde_json::json!({
                "units": irreversible, "by_flag": options.allow_irreversible,
                "approved_plan": options.approved.as_ref().map(|a| &a.plan_hash),
            }),
        )?;
    }
    let ledger = Ledger::default();
    let mut results = schedule::run(&d.plan, selected, options.parallel, |unit, blocked| {
        let (deployment_id, resolved, ledger) = (&deployment_id, &resolved, &ledger);
        async move {
            let results =
                deploy_unit(d, deployment_id, unit, options, resolved, blocked, ledger).await;
            ledger.add(&results);
            results
        }
    })
    .await;
    groups::undo_broken(d, &deployment_id, &mut results).await?;
    let run = RunOutcome {
        deployment_id,
        units: results,
    };
    finish(d, &run)?;
    Ok(run)
}

/// Deploys one plan unit (each member of a fleet) as `resolved` planned it, or skips it when a
/// unit it depends on in `blocked` did not deploy or its atomic group broke (`ledger`: how the
/// units before it ended).
async fn deploy_unit(
    d: &Deployer,
    deployment_id: &str,
    unit: &Unit,
    options: &ApplyOptions,
    resolved: &ResolvedPlan,
    blocked: Vec<Blocked>,
    ledger: &Ledger,
) -> Vec<UnitResult> {
    let version = options.version.as_str();
    if let Some(reason) = ledger.stopped(&d.plan, unit) {
        return skip_all(d, deployment_id, unit, version, &reason).await;
    }
    if !blocked.is_empty() {
        let why: Vec<String> = blocked
            .iter()
            .map(|(dependency, outcome)| match outcome {
                Outcome::Paused => format!(
                    "{dependency}, which is paused ({})",
                    carry_on(&d.environment, dependency)
                ),
                _ => format!("{dependency}, which did not deploy"),
            })
            .collect();
        let reason = format!("depends on {}", why.join(", "));
        return skip_all(d, deployment_id, unit, version, &reason).await;
    }
    if unit.is_fleet() {
        fleet::deploy(d, deployment_id, unit, version, options.force, resolved).await
    } else {
        let planned = resolved.unit(&unit.name);
        vec![unit::deploy(d, deployment_id, unit, version, options.force, planned).await]
    }
}

/// Skips every member of `unit` for `reason`.
async fn skip_all(
    d: &Deployer,
    deployment_id: &str,
    unit: &Unit,
    version: &str,
    reason: &str,
) -> Vec<UnitResult> {
    let mut skipped = Vec::new();
    for member in unit.members() {
        skipped.push(unit::skip(d, deployment_id, &member, version, reason).await);
    }
    skipped
}

/// The units (fleet members) of `resolved` whose plugin says deploying them would be
/// irreversible, with its reasons; a unit that would not deploy (already live, not forced) is
/// left out.
fn irreversible_units(
    d: &Deployer,
    resolved: &ResolvedPlan,
    options: &ApplyOptions,
) -> Result<BTreeMap<String, Vec<String>>, OrchestrateError> {
    let mut found = BTreeMap::new();
    for planned in resolved.units.iter().filter(|u| !u.irreversible.is_empty()) {
        let live = d
            .store
            .current(&d.environment, &planned.unit)?
            .is_some_and(|current| {
                current.version == options.version
                    && current.plugin_sha256 == planned.plugin_sha256
                    && current.config_hash == planned.config_sha256
            });
        if options.force || !live {
            found.insert(planned.unit.clone(), planned.irreversible.clone());
        }
    }
    Ok(found)
}

/// Whether a deployment some plugin calls irreversible may start. The one place that decides
/// it: `--allow-irreversible`, or an approved plan (whose hash covers the plugins' reasons, so
/// the approver saw them).
fn irreversible_allowed(options: &ApplyOptions) -> bool {
    options.allow_irreversible || options.approved.is_some()
}
