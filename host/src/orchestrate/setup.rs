//! The [`Deployer`]: a plan ready to deploy to one environment, and what making one takes:
//! the environment checked, secrets read (and registered for redaction), every plugin loaded
//! against its grants. Its other jobs live beside it: `provision` (what a plugin may reach),
//! `databases`, `variables` (`${...}` values), `validation` (configs checked by their plugins),
//! `audit` and the journal.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::error::OrchestrateError;
use crate::plan::model::{GateCheck, SecretSource, Unit};
use crate::plan::{Plan, PlanError};
use crate::redact::Redactor;
use crate::report::{CallBook, RecordWriter, Reporter};
use crate::runtime::{ComponentBytes, LoadedPlugin, Runtime, World};
use crate::state::Store;

/// A plan, ready to deploy to one environment.
pub struct Deployer {
    /// The plan.
    pub plan: Plan,
    /// The environment.
    pub environment: String,
    /// History, current state, journal, locks.
    pub store: Arc<dyn Store>,
    /// Where events go.
    pub reporter: Arc<dyn Reporter>,
    /// Secret values to hide from everything written.
    pub redactor: Redactor,
    /// Who runs it.
    pub actor: String,
    /// The git commit of the plan's repository, if any.
    pub commit: Option<String>,
    plugins: BTreeMap<String, Arc<LoadedPlugin>>,
    secrets: BTreeMap<String, Option<String>>,
    /// Where deployments' host calls are kept (none when the record is off).
    pub(super) calls: Option<Arc<CallBook>>,
    /// Whether a required hook failed in this process (see `hooks`).
    pub(super) required_hook_failed: AtomicBool,
}

/// Who and what a run is for, besides the plan.
pub struct Inputs {
    /// The environment.
    pub environment: String,
    /// Who runs it.
    pub actor: String,
    /// The git commit, if any.
    pub commit: Option<String>,
    /// Where its deployments' record is written (none when the record is off).
    pub record: Option<Arc<RecordWriter>>,
}

