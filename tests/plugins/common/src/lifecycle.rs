//! The well-behaved lifecycle calls every test plugin shares: small JSON states, no effects
//! besides the journal.

use crate::TestConfig;
use serde_json::json;
use sluice_sdk::{Change, ChangeAction, Context, Diagnostic, Error, Feature, PluginInfo, to_state};

const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "journal": { "type": "string", "description": "guest path of a file to append call names to" },
    "endpoint": { "type": "string", "description": "the staged endpoint gate-target reports" },
    "attack": { "type": "string", "description": "which attack a hostile plugin makes in stage" },
    "args": { "type": "array", "items": { "type": "string" }, "description": "the attack's arguments" }
  }
}"#;

/// `info()` for the test plugin `name`.
pub fn info(name: &str, description: &str) -> PluginInfo {
    PluginInfo {
        name: name.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        description: description.into(),
        config_schema: CONFIG_SCHEMA.into(),
        features: vec![Feature::Rollback],
    }
}

/// Accepts any config that parses.
pub fn validate(config: &str) -> Result<(), Vec<Diagnostic>> {
    serde_json::from_str::<TestConfig>(config)
        .map(drop)
        .map_err(|e| vec![Diagnostic::new("", e.to_string())])
}

/// One `update` line from the current version to the new one; touches nothing.
pub fn plan(ctx: &Context, config: &str, current: Option<String>) -> Result<Vec<Change>, Error> {
    TestConfig::load(config)?;
    Ok(vec![Change::new(
        ChangeAction::Update,
        ctx.unit.as_str(),
        format!(
            "{} -> {}",
            current.as_deref().unwrap_or("nothing"),
            ctx.version
        ),
    )])
}

/// Journals `prepare`; the snapshot is the current state.
pub fn prepare(config: &str, current: Option<String>) -> Result<String, Error> {
    TestConfig::load(config)?.record("prepare")?;
    to_state(&json!({ "current": current }))
}

/// Journals `shift <percent>`.
pub fn shift(config: &str, percent: u8) -> Result<(), Error> {
    TestConfig::load(config)?.record(&format!("shift {percent}"))
}

/// Journals `finalize`; the new current state is the staged one.
pub fn finalize(config: &str, staged: String) -> Result<String, Error> {
    TestConfig::load(config)?.record("finalize")?;
    Ok(staged)
}

/// Journals `rollback` and logs what it was asked to restore.
pub fn rollback(
    config: &str,
    staged: Option<String>,
    snapshot: Option<String>,
    current: Option<String>,
) -> Result<(), Error> {
    TestConfig::load(config)?.record("rollback")?;
    sluice_sdk::info!(
        "rolled back: dropped staged {}, restored current {} (snapshot {})",
        staged.as_deref().unwrap_or("nothing"),
        current.as_deref().unwrap_or("nothing"),
        snapshot.as_deref().unwrap_or("none")
    );
    Ok(())
}

/// The staged result of a well-behaved `stage`: the version as state, `endpoint` if configured.
pub fn staged(ctx: &Context, config: &TestConfig) -> Result<sluice_sdk::Staged, Error> {
    Ok(sluice_sdk::Staged {
        state: to_state(&json!({ "version": ctx.version }))?,
        endpoints: config.endpoint.iter().cloned().collect(),
        summary: format!("staged {}", ctx.version),
    })
}
