//! The plan file: TOML → a validated [`Plan`].
//!
//! [`load`] reads a file, [`parse`] takes its text. Parsing runs in three steps, each in its own
//! file: `raw` (serde structs that deny unknown keys), `convert` (values: paths, durations,
//! sizes, origins, gates) and `validate` (cross-references, the unit graph, `${...}` references).
//! Every error is a [`PlanError`] that names the file, line and column and says what was expected.

mod convert;
mod docker;
mod error;
mod gate_spec;
pub mod graph;
mod groups;
mod hooks;
pub mod interpolate;
mod location;
pub mod model;
mod plugins;
pub mod quantity;
mod raw;
mod registries;
mod telemetry;
mod units;
mod validate;

use std::path::Path;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::de::DeTable;

use crate::oci::Lockfile;

pub use docker::ssh_engine;
pub use error::PlanError;
pub use location::{Location, SourceMap};
pub use model::*;

/// Reads and validates the plan file at `path`; relative paths in it resolve against its directory.
pub fn load(path: &Path) -> Result<Plan, PlanError> {
    let bytes =
        std::fs::read(path).map_err(|error| PlanError::unreadable(path, &error.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|error| {
        PlanError::unreadable(
            path,
            &format!("it is not UTF-8 text ({})", error.utf8_error()),
        )
    })?;
    parse(&text, path)
}

/// Validates plan text as if it were the file `file` (which names it in errors and anchors its
/// relative paths).
pub fn parse(source: &str, file: &Path) -> Result<Plan, PlanError> {
    let mut map = SourceMap::new(file, source);
    let toml_error = |map: &SourceMap, error: toml::de::Error| {
        let location = map.location_of(error.span().unwrap_or(0..0));
        PlanError::in_source(map, location, error.message())
    };
    let root = DeTable::parse(source).map_err(|error| toml_error(&map, error))?;
    map.index(root.get_ref());
    let raw = raw::RawPlan::deserialize(toml::de::Deserializer::from(root))
        .map_err(|error| toml_error(&map, error))?;
    let absolute = std::path::absolute(file)
        .map_err(|error| PlanError::unreadable(file, &error.to_string()))?;
    let dir = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
    let lock = Lockfile::read(&Lockfile::path_for(&absolute))
        .map_err(|error| PlanError::whole_file(file, error.to_string()))?;
    let plan = convert::plan(
        raw,
        convert::PlanFile {
            file: absolute,
            dir,
            hash: hex::encode(Sha256::digest(source.as_bytes())),
            source: map,
            lock,
        },
    )?;
    validate::check(&plan)?;
    Ok(plan)
}

impl Plan {
    /// The unit called `name`.
    pub fn unit(&self, name: &str) -> Option<&Unit> {
        self.units.get(name)
    }

    /// The plugin that deploys `unit`.
    ///
    /// # Panics
    ///
    /// If `unit` names a plugin this plan does not declare, which loading rules out for its units.
    pub fn plugin_for(&self, unit: &Unit) -> &PluginDecl {
        &self.plugins[&unit.plugin]
    }

    /// Where the value of a TOML key path is in the plan file, e.g.
    /// `["units", "api", "config", "router", "route"]` or `["plugins", "site", "source"]`
    /// (array elements by index); the deepest key that exists when the full path does not.
    pub fn locate(&self, path: &[&str]) -> Location {
        self.source.locate(path)
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::path::Path;

    use super::{Plan, PlanError, parse};

    /// Parses a plan made of a project, a `staging` environment and `body`, as `/demo/plan.toml`.
    pub fn parse_with(body: &str) -> Result<Plan, PlanError> {
        let text = format!("[project]\nname = \"demo\"\n\n[environments.staging]\n\n{body}");
        parse(&text, Path::new("/demo/plan.toml"))
    }

    /// Units in a diamond: schema <- api, worker <- web; docs stands alone.
    pub const DIAMOND: &str = r#"
[plugins.site]
source = "builtin:static-site"

[units.schema]
plugin = "site"
[units.api]
plugin = "site"
depends_on = ["schema"]
[units.worker]
plugin = "site"
depends_on = ["schema"]
[units.web]
plugin = "site"
depends_on = ["api", "worker"]
[units.docs]
plugin = "site"
"#;

    /// The error message of a plan that must fail.
    pub fn error_of(body: &str) -> PlanError {
        match parse_with(body) {
            Ok(_) => panic!("expected the plan to be rejected:\n{body}"),
            Err(error) => error,
        }
    }
}
