//! `s3-static`: deploys a built site to an S3 bucket atomically and reversibly, the way the
//! seeds' `aws s3 sync` + `aws cloudfront create-invalidation` script does, but without ever
//! serving a half-uploaded site.
//!
//! Each version is a release under `PREFIX/VERSION/` in the bucket. `stage` fills it: a file
//! whose bytes equal the live release's (MD5 against S3's ETag) is copied inside the bucket,
//! only the others are uploaded. `shift(100)` points the CloudFront origin's `OriginPath` at the
//! release and invalidates the paths that changed; `finalize` deletes the releases beyond `keep`;
//! `rollback` points the origin back and deletes the release it wrote, unless that one is kept.
//! Requests are signed with Signature Version 4 in the plugin (`sluice_sdk::aws`) from
//! credentials in granted secrets, and sent through the `http` capability to the granted S3 and
//! CloudFront endpoints.

mod bucket;
mod config;
mod distribution;
mod signed;
mod site;
mod state;
mod xml;

use bucket::Bucket;
use config::Config;
use distribution::Distribution;
use signed::Api;
use sluice_sdk::{
    Context, Error, Feature, PluginInfo, Staged, Strategy, parse_state, restore_target, to_state,
};
use state::{Release, Snapshot};

/// Up to this many changed paths are invalidated one by one; more, and `/*` is.
const MAX_INVALIDATED_PATHS: usize = 100;

struct S3Static;

fn bucket(config: &Config) -> Result<Bucket, Error> {
    let api = Api::new(
        &config.endpoint(),
        &config.region,
        "s3",
        config.credentials()?,
    );
    Ok(Bucket::new(api, &config.bucket))
}

fn distribution(config: &Config) -> Result<Distribution, Error> {
    let cloudfront = &config.cloudfront;
    let api = Api::new(
        &cloudfront.endpoint,
        "us-east-1",
        "cloudfront",
        config.credentials()?,
    );
    Ok(Distribution::new(
        api,
        &cloudfront.distribution_id,
        &cloudfront.origin_id,
    ))
}

/// The `OriginPath` that serves the release of `version`.
fn origin_path(config: &Config, version: &str) -> String {
    format!("/{}/{version}", config.prefix)
}

fn check_version(version: &str) -> Result<(), Error> {
    let usable = !version.is_empty()
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'));
    if usable {
        Ok(())
    } else {
        Err(Error::InvalidConfig(format!(
            "version `{version}` cannot name a release prefix: letters, digits, `.`, `_`, `-` \
             and `+` only"
        )))
    }
}

impl Strategy for S3Static {
    type Config = Config;

    fn info() -> PluginInfo {
        PluginInfo {
            name: "s3-static".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Deploys a site to S3 as a release under PREFIX/VERSION/ (only changed \
                          files uploaded) and switches a CloudFront origin's path to it."
                .into(),
            config_schema: config::SCHEMA.into(),
            features: vec![Feature::Rollback],
        }
    }

    fn prepare(_ctx: &Context, config: &Config, _current: Option<&str>) -> Result<String, Error> {
        let origin_path = distribution(config)?.origin_path()?;
        to_state(&Snapshot { origin_path })
    }

    fn stage(ctx: &Context, config: &Config, current: Option<&str>) -> Result<Staged, Error> {
        check_version(&ctx.version)?;
        let live: Option<Release> = current
            .map(|state| parse_state("current state", state))
            .transpose()?;
        let bucket = bucket(config)?;
        let files = site::scan(&config.source)?;
        let before = match &live {
            Some(live) => bucket.list(&config.release_prefix(&live.version))?,
            None => Default::default(),
        };
        let prefix = config.release_prefix(&ctx.version);
        let (mut puts, mut copies, mut changed) = (Vec::new(), Vec::new(), Vec::new());
        for file in &files {
            let key = format!("{prefix}{}", file.key);
            match &live {
                Some(live)
                    if before.get(&format!(
                        "{}{}",
                        config.release_prefix(&live.version),
                        file.key
                    )) == Some(&file.md5) =>
                {
                    let from = format!("{}{}", config.release_prefix(&live.version), file.key);
                    copies.push((from, key));
                }
                _ => {
                    puts.push((key, file.bytes.as_slice(), file.content_type.as_str()));
                    changed.push(format!("/{}", file.key));
                }
            }
        }
        bucket.copy_all(&copies)?;
        bucket.put_all(&puts)?;
        let (uploaded, copied) = (puts.len(), copies.len());
        if let Some(live) = &live {
            let live_prefix = config.release_prefix(&live.version);
            changed.extend(
                before
                    .keys()
                    .filter_map(|key| key.strip_prefix(&live_prefix))
                    .filter(|key| !files.iter().any(|f| f.key == *key))
                    .map(|key| format!("/{key}")),
            );
        }
        let summary = format!(
            "staged s3://{}/{prefix}: {uploaded} uploaded, {copied} unchanged (copied in the bucket)",
            config.bucket
        );
        sluice_sdk::info!("{summary}");
        let kept = live.map(|live| live.kept).unwrap_or_default();
        Ok(Staged {
            endpoints: vec![config.release_url(&ctx.version)],
            state: to_state(&Release {
                version: ctx.version.clone(),
                kept,
                changed,
                uploaded,
                copied,
            })?,
            summary,
        })
    }

