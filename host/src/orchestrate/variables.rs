//! What `${...}` stands for in a unit's config and gates, and the lifecycle context.

use super::error::OrchestrateError;
use super::setup::Deployer;
use crate::plan::PlanError;
use crate::plan::interpolate::{Reference, interpolate_json};
use crate::plan::model::{LOCAL_ENGINE_ADDRESS, Unit};
use crate::wit::types::Context;

impl Deployer {
    /// The value of `${name}` for `unit` (a plan unit or a fleet member) at `version`, with the
    /// staged endpoints once known.
    pub fn variable(
        &self,
        unit: &Unit,
        version: &str,
        staged: &[String],
        name: &str,
    ) -> Option<String> {
        match Reference::parse(name)? {
            Reference::Version => Some(version.to_owned()),
            Reference::Environment => Some(self.environment.clone()),
            Reference::Unit => Some(unit.plan_name().to_owned()),
            Reference::Project => Some(self.plan.project.name.clone()),
            Reference::StagedEndpoint(index) => staged.get(index).cloned(),
            Reference::Secret(secret) => self.secret(&secret),
            Reference::Engine => unit.engine().map(str::to_owned),
            Reference::EngineAddress => unit.engine().map(|engine| {
                self.plan.docker.get(engine).map_or_else(
                    || LOCAL_ENGINE_ADDRESS.to_owned(),
                    |declared| declared.address.clone(),
                )
            }),
        }
    }

    /// The lifecycle context for `unit`.
    pub fn context(
        &self,
        deployment_id: &str,
        unit: &Unit,
        version: &str,
        dry_run: bool,
    ) -> Context {
        Context {
            deployment_id: deployment_id.to_owned(),
            environment: self.environment.clone(),
            unit: unit.name.clone(),
            version: version.to_owned(),
            dry_run,
        }
    }
}

/// `unit`'s config with `${...}` resolved for `version`.
pub fn resolve_config(
    deployer: &Deployer,
    unit: &Unit,
    version: &str,
) -> Result<serde_json::Value, OrchestrateError> {
    interpolate_json(&unit.config, &|name| {
        deployer.variable(unit, version, &[], name)
    })
    .map_err(|e| {
        PlanError::at(
            &deployer.plan,
            deployer.plan.locate(&["units", unit.plan_name(), "config"]),
            format!("unit `{}`: {e}", unit.name),
        )
        .into()
    })
}
