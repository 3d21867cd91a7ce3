//! `sluice plugins test`: the conformance harness. It drives a component through the lifecycle
//! in scratch worlds and says, per contract rule ([`Rule`]), whether the plugin keeps it and
//! what shows it.
//!
//! Each rule is checked in a fresh scratch world (see [`scratch`]): what the plugin may reach is
//! derived from the config and the capabilities asked for (`--capabilities`):
//!
//! - `files`: every absolute path among the config's string values (and not under another one)
//!   becomes a temporary directory granted read-write at that guest path, holding one file,
//!   `index.html`; every tree is fingerprinted (each path, each file's content, each symlink's
//!   target) before and after the calls that must not change it;
//! - `--tree GUEST=DIR`: a scratch directory at `GUEST` that starts as a copy of `DIR` (a site
//!   to publish, migration files, a gateway's config file), claimed before the config's paths;
//! - `http`: the origin of every `http://` or `https://` URL among the config's string values is
//!   granted (`internal = true`, so a local service answers);
//! - `--database NAME`: a database `NAME`, a fresh SQLite file in each scratch world, its backups
//!   kept beside it (its contents are not fingerprinted: its mutating calls are recorded);
//! - `--secret NAME=VAR`: the secret `NAME`, its value from the environment variable `VAR`;
//! - `log` and `plan-notes` are always there; nothing else is granted.
//!
//! Every host call the plugin makes is recorded (see [`crate::caps::calls`]), so a call that
//! changes something is seen even when the plugin undoes its effect. An HTTP request counts as
//! changing something unless its method is GET, HEAD or OPTIONS, or the author declares it
//! read-only (`--read-only-request 'POST /oauth/token'`: the harness cannot know what an API
//! does with a POST).

mod checks;
mod rule;
mod scratch;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use rule::{Rule, Status, Verdict};

use crate::caps::calls::CallRecorder;
use crate::caps::log::LogSink;
use crate::plan::model::Limits;
use crate::runtime::{ComponentBytes, Runtime, RuntimeError};
use crate::wit::types::Diagnostic;
use checks::Harness;
use scratch::Derived;

/// A capability the harness can give a plugin in its scratch world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grantable {
    /// `files`: scratch directories at the config's absolute paths.
    Files,
    /// `http`: the origins of the config's URLs.
    Http,
}

impl Grantable {
    /// Every capability the harness can give, as `--capabilities` names it.
    pub const ALL: [(&'static str, Grantable); 2] =
        [("files", Grantable::Files), ("http", Grantable::Http)];

    /// The names of every capability the harness can give, comma-separated.
    pub fn names() -> String {
        Grantable::ALL.map(|(name, _)| name).join(", ")
    }

    /// The capability `name` names.
    pub fn parse(name: &str) -> Result<Grantable, ConformanceError> {
        Grantable::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, grantable)| *grantable)
            .ok_or_else(|| ConformanceError::Capability(name.to_owned()))
    }
}

