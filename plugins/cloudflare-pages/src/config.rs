//! The unit's config: which project, which directory, which token, and how patient to be.

use serde::Deserialize;
use sluice_sdk::{Diagnostic, UnitConfig};
use std::path::PathBuf;

/// The JSON Schema `info()` publishes; the host checks every unit's config against it.
pub const SCHEMA: &str = include_str!("config.schema.json");

/// Cloudflare's API, when the config names no other.
const DEFAULT_API_BASE: &str = "https://api.cloudflare.com/client/v4";
/// Buckets in flight at once, as wrangler does.
const DEFAULT_CONCURRENCY: usize = 3;
/// The most buckets in flight the config may ask for (the host runs at most 8 requests at once).
const MAX_CONCURRENCY: usize = 8;
/// The first retry wait, as wrangler does.
const DEFAULT_RETRY_DELAY_MS: u64 = 1000;
/// Project names: lowercase letters, digits and dashes, as Cloudflare allows.
const MAX_PROJECT_NAME: usize = 58;

/// A unit's config for `cloudflare-pages`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The account that owns the project.
    pub account_id: String,
    /// The project's name.
    pub project: String,
    /// The site to deploy (a guest path, granted read-only).
    pub directory: PathBuf,
    /// The granted secret holding the API token.
    pub api_token_secret: String,
    /// The API base URL, without a trailing slash.
    #[serde(default = "default_api_base")]
    pub api_base: String,
    /// Attached to every deployment, if set.
    pub commit_hash: Option<String>,
    /// Attached to every deployment (with a `sluice-deployment:` line), if set.
    pub commit_message: Option<String>,
    /// Upload buckets in flight at once.
    #[serde(default = "default_concurrency")]
    pub upload_concurrency: usize,
    /// The first retry wait in milliseconds; doubled at each attempt.
    #[serde(default = "default_retry_delay")]
    pub retry_delay_ms: u64,
}

fn default_api_base() -> String {
    DEFAULT_API_BASE.into()
}

fn default_concurrency() -> usize {
    DEFAULT_CONCURRENCY
}

fn default_retry_delay() -> u64 {
    DEFAULT_RETRY_DELAY_MS
}

impl Config {
    /// The API base without a trailing slash, so `base + "/accounts/..."` is right.
    pub fn api_base(&self) -> &str {
        self.api_base.trim_end_matches('/')
    }
}

fn is_account_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

fn is_project_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= MAX_PROJECT_NAME
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl UnitConfig for Config {
    fn problems(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        if !is_account_id(&self.account_id) {
            problems.push(Diagnostic::new(
                "account_id",
                format!(
                    "must be letters, digits, `_` or `-` (the account id from the dashboard), got {:?}",
                    self.account_id
                ),
            ));
        }
        if !is_project_name(&self.project) {
            problems.push(Diagnostic::new(
                "project",
                format!(
                    "must be lowercase letters, digits and `-`, starting with a letter or digit, at most {MAX_PROJECT_NAME} characters, got {:?}",
                    self.project
                ),
            ));
        }
        if !self.directory.is_absolute() {
            problems.push(Diagnostic::new(
                "directory",
                format!(
                    "must be an absolute guest path (where the plan's files grant mounts the site), got {}",
                    self.directory.display()
                ),
            ));
        }
        if self.api_token_secret.is_empty() {
            problems.push(Diagnostic::new(
                "api_token_secret",
                "must name the granted secret that holds the API token",
            ));
        }
        if !(self.api_base.starts_with("http://") || self.api_base.starts_with("https://")) {
            problems.push(Diagnostic::new(
                "api_base",
                format!(
                    "must be an http:// or https:// URL such as {DEFAULT_API_BASE}, got {:?}",
                    self.api_base
                ),
            ));
        }
        if !(1..=MAX_CONCURRENCY).contains(&self.upload_concurrency) {
            problems.push(Diagnostic::new(
                "upload_concurrency",
                format!(
                    "must be 1 to {MAX_CONCURRENCY}, got {}",
                    self.upload_concurrency
                ),
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"account_id": "acc-1", "project": "shop", "directory": "/site", "api_token_secret": "cf"}"#;

    fn paths_of(config: &str) -> Vec<String> {
        Config::diagnose(config)
            .into_iter()
            .map(|problem| problem.path)
            .collect()
    }

    #[test]
    fn a_minimal_config_talks_to_cloudflare_like_wrangler_does() {
        let config = Config::load(MINIMAL).unwrap();
        assert_eq!(config.api_base(), "https://api.cloudflare.com/client/v4");
        assert_eq!(config.upload_concurrency, 3);
        assert_eq!(config.retry_delay_ms, 1000);
    }

    #[test]
    fn a_trailing_slash_on_the_api_base_is_dropped() {
        let config = Config::load(
            &MINIMAL.replace("}", r#", "api_base": "http://127.0.0.1:8787/client/v4/"}"#),
        )
        .unwrap();
        assert_eq!(config.api_base(), "http://127.0.0.1:8787/client/v4");
    }

    #[test]
    fn bad_names_and_paths_are_reported_at_their_fields() {
        let config = r#"{"account_id": "a/b", "project": "Shop", "directory": "site", "api_token_secret": ""}"#;
        assert_eq!(
            paths_of(config),
            ["account_id", "project", "directory", "api_token_secret"]
        );
    }

    #[test]
    fn concurrency_beyond_the_hosts_in_flight_cap_is_refused() {
        let config = MINIMAL.replace("}", r#", "upload_concurrency": 9}"#);
        assert_eq!(paths_of(&config), ["upload_concurrency"]);
    }

    #[test]
    fn an_unknown_key_is_named_and_the_published_schema_forbids_it_too() {
        let problems = Config::diagnose(&MINIMAL.replace("}", r#", "projekt": "x"}"#));
        assert!(
            problems[0].message.contains("unknown field `projekt`"),
            "{problems:?}"
        );
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        assert_eq!(
            (&schema["additionalProperties"], &schema["required"]),
            (
                &serde_json::json!(false),
                &serde_json::json!(["account_id", "project", "directory", "api_token_secret"])
            )
        );
    }
}
