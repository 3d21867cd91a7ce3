//! Every unit's config checked before anything is deployed: against its plugin's JSON Schema,
//! then by the plugin's `validate`.

use std::collections::BTreeMap;

use super::error::OrchestrateError;
use super::setup::Deployer;
use super::variables::resolve_config;
use crate::plan::PlanError;
use crate::plan::model::Unit;

impl Deployer {
    /// Checks every unit's config (each fleet member's) against its plugin's JSON Schema and
    /// `validate`. Errors point at the config key in the plan.
    pub async fn validate_configs(&self, version: &str) -> Result<(), OrchestrateError> {
        let mut schemas = BTreeMap::new();
        let members = self.plan.units.values().flat_map(Unit::members);
        for member in members {
            let unit = &member;
            let plugin = self.plugin(unit)?;
            // `info` and `validate` must not touch anything: they get no directories, so a
            // target that a first deployment will fill need not exist yet.
            let mut provision = self.provision(unit, version, "validate");
            provision.grants.files.clear();
            if !schemas.contains_key(&unit.plugin) {
                schemas.insert(
                    unit.plugin.clone(),
                    plugin.info(&provision).await?.config_schema,
                );
            }
            let config = resolve_config(self, unit, version)?;
            super::schema::check(&self.plan, unit, &schemas[&unit.plugin], &config)?;
            let text = config.to_string();
            if let Err(diagnostics) = plugin.validate(&provision, &text).await? {
                let first = diagnostics
                    .first()
                    .map(|d| (d.path.clone(), d.message.clone()))
                    .unwrap_or_default();
                let mut path = vec!["units", unit.plan_name(), "config"];
                path.extend(first.0.split('.').filter(|s| !s.is_empty()));
                let more = match diagnostics.len() {
                    0 | 1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                };
                return Err(PlanError::at(
                    &self.plan,
                    self.plan.locate(&path),
                    format!("unit `{}`: {}{more}", unit.name, first.1),
                )
                .into());
            }
        }
        Ok(())
    }
}