/// Why the harness could not check the rules at all.
#[derive(Debug, thiserror::Error)]
pub enum ConformanceError {
    /// `--config` is not a JSON object.
    #[error("--config must be a JSON object: {0}")]
    Config(String),
    /// `--capabilities` names one the harness cannot give.
    #[error("the harness cannot grant `{0}`: it grants {granted}", granted = Grantable::names())]
    Capability(String),
    /// A `--read-only-request` is not `METHOD /path`.
    #[error("--read-only-request `{0}`: expected METHOD /path, e.g. `POST /oauth/token`")]
    Request(String),
    /// The plugin's `validate` refuses the config: fix the config first.
    #[error("the plugin's validate refuses the config: {0}")]
    Refused(String),
    /// The component cannot be loaded or called.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// A scratch directory cannot be made or read.
    #[error("scratch directory: {0}")]
    Scratch(#[source] std::io::Error),
    /// A `--tree` directory cannot be copied.
    #[error("cannot copy the tree {}: {source}", from.display())]
    Tree {
        /// The directory given.
        from: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl ConformanceError {
    /// Whether it is the input's fault (the config, the capabilities, the component).
    pub fn is_invalid_input(&self) -> bool {
        match self {
            ConformanceError::Config(_)
            | ConformanceError::Capability(_)
            | ConformanceError::Refused(_)
            | ConformanceError::Request(_)
            | ConformanceError::Tree { .. } => true,
            ConformanceError::Runtime(e) => e.is_invalid_input(),
            ConformanceError::Scratch(_) => false,
        }
    }
}

/// What to test.
pub struct Subject<'a> {
    /// The plugin's name in messages.
    pub name: &'a str,
    /// Its component.
    pub bytes: &'a ComponentBytes,
    /// The unit config it is called with (a JSON object).
    pub config: &'a str,
    /// The capabilities to grant it in scratch, as `--capabilities` names them.
    pub capabilities: &'a [String],
    /// Scratch directories to start as copies of host directories: (guest path, host path).
    pub trees: &'a [(String, std::path::PathBuf)],
    /// Databases to grant by name, each a fresh SQLite file in every scratch world.
    pub databases: &'a [String],
    /// The secrets granted, with their values (none: granted, but without a value).
    pub secrets: BTreeMap<String, Option<String>>,
    /// Requests the author declares change nothing although their method could, as
    /// `METHOD /path` (an OAuth token request, a query sent as a POST).
    pub read_only_requests: &'a [String],
    /// Where its log messages go.
    pub log: Arc<dyn LogSink>,
}

/// Checks every rule on `subject`, in [`Rule::ALL`]'s order.
pub async fn run(
    runtime: &Runtime,
    subject: Subject<'_>,
) -> Result<Vec<Verdict>, ConformanceError> {
    let config_json: serde_json::Value = serde_json::from_str(subject.config)
        .map_err(|e| ConformanceError::Config(e.to_string()))?;
    if !config_json.is_object() {
        return Err(ConformanceError::Config(format!("got {}", subject.config)));
    }
    let granted = subject
        .capabilities
        .iter()
        .map(|name| Grantable::parse(name))
        .collect::<Result<Vec<_>, _>>()?;
    let mut derived = Derived::from_config(&config_json, &granted, subject.trees);
    derived.databases = subject.databases.to_vec();
    let read_only_requests = subject
        .read_only_requests
        .iter()
        .map(|request| match request.split_once(' ') {
            Some((method, path)) if path.starts_with('/') => {
                Ok((method.to_ascii_uppercase(), path.to_owned()))
            }
            _ => Err(ConformanceError::Request(request.clone())),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let recorder = CallRecorder::default();
    // Loaded against the grants of a scratch world: an import the harness cannot give is
    // refused here, naming the grant it needs.
    let mut grants = scratch::Scratch::new(&derived, &granted)?.grants;
    grants.secrets = subject.secrets.keys().cloned().collect();
    let mut plugin = runtime.load(
        subject.name,
        subject.bytes,
        Some(&grants),
        Limits::default(),
    )?;
    plugin.record_calls(recorder.clone());
    let harness = Harness {
        plugin,
        recorder,
        config: subject.config.to_owned(),
        config_json,
        granted,
        derived,
        secrets: subject.secrets,
        read_only_requests,
        log: subject.log,
    };
    harness.refuse_a_config_validate_rejects().await?;
    let mut verdicts = Vec::new();
    for rule in Rule::ALL {
        verdicts.push(match rule {
            Rule::InfoSchema => harness.info_schema().await?,
            Rule::ReadOnlyCalls => harness.read_only_calls().await?,
            Rule::DryRunPlan => harness.dry_run_plan().await?,
            Rule::RollbackIdempotent => harness.rollback_idempotent().await?,
            Rule::StateRoundTrip => harness.state_round_trip().await?,
            Rule::FreshInstance => harness.fresh_instance().await?,
        });
    }
    Ok(verdicts)
}

/// Diagnostics in one line: `path: message; ...`.
fn diagnostics_text(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| {
            if d.path.is_empty() {
                d.message.clone()
            } else {
                format!("{}: {}", d.path, d.message)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}
