//! Everything a run needs before the first lifecycle call: the environment checked, secrets
//! read (and registered for redaction), every plugin loaded against its grants, and every unit's
//! config validated by its plugin.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::error::OrchestrateError;
use super::snapshots::JournaledSnapshots;
use crate::caps::log::{DEFAULT_BUDGET_BYTES, LogBudget};
use crate::caps::sql::{DatabaseTarget, Snapshots, SqlGrant};
use crate::caps::{Provision, containers};
use crate::plan::interpolate::{InterpolateError, interpolate, interpolate_json};
use crate::plan::model::{LOCAL_ENGINE_ADDRESS, PluginSource, SecretSource, StateConfig, Unit};
use crate::plan::{Plan, PlanError};
use crate::report::{PluginLogs, Redactor, Reporter};
use crate::runtime::{ComponentBytes, LoadedPlugin, Runtime};
use crate::state::audit::AuditEntry;
use crate::state::{StateError, Store};
use crate::wit::types::Context;

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
}

/// Who and what a run is for, besides the plan.
pub struct Inputs {
    /// The environment.
    pub environment: String,
    /// Who runs it.
    pub actor: String,
    /// The git commit, if any.
    pub commit: Option<String>,
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
            if !plugins.contains_key(&unit.plugin) {
                plugins.insert(
                    unit.plugin.clone(),
                    Arc::new(load_plugin(&plan, &unit.plugin, runtime)?),
                );
            }
        }
        let deployer = Deployer {
            plan,
            environment: inputs.environment,
            store,
            reporter,
            redactor,
            actor: inputs.actor,
            commit: inputs.commit,
            plugins,
            secrets,
        };
        deployer.redact_database_passwords();
        Ok(deployer)
    }

    /// Appends `event` of deployment `deployment_id` to the audit log, its detail redacted.
    pub fn audit(
        &self,
        deployment_id: &str,
        event: &str,
        detail: serde_json::Value,
    ) -> Result<(), StateError> {
        let entry = AuditEntry {
            at_ms: crate::report::time::now_ms(),
            actor: self.actor.clone(),
            environment: self.environment.clone(),
            deployment_id: deployment_id.to_owned(),
            event: event.to_owned(),
            detail: self.redactor.redact(&detail.to_string()).into_owned(),
        };
        self.store.audit_append(&entry).map(|_| ())
    }

    /// The loaded plugin that deploys `unit`.
    pub fn plugin(&self, unit: &Unit) -> Result<&Arc<LoadedPlugin>, OrchestrateError> {
        self.plugins.get(&unit.plugin).ok_or_else(|| {
            OrchestrateError::Invalid(format!(
                "unit `{}`: plugin `{}` is not loaded",
                unit.name, unit.plugin
            ))
        })
    }

    /// What `unit`'s plugin may reach while planning or validating `version` in deployment
    /// `deployment_id` (a fresh log budget each time); a fleet member reaches its own engine
    /// only. Its databases open read-only, and it cannot take backups.
    pub fn provision(&self, unit: &Unit, version: &str, deployment_id: &str) -> Provision {
        let decl = &self.plan.plugins[&unit.plugin];
        Provision {
            plugin: unit.plugin.clone(),
            unit: unit.name.clone(),
            grants: decl.grants.clone(),
            secrets: decl
                .grants
                .secrets
                .iter()
                .map(|name| (name.clone(), self.secrets.get(name).cloned().flatten()))
                .collect(),
            log: Arc::new(PluginLogs(self.reporter.clone())),
            log_budget: Arc::new(LogBudget::new(DEFAULT_BUDGET_BYTES)),
            docker: engines_of(&self.plan, unit),
            container_labels: containers::host_labels(
                &unit.name,
                &self.environment,
                version,
                deployment_id,
            ),
            sql: SqlGrant {
                databases: self.databases(unit),
                read_only: true,
                snapshots: None,
            },
        }
    }

    /// What `unit`'s plugin may reach while deploying `version` in deployment `deployment_id`:
    /// as [`Deployer::provision`], with its databases writable and backups recorded in this
    /// deployment.
    pub fn deploying(&self, unit: &Unit, version: &str, deployment_id: &str) -> Provision {
        let mut provision = self.provision(unit, version, deployment_id);
        provision.sql.read_only = false;
        provision.sql.snapshots = Some(Snapshots {
            dir: self.snapshot_dir(),
            ledger: Arc::new(JournaledSnapshots {
                store: self.store.clone(),
                environment: self.environment.clone(),
                unit: unit.name.clone(),
                deployment_id: deployment_id.to_owned(),
            }),
        });
        provision
    }

    /// Where database backups are kept: `snapshots/` beside an SQLite state database; with
    /// PostgreSQL state, `.sluice/snapshots/` beside the plan (on the machine that ran the
    /// deployment, which is where a rollback must run to restore one).
    fn snapshot_dir(&self) -> PathBuf {
        match &self.plan.state {
            StateConfig::Sqlite(state) => state
                .parent()
                .map_or_else(|| PathBuf::from("snapshots"), |dir| dir.join("snapshots")),
            StateConfig::Postgres(_) => self.plan.dir.join(".sluice").join("snapshots"),
        }
    }

    /// The databases granted to `unit`'s plugin, their urls resolved for this environment.
    fn databases(&self, unit: &Unit) -> BTreeMap<String, Result<DatabaseTarget, String>> {
        self.plan.plugins[&unit.plugin]
            .grants
            .databases
            .iter()
            .filter_map(|name| Some((name.clone(), self.database(name)?)))
            .collect()
    }

    /// Where the database `name` is in this environment (its url resolved), or why that cannot
    /// be said; none when the plan declares no such database.
    fn database(&self, name: &str) -> Option<Result<DatabaseTarget, String>> {
        let decl = self.plan.databases.get(name)?;
        let url = interpolate(&decl.url, &|reference| match reference {
            "environment" => Some(self.environment.clone()),
            "project" => Some(self.plan.project.name.clone()),
            _ => self
                .secrets
                .get(reference.strip_prefix("secret.")?)
                .cloned()
                .flatten(),
        });
        Some(match url {
            Ok(url) => DatabaseTarget::parse(&url, &self.plan.dir),
            Err(InterpolateError::Unknown(reference)) => {
                Err(match reference.strip_prefix("secret.") {
                    Some(secret) => format!(
                        "its url refers to secret `{secret}`, which has no value in this environment"
                    ),
                    None => format!("its url refers to `${{{reference}}}`, which has no value"),
                })
            }
            Err(other) => Err(format!("its url cannot be resolved: {other}")),
        })
    }

    /// Hides the password of every PostgreSQL database url from everything sluice writes
    /// (the url may be a secret as a whole, but an error could show the password alone).
    fn redact_database_passwords(&self) {
        for name in self.plan.databases.keys() {
            if let Some(Ok(DatabaseTarget::Postgres(pg))) = self.database(name)
                && let Some(password) = &pg.password
            {
                self.redactor.add(password);
            }
        }
    }

    /// The value of `${name}` for `unit` (a plan unit or a fleet member) at `version`, with the
    /// staged endpoints once known.
    pub fn variable(
        &self,
        unit: &Unit,
        version: &str,
        staged: &[String],
        name: &str,
    ) -> Option<String> {
        match name {
            "version" => Some(version.to_owned()),
            "environment" => Some(self.environment.clone()),
            "unit" => Some(unit.plan_name().to_owned()),
            "project" => Some(self.plan.project.name.clone()),
            "staged.endpoint" => staged.first().cloned(),
            "engine" => unit.engine().map(str::to_owned),
            "engine.address" => unit.engine().map(|engine| {
                self.plan.docker.get(engine).map_or_else(
                    || LOCAL_ENGINE_ADDRESS.to_owned(),
                    |declared| declared.address.clone(),
                )
            }),
            _ => {
                if let Some(index) = name.strip_prefix("staged.endpoints.") {
                    return index
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| staged.get(i).cloned());
                }
                let secret = name.strip_prefix("secret.")?;
                self.secrets.get(secret).cloned().flatten()
            }
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

/// The Docker engines `unit`'s plugin may use: its granted ones, or a fleet member's own.
pub fn engines_of(plan: &Plan, unit: &Unit) -> Vec<containers::EngineAddress> {
    containers::granted_engines(&plan.docker, &plan.plugin_for(unit).grants)
        .into_iter()
        .filter(|engine| unit.engine().is_none_or(|only| engine.name == only))
        .collect()
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

fn load_plugin(
    plan: &Plan,
    name: &str,
    runtime: &Runtime,
) -> Result<LoadedPlugin, OrchestrateError> {
    let decl = &plan.plugins[name];
    let at_plugin = |e: crate::runtime::RuntimeError, key: &str| -> OrchestrateError {
        PlanError::at(plan, plan.locate(&["plugins", name, key]), e.to_string()).into()
    };
    let bytes = match &decl.source {
        PluginSource::Builtin(builtin) => ComponentBytes::builtin(builtin),
        PluginSource::Path(path) => ComponentBytes::file(name, path, decl.sha256.as_deref()),
    }
    .map_err(|e| at_plugin(e, "source"))?;
    runtime
        .load(name, &bytes, Some(&decl.grants), decl.limits)
        .map_err(|e| at_plugin(e, "grants"))
}
