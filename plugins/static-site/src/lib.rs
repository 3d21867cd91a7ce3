//! `static-site`: publishes a directory as an atomic release.
//!
//! Under the unit's `target` it keeps `releases/<version>/` directories and a relative
//! `current` symlink to the live one. `stage` copies `source` into a new release, `shift(100)`
//! renames a new link over `current`, `finalize` prunes releases beyond `keep`, and `rollback`
//! points `current` back. The filesystem is the source of truth: the plugin reads the live
//! release from the `current` link, not from the host's state.
//!
//! It is granted `source` read-only and `target` read-write as WASI preopens, and imports
//! nothing but `log`.

mod config;
mod naming;
mod order;
mod plan;
mod releases;
mod state;
mod tree;

use config::Config;
use releases::Releases;
use sluice_sdk::{
    Change, Context, Error, Feature, PluginInfo, Staged, Strategy, parse_state, restore_target,
    to_state,
};
use state::{ReleaseState, Snapshot};
use tree::Tree;

struct StaticSite;

impl Strategy for StaticSite {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "static-site".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Publishes a directory as an atomic release: copies it to \
                          releases/<version> and swaps a `current` symlink by rename."
                .into(),
            config_schema: config::SCHEMA.into(),
            features: vec![Feature::Rollback, Feature::Plan],
        }
    }

    fn plan(ctx: &Context, config: &Config, _current: Option<&str>) -> Result<Vec<Change>, Error> {
        plan::changes(config, &ctx.version)
    }

    fn prepare(_ctx: &Context, config: &Config, _current: Option<&str>) -> Result<String, Error> {
        let release = Releases::at(&config.target).live()?;
        to_state(&Snapshot { release })
    }

    fn stage(ctx: &Context, config: &Config, _current: Option<&str>) -> Result<Staged, Error> {
        naming::check_version(&ctx.version)?;
        let releases = Releases::at(&config.target);
        releases.clear_leftovers()?;
        let previous = releases.live()?;
        let name = naming::release_name(&ctx.version, |name| releases.exists(name));
        let source = Tree::scan(&config.source)?;
        releases.install(&source, &config.source, &name, &ctx.deployment_id)?;
        let summary = format!(
            "staged releases/{name}: {} files, {} bytes",
            source.file_count(),
            source.total_bytes()
        );
        sluice_sdk::info!("{summary}");
        Ok(Staged {
            endpoints: config.release_url(&name).into_iter().collect(),
            state: to_state(&ReleaseState {
                release: name,
                version: ctx.version.clone(),
                previous,
            })?,
            summary,
        })
    }

    fn shift(ctx: &Context, config: &Config, staged: &str, percent: u8) -> Result<(), Error> {
        if percent < 100 {
            sluice_sdk::debug!("static-site cannot split traffic: {percent}% changes nothing");
            return Ok(());
        }
        let staged: ReleaseState = parse_state("staged state", staged)?;
        let releases = Releases::at(&config.target);
        releases.require(&staged.release, "cut over")?;
        releases.point_current_at(&staged.release, &ctx.deployment_id)?;
        sluice_sdk::info!("current -> releases/{}", staged.release);
        Ok(())
    }

    fn finalize(_ctx: &Context, config: &Config, staged: &str) -> Result<String, Error> {
        let staged: ReleaseState = parse_state("staged state", staged)?;
        let releases = Releases::at(&config.target);
        let live = releases.live()?;
        if live.as_deref() != Some(staged.release.as_str()) {
            return Err(Error::Failed(format!(
                "current points at {}, not at the staged release {}: the cut-over did not happen",
                live.as_deref().unwrap_or("nothing"),
                staged.release
            )));
        }
        let pruned = releases.prune(config.keep as usize, &[&staged.release])?;
        if !pruned.is_empty() {
            sluice_sdk::info!(
                "pruned releases beyond keep = {}: {}",
                config.keep,
                pruned.join(", ")
            );
        }
        to_state(&staged)
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
            |current: ReleaseState| current.release,
            |snapshot: Snapshot| snapshot.release,
        )?;
        match &wanted {
            Some(name) => {
                releases.require(name, "roll back")?;
                if releases.live()?.as_deref() != Some(name.as_str()) {
                    releases.point_current_at(name, &ctx.deployment_id)?;
                }
                sluice_sdk::info!("current -> releases/{name}");
            }
            None => {
                releases.unlink_current()?;
                sluice_sdk::info!("nothing was live before: removed current");
            }
        }
        if let Some(staged) = staged {
            let staged: ReleaseState = parse_state("staged state", staged)?;
            if wanted.as_deref() != Some(staged.release.as_str())
                && releases.remove(&staged.release)?
            {
                sluice_sdk::info!("removed the staged releases/{}", staged.release);
            }
        }
        releases.clear_leftovers()
    }
}

sluice_sdk::export!(StaticSite);
