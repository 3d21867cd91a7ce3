//! The unit's config: which database, where the migrations are, and how they run.

use std::path::PathBuf;

use serde::Deserialize;
use sluice_sdk::{Diagnostic, UnitConfig};

use crate::version::Version;

/// The JSON Schema `info()` publishes; the host checks every unit's config against it.
pub const SCHEMA: &str = include_str!("config.schema.json");

/// The history table when the config names none.
const DEFAULT_TABLE: &str = "sluice_schema_history";
/// How long `stage` waits for another run's migration lock, when the config does not say.
const DEFAULT_LOCK_TIMEOUT_SECS: u32 = 30;
/// The longest lock wait a config may ask for.
const MAX_LOCK_TIMEOUT_SECS: u32 = 600;

/// How migrations are grouped into transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransactionMode {
    /// Each migration and its history row in a transaction of its own: the migrations before a
    /// failing one stay applied (and `rollback` undoes them).
    #[default]
    PerMigration,
    /// Every pending migration in one transaction: all of them are applied, or none.
    All,
}

/// A unit's config for `db-migrate`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The database's name in the plan (`[databases.NAME]`), granted to the plugin.
    pub database: String,
    /// Guest path of the directory holding the migration files (grant it read-only).
    pub migrations: PathBuf,
    /// The history table.
    #[serde(default = "default_table")]
    pub table: String,
    /// How migrations are grouped into transactions.
    #[serde(default)]
    pub transaction: TransactionMode,
    /// Apply a pending migration older than the newest applied one instead of refusing.
    #[serde(default)]
    pub out_of_order: bool,
    /// Baseline an existing database that has tables but no history at this version:
    /// migrations up to it count as applied.
    pub baseline_version: Option<String>,
    /// When a migration to roll back has no down script, restore the backup `prepare` took
    /// instead (which also undoes every other change made since).
    #[serde(default)]
    pub restore_on_rollback: bool,
    /// How long `stage` waits for the migration lock held by another run.
    #[serde(default = "default_lock_timeout")]
    pub lock_timeout_secs: u32,
}

fn default_table() -> String {
    DEFAULT_TABLE.to_owned()
}

fn default_lock_timeout() -> u32 {
    DEFAULT_LOCK_TIMEOUT_SECS
}

impl Config {
    /// The baseline version, when one is configured (checked by [`UnitConfig::problems`]).
    pub fn baseline(&self) -> Option<Version> {
        self.baseline_version.as_deref().and_then(Version::parse)
    }
}

impl UnitConfig for Config {
    fn problems(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        if self.database.is_empty() {
            problems.push(Diagnostic::new(
                "database",
                "must name a database of the plan",
            ));
        }
        if !self.migrations.is_absolute() {
            problems.push(Diagnostic::new(
                "migrations",
                format!(
                    "must be an absolute guest path (where the plan's files grant mounts it), got {}",
                    self.migrations.display()
                ),
            ));
        }
        let table_ok = self.table.len() <= 63
            && self
                .table
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
            && self
                .table
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !table_ok {
            problems.push(Diagnostic::new(
                "table",
                format!(
                    "must be a lowercase SQL name (a-z, 0-9, _; at most 63), got {:?}",
                    self.table
                ),
            ));
        }
        if let Some(text) = &self.baseline_version
            && Version::parse(text).is_none()
        {
            problems.push(Diagnostic::new(
                "baseline_version",
                format!("must be a version such as \"5\" or \"1.2\", got {text:?}"),
            ));
        }
        if self.lock_timeout_secs > MAX_LOCK_TIMEOUT_SECS {
            problems.push(Diagnostic::new(
                "lock_timeout_secs",
                format!("must be at most {MAX_LOCK_TIMEOUT_SECS}"),
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_config_takes_the_defaults() {
        let config = Config::load(r#"{"database": "main", "migrations": "/migrations"}"#).unwrap();
        assert_eq!(config.table, "sluice_schema_history");
        assert_eq!(config.transaction, TransactionMode::PerMigration);
        assert!(!config.out_of_order && !config.restore_on_rollback);
        assert_eq!(config.lock_timeout_secs, 30);
        assert_eq!(config.baseline(), None);
    }

    #[test]
    fn each_problem_is_reported_at_its_field() {
        let problems = Config::diagnose(
            r#"{"database": "", "migrations": "m", "table": "Drop Table", "baseline_version": "v5", "lock_timeout_secs": 9999}"#,
        );
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "database",
                "migrations",
                "table",
                "baseline_version",
                "lock_timeout_secs"
            ]
        );
    }

    #[test]
    fn the_schema_is_json_that_forbids_unknown_keys() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(
            schema["required"],
            serde_json::json!(["database", "migrations"])
        );
    }
}
