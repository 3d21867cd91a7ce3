//! The unit's config: where the site is, which bucket and prefix its releases go to, the granted
//! secrets that hold the AWS credentials, and the CloudFront origin that serves the live one.

use serde::Deserialize;
use sluice_sdk::aws::Credentials;
use sluice_sdk::{Error, UnitConfig, secrets};

/// The config's JSON Schema.
pub const SCHEMA: &str = include_str!("config.schema.json");

/// `config = { ... }` of an s3-static unit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The granted directory holding the built site.
    pub source: String,
    /// The bucket.
    pub bucket: String,
    /// The bucket's region.
    #[serde(default = "default_region")]
    pub region: String,
    /// The S3 API, spoken path-style: `ENDPOINT/BUCKET/KEY`.
    pub endpoint: Option<String>,
    /// Releases go under `PREFIX/VERSION/`.
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// How many releases to keep, the live one included.
    #[serde(default = "default_keep")]
    pub keep: u32,
    /// Where `PREFIX/VERSION/` is served, for the staged gate.
    pub public_url: Option<String>,
    /// The granted secrets holding the credentials.
    pub credentials: CredentialSecrets,
    /// The distribution that serves the live release.
    pub cloudfront: CloudFront,
}

/// The names of the granted secrets holding the AWS credentials (never the values).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialSecrets {
    /// The access key id's secret.
    pub access_key_id_secret: String,
    /// The secret access key's secret.
    pub secret_access_key_secret: String,
    /// The session token's secret, for temporary credentials.
    pub session_token_secret: Option<String>,
}

/// `cloudfront = { distribution_id, origin_id }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudFront {
    /// `E2ABC...`.
    pub distribution_id: String,
    /// The origin whose `OriginPath` names the live release.
    pub origin_id: String,
    /// The CloudFront API.
    #[serde(default = "default_cloudfront")]
    pub endpoint: String,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

fn default_prefix() -> String {
    "releases".to_owned()
}

fn default_keep() -> u32 {
    3
}

fn default_cloudfront() -> String {
    "https://cloudfront.amazonaws.com".to_owned()
}

impl UnitConfig for Config {
    fn problems(&self) -> Vec<sluice_sdk::Diagnostic> {
        let mut problems = Vec::new();
        let mut problem = |path: &str, message: &str| {
            problems.push(sluice_sdk::Diagnostic {
                path: path.to_owned(),
                message: message.to_owned(),
            })
        };
        if !self.source.starts_with('/') {
            problem(
                "source",
                "must be the absolute path the directory is granted at",
            );
        }
        if self.bucket.is_empty() || self.bucket.contains('/') {
            problem("bucket", "must be a bucket name");
        }
        if self.prefix.is_empty() || self.prefix.starts_with('/') || self.prefix.ends_with('/') {
            problem(
                "prefix",
                "must be a key prefix without leading or trailing `/`",
            );
        }
        if self.keep == 0 {
            problem("keep", "must keep at least the live release");
        }
        problems
    }
}

impl Config {
    /// The S3 API base, without a trailing `/`.
    pub fn endpoint(&self) -> String {
        self.endpoint
            .clone()
            .unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", self.region))
            .trim_end_matches('/')
            .to_owned()
    }

    /// The key prefix of the release of `version`, with its trailing `/`.
    pub fn release_prefix(&self, version: &str) -> String {
        format!("{}/{version}/", self.prefix)
    }

    /// Where the release of `version` is served, for the staged gate.
    pub fn release_url(&self, version: &str) -> String {
        let base = self
            .public_url
            .clone()
            .unwrap_or_else(|| format!("{}/{}", self.endpoint(), self.bucket));
        format!(
            "{}/{}",
            base.trim_end_matches('/'),
            self.release_prefix(version)
        )
    }

    /// The credentials, read from the granted secrets.
    pub fn credentials(&self) -> Result<Credentials, Error> {
        let read = |name: &str| {
            secrets::get(name).map_err(|e| {
                Error::Denied(format!(
                    "reading AWS credentials from secret `{name}`: {}",
                    e.message()
                ))
            })
        };
        let secrets = &self.credentials;
        let mut credentials = Credentials::new(
            &read(&secrets.access_key_id_secret)?,
            &read(&secrets.secret_access_key_secret)?,
        );
        credentials.session_token = secrets
            .session_token_secret
            .as_deref()
            .map(read)
            .transpose()?;
        Ok(credentials)
    }
}
