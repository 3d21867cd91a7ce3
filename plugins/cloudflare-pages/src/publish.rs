//! Publishing a version: checking the site against the project's limits and finding out what
//! the project lacks (`plan` and `stage`), uploading it and making the preview (`stage`), the
//! production deployment of the same release (`shift(100)`), and going back (`rollback`).

use crate::api::Api;
use crate::buckets;
use crate::config::Config;
use crate::deploy;
use crate::model::{DeploymentRef, Project};
use crate::naming;
use crate::site::{Site, human_size};
use crate::state::{Release, StagedState};
use crate::upload::{Uploaded, Uploads};
use sluice_sdk::{Context, Error, Staged, to_state};
use std::collections::{BTreeMap, BTreeSet};

/// A scanned site, checked against the project's limits, and the hashes the project lacks.
pub struct Checked<'a> {
    /// The site.
    pub site: Site,
    /// Its manifest: `/path` to hash.
    pub manifest: BTreeMap<String, String>,
    hashes: Vec<String>,
    missing: BTreeSet<String>,
    uploads: Uploads<'a>,
}

impl<'a> Checked<'a> {
    /// Scans `config.directory` (refusing a file over 25 MiB), fetches an upload token, refuses
    /// a site over its file limit, and asks which hashes the project lacks. Nothing is uploaded.
    pub fn site(api: &'a Api, config: &Config) -> Result<Checked<'a>, Error> {
        let site = Site::scan(&config.directory)?;
        let mut uploads = Uploads::start(api)?;
        site.check_file_count(uploads.max_files())?;
        let manifest = site.manifest();
        let hashes: Vec<String> = manifest
            .values()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let missing = uploads.missing(&hashes)?;
        Ok(Checked {
            site,
            manifest,
            hashes,
            missing,
            uploads,
        })
    }

    /// What uploading would send.
    pub fn to_upload(&self) -> Uploaded {
        buckets::fill(&self.site.assets, &self.missing, 1)
            .iter()
            .fold(Uploaded::default(), |sum, bucket| Uploaded {
                files: sum.files + bucket.assets.len(),
                bytes: sum.bytes + bucket.bytes,
            })
    }

    /// Uploads what the project lacks, `streams` buckets at a time, then tells Pages every hash
    /// the manifest uses. Returns the manifest and what was sent.
    pub fn upload(
        mut self,
        streams: usize,
    ) -> Result<(Site, BTreeMap<String, String>, Uploaded), Error> {
        let buckets = buckets::fill(&self.site.assets, &self.missing, streams);
        let uploaded = self.uploads.upload(&self.site, buckets, streams)?;
        self.uploads.upsert(&self.hashes)?;
        Ok((self.site, self.manifest, uploaded))
    }
}

/// `stage`: uploads what the project lacks and creates the preview deployment of `ctx.version`
/// on its own branch; its URL is the staged endpoint.
pub fn preview(api: &Api, config: &Config, ctx: &Context) -> Result<Staged, Error> {
    let project = deploy::project(api)?;
    let branch = naming::preview_branch(&ctx.version);
    if branch == project.production_branch {
        return Err(Error::InvalidConfig(format!(
            "the preview branch of {} would be `{branch}`, which is the project's production branch",
            ctx.version
        )));
    }
    let (site, manifest, uploaded) =
        Checked::site(api, config)?.upload(config.upload_concurrency)?;
    let release = Release {
        manifest,
        headers: site.headers.clone(),
        redirects: site.redirects.clone(),
        commit_message: naming::commit_message(
            config.commit_message.as_deref(),
            &ctx.version,
            &ctx.deployment_id,
        ),
        commit_hash: config.commit_hash.clone(),
    };
    let preview = deploy::create(api, &release, &branch)?;
    let summary = format!(
        "preview {}: uploaded {} of {} files ({} of {})",
        preview.url,
        uploaded.files,
        site.assets.len(),
        human_size(uploaded.bytes),
        human_size(site.total_bytes())
    );
    Ok(Staged {
        endpoints: vec![preview.url.clone()],
        state: to_state(&StagedState {
            version: ctx.version.clone(),
            preview: preview.to_ref(),
            release,
            uploaded,
        })?,
        summary,
    })
}

/// `shift(100)`: the production deployment of the staged release, made once per sluice
/// deployment (`deployment_id`): a repeated call finds it live and does nothing.
pub fn production(api: &Api, deployment_id: &str, staged: &StagedState) -> Result<(), Error> {
    let project = deploy::project(api)?;
    if let Some(live) = published_by(&project, deployment_id) {
        sluice_sdk::info!(
            "production is already deployment {} ({})",
            live.id,
            live.url
        );
        return Ok(());
    }
    let production = deploy::create(api, &staged.release, &project.production_branch)?;
    sluice_sdk::info!(
        "production -> deployment {} ({}), the manifest of the preview",
        production.id,
        production.url
    );
    Ok(())
}

/// The live production deployment, if sluice deployment `deployment_id` published it.
pub fn published_by(project: &Project, deployment_id: &str) -> Option<DeploymentRef> {
    project
        .canonical_deployment
        .as_ref()
        .filter(|live| naming::made_by(live.commit_message(), deployment_id))
        .map(|live| live.to_ref())
}

/// `rollback`: makes `wanted` the live production deployment again (Pages' rollback), unless it
/// is live already. With nothing to restore, production is left alone, unless sluice deployment
/// `deployment_id` published it: Pages cannot take a project's only production deployment down.
pub fn restore(
    api: &Api,
    deployment_id: &str,
    wanted: Option<&DeploymentRef>,
) -> Result<(), Error> {
    let project = deploy::project(api)?;
    let live = project.canonical_deployment.as_ref();
    match (wanted, live) {
        (Some(wanted), Some(live)) if wanted.id == live.id => {
            sluice_sdk::info!("production is deployment {} already", wanted.id);
        }
        (Some(wanted), _) => {
            deploy::roll_back_to(api, &wanted.id)?;
            sluice_sdk::info!("production -> deployment {} ({})", wanted.id, wanted.url);
        }
        (None, Some(live)) if naming::made_by(live.commit_message(), deployment_id) => {
            return Err(Error::Failed(format!(
                "nothing was live before this deployment, and Pages cannot take a project's only production deployment down: {} stays live",
                live.url
            )));
        }
        (None, _) => sluice_sdk::info!("nothing was live before: production is unchanged"),
    }
    Ok(())
}

/// `rollback`: deletes the staged preview deployment, aliases included (gone already is fine).
pub fn remove_preview(api: &Api, preview: &DeploymentRef) -> Result<(), Error> {
    if deploy::delete(api, &preview.id)? {
        sluice_sdk::info!("deleted the preview deployment {}", preview.id);
    }
    Ok(())
}
