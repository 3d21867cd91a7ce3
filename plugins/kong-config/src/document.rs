//! The unit's declarative config: read from its read-only preopen, `${NAME}`s filled in, parsed
//! (YAML or JSON), and rendered for `POST /config` as JSON text, with the canary's target weights
//! set for a traffic percentage. Kong's `configuration_hash` of a config posted as text is the
//! md5 of that text, so the hash each rendering must produce is known before it is posted.

use md5::{Digest, Md5};
use serde_json::Value;
use sluice_sdk::Error;

use crate::config::{Canary, Config};
use crate::interpolate::interpolate;

/// A config ready to post, and the `configuration_hash` Kong will report for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The JSON text posted as the `config` field.
    pub text: String,
    /// md5 hex of `text`.
    pub hash: String,
}

impl Rendered {
    /// `text` and its hash.
    pub fn new(text: String) -> Self {
        let hash = Md5::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Self { text, hash }
    }
}

/// The parsed declarative config.
#[derive(Debug, Clone)]
pub struct Document {
    value: Value,
    file: String,
}

impl Document {
    /// Reads, fills in and parses the unit's file.
    pub fn load(config: &Config) -> Result<Self, Error> {
        let file = config.file.display().to_string();
        let text = std::fs::read_to_string(&config.file)
            .map_err(|e| Error::InvalidConfig(format!("cannot read {file}: {e}")))?;
        Self::parse(&file, &text, config)
    }

    /// Fills in and parses `text`, read from `file`.
    pub fn parse(file: &str, text: &str, config: &Config) -> Result<Self, Error> {
        let filled = interpolate(file, text, &config.vars).map_err(Error::InvalidConfig)?;
        let value: Value = serde_norway::from_str(&filled).map_err(|e| {
            let at = e
                .location()
                .map(|l| format!("{}:{}", l.line(), l.column()))
                .unwrap_or_else(|| "1:1".into());
            Error::InvalidConfig(format!(
                "{file}:{at}: not a YAML or JSON declarative config: {e}"
            ))
        })?;
        if !value.is_object() {
            return Err(Error::InvalidConfig(format!(
                "{file}: expected a declarative config (a mapping with `_format_version`)"
            )));
        }
        let document = Self {
            value,
            file: file.to_owned(),
        };
        if let Some(canary) = &config.canary {
            document.with_weights(canary, 0)?;
        }
        Ok(document)
    }

    /// The config to post: with the canary at `percent` when the unit has one.
    pub fn render(&self, canary: Option<&Canary>, percent: u8) -> Result<Rendered, Error> {
        let value = match canary {
            Some(canary) => self.with_weights(canary, percent)?,
            None => self.value.clone(),
        };
        let text = serde_json::to_string(&value)
            .map_err(|e| Error::Failed(format!("cannot render {}: {e}", self.file)))?;
        Ok(Rendered::new(text))
    }

    /// The config with the canary target at weight `percent` and the stable one at the rest.
    fn with_weights(&self, canary: &Canary, percent: u8) -> Result<Value, Error> {
        let mut value = self.value.clone();
        let percent = u64::from(percent.min(100));
        let mut found = (false, false);
        for target in targets_of(&mut value, &canary.upstream) {
            let name = target
                .get("target")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if name == canary.stable {
                target["weight"] = Value::from(100 - percent);
                found.0 = true;
            } else if name == canary.canary {
                target["weight"] = Value::from(percent);
                found.1 = true;
            }
        }
        match found {
            (true, true) => Ok(value),
            (stable, _) => Err(Error::InvalidConfig(format!(
                "canary: upstream `{}` in {} has no target `{}`: the file must list both the stable and the canary target",
                canary.upstream,
                self.file,
                if stable {
                    &canary.canary
                } else {
                    &canary.stable
                }
            ))),
        }
    }
}

/// The targets of the upstream `name`: nested in it, or top-level with `upstream: name`.
fn targets_of<'v>(config: &'v mut Value, name: &str) -> Vec<&'v mut Value> {
    let mut found = Vec::new();
    let Some(config) = config.as_object_mut() else {
        return found;
    };
    let mut top_level = None;
    for (key, list) in config.iter_mut() {
        let Some(list) = list.as_array_mut() else {
            continue;
        };
        match key.as_str() {
            "upstreams" => {
                for upstream in list
                    .iter_mut()
                    .filter(|u| u.get("name").and_then(Value::as_str) == Some(name))
                {
                    if let Some(targets) = upstream.get_mut("targets").and_then(Value::as_array_mut)
                    {
                        found.extend(targets.iter_mut());
                    }
                }
            }
            "targets" => top_level = Some(list),
            _ => {}
        }
    }
    for target in top_level.into_iter().flatten() {
        let upstream = target.get("upstream");
        let names_it = upstream.and_then(Value::as_str) == Some(name)
            || upstream.and_then(|u| u.get("name")).and_then(Value::as_str) == Some(name);
        if names_it {
            found.push(target);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
_format_version: "3.0"
services:
  - name: api
    host: api-upstream
upstreams:
  - name: api-upstream
    targets:
      - target: ${stable}
      - target: 127.0.0.1:9002
"#;

    fn config(canary: bool) -> Config {
        let canary = if canary {
            r#", "canary": {"upstream": "api-upstream", "stable": "127.0.0.1:9001", "canary": "127.0.0.1:9002"}"#
        } else {
            ""
        };
        serde_json::from_str(&format!(
            r#"{{"admin": "http://127.0.0.1:8001", "file": "/kong/kong.yaml", "vars": {{"stable": "127.0.0.1:9001"}}{canary}}}"#
        ))
        .unwrap()
    }

    fn weights(rendered: &Rendered) -> Vec<u64> {
        let value: Value = serde_json::from_str(&rendered.text).unwrap();
        value["upstreams"][0]["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["weight"].as_u64().unwrap())
            .collect()
    }

    #[test]
    fn a_canary_percentage_sets_both_weights() {
        let config = config(true);
        let doc = Document::parse("/kong/kong.yaml", FILE, &config).unwrap();
        let canary = config.canary.as_ref();
        assert_eq!(weights(&doc.render(canary, 0).unwrap()), [100, 0]);
        assert_eq!(weights(&doc.render(canary, 10).unwrap()), [90, 10]);
        assert_eq!(weights(&doc.render(canary, 100).unwrap()), [0, 100]);
    }

    #[test]
    fn the_hash_is_the_md5_of_the_posted_text() {
        assert_eq!(
            Rendered::new("{}".into()).hash,
            "99914b932bd37a50b983c5e7c90ae93b"
        );
    }

    #[test]
    fn a_canary_target_missing_from_the_file_is_an_invalid_config() {
        let mut config = config(true);
        if let Some(canary) = config.canary.as_mut() {
            canary.canary = "127.0.0.1:9999".into();
        }
        let err = Document::parse("/kong/kong.yaml", FILE, &config).unwrap_err();
        assert!(
            err.message().contains("no target `127.0.0.1:9999`"),
            "{err:?}"
        );
    }

    #[test]
    fn a_yaml_error_names_the_file_line_and_column() {
        let err = Document::parse("/kong/kong.yaml", "a: [1,\nb: }", &config(false)).unwrap_err();
        assert!(err.message().starts_with("/kong/kong.yaml:2:"), "{err:?}");
    }
}
