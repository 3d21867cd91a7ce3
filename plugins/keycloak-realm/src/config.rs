//! The unit's config: which Keycloak, which realm, which files, how to sign in.

use serde::Deserialize;
use sluice_sdk::{Diagnostic, UnitConfig};
use std::path::PathBuf;

/// The JSON Schema `info()` publishes; the host checks every unit's config against it.
pub const SCHEMA: &str = include_str!("config.schema.json");

/// The realm attribute keycloak-config-cli keeps its import checksum in, before the key suffix.
const CHECKSUM_ATTRIBUTE_PREFIX: &str = "de.adorsys.keycloak.config.import-checksum-";

/// What `partialImport` does with a resource that already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Fail the whole import (nothing is written).
    Fail,
    /// Leave the existing resource as it is.
    Skip,
    /// Delete it and create it anew from the file.
    #[default]
    Overwrite,
}

impl Policy {
    /// The `ifResourceExists` value Keycloak expects.
    pub fn wire_name(self) -> &'static str {
        match self {
            Policy::Fail => "FAIL",
            Policy::Skip => "SKIP",
            Policy::Overwrite => "OVERWRITE",
        }
    }
}

/// How sluice signs in to the Admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// A user's name and password (`admin-cli` by default).
    Password,
    /// A confidential client's id and secret (a service account).
    ClientCredentials,
}

/// The credentials: the password or client secret is a granted secret, named here.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// password or client_credentials.
    pub grant: Grant,
    /// The user (password grant only).
    pub username: Option<String>,
    /// The client; `admin-cli` for the password grant unless set.
    pub client_id: Option<String>,
    /// The name of the granted secret holding the password or the client secret.
    pub secret: String,
    /// The realm the credentials belong to.
    #[serde(default = "default_auth_realm")]
    pub realm: String,
}

impl Auth {
    /// The client the token is requested for.
    pub fn client_id(&self) -> &str {
        self.client_id.as_deref().unwrap_or("admin-cli")
    }
}

/// A client of the deployed realm that must still get a token after the import.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verify {
    /// The client's `clientId`.
    pub client_id: String,
    /// The name of the granted secret holding its client secret.
    pub secret: String,
}

/// A unit's config for `keycloak-realm`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Keycloak's base URL, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    /// The realm this unit manages.
    pub realm: String,
    /// Guest paths of the realm files (RealmRepresentation JSON), merged in order.
    pub files: Vec<PathBuf>,
    /// What happens to resources that already exist.
    #[serde(default)]
    pub if_resource_exists: Policy,
    /// How to sign in.
    pub auth: Auth,
    /// A client whose token request proves the realm still works after the import.
    pub verify: Option<Verify>,
    /// The suffix of the checksum attribute (keycloak-config-cli's cache key).
    #[serde(default = "default_checksum_key")]
    pub checksum_key: String,
}

fn default_auth_realm() -> String {
    "master".into()
}

fn default_checksum_key() -> String {
    "default".into()
}

impl Config {
    /// The realm attribute that holds the checksum of the last import.
    pub fn checksum_attribute(&self) -> String {
        format!("{CHECKSUM_ATTRIBUTE_PREFIX}{}", self.checksum_key)
    }

    /// The base URL without a trailing slash.
    pub fn base(&self) -> &str {
        self.url.trim_end_matches('/')
    }
}

impl UnitConfig for Config {
    fn problems(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            problems.push(Diagnostic::new(
                "url",
                format!(
                    "must be Keycloak's base URL, e.g. http://127.0.0.1:8080, got {:?}",
                    self.url
                ),
            ));
        }
        for (path, name) in [
            ("realm", &self.realm),
            ("auth.realm", &self.auth.realm),
            ("checksum_key", &self.checksum_key),
        ] {
            if name.is_empty() || name.contains(['/', '?', '#', '%']) {
                problems.push(Diagnostic::new(
                    path,
                    format!("must be a plain name (no `/`, `?`, `#` or `%`), got {name:?}"),
                ));
            }
        }
        if self.files.is_empty() {
            problems.push(Diagnostic::new(
                "files",
                "needs at least one realm file, e.g. [\"/realm/shop.json\"]",
            ));
        }
        for (i, file) in self.files.iter().enumerate() {
            if !file.is_absolute() {
                problems.push(Diagnostic::new(
                    format!("files.{i}"),
                    format!(
                        "must be an absolute guest path (where a `files` grant mounts it), got {}",
                        file.display()
                    ),
                ));
            }
        }
        match (self.auth.grant, &self.auth.username, &self.auth.client_id) {
            (Grant::Password, None, _) => problems.push(Diagnostic::new(
                "auth.username",
                "the password grant needs a username",
            )),
            (Grant::ClientCredentials, Some(_), _) => problems.push(Diagnostic::new(
                "auth.username",
                "the client_credentials grant takes no username: set client_id instead",
            )),
            (Grant::ClientCredentials, None, None) => problems.push(Diagnostic::new(
                "auth.client_id",
                "the client_credentials grant needs the client's id",
            )),
            _ => {}
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> String {
        format!(
            r#"{{"url": "http://127.0.0.1:8080", "realm": "shop", "files": ["/realm/shop.json"],
                "auth": {{"grant": "password", "username": "admin", "secret": "kc"}}{extra}}}"#
        )
    }

    #[test]
    fn a_minimal_config_is_valid_and_overwrites_by_default() {
        let parsed = Config::load(&config("")).unwrap();
        assert_eq!(parsed.if_resource_exists, Policy::Overwrite);
        assert_eq!(parsed.auth.client_id(), "admin-cli");
        assert_eq!(
            parsed.checksum_attribute(),
            "de.adorsys.keycloak.config.import-checksum-default"
        );
    }

    #[test]
    fn every_problem_names_its_field() {
        let text = r#"{"url": "keycloak:8080", "realm": "a/b", "files": ["realm.json"],
                       "auth": {"grant": "client_credentials", "secret": "kc"}}"#;
        let paths: Vec<String> = Config::diagnose(text).into_iter().map(|d| d.path).collect();
        assert_eq!(paths, ["url", "realm", "files.0", "auth.client_id"]);
    }
}
