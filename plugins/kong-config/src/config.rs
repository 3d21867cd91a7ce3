//! The unit's config: which Kong, which declarative file, what to fill into it, and the canary.

use serde::Deserialize;
use sluice_sdk::{Diagnostic, UnitConfig};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The JSON Schema `info()` publishes; the host checks every unit's config against it.
pub const SCHEMA: &str = include_str!("config.schema.json");

/// An upstream whose traffic moves from its stable target to its canary target step by step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Canary {
    /// The upstream's `name`.
    pub upstream: String,
    /// The target (`host:port`) serving the current version.
    pub stable: String,
    /// The target (`host:port`) serving the new version.
    pub canary: String,
}

/// A unit's config for `kong-config`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Admin API's base URL, e.g. `http://127.0.0.1:8001`.
    pub admin: String,
    /// Guest path of the declarative config (YAML or JSON).
    pub file: PathBuf,
    /// Values for `${NAME}` references in the file.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Extra headers on every Admin API request (e.g. `Kong-Admin-Token = "${secret.kong}"`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The canary upstream, if the unit shifts traffic.
    pub canary: Option<Canary>,
}

impl Config {
    /// The Admin API's base URL without a trailing slash.
    pub fn base(&self) -> &str {
        self.admin.trim_end_matches('/')
    }
}

impl UnitConfig for Config {
    fn problems(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        if !(self.admin.starts_with("http://") || self.admin.starts_with("https://")) {
            problems.push(Diagnostic::new(
                "admin",
                format!(
                    "must be Kong's Admin API URL, e.g. http://127.0.0.1:8001, got {:?}",
                    self.admin
                ),
            ));
        }
        if !self.file.is_absolute() {
            problems.push(Diagnostic::new(
                "file",
                format!(
                    "must be an absolute guest path (where a `files` grant mounts it), got {}",
                    self.file.display()
                ),
            ));
        }
        for name in self.vars.keys() {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                problems.push(Diagnostic::new(
                    format!("vars.{name}"),
                    "a variable's name is letters, digits and `_`",
                ));
            }
        }
        if let Some(canary) = &self.canary {
            for (path, target) in [
                ("canary.stable", &canary.stable),
                ("canary.canary", &canary.canary),
            ] {
                let port = target.rsplit_once(':').map(|(_, port)| port.parse::<u16>());
                if !matches!(port, Some(Ok(_))) {
                    problems.push(Diagnostic::new(
                        path,
                        format!("must be a target as Kong writes it, HOST:PORT, got {target:?}"),
                    ));
                }
            }
            if canary.stable == canary.canary {
                problems.push(Diagnostic::new(
                    "canary.canary",
                    "must differ from canary.stable",
                ));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_names_its_field() {
        let text = r#"{"admin": "kong:8001", "file": "kong.yaml", "vars": {"a-b": "x"},
                       "canary": {"upstream": "api", "stable": "a:1", "canary": "a:1"}}"#;
        let paths: Vec<String> = Config::diagnose(text).into_iter().map(|d| d.path).collect();
        assert_eq!(paths, ["admin", "file", "vars.a-b", "canary.canary"]);
    }
}
