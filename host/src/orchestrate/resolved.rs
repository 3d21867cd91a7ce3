//! The resolved plan: what `apply` would do in one environment at one version — for each unit
//! (each fleet member), the plugin's digest, the hash of its resolved config, what is live, the
//! changes its plugin plans, its gates — and the hash of all that, which approvals are bound to.
//! The same inputs give the same hash; a changed plan file, plugin, config, live version or
//! planned change gives another, which no approval covers.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::OrchestrateError;
use super::failure::UnitFailure;
use super::setup::Deployer;
use super::unit::{change_line, config_hash};
use super::variables::resolve_config;
use crate::plan::model::Unit;
use crate::runtime::Call;
use crate::wit::types::ChangeAction;

/// The format tag of a plan document (`sluice plan --out`).
pub const PLAN_FORMAT: &str = "sluice-plan/1";

/// What one `apply` would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedPlan {
    /// The project.
    pub project: String,
    /// The environment.
    pub environment: String,
    /// The version to deploy.
    pub version: String,
    /// sha256 of the plan file.
    pub plan_file_sha256: String,
    /// The plan's units selected, by name.
    pub selected: Vec<String>,
    /// Each unit, or each fleet member, in plan order.
    pub units: Vec<PlannedUnit>,
}

/// One unit (or fleet member) of a resolved plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedUnit {
    /// The unit (`UNIT@ENGINE` for a fleet member).
    pub unit: String,
    /// The plugin's name in the plan.
    pub plugin: String,
    /// sha256 of the plugin's component.
    pub plugin_sha256: String,
    /// sha256 of the plugin digest and the resolved config (secrets included, never shown).
    pub config_sha256: String,
    /// The version live now, if any.
    pub live: Option<String>,
    /// What the plugin says would change (no-ops left out), or why it could not say.
    pub changes: Vec<String>,
    /// Why the plugin says the deployment would be irreversible (empty: it could be undone).
    #[serde(default)]
    pub irreversible: Vec<String>,
    /// Why the plugin could not plan (then `changes` says so too), if it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Its gates, every setting shown.
    pub gates: Vec<String>,
    /// Units it depends on.
    pub depends_on: Vec<String>,
    /// Its canary steps, the cut-over included (`weight 10%`, `wait 1m`, `pause`, `weight 100%`).
    pub steps: Vec<String>,
    /// The atomic group it is released with, if any (see `[groups]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// The file `sluice plan --out` writes and `sluice apply PLAN` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDocument {
    /// [`PLAN_FORMAT`].
    pub format: String,
    /// [`ResolvedPlan::hash`] of `plan`.
    pub hash: String,
    /// The plan.
    pub plan: ResolvedPlan,
}

impl ResolvedPlan {
    /// sha256 of the plan's canonical JSON (object keys sorted, no whitespace).
    pub fn hash(&self) -> String {
        let canonical = serde_json::to_value(self)
            .map(|value| value.to_string())
            .unwrap_or_default();
        hex::encode(Sha256::digest(canonical.as_bytes()))
    }

    /// The planned unit (or fleet member) named `unit`.
    pub fn unit(&self, unit: &str) -> Option<&PlannedUnit> {
        self.units.iter().find(|planned| planned.unit == unit)
    }

    /// The plan as a document to write.
    pub fn document(&self) -> PlanDocument {
        PlanDocument {
            format: PLAN_FORMAT.to_owned(),
            hash: self.hash(),
            plan: self.clone(),
        }
    }

