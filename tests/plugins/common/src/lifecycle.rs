//! The well-behaved lifecycle every test plugin shares: small JSON states, no effects besides
//! the journal, and the SDK's defaults for `validate` and `plan`.

use std::marker::PhantomData;

use crate::TestConfig;
use serde_json::json;
use sluice_sdk::{Context, Error, Feature, PluginInfo, Staged, Strategy, to_state};

pub(crate) const CONFIG_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "journal": { "type": "string", "description": "guest path of a file to append call names to" },
    "target": { "type": "string", "description": "guest path of the directory a conforming plugin deploys into" },
    "endpoint": { "type": "string", "description": "the staged endpoint gate-target reports" },
    "attack": { "type": "string", "description": "which attack a hostile plugin makes in stage" },
    "args": { "type": "array", "items": { "type": "string" }, "description": "the attack's arguments" }
  }
}"#;

/// What makes one test plugin itself: its name and its `stage`.
pub trait Stage {
    /// The plugin's name in `info`.
    const NAME: &'static str;
    /// One sentence for `info`.
    const DESCRIPTION: &'static str;

    /// The plugin's `stage`, called after `stage` is journaled.
    fn stage(ctx: &Context, config: &TestConfig) -> Result<Staged, Error>;
}

/// The strategy of the test plugin whose `stage` is `S`'s.
pub struct TestPlugin<S>(PhantomData<S>);

impl<S: Stage> Strategy for TestPlugin<S> {
    type Config = TestConfig;

    fn info() -> PluginInfo {
        PluginInfo {
            name: S::NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: S::DESCRIPTION.into(),
            config_schema: CONFIG_SCHEMA.into(),
            features: vec![Feature::Rollback],
        }
    }

    /// Journals `prepare`; the snapshot is the current state.
    fn prepare(
        _ctx: &Context,
        config: &TestConfig,
        current: Option<&str>,
    ) -> Result<String, Error> {
        config.record("prepare")?;
        to_state(&json!({ "current": current }))
    }

    fn stage(ctx: &Context, config: &TestConfig, _current: Option<&str>) -> Result<Staged, Error> {
        config.record("stage")?;
        S::stage(ctx, config)
    }

    /// Journals `shift <percent>`.
    fn shift(_ctx: &Context, config: &TestConfig, _staged: &str, percent: u8) -> Result<(), Error> {
        config.record(&format!("shift {percent}"))
    }

    /// Journals `finalize`; the new current state is the staged one.
    fn finalize(_ctx: &Context, config: &TestConfig, staged: &str) -> Result<String, Error> {
        config.record("finalize")?;
        Ok(staged.to_owned())
    }

    /// Journals `rollback` and logs what it was asked to restore.
    fn rollback(
        _ctx: &Context,
        config: &TestConfig,
        staged: Option<&str>,
        snapshot: Option<&str>,
        current: Option<&str>,
    ) -> Result<(), Error> {
        config.record("rollback")?;
        sluice_sdk::info!(
            "rolled back: dropped staged {}, restored current {} (snapshot {})",
            staged.unwrap_or("nothing"),
            current.unwrap_or("nothing"),
            snapshot.unwrap_or("none")
        );
        Ok(())
    }
}

/// The staged result of a well-behaved `stage`: the version as state, `endpoint` if configured.
pub fn staged(ctx: &Context, config: &TestConfig) -> Result<Staged, Error> {
    Ok(Staged {
        state: to_state(&json!({ "version": ctx.version }))?,
        endpoints: config.endpoint.iter().cloned().collect(),
        summary: format!("staged {}", ctx.version),
    })
}
