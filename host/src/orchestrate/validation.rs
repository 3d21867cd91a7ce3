//! Every config checked before anything is deployed — each unit's, each plugin gate's and each
//! hook's —
//! against its plugin's JSON Schema, then by the plugin's `validate`.

use std::collections::BTreeMap;

use super::error::OrchestrateError;
use super::gating::plugin_config;
use super::setup::Deployer;
use super::variables::resolve_config;
use crate::caps::Provision;
use crate::plan::PlanError;
use crate::plan::model::{GateCheck, Unit};
use crate::runtime::LoadedPlugin;

/// One config to check, and where it is.
pub(super) struct Checked<'a> {
    /// Who it belongs to, for messages: ``unit `web` ``, ``unit `web`, gate 2``.
    pub owner: String,
    /// The plugin that reads it.
    pub plugin: &'a str,
    /// Its key path in the plan (`units.web.config`).
    pub at: Vec<&'a str>,
    /// The config, resolved.
    pub config: &'a serde_json::Value,
}

impl Deployer {
    /// Checks every unit's config (each fleet member's), every plugin gate's and every hook's
    /// against its
    /// plugin's JSON Schema and `validate`. Errors point at the config key in the plan.
    pub async fn validate_configs(&self, version: &str) -> Result<(), OrchestrateError> {
        let mut schemas = BTreeMap::new();
        let members = self.plan.units.values().flat_map(Unit::members);
        for member in members {
            let unit = &member;
            let config = resolve_config(self, unit, version)?;
            let checked = Checked {
                owner: format!("unit `{}`", unit.name),
                plugin: &unit.plugin,
                at: vec!["units", unit.plan_name(), "config"],
                config: &config,
            };
            self.check_unit_config(&mut schemas, unit, version, &checked)
                .await?;
            for (position, gate) in unit.gates.iter().enumerate() {
                let GateCheck::Plugin { plugin, config, .. } = &gate.check else {
                    continue;
                };
                // What is known only when the gate runs (staged endpoints) stays as written.
                let lookup = |name: &str| {
                    self.variable(unit, version, &[], name)
                        .or_else(|| Some(format!("${{{name}}}")))
                };
                let config = plugin_config(config, &lookup).map_err(|e| {
                    PlanError::at(
                        &self.plan,
                        self.plan.locate(&["units", unit.plan_name(), "gates"]),
                        format!("unit `{}`: {e}", unit.name),
                    )
                })?;
                let position_text = position.to_string();
                let checked = Checked {
                    owner: format!("unit `{}`, gate {}", unit.name, position + 1),
                    plugin,
                    at: vec!["units", unit.plan_name(), "gates", &position_text, "config"],
                    config: &config,
                };
                self.check_unit_config(&mut schemas, unit, version, &checked)
                    .await?;
            }
        }
        for hook in self.plan.hooks.values() {
            let config = self.hook_config(hook).map_err(|e| {
                PlanError::at(
                    &self.plan,
                    self.plan.locate(&["hooks", &hook.name, "config"]),
                    format!("hook `{}`: {e}", hook.name),
                )
            })?;
            let checked = Checked {
                owner: format!("hook `{}`", hook.name),
                plugin: &hook.plugin,
                at: vec!["hooks", &hook.name, "config"],
                config: &config,
            };
            let plugin = self.hook_plugin(&hook.plugin).ok_or_else(|| {
                OrchestrateError::Invalid(format!("plugin `{}` is not loaded", hook.plugin))
            })?;
            let provision = self.hook_provision(hook, None);
            self.check_config(&mut schemas, plugin, &provision, &checked)
                .await?;
        }
        Ok(())
    }

    /// [`Deployer::check_config`] of a config of `unit` (its own or a gate's).
    async fn check_unit_config(
        &self,
        schemas: &mut BTreeMap<String, String>,
        unit: &Unit,
        version: &str,
        checked: &Checked<'_>,
    ) -> Result<(), OrchestrateError> {
        let plugin = self.loaded(unit, checked.plugin)?;
        // `info` and `validate` must not touch anything: they get no directories, so a
        // target that a first deployment will fill need not exist yet.
        let mut provision = self.provision_of(checked.plugin, unit, version, "validate");
        provision.grants.files.clear();
        self.check_config(schemas, plugin, &provision, checked)
            .await
    }

    /// Checks one config against its plugin's schema (fetched once per plugin into `schemas`)
    /// and `validate`.
    async fn check_config(
        &self,
        schemas: &mut BTreeMap<String, String>,
        plugin: &LoadedPlugin,
        provision: &Provision,
        checked: &Checked<'_>,
    ) -> Result<(), OrchestrateError> {
        if !schemas.contains_key(checked.plugin) {
            schemas.insert(
                checked.plugin.to_owned(),
                plugin.info(provision).await?.config_schema,
            );
        }
        super::schema::check(&self.plan, checked, &schemas[checked.plugin])?;
        let Err(diagnostics) = plugin
            .validate(provision, &checked.config.to_string())
            .await?
        else {
            return Ok(());
        };
        let first = diagnostics
            .first()
            .map(|d| (d.path.clone(), d.message.clone()))
            .unwrap_or_default();
        let mut path = checked.at.clone();
        path.extend(first.0.split('.').filter(|s| !s.is_empty()));
        let more = match diagnostics.len() {
            0 | 1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        Err(PlanError::at(
            &self.plan,
            self.plan.locate(&path),
            format!("{}: {}{more}", checked.owner, first.1),
        )
        .into())
    }
}
