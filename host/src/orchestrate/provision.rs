//! What a unit's plugin may reach: its [`Provision`] while planning or validating (databases
//! read-only, no backups) and while deploying, and the Docker engines it may use.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::setup::Deployer;
use super::snapshots::JournaledSnapshots;
use crate::caps::log::{DEFAULT_BUDGET_BYTES, LogBudget};
use crate::caps::sql::{Snapshots, SqlGrant};
use crate::caps::{Provision, containers};
use crate::plan::Plan;
use crate::plan::model::{PluginDecl, StateConfig, Unit};
use crate::report::PluginLogs;

impl Deployer {
    /// What `unit`'s plugin may reach while planning or validating `version` in deployment
    /// `deployment_id` (a fresh log budget each time); a fleet member reaches its own engine
    /// only. Its databases open read-only, and it cannot take backups.
    pub fn provision(&self, unit: &Unit, version: &str, deployment_id: &str) -> Provision {
        self.provision_of(&unit.plugin, unit, version, deployment_id)
    }

    /// What the plugin `plugin` (the unit's own, or one of its gates') may reach for `unit`, as
    /// [`Deployer::provision`] says: its own grants, never the unit plugin's.
    pub fn provision_of(
        &self,
        plugin: &str,
        unit: &Unit,
        version: &str,
        deployment_id: &str,
    ) -> Provision {
        let decl = &self.plan.plugins[plugin];
        Provision {
            plugin: plugin.to_owned(),
            unit: unit.name.clone(),
            grants: decl.grants.clone(),
            secrets: self.granted_secrets(decl),
            log: Arc::new(PluginLogs(self.reporter.clone())),
            log_budget: Arc::new(LogBudget::new(DEFAULT_BUDGET_BYTES)),
            docker: granted_engines(&self.plan, decl, unit),
            container_labels: containers::host_labels(
                &unit.name,
                &self.environment,
                version,
                deployment_id,
            ),
            registries: self.registry_logins(),
            sql: SqlGrant {
                databases: self.databases(decl),
                read_only: true,
                snapshots: None,
            },
            calls: None,
        }
    }

    /// The values of the secrets `decl` is granted (none: declared but not set).
    pub(super) fn granted_secrets(&self, decl: &PluginDecl) -> BTreeMap<String, Option<String>> {
        decl.grants
            .secrets
            .iter()
            .map(|name| (name.clone(), self.secret(name)))
            .collect()
    }

    /// How engines log in to each of the plan's `[registries]` in this environment.
    fn registry_logins(&self) -> Vec<containers::RegistryLogin> {
        self.plan
            .registries
            .values()
            .map(|registry| containers::RegistryLogin {
                host: registry.host.clone(),
                username: registry.username.clone(),
                password_secret: registry.password_secret.clone(),
                password: self.secret(&registry.password_secret),
            })
            .collect()
    }

    /// What the plugin `plugin` may reach for `unit` during deployment `deployment_id` (as
    /// [`Deployer::provision_of`]), its host calls kept in the deployment's record.
    pub fn recorded(
        &self,
        plugin: &str,
        unit: &Unit,
        version: &str,
        deployment_id: &str,
    ) -> Provision {
        let mut provision = self.provision_of(plugin, unit, version, deployment_id);
        provision.calls = self
            .calls
            .as_ref()
            .map(|book| book.log(deployment_id, &unit.name, plugin));
        provision
    }

    /// What `unit`'s plugin may reach while deploying `version` in deployment `deployment_id`:
    /// as [`Deployer::recorded`], with its databases writable and backups recorded in this
    /// deployment.
    pub fn deploying(&self, unit: &Unit, version: &str, deployment_id: &str) -> Provision {
        let mut provision = self.recorded(&unit.plugin, unit, version, deployment_id);
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
}

/// The Docker engines `unit`'s plugin may use: its granted ones, or a fleet member's own.
pub fn engines_of(plan: &Plan, unit: &Unit) -> Vec<containers::EngineAddress> {
    granted_engines(plan, plan.plugin_for(unit), unit)
}

/// The Docker engines the plugin `decl` may use for `unit`: its granted ones, or a fleet member's
/// own.
fn granted_engines(plan: &Plan, decl: &PluginDecl, unit: &Unit) -> Vec<containers::EngineAddress> {
    containers::granted_engines(&plan.docker, &decl.grants)
        .into_iter()
        .filter(|engine| unit.engine().is_none_or(|only| engine.name == only))
        .collect()
}
