//! The databases a unit's plugin is granted, their urls resolved for the environment, and their
//! passwords hidden from everything sluice writes.

use std::collections::BTreeMap;

use super::setup::Deployer;
use crate::caps::sql::DatabaseTarget;
use crate::plan::interpolate::{InterpolateError, Reference, interpolate};
use crate::plan::model::PluginDecl;

impl Deployer {
    /// The databases granted to the plugin `decl`, their urls resolved for this environment.
    pub(super) fn databases(
        &self,
        decl: &PluginDecl,
    ) -> BTreeMap<String, Result<DatabaseTarget, String>> {
        decl.grants
            .databases
            .iter()
            .filter_map(|name| Some((name.clone(), self.database(name)?)))
            .collect()
    }

    /// Where the database `name` is in this environment (its url resolved), or why that cannot
    /// be said; none when the plan declares no such database.
    fn database(&self, name: &str) -> Option<Result<DatabaseTarget, String>> {
        let decl = self.plan.databases.get(name)?;
        // A database is the same for every unit and version: only the environment, the
        // project and secrets can vary its url.
        let url = interpolate(&decl.url, &|name| match Reference::parse(name)? {
            Reference::Environment => Some(self.environment.clone()),
            Reference::Project => Some(self.plan.project.name.clone()),
            Reference::Secret(secret) => self.secret(&secret),
            Reference::Version
            | Reference::Unit
            | Reference::StagedEndpoint(_)
            | Reference::Engine
            | Reference::EngineAddress => None,
        });
        Some(match url {
            Ok(url) => DatabaseTarget::parse(&url, &self.plan.dir),
            Err(InterpolateError::Unknown(reference)) => Err(match Reference::parse(&reference) {
                Some(Reference::Secret(secret)) => format!(
                    "its url refers to secret `{secret}`, which has no value in this environment"
                ),
                _ => format!("its url refers to `${{{reference}}}`, which has no value"),
            }),
            Err(other) => Err(format!("its url cannot be resolved: {other}")),
        })
    }

    /// Hides the password of every PostgreSQL database url from everything sluice writes
    /// (the url may be a secret as a whole, but an error could show the password alone).
    pub(super) fn redact_database_passwords(&self) {
        for name in self.plan.databases.keys() {
            if let Some(Ok(DatabaseTarget::Postgres(pg))) = self.database(name)
                && let Some(password) = &pg.password
            {
                self.redactor.add(password);
            }
        }
    }
}
