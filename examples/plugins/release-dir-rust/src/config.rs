//! The unit's config: where the tree comes from, where releases go, how many to keep.

use serde::Deserialize;
use sluice_sdk::{Diagnostic, UnitConfig, encode_component};

/// The JSON Schema `info()` publishes; the host checks every unit's config against it.
pub const SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "release-dir-rust unit config",
  "type": "object",
  "additionalProperties": false,
  "required": ["source", "target"],
  "properties": {
    "source": { "type": "string", "description": "The directory to publish (granted read-only)." },
    "target": { "type": "string", "description": "The directory holding releases/ and the `current` link (granted read-write)." },
    "keep": { "type": "integer", "minimum": 1, "description": "Releases kept, the live one included." },
    "public_url": { "type": "string", "description": "The URL under which `target` is served." }
  }
}"#;

/// A unit's config for release-dir-rust.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Guest path of the directory to publish.
    pub source: String,
    /// Guest path of the directory holding `releases/` and the `current` link.
    pub target: String,
    /// How many releases to keep, the live one included.
    #[serde(default = "default_keep")]
    pub keep: usize,
    /// The URL under which `target` is served, if it is: staged releases are probed there.
    pub public_url: Option<String>,
}

fn default_keep() -> usize {
    3
}

impl UnitConfig for Config {
    /// What the schema cannot say: absolute paths, neither inside the other.
    fn problems(&self) -> Vec<Diagnostic> {
        let mut found: Vec<Diagnostic> = [("source", &self.source), ("target", &self.target)]
            .into_iter()
            .filter(|(_, path)| !path.starts_with('/'))
            .map(|(field, path)| {
                Diagnostic::new(
                    field,
                    format!("must be an absolute guest path, got {path:?}"),
                )
            })
            .collect();
        let source = format!("{}/", self.source.trim_end_matches('/'));
        let target = format!("{}/", self.target.trim_end_matches('/'));
        if source.starts_with(&target) || target.starts_with(&source) {
            found.push(Diagnostic::new(
                "target",
                "must not be inside `source`, nor contain it",
            ));
        }
        found
    }
}

impl Config {
    /// Where the release directory `name` is served, if `public_url` is set.
    pub fn release_url(&self, name: &str) -> Option<String> {
        self.public_url.as_ref().map(|url| {
            format!(
                "{}/releases/{}/",
                url.trim_end_matches('/'),
                encode_component(name)
            )
        })
    }
}
