//! The unit's realm files: read from their read-only preopen, merged in order, checksummed the
//! way keycloak-config-cli does (sha256 hex of the bytes), and split into realm settings and
//! resources.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sluice_sdk::Error;
use std::collections::BTreeSet;
use std::path::Path;

use crate::resource::{RESOURCE_FIELDS, Resource, resources_of};

/// What the files say the realm should be.
#[derive(Debug)]
pub struct RealmFile {
    /// sha256 hex of the files' bytes, in order (for one file: the file's own sha256).
    pub checksum: String,
    /// The realm's own settings (everything but the resources).
    pub settings: Map<String, Value>,
    /// The resources, in import order.
    pub resources: Vec<Resource>,
    /// The whole merged representation (for creating the realm).
    pub whole: Map<String, Value>,
}

impl RealmFile {
    /// Reads and merges `paths` for the realm `realm`.
    pub fn load(paths: &[impl AsRef<Path>], realm: &str) -> Result<Self, Error> {
        let mut sources = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let bytes = std::fs::read(path).map_err(|e| {
                Error::InvalidConfig(format!("cannot read realm file {}: {e}", path.display()))
            })?;
            sources.push((path.display().to_string(), bytes));
        }
        Self::parse(&sources, realm)
    }

    /// Merges `(name, bytes)` sources for the realm `realm`.
    pub fn parse(sources: &[(String, Vec<u8>)], realm: &str) -> Result<Self, Error> {
        let mut hasher = Sha256::new();
        let mut whole = Map::new();
        for (name, bytes) in sources {
            hasher.update(bytes);
            let parsed: Value = serde_json::from_slice(bytes).map_err(|e| {
                let message = e.to_string();
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m);
                Error::InvalidConfig(format!("{name}:{}:{}: {message}", e.line(), e.column()))
            })?;
            let Value::Object(parsed) = parsed else {
                return Err(Error::InvalidConfig(format!(
                    "{name}: expected a realm representation (a JSON object)"
                )));
            };
            if let Some(named) = parsed.get("realm").and_then(Value::as_str)
                && named != realm
            {
                return Err(Error::InvalidConfig(format!(
                    "{name} is for realm `{named}`, but the unit manages realm `{realm}`"
                )));
            }
            merge(&mut whole, parsed);
        }
        whole.insert("realm".into(), Value::String(realm.to_owned()));
        let resources = resources_of(&whole)
            .map_err(|e| Error::InvalidConfig(format!("{e} in the realm files")))?;
        check_unique(&resources)?;
        let settings = whole
            .iter()
            .filter(|(key, _)| !RESOURCE_FIELDS.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let checksum = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Self {
            checksum,
            settings,
            resources,
            whole,
        })
    }
}

/// Adds `next` to `into`: resource lists are concatenated (client roles per client), every
/// other key is replaced.
fn merge(into: &mut Map<String, Value>, next: Map<String, Value>) {
    for (key, value) in next {
        match (into.get_mut(&key), value) {
            (Some(Value::Array(existing)), Value::Array(more)) => existing.extend(more),
            (Some(Value::Object(existing)), Value::Object(more)) if key == "roles" => {
                merge(existing, more);
            }
            (Some(Value::Object(existing)), Value::Object(more)) if key == "client" => {
                merge(existing, more);
            }
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

fn check_unique(resources: &[Resource]) -> Result<(), Error> {
    let mut seen = BTreeSet::new();
    for resource in resources {
        if !seen.insert(&resource.key) {
            return Err(Error::InvalidConfig(format!(
                "the realm files define {} twice",
                resource.key
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, text: &str) -> (String, Vec<u8>) {
        (name.to_owned(), text.as_bytes().to_vec())
    }

    #[test]
    fn one_file_is_checksummed_like_keycloak_config_cli() {
        let file = RealmFile::parse(&[source("a.json", "{}")], "shop").unwrap();
        // sha256("{}")
        assert_eq!(
            file.checksum,
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_eq!(file.settings["realm"], "shop");
    }

    #[test]
    fn files_merge_lists_and_client_roles_and_later_settings_win() {
        let file = RealmFile::parse(
            &[
                source(
                    "a.json",
                    r#"{"displayName": "A", "users": [{"username": "ann"}],
                    "roles": {"client": {"web": [{"name": "x"}]}}}"#,
                ),
                source(
                    "b.json",
                    r#"{"displayName": "B", "users": [{"username": "bob"}],
                    "roles": {"client": {"web": [{"name": "y"}]}}}"#,
                ),
            ],
            "shop",
        )
        .unwrap();
        assert_eq!(file.settings["displayName"], "B");
        assert_eq!(file.resources.len(), 4);
        assert!(!file.settings.contains_key("users"));
    }

    #[test]
    fn a_syntax_error_names_the_file_line_and_column() {
        let err = RealmFile::parse(&[source("/realm/a.json", "{\n  \"users\": [,]\n}")], "shop")
            .unwrap_err();
        assert!(
            err.message()
                .starts_with("/realm/a.json:2:13: expected value"),
            "{err:?}"
        );
    }

    #[test]
    fn a_file_for_another_realm_or_a_duplicate_is_refused() {
        let other = RealmFile::parse(&[source("a.json", r#"{"realm": "ops"}"#)], "shop");
        assert!(other.unwrap_err().message().contains("realm `ops`"));
        let twice = RealmFile::parse(
            &[source(
                "a.json",
                r#"{"clients": [{"clientId": "w"}, {"clientId": "w"}]}"#,
            )],
            "shop",
        );
        assert!(twice.unwrap_err().message().contains("client `w` twice"));
    }
}
