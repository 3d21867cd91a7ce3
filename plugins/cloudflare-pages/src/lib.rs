//! `cloudflare-pages`: deploys a static site to a Cloudflare Pages project with the Direct
//! Upload protocol, request for request as `wrangler pages deploy` does it (see
//! `docs/cloudflare-pages.md`).
//!
//! - `plan` hashes the site, asks Pages which hashes it lacks, and reports the files new,
//!   changed and removed against the live manifest and the bytes to upload.
//! - `stage` uploads only what Pages lacks (buckets of at most 40 MiB and 2000 files, several in
//!   flight at once) and creates a *preview* deployment on a branch derived from the version;
//!   its URL is the staged endpoint, so the gates probe the new site before anyone sees it.
//! - `shift(100)` creates the *production* deployment from the same manifest (nothing is
//!   uploaded again); `finalize` records it as `current`.
//! - `rollback` returns production to the previous production deployment with Pages' rollback
//!   endpoint, and deletes the staged preview.
//!
//! It imports `http` (granted only the API's origin), `secrets` (the API token) and reads the
//! site from a read-only preopen.

mod api;
mod buckets;
mod config;
mod deploy;
mod hash;
mod jwt;
mod model;
mod multipart;
mod naming;
mod plan;
mod publish;
mod retry;
mod site;
mod state;
mod upload;

use api::Api;
use config::Config;
use plan::{Diff, Outlook};
use publish::Checked;
use sluice_sdk::{
    Change, Context, Error, Feature, PluginInfo, Staged, Strategy, parse_state, restore_target,
    to_state,
};
use state::{Current, Snapshot, StagedState};
use std::collections::BTreeMap;

struct CloudflarePages;

impl Strategy for CloudflarePages {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "cloudflare-pages".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Deploys a static site to Cloudflare Pages (Direct Upload, as wrangler \
                          does): uploads only what changed, previews it, then publishes the same \
                          manifest to production; rolls back with Pages' rollback endpoint."
                .into(),
            config_schema: config::SCHEMA.into(),
            features: vec![Feature::Rollback, Feature::Plan],
        }
    }

    fn plan(ctx: &Context, config: &Config, current: Option<&str>) -> Result<Vec<Change>, Error> {
        let current = parse_current(current)?;
        let api = Api::new(config)?;
        let checked = Checked::site(&api, config)?;
        let empty = BTreeMap::new();
        let live_manifest = current.as_ref().map_or(&empty, |c| &c.manifest);
        Ok(Outlook {
            project: &config.project,
            version: &ctx.version,
            live: current
                .as_ref()
                .map(|c| (c.version.as_str(), c.production.id.as_str())),
            diff: Diff::between(live_manifest, &checked.manifest),
            files: checked.site.assets.len(),
            upload: checked.to_upload(),
        }
        .changes())
    }

    fn prepare(_ctx: &Context, config: &Config, _current: Option<&str>) -> Result<String, Error> {
        let project = deploy::project(&Api::new(config)?)?;
        to_state(&Snapshot {
            production: project.canonical_deployment.map(|d| d.to_ref()),
        })
    }

    fn stage(ctx: &Context, config: &Config, _current: Option<&str>) -> Result<Staged, Error> {
        publish::preview(&Api::new(config)?, config, ctx)
    }

    fn shift(ctx: &Context, config: &Config, staged: &str, percent: u8) -> Result<(), Error> {
        if percent < 100 {
            sluice_sdk::debug!("Pages cannot split traffic: {percent}% changes nothing");
            return Ok(());
        }
        let staged: StagedState = parse_state("staged state", staged)?;
        publish::production(&Api::new(config)?, &ctx.deployment_id, &staged)
    }

    fn finalize(ctx: &Context, config: &Config, staged: &str) -> Result<String, Error> {
        let staged: StagedState = parse_state("staged state", staged)?;
        let project = deploy::project(&Api::new(config)?)?;
        let Some(production) = publish::published_by(&project, &ctx.deployment_id) else {
            return Err(Error::Failed(format!(
                "production is not the deployment this run published (it is {}): the cut-over did not happen",
                project
                    .canonical_deployment
                    .as_ref()
                    .map_or("none".to_owned(), |d| format!("deployment {}", d.id))
            )));
        };
        to_state(&Current {
            production,
            version: staged.version,
            manifest: staged.release.manifest,
        })
    }

    fn rollback(
        ctx: &Context,
        config: &Config,
        staged: Option<&str>,
        snapshot: Option<&str>,
        current: Option<&str>,
    ) -> Result<(), Error> {
        let api = Api::new(config)?;
        let wanted = restore_target(
            current,
            snapshot,
            |current: Current| current.production,
            |snapshot: Snapshot| snapshot.production,
        )?;
        let production = publish::restore(&api, &ctx.deployment_id, wanted.as_ref());
        let preview = match staged {
            Some(staged) => {
                let staged: StagedState = parse_state("staged state", staged)?;
                publish::remove_preview(&api, &staged.preview)
            }
            None => Ok(()),
        };
        production.and(preview)
    }
}

fn parse_current(current: Option<&str>) -> Result<Option<Current>, Error> {
    current
        .map(|current| parse_state("current state", current))
        .transpose()
}

sluice_sdk::export!(CloudflarePages);
