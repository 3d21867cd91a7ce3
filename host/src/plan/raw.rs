//! The plan file exactly as written: what `toml` deserializes before any checking. Every struct
//! denies unknown keys, so a typo is an error with its location instead of being ignored.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_spanned::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlan {
    pub project: RawProject,
    pub state: Option<RawState>,
    pub environments: Spanned<BTreeMap<String, RawEnvironment>>,
    #[serde(default)]
    pub secrets: BTreeMap<String, Spanned<RawSecret>>,
    #[serde(default)]
    pub databases: BTreeMap<String, RawDatabase>,
    #[serde(default)]
    pub docker: BTreeMap<String, RawDocker>,
    #[serde(default)]
    pub registries: BTreeMap<String, RawRegistry>,
    #[serde(default)]
    pub plugins: BTreeMap<String, RawPlugin>,
    #[serde(default)]
    pub units: BTreeMap<String, RawUnit>,
    #[serde(default)]
    pub hooks: BTreeMap<String, RawHook>,
    #[serde(default)]
    pub groups: BTreeMap<String, RawGroup>,
    pub telemetry: Option<RawTelemetry>,
}

/// `[project]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProject {
    pub name: Spanned<String>,
}

/// `[state]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawState {
    pub url: Spanned<String>,
}

/// `[environments.NAME]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawEnvironment {
    pub promote_from: Option<String>,
    pub approval: bool,
}

/// `[secrets.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSecret {
    pub env: Option<String>,
    pub file: Option<String>,
}

/// `[databases.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDatabase {
    pub url: Spanned<String>,
}

/// `[docker.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDocker {
    pub url: Spanned<String>,
    pub address: Option<Spanned<String>>,
    pub tls: Option<Spanned<RawDockerTls>>,
    pub identity: Option<Spanned<String>>,
    pub known_hosts: Option<Spanned<String>>,
    pub socket: Option<Spanned<String>>,
}

/// `[docker.NAME] tls = { ca, cert, key }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDockerTls {
    pub ca: String,
    pub cert: String,
    pub key: String,
}

/// `[registries."HOST[:PORT]"]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRegistry {
    pub username: Spanned<String>,
    pub password_secret: Spanned<String>,
}

/// `[plugins.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlugin {
    pub source: Spanned<String>,
    pub sha256: Option<Spanned<String>>,
    #[serde(default)]
    pub grants: RawGrants,
    #[serde(default)]
    pub limits: RawLimits,
}

/// `[plugins.NAME.grants]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawGrants {
    /// `None` when the key is absent; `Some([])` grants the capability with no origin.
    pub http: Option<Vec<Spanned<RawHttpGrant>>>,
    pub secrets: Vec<String>,
    pub files: Vec<RawFileGrant>,
    pub containers: Vec<Spanned<String>>,
    pub images: Vec<Spanned<String>>,
    pub services: Vec<Spanned<String>>,
    pub databases: Vec<String>,
    pub docker: Vec<String>,
    pub haproxy: Vec<Spanned<String>>,
}

/// One entry of `grants.http`: an origin string, or `{ origin = "...", internal = true }`.
#[derive(Debug)]
pub(super) struct RawHttpGrant {
    pub origin: String,
    pub internal: bool,
}

impl<'de> Deserialize<'de> for RawHttpGrant {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(HttpGrantVisitor)
    }
}

struct HttpGrantVisitor;

impl<'de> serde::de::Visitor<'de> for HttpGrantVisitor {
    type Value = RawHttpGrant;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "an origin such as \"https://api.example.com\", or a table \
             { origin = \"http://db-admin.internal:8080\", internal = true }",
        )
    }

    fn visit_str<E: serde::de::Error>(self, origin: &str) -> Result<RawHttpGrant, E> {
        Ok(RawHttpGrant {
            origin: origin.to_owned(),
            internal: false,
        })
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawHttpGrant, A::Error> {
        const FIELDS: &[&str] = &["origin", "internal"];
        let (mut origin, mut internal) = (None, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "origin" => origin = Some(map.next_value::<String>()?),
                "internal" => internal = map.next_value()?,
                other => return Err(serde::de::Error::unknown_field(other, FIELDS)),
            }
        }
        let origin = origin.ok_or_else(|| serde::de::Error::missing_field("origin"))?;
        Ok(RawHttpGrant { origin, internal })
    }
}

/// One entry of `grants.files`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFileGrant {
    pub path: String,
    pub at: Spanned<String>,
    #[serde(default)]
    pub mode: RawFileMode,
}

/// `mode` of a file grant.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum RawFileMode {
    #[default]
    ReadOnly,
    ReadWrite,
}

/// `[plugins.NAME.limits]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawLimits {
    pub deadline: Option<Spanned<String>>,
    pub memory: Option<Spanned<toml::Value>>,
}

/// `[units.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUnit {
    pub plugin: String,
    #[serde(default)]
    pub config: toml::Table,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub shift: Vec<Spanned<i64>>,
    pub steps: Option<Vec<Spanned<RawStep>>>,
    #[serde(default)]
    pub gates: Vec<Spanned<RawGate>>,
    #[serde(default)]
    pub engines: Vec<Spanned<String>>,
    pub max_unavailable: Option<Spanned<i64>>,
    #[serde(default)]
    pub endpoints: Vec<Spanned<RawHttpGrant>>,
    #[serde(default)]
    pub loopback_gates: bool,
}

/// One entry of a unit's `steps`: exactly one of its keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    pub weight: Option<Spanned<i64>>,
    pub wait: Option<Spanned<String>>,
    pub pause: Option<Spanned<bool>>,
}

/// One entry of a unit's `gates`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGate {
    pub http: Option<Spanned<String>>,
    pub tcp: Option<Spanned<String>>,
    pub plugin: Option<Spanned<String>>,
    pub config: Option<toml::Table>,
    pub inconclusive: Option<RawInconclusive>,
    pub status: Option<Spanned<u16>>,
    pub body: Option<Spanned<String>>,
    pub phase: Option<RawPhase>,
    pub interval: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub initial_delay: Option<Spanned<String>>,
    pub success_threshold: Option<Spanned<u32>>,
    pub failure_threshold: Option<Spanned<u32>>,
    pub deadline: Option<Spanned<String>>,
    pub soak: Option<Spanned<String>>,
    pub start_period: Option<Spanned<String>>,
}

/// `inconclusive` of a plugin gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawInconclusive {
    Pass,
    Fail,
}

/// `phase` of a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawPhase {
    Staged,
    Live,
}

/// `[hooks.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHook {
    pub plugin: String,
    pub on: Option<Vec<super::model::HookEventKind>>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub config: toml::Table,
}

/// `[groups.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGroup {
    pub units: Vec<String>,
    #[serde(default = "atomic_by_default")]
    pub atomic: bool,
}

/// A group is atomic unless it says `atomic = false`.
fn atomic_by_default() -> bool {
    true
}

/// `[telemetry]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTelemetry {
    pub otlp: Option<Spanned<String>>,
}