    /// What differs from `other` (an earlier resolution of the same plan), first difference
    /// first; empty when they are the same.
    pub fn differences(&self, other: &ResolvedPlan) -> Vec<String> {
        let mut found = Vec::new();
        if self.plan_file_sha256 != other.plan_file_sha256 {
            found.push("the plan file changed".to_owned());
        }
        if self.selected != other.selected {
            found.push(format!(
                "the units selected changed ({} then, {} now)",
                other.selected.join(", "),
                self.selected.join(", ")
            ));
        }
        for now in &self.units {
            let Some(then) = other.units.iter().find(|u| u.unit == now.unit) else {
                found.push(format!("unit {} was not in the plan", now.unit));
                continue;
            };
            let unit = &now.unit;
            if now.plugin_sha256 != then.plugin_sha256 {
                found.push(format!("unit {unit}: its plugin changed"));
            }
            if now.config_sha256 != then.config_sha256 {
                found.push(format!("unit {unit}: its resolved config changed"));
            }
            if now.live != then.live {
                found.push(format!(
                    "unit {unit}: the live version changed ({} then, {} now)",
                    then.live.as_deref().unwrap_or("none"),
                    now.live.as_deref().unwrap_or("none")
                ));
            }
            if now.changes != then.changes || now.irreversible != then.irreversible {
                found.push(format!("unit {unit}: its planned changes differ"));
            }
            if now.gates != then.gates
                || now.depends_on != then.depends_on
                || now.steps != then.steps
                || now.group != then.group
            {
                found.push(format!(
                    "unit {unit}: its gates, dependencies, steps or group changed"
                ));
            }
        }
        if found.is_empty() && self != other {
            found.push("the project, environment or version differ".to_owned());
        }
        found
    }
}

/// Resolves what applying `version` to the `selected` units would do, asking each plugin to plan
/// (a dry run: nothing changes).
pub async fn resolve(
    d: &Deployer,
    version: &str,
    selected: &[String],
) -> Result<ResolvedPlan, OrchestrateError> {
    let mut units = Vec::new();
    let members = d
        .plan
        .units
        .values()
        .filter(|unit| selected.contains(&unit.name))
        .flat_map(Unit::members);
    for member in members {
        units.push(planned(d, &member, version).await?);
    }
    Ok(ResolvedPlan {
        project: d.plan.project.name.clone(),
        environment: d.environment.clone(),
        version: version.to_owned(),
        plan_file_sha256: d.plan.hash.clone(),
        selected: selected.to_vec(),
        units,
    })
}

async fn planned(
    d: &Deployer,
    unit: &Unit,
    version: &str,
) -> Result<PlannedUnit, OrchestrateError> {
    let current = d.store.current(&d.environment, &unit.name)?;
    let config = resolve_config(d, unit, version)?.to_string();
    let plugin = d.plugin(unit)?;
    let ctx = d.context("plan", unit, version, true);
    let provision = d.provision(unit, version, "plan");
    let planned = plugin
        .plan(
            &provision,
            &ctx,
            &config,
            current.as_ref().map(|c| c.state.as_str()),
        )
        .await;
    let redacted = |text: &str| d.redactor.redact(text).into_owned();
    let (changes, irreversible, failure) = match UnitFailure::from_call(Call::Plan, planned) {
        Ok(planned) => (
            planned
                .changes
                .iter()
                .filter(|c| c.action != ChangeAction::NoOp)
                .map(|change| redacted(&change_line(change)))
                .collect(),
            planned.irreversible.iter().map(|r| redacted(r)).collect(),
            None,
        ),
        Err(failure) => {
            let reason = redacted(&failure.to_string());
            (
                vec![format!("cannot plan: {reason}")],
                Vec::new(),
                Some(reason),
            )
        }
    };
    Ok(PlannedUnit {
        unit: unit.name.clone(),
        plugin: unit.plugin.clone(),
        plugin_sha256: plugin.sha256.clone(),
        config_sha256: config_hash(&plugin.sha256, &config),
        live: current.map(|c| c.version),
        changes,
        irreversible,
        failure,
        gates: unit.gates.iter().map(|gate| gate.describe()).collect(),
        depends_on: unit.depends_on.clone(),
        steps: unit.rollout().iter().map(ToString::to_string).collect(),
        group: d
            .plan
            .atomic_group_of(unit.plan_name())
            .map(|group| group.name.clone()),
    })
}
