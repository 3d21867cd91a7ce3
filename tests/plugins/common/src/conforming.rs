//! A strategy that keeps every rule `sluice plugins test` checks, and hooks with which each
//! `breaks-<rule>` test plugin breaks exactly one of them.
//!
//! It deploys into the config's `target` directory: `stage` writes `releases/<version>`,
//! `finalize` returns `{"version": ...}`, `rollback` removes the staged release if it is there.
//! A plugin implements [`Breaks`] (its name, and the one hook it overrides) and exports
//! [`Conforming`] over it:
//!
//! ```ignore
//! struct RollbackTwice;
//! impl Breaks for RollbackTwice { /* NAME, DESCRIPTION, remove_release */ }
//! sluice_sdk::export!(Conforming<RollbackTwice>);
//! ```

use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use crate::TestConfig;
use crate::lifecycle::CONFIG_SCHEMA;
use serde::{Deserialize, Serialize};
use sluice_sdk::{
    Change, Context, Diagnostic, Error, Feature, OrFailed, PluginInfo, Staged, Strategy,
    parse_state, to_state,
};

/// What the strategy keeps between calls: only in the strings it returns.
#[derive(Serialize, Deserialize)]
pub struct Release {
    /// The version.
    pub version: String,
}

/// The one place a `breaks-<rule>` plugin differs; every default keeps the rules.
pub trait Breaks {
    /// The plugin's name in `info`.
    const NAME: &'static str;
    /// One sentence for `info`.
    const DESCRIPTION: &'static str;

    /// The config schema `info` returns.
    fn config_schema() -> String {
        CONFIG_SCHEMA.into()
    }

    /// What `validate` does beyond parsing the config.
    fn validate(_target: &Path) -> Result<(), Error> {
        Ok(())
    }

    /// What `plan` does before saying what it would change.
    fn plan(_ctx: &Context, _target: &Path) -> Result<(), Error> {
        Ok(())
    }

    /// Removes the staged release `path` in `rollback`: only if it is there.
    fn remove_release(path: &Path) -> Result<(), Error> {
        if path.exists() {
            std::fs::remove_file(path).or_failed(|| format!("removing {}", path.display()))?;
        }
        Ok(())
    }

    /// Called by `stage` once the release is written.
    fn staged(_version: &str) {}

    /// The state `finalize` returns for the staged `release`.
    fn finalized(release: &Release) -> Result<String, Error> {
        to_state(release)
    }
}

/// The conforming strategy with `B`'s one difference.
pub struct Conforming<B>(PhantomData<B>);

fn target(config: &TestConfig) -> Result<&Path, Error> {
    config
        .target
        .as_deref()
        .ok_or_else(|| Error::InvalidConfig("`target` is required".into()))
}

fn release_path(target: &Path, version: &str) -> PathBuf {
    target.join("releases").join(version)
}

/// The release `current` names, if any: it must be what `finalize` returned.
fn current_release(current: Option<&str>) -> Result<Option<Release>, Error> {
    current
        .map(|current| parse_state("current state", current))
        .transpose()
}

impl<B: Breaks> Strategy for Conforming<B> {
    type Config = TestConfig;

    fn info() -> PluginInfo {
        PluginInfo {
            name: B::NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: B::DESCRIPTION.into(),
            config_schema: B::config_schema(),
            features: vec![Feature::Rollback],
        }
    }

    fn validate(config: &str) -> Result<(), Vec<Diagnostic>> {
        let problem = |e: Error| vec![Diagnostic::new("", e.message())];
        let config: TestConfig = sluice_sdk::parse_config(config).map_err(problem)?;
        B::validate(target(&config).map_err(problem)?).map_err(problem)
    }

    fn plan(
        ctx: &Context,
        config: &TestConfig,
        current: Option<&str>,
    ) -> Result<Vec<Change>, Error> {
        let target = target(config)?;
        B::plan(ctx, target)?;
        let from = current_release(current)?.map_or_else(|| "nothing".into(), |r| r.version);
        Ok(vec![Change::new(
            sluice_sdk::ChangeAction::Create,
            release_path(target, &ctx.version).display().to_string(),
            format!("{from} -> {}", ctx.version),
        )])
    }

    fn prepare(
        _ctx: &Context,
        _config: &TestConfig,
        current: Option<&str>,
    ) -> Result<String, Error> {
        current_release(current)?;
        Ok(current.unwrap_or("none").to_owned())
    }

    fn stage(ctx: &Context, config: &TestConfig, current: Option<&str>) -> Result<Staged, Error> {
        current_release(current)?;
        let path = release_path(target(config)?, &ctx.version);
        let what = || format!("writing {}", path.display());
        if let Some(releases) = path.parent() {
            std::fs::create_dir_all(releases).or_failed(what)?;
        }
        std::fs::write(&path, &ctx.version).or_failed(what)?;
        B::staged(&ctx.version);
        Ok(Staged {
            state: to_state(&Release {
                version: ctx.version.clone(),
            })?,
            endpoints: Vec::new(),
            summary: format!("staged {}", path.display()),
        })
    }

    fn finalize(_ctx: &Context, _config: &TestConfig, staged: &str) -> Result<String, Error> {
        B::finalized(&parse_state("staged state", staged)?)
    }

    fn rollback(
        _ctx: &Context,
        config: &TestConfig,
        staged: Option<&str>,
        _snapshot: Option<&str>,
        _current: Option<&str>,
    ) -> Result<(), Error> {
        let Some(staged) = staged else {
            return Ok(());
        };
        let release: Release = parse_state("staged state", staged)?;
        B::remove_release(&release_path(target(config)?, &release.version))
    }
}