    fn shift(ctx: &Context, config: &Config, staged: &str, percent: u8) -> Result<(), Error> {
        if percent < 100 {
            sluice_sdk::debug!("s3-static cannot split traffic: {percent}% changes nothing");
            return Ok(());
        }
        let staged: Release = parse_state("staged state", staged)?;
        let distribution = distribution(config)?;
        let path = origin_path(config, &staged.version);
        distribution.set_origin_path(&path)?;
        sluice_sdk::info!(
            "CloudFront {} origin `{}` -> {path}",
            config.cloudfront.distribution_id,
            config.cloudfront.origin_id
        );
        if !staged.changed.is_empty() {
            let paths = if staged.changed.len() > MAX_INVALIDATED_PATHS {
                vec!["/*".to_owned()]
            } else {
                staged.changed.clone()
            };
            let id = distribution.invalidate(&paths, &format!("sluice-{}", ctx.deployment_id))?;
            sluice_sdk::info!("invalidation {id}: {} path(s)", paths.len());
        }
        Ok(())
    }

    fn finalize(_ctx: &Context, config: &Config, staged: &str) -> Result<String, Error> {
        let mut staged: Release = parse_state("staged state", staged)?;
        let mut kept = vec![staged.version.clone()];
        kept.extend(
            staged
                .kept
                .iter()
                .filter(|v| **v != staged.version)
                .cloned(),
        );
        let dropped = kept.split_off(kept.len().min(config.keep as usize));
        let bucket = bucket(config)?;
        for version in &dropped {
            let prefix = config.release_prefix(version);
            for key in bucket.list(&prefix)?.keys() {
                bucket.delete(key)?;
            }
        }
        if !dropped.is_empty() {
            sluice_sdk::info!(
                "deleted releases beyond keep = {}: {}",
                config.keep,
                dropped.join(", ")
            );
        }
        staged.kept = kept;
        to_state(&staged)
    }

    fn rollback(
        ctx: &Context,
        config: &Config,
        staged: Option<&str>,
        snapshot: Option<&str>,
        current: Option<&str>,
    ) -> Result<(), Error> {
        let wanted = restore_target(
            current,
            snapshot,
            |current: Release| origin_path(config, &current.version),
            |snapshot: Snapshot| Some(snapshot.origin_path),
        )?;
        let kept = current
            .map(|state| parse_state::<Release>("current state", state))
            .transpose()?
            .map(|current| current.kept)
            .unwrap_or_default();
        let distribution = distribution(config)?;
        if let Some(path) = &wanted
            && distribution.origin_path()? != *path
        {
            distribution.set_origin_path(path)?;
            sluice_sdk::info!(
                "CloudFront origin `{}` -> {path}",
                config.cloudfront.origin_id
            );
        }
        let staged = staged
            .map(|state| parse_state::<Release>("staged state", state))
            .transpose()?
            .map(|staged| staged.version);
        let serves = |version: &str| wanted.as_deref() == Some(&origin_path(config, version));
        if let Some(version) = release_to_delete(staged, &ctx.version, serves, &kept) {
            let bucket = bucket(config)?;
            for key in bucket.list(&config.release_prefix(&version))?.keys() {
                bucket.delete(key)?;
            }
        }
        Ok(())
    }
}

/// The version whose release a rollback deletes: the one its deployment wrote, whole or in part
/// (the `staged` version, or the deployment's `version` when `stage` failed halfway and returned
/// nothing), unless that release is the one that `serves` again, one the live deployment `kept`
/// (a redeploy of an older version writes into that version's kept release), or no release at
/// all (a version `stage` refused).
fn release_to_delete(
    staged: Option<String>,
    version: &str,
    serves: impl Fn(&str) -> bool,
    kept: &[String],
) -> Option<String> {
    let written = staged.unwrap_or_else(|| version.to_owned());
    let deletable =
        !serves(&written) && !kept.contains(&written) && check_version(&written).is_ok();
    deletable.then_some(written)
}

#[cfg(test)]
mod tests {
    use super::release_to_delete;

    fn kept(versions: &[&str]) -> Vec<String> {
        versions.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn the_release_a_failed_deployment_staged_is_deleted() {
        let doomed = release_to_delete(Some("v3".into()), "v3", |_| false, &kept(&["v2", "v1"]));
        assert_eq!(doomed.as_deref(), Some("v3"));
    }

    #[test]
    fn a_release_stage_left_half_written_is_named_by_the_deployments_version() {
        let doomed = release_to_delete(None, "v3", |_| false, &kept(&["v2"]));
        assert_eq!(doomed.as_deref(), Some("v3"));
    }

    #[test]
    fn a_kept_release_written_again_by_a_failed_redeploy_stays() {
        let doomed = release_to_delete(Some("v1".into()), "v1", |_| false, &kept(&["v2", "v1"]));
        assert_eq!(doomed, None);
    }

    #[test]
    fn the_release_served_again_stays() {
        let doomed = release_to_delete(None, "v1", |version| version == "v1", &[]);
        assert_eq!(doomed, None);
    }

    #[test]
    fn a_version_that_names_no_release_deletes_nothing() {
        assert_eq!(release_to_delete(None, "../v1", |_| false, &[]), None);
        assert_eq!(release_to_delete(None, "", |_| false, &[]), None);
    }
}

sluice_sdk::export!(S3Static);
