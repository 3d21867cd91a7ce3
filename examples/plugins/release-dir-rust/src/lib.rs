//! release-dir-rust: publishes a directory as an atomic release, written in Rust with the SDK.
//!
//! Under the unit's `target` it keeps `releases/<version>/` directories and a relative `current`
//! symlink to the live one. `stage` copies `source` into a new release, `shift(100)` renames a
//! new link over `current`, `finalize` prunes releases beyond `keep`, and `rollback` points
//! `current` back. It is granted `source` read-only and `target` read-write, and imports
//! nothing but `log`. The same strategy is written in Python, TypeScript and C beside it.

mod config;
mod releases;

use config::{Config, SCHEMA};
use releases::Releases;
use serde::{Deserialize, Serialize};
use sluice_sdk::{
    Context, Error, Feature, PluginInfo, Staged, Strategy, parse_state, restore_target, to_state,
};

/// The staged state, and the `current` state once finalized.
#[derive(Serialize, Deserialize)]
struct Release {
    release: String,
    version: String,
    previous: Option<String>,
}

/// What `prepare` saw live.
#[derive(Serialize, Deserialize)]
struct Snapshot {
    release: Option<String>,
}

/// The directory for `version`: the version itself, or the first of `version~2`, `version~3`, ...
/// not `taken`, so no release on disk (the live one, or one kept for `sluice rollback`) is ever
/// overwritten by a deployment that may fail.
fn release_name(version: &str, taken: impl Fn(&str) -> bool) -> Result<String, Error> {
    if version.is_empty()
        || version.starts_with('.')
        || version.contains('/')
        || version.chars().any(char::is_control)
    {
        return Err(Error::InvalidConfig(format!(
            "version {version:?} cannot name a release directory"
        )));
    }
    let mut name = version.to_owned();
    let mut n = 2;
    while taken(&name) {
        name = format!("{version}~{n}");
        n += 1;
    }
    Ok(name)
}

struct ReleaseDir;

impl Strategy for ReleaseDir {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "release-dir-rust".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Publishes a directory as an atomic release: copies it to \
                          releases/<version> and swaps a `current` symlink by rename."
                .into(),
            config_schema: SCHEMA.into(),
            features: vec![Feature::Rollback],
        }
    }

    fn prepare(_ctx: &Context, config: &Config, _current: Option<&str>) -> Result<String, Error> {
        to_state(&Snapshot {
            release: Releases::at(&config.target).live()?,
        })
    }

    fn stage(ctx: &Context, config: &Config, _current: Option<&str>) -> Result<Staged, Error> {
        let releases = Releases::at(&config.target);
        releases.clear_leftovers()?;
        let previous = releases.live()?;
        let name = release_name(&ctx.version, |taken| releases.exists(taken))?;
        let files = releases.install(&config.source, &name, &ctx.deployment_id)?;
        let summary = format!("staged releases/{name}: {files} files");
        sluice_sdk::info!("{summary}");
        Ok(Staged {
            endpoints: config.release_url(&name).into_iter().collect(),
            state: to_state(&Release {
                release: name,
                version: ctx.version.clone(),
                previous,
            })?,
            summary,
        })
    }

    fn shift(ctx: &Context, config: &Config, staged: &str, percent: u8) -> Result<(), Error> {
        if percent < 100 {
            sluice_sdk::debug!("release-dir cannot split traffic: {percent}% changes nothing");
            return Ok(());
        }
        let release = parse_state::<Release>("staged state", staged)?.release;
        let releases = Releases::at(&config.target);
        releases.require(&release, "cut over")?;
        releases.point_current_at(&release, &ctx.deployment_id)?;
        sluice_sdk::info!("current -> releases/{release}");
        Ok(())
    }

    fn finalize(_ctx: &Context, config: &Config, staged: &str) -> Result<String, Error> {
        let release = parse_state::<Release>("staged state", staged)?.release;
        let releases = Releases::at(&config.target);
        if releases.live()?.as_deref() != Some(release.as_str()) {
            return Err(Error::Failed(format!(
                "current does not point at the staged release {release}"
            )));
        }
        let pruned = releases.prune(config.keep, &release)?;
        if !pruned.is_empty() {
            sluice_sdk::info!(
                "pruned releases beyond keep = {}: {}",
                config.keep,
                pruned.join(", ")
            );
        }
        Ok(staged.to_owned())
    }

    fn rollback(
        ctx: &Context,
        config: &Config,
        staged: Option<&str>,
        snapshot: Option<&str>,
        current: Option<&str>,
    ) -> Result<(), Error> {
        let releases = Releases::at(&config.target);
        let wanted = restore_target(
            current,
            snapshot,
            |current: Release| Some(current.release),
            |snapshot: Snapshot| Some(snapshot.release),
        )?
        .flatten();
        match &wanted {
            None => {
                releases.unlink_current()?;
                sluice_sdk::info!("nothing was live before: removed current");
            }
            Some(wanted) => {
                releases.require(wanted, "roll back")?;
                if releases.live()?.as_ref() != Some(wanted) {
                    releases.point_current_at(wanted, &ctx.deployment_id)?;
                }
                sluice_sdk::info!("current -> releases/{wanted}");
            }
        }
        if let Some(staged) = staged {
            let dropped = parse_state::<Release>("staged state", staged)?.release;
            if Some(&dropped) != wanted.as_ref() && releases.remove(&dropped)? {
                sluice_sdk::info!("removed the staged releases/{dropped}");
            }
        }
        releases.clear_leftovers()
    }
}

sluice_sdk::export!(ReleaseDir);