impl Deployer {
    /// Checks the environment, reads secrets and loads the plugins the plan's units use.
    pub fn new(
        plan: Plan,
        inputs: Inputs,
        store: Arc<dyn Store>,
        runtime: &Runtime,
        reporter: Arc<dyn Reporter>,
        redactor: Redactor,
    ) -> Result<Deployer, OrchestrateError> {
        if !plan.environments.contains_key(&inputs.environment) {
            return Err(OrchestrateError::Invalid(format!(
                "the plan has no environment `{}` (it has: {})",
                inputs.environment,
                plan.environments
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let secrets = read_secrets(&plan, &redactor)?;
        let mut plugins = BTreeMap::new();
        for unit in plan.units.values() {
            let at_unit = ["units", unit.name.as_str(), "plugin"];
            load_as(
                &plan,
                runtime,
                &mut plugins,
                &unit.plugin,
                World::Strategy,
                &at_unit,
            )?;
            for (position, gate) in unit.gates.iter().enumerate() {
                if let GateCheck::Plugin { plugin, .. } = &gate.check {
                    let position = position.to_string();
                    let at_gate = ["units", unit.name.as_str(), "gates", &position, "plugin"];
                    load_as(&plan, runtime, &mut plugins, plugin, World::Gate, &at_gate)?;
                }
            }
        }
        for hook in plan.hooks.values() {
            let at_hook = ["hooks", hook.name.as_str(), "plugin"];
            load_as(
                &plan,
                runtime,
                &mut plugins,
                &hook.plugin,
                World::Hook,
                &at_hook,
            )?;
        }
        let deployer = Deployer {
            calls: inputs
                .record
                .as_ref()
                .map(|record| CallBook::from_env(record, &redactor)),
            plan,
            environment: inputs.environment,
            store,
            reporter,
            redactor,
            actor: inputs.actor,
            commit: inputs.commit,
            plugins,
            secrets,
            required_hook_failed: AtomicBool::default(),
        };
        deployer.redact_database_passwords();
        Ok(deployer)
    }

    /// The value of the secret `name`, if the plan declares it and it is set.
    pub(super) fn secret(&self, name: &str) -> Option<String> {
        self.secrets.get(name).cloned().flatten()
    }

    /// The secrets whose values are too short to be redacted (see
    /// [`crate::redact::MIN_REDACTED_CHARS`]), with their length in characters.
    pub fn short_secrets(&self) -> Vec<(&str, usize)> {
        self.secrets
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.as_deref()?)))
            .filter(|(_, value)| crate::redact::too_short_to_redact(value))
            .map(|(name, value)| (name, value.chars().count()))
            .collect()
    }

    /// The loaded plugin that deploys `unit`.
    pub fn plugin(&self, unit: &Unit) -> Result<&Arc<LoadedPlugin>, OrchestrateError> {
        self.loaded(unit, &unit.plugin)
    }

    /// The loaded plugin `name` a hook runs.
    pub(super) fn hook_plugin(&self, name: &str) -> Option<&Arc<LoadedPlugin>> {
        self.plugins.get(name)
    }

    /// The loaded plugin `name`, used by `unit` (in errors).
    pub(super) fn loaded(
        &self,
        unit: &Unit,
        name: &str,
    ) -> Result<&Arc<LoadedPlugin>, OrchestrateError> {
        self.plugins.get(name).ok_or_else(|| {
            OrchestrateError::Invalid(format!(
                "unit `{}`: plugin `{name}` is not loaded",
                unit.name
            ))
        })
    }
}

/// The value of every secret the plan declares (none: not set), each registered with `redactor`.
pub fn read_secrets(
    plan: &Plan,
    redactor: &Redactor,
) -> Result<BTreeMap<String, Option<String>>, OrchestrateError> {
    let mut values = BTreeMap::new();
    for (name, source) in &plan.secrets {
        let value = match source {
            SecretSource::Env(var) => std::env::var(var).ok(),
            SecretSource::File(path) => match std::fs::read_to_string(path) {
                Ok(text) => Some(text.trim_end_matches(['\n', '\r']).to_owned()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    return Err(OrchestrateError::Secret {
                        name: name.clone(),
                        message: format!("cannot read {}: {e}", path.display()),
                    });
                }
            },
        };
        if let Some(value) = &value {
            redactor.add(value);
        }
        values.insert(name.clone(), value);
    }
    Ok(values)
}

/// Loads the plugin `name` into `plugins` unless it is there, and refuses it, pointing at `used_at`
/// (the plan key that uses it), unless it targets `world`.
fn load_as(
    plan: &Plan,
    runtime: &Runtime,
    plugins: &mut BTreeMap<String, Arc<LoadedPlugin>>,
    name: &str,
    world: World,
    used_at: &[&str],
) -> Result<(), OrchestrateError> {
    let loaded = match plugins.get(name) {
        Some(loaded) => loaded,
        None => plugins
            .entry(name.to_owned())
            .or_insert(Arc::new(load_plugin(plan, name, runtime)?)),
    };
    if loaded.world() == world {
        return Ok(());
    }
    let needed = match world {
        World::Strategy => "a unit's `plugin` deploys it, which needs a strategy plugin",
        World::Gate => "a gate's `plugin` checks with it, which needs a gate plugin",
        World::Hook => "a hook's `plugin` is told of events, which needs a hook plugin",
    };
    Err(PlanError::at(
        plan,
        plan.locate(used_at),
        format!("plugin `{name}` is {}: {needed}", loaded.world().describe()),
    )
    .into())
}

fn load_plugin(
    plan: &Plan,
    name: &str,
    runtime: &Runtime,
) -> Result<LoadedPlugin, OrchestrateError> {
    let decl = &plan.plugins[name];
    let at_plugin = |e: crate::runtime::RuntimeError, key: &str| -> OrchestrateError {
        PlanError::at(plan, plan.locate(&["plugins", name, key]), e.to_string()).into()
    };
    let bytes = ComponentBytes::declared(name, decl, runtime.pulled())
        .map_err(|e| at_plugin(e, "source"))?;
    runtime
        .load(name, &bytes, Some(&decl.grants), decl.limits)
        .map_err(|e| at_plugin(e, "grants"))
}
