//! `kong-config`: loads a declarative config into Kong in DB-less mode through the Admin API (the
//! `http` capability, granted the Admin API's origin), from a file on a read-only preopen with
//! `${NAME}` filled in from the unit's `vars`.
//!
//! `plan` diffs the file against `GET /config` (nothing to do when Kong's `configuration_hash` is
//! already the new config's). `stage` posts it with `check_hash=1&flatten_errors=1` (Kong's field
//! errors become the reason, naming each entity) and checks that `/status` reports the new hash.
//! With a `canary`, `stage` loads the config with the canary target at weight 0 and each
//! `shift(percent)` rewrites the stable and canary weights to `100 - percent` and `percent`.
//! `prepare` keeps the config Kong held; `rollback` loads it back.

mod config;
mod document;
mod entities;
mod interpolate;
mod kong;
mod rejection;
mod state;

use config::Config;
use document::{Document, Rendered};
use entities::{Action, diff, flatten};
use kong::{EMPTY_HASH, Kong};
use sluice_sdk::{
    Change, ChangeAction, Context, Error, Feature, PluginInfo, Staged, Strategy, parse_state,
    to_state,
};
use state::{Loaded, Snapshot, StagedConfig};

/// What Kong holds after a rollback to "no config".
const EMPTY_CONFIG: &str = r#"{"_format_version":"3.0"}"#;

struct KongConfig;

impl Strategy for KongConfig {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "kong-config".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Loads a declarative config into Kong (DB-less) through the Admin API, \
                          verified by its configuration hash; moves an upstream's weights from a \
                          stable to a canary target step by step."
                .into(),
            config_schema: config::SCHEMA.into(),
            features: vec![Feature::Rollback, Feature::TrafficShift, Feature::Plan],
        }
    }

    fn plan(_ctx: &Context, config: &Config, _current: Option<&str>) -> Result<Vec<Change>, Error> {
        let wanted = Document::load(config)?.render(config.canary.as_ref(), 100)?;
        let kong = Kong::new(config);
        if kong.hash()? == wanted.hash {
            return Ok(vec![Change::new(
                ChangeAction::NoOp,
                "kong config",
                format!("Kong already holds it (hash {})", wanted.hash),
            )]);
        }
        let live: serde_json::Value = serde_norway::from_str(&kong.export()?)
            .map_err(|e| Error::Failed(format!("Kong's exported config is not YAML: {e}")))?;
        let wanted_value: serde_json::Value = serde_json::from_str(&wanted.text)
            .map_err(|e| Error::Failed(format!("cannot read back the rendered config: {e}")))?;
        let mut changes: Vec<Change> = diff(&flatten(&wanted_value), &flatten(&live))
            .into_iter()
            .map(|(action, resource, detail)| {
                let action = match action {
                    Action::Create => ChangeAction::Create,
                    Action::Update => ChangeAction::Update,
                    Action::Delete => ChangeAction::Delete,
                };
                Change::new(action, resource, detail)
            })
            .collect();
        if let Some(canary) = &config.canary {
            changes.push(Change::new(
                ChangeAction::Update,
                format!("upstream {}", canary.upstream),
                format!(
                    "traffic moves from {} to {} over the shift steps",
                    canary.stable, canary.canary
                ),
            ));
        }
        Ok(changes)
    }

    fn prepare(_ctx: &Context, config: &Config, current: Option<&str>) -> Result<String, Error> {
        let kong = Kong::new(config);
        let hash = kong.hash()?;
        let current = parse_current(current)?;
        let before = if hash == EMPTY_HASH {
            None
        } else if let Some(current) = current.filter(|c| c.hash == hash) {
            Some(current)
        } else {
            Some(Loaded {
                text: kong.export()?,
                hash,
            })
        };
        to_state(&Snapshot { before })
    }

    fn stage(_ctx: &Context, config: &Config, _current: Option<&str>) -> Result<Staged, Error> {
        let document = Document::load(config)?;
        let full = document.render(config.canary.as_ref(), 100)?;
        let kong = Kong::new(config);
        let unchanged = kong.hash()? == full.hash;
        let summary = if unchanged {
            format!("Kong already holds this config (hash {})", full.hash)
        } else {
            let first = document.render(config.canary.as_ref(), 0)?;
            kong.load(&first)?;
            match &config.canary {
                Some(canary) => format!(
                    "loaded the config (hash {}) with canary {} at 0%",
                    first.hash, canary.canary
                ),
                None => format!("loaded the config (hash {})", first.hash),
            }
        };
        Ok(Staged {
            state: to_state(&StagedConfig { unchanged })?,
            endpoints: Vec::new(),
            summary,
        })
    }

    fn shift(_ctx: &Context, config: &Config, staged: &str, percent: u8) -> Result<(), Error> {
        let staged: StagedConfig = parse_state("staged state", staged)?;
        let Some(canary) = config.canary.as_ref().filter(|_| !staged.unchanged) else {
            return Ok(()); // without a canary the whole config went live at stage
        };
        let rendered = Document::load(config)?.render(Some(canary), percent)?;
        Kong::new(config).load(&rendered)?;
        sluice_sdk::info!(
            "upstream {}: {}% to {}, {}% to {} (hash {})",
            canary.upstream,
            percent,
            canary.canary,
            100 - percent.min(100),
            canary.stable,
            rendered.hash
        );
        Ok(())
    }

    fn finalize(_ctx: &Context, config: &Config, _staged: &str) -> Result<String, Error> {
        let full = Document::load(config)?.render(config.canary.as_ref(), 100)?;
        to_state(&Loaded {
            text: full.text,
            hash: full.hash,
        })
    }

    fn rollback(
        _ctx: &Context,
        config: &Config,
        _staged: Option<&str>,
        snapshot: Option<&str>,
        current: Option<&str>,
    ) -> Result<(), Error> {
        let back = match snapshot {
            Some(snapshot) => {
                let snapshot: Snapshot = parse_state("snapshot", snapshot)?;
                Some(
                    snapshot
                        .before
                        .map_or_else(|| EMPTY_CONFIG.to_owned(), |b| b.text),
                )
            }
            None => parse_current(current)?.map(|c| c.text),
        };
        match back {
            Some(text) => Kong::new(config).load(&Rendered::new(text)).map(|_| ()),
            None => Ok(()), // prepare never ran and nothing was live: nothing was changed
        }
    }
}

fn parse_current(current: Option<&str>) -> Result<Option<Loaded>, Error> {
    current.map(|c| parse_state("current state", c)).transpose()
}

sluice_sdk::export!(KongConfig);
