//! The unit's config: where the site comes from, where releases go, how many to keep.

use serde::Deserialize;
use sluice_sdk::{Diagnostic, UnitConfig};
use std::path::PathBuf;

/// The JSON Schema `info()` publishes; the host checks every unit's config against it.
pub const SCHEMA: &str = include_str!("config.schema.json");

/// How many releases are kept when the config does not say.
const DEFAULT_KEEP: u32 = 3;

/// A unit's config for `static-site`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The directory to publish (a guest path, granted read-only).
    pub source: PathBuf,
    /// The directory that holds `releases/` and the `current` link (granted read-write).
    pub target: PathBuf,
    /// How many releases to keep, the live one included.
    #[serde(default = "default_keep")]
    pub keep: u32,
    /// The URL under which `target` is served, if it is.
    pub public_url: Option<String>,
}

fn default_keep() -> u32 {
    DEFAULT_KEEP
}

impl Config {
    /// The URL under which the release directory `release` is served, if `public_url` is set.
    pub fn release_url(&self, release: &str) -> Option<String> {
        let base = self.public_url.as_deref()?.trim_end_matches('/');
        Some(format!("{base}/releases/{}/", percent_encode(release)))
    }
}

/// Escapes everything but RFC 3986 unreserved characters, so any release name is a URL segment.
fn percent_encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

impl UnitConfig for Config {
    fn problems(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        if self.keep == 0 {
            problems.push(Diagnostic::new(
                "keep",
                "must be at least 1: the live release is always kept",
            ));
        }
        for (field, path) in [("source", &self.source), ("target", &self.target)] {
            if !path.is_absolute() {
                problems.push(Diagnostic::new(
                    field,
                    format!(
                        "must be an absolute guest path (where the plan's files grant mounts it), got {}",
                        path.display()
                    ),
                ));
            }
        }
        if self.source.starts_with(&self.target) || self.target.starts_with(&self.source) {
            problems.push(Diagnostic::new(
                "target",
                "must not be inside `source`, nor contain it",
            ));
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            problems.push(Diagnostic::new(
                "public_url",
                format!("must be an http:// or https:// URL, got {url:?}"),
            ));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths_of(problems: &[Diagnostic]) -> Vec<&str> {
        problems
            .iter()
            .map(|problem| problem.path.as_str())
            .collect()
    }

    #[test]
    fn a_minimal_config_keeps_three_releases() {
        let config = Config::load(r#"{"source": "/site", "target": "/www"}"#).unwrap();
        assert_eq!(config.keep, 3);
        assert_eq!(config.release_url("v1"), None);
    }

    #[test]
    fn keeping_no_release_is_reported_at_keep() {
        let problems = Config::diagnose(r#"{"source": "/site", "target": "/www", "keep": 0}"#);
        assert_eq!(paths_of(&problems), ["keep"]);
    }

    #[test]
    fn relative_and_nested_paths_are_reported_at_their_fields() {
        let problems = Config::diagnose(r#"{"source": "site", "target": "/www"}"#);
        assert_eq!(paths_of(&problems), ["source"]);
        let problems = Config::diagnose(r#"{"source": "/www/site", "target": "/www"}"#);
        assert_eq!(paths_of(&problems), ["target"]);
    }

    #[test]
    fn an_unknown_key_is_a_problem() {
        let problems = Config::diagnose(r#"{"source": "/site", "target": "/www", "kep": 2}"#);
        assert!(
            problems[0].message.contains("unknown field `kep`"),
            "{problems:?}"
        );
    }

    #[test]
    fn release_urls_escape_the_release_name() {
        let config = Config::load(
            r#"{"source": "/site", "target": "/www", "public_url": "http://127.0.0.1:8765/"}"#,
        )
        .unwrap();
        assert_eq!(
            config.release_url("v 1~2").as_deref(),
            Some("http://127.0.0.1:8765/releases/v%201~2/")
        );
    }

    #[test]
    fn the_schema_is_json_that_forbids_unknown_keys() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(schema["required"], serde_json::json!(["source", "target"]));
    }
}
