//! `containers.image-pull` (since 0.1.4): an engine pulls a granted image from its registry.
//!
//! The repository (registry host included) must be granted in `images`. When the plan declares
//! the registry in `[registries]`, the host hands its username and the password from its secret
//! to the engine with the request; the plugin never sees them, and the engine does not keep
//! them. The answer is the pulled image pinned by digest (`repository@sha256:...`), which the
//! plugin records so that a rollback runs the same bytes even after the tag moved. A reference
//! pinned by digest is pulled by that digest (the engine checks the content against it), and the
//! host checks the engine reports exactly that digest for the repository.

use bollard::auth::DockerCredentials;
use bollard::query_parameters::CreateImageOptions;
use futures::StreamExt as _;

use super::ContainersCap;
use super::engine::Engine;
use super::grant::{is_image_id, repository, short_form};
use crate::wit::types::Error;

/// How an engine logs in to one registry: the plan's `[registries."HOST"]` with its password
/// read from its secret for this environment.
#[derive(Clone)]
pub struct RegistryLogin {
    /// The registry, `HOST[:PORT]`, as image references name it.
    pub host: String,
    /// The user name.
    pub username: String,
    /// The secret holding the password, for errors.
    pub password_secret: String,
    /// The password; none when the secret has no value in this environment.
    pub password: Option<String>,
}

impl ContainersCap {
    /// Has engine `endpoint` pull the granted `image` (`repository:tag` or
    /// `repository@sha256:...`) and returns it pinned by digest.
    pub async fn image_pull(&self, endpoint: &str, image: &str) -> Result<String, Error> {
        let engine = self.engine(endpoint)?;
        if is_image_id(image) {
            return Err(Error::InvalidConfig(format!(
                "containers: cannot pull the image id `{image}`: expected `repository:tag` or \
                 `repository@sha256:...`"
            )));
        }
        self.check_image_name(image)?;
        let repository = repository(image);
        let (tag, pinned) = match image.split_once('@') {
            Some((_, digest)) => (digest.to_owned(), Some(digest)),
            None => {
                let tag = image[repository.len()..].trim_start_matches(':');
                let tag = if tag.is_empty() { "latest" } else { tag };
                (tag.to_owned(), None)
            }
        };
        let options = CreateImageOptions {
            from_image: Some(repository.to_owned()),
            tag: Some(tag),
            ..CreateImageOptions::default()
        };
        let credentials = self.credentials(image)?;
        let client = engine.client().await?;
        let mut progress = client.create_image(Some(options), None, credentials);
        while let Some(step) = progress.next().await {
            step.map_err(|e| engine.error(&format!("pull `{image}`"), e))?;
        }
        let digest = pulled_digest(engine, repository, image).await?;
        match pinned {
            Some(pinned) if pinned != digest => Err(Error::Failed(format!(
                "containers: pulled `{image}` but the engine reports the digest {digest}"
            ))),
            _ => Ok(format!("{repository}@{digest}")),
        }
    }

    /// The credentials for the registry `image` names, if the plan declares it.
    fn credentials(&self, image: &str) -> Result<Option<DockerCredentials>, Error> {
        let Some((first, _)) = image.split_once('/') else {
            return Ok(None);
        };
        let Some(login) = self.registries.iter().find(|login| login.host == first) else {
            return Ok(None);
        };
        let password = login.password.clone().ok_or_else(|| {
            Error::Unavailable(format!(
                "containers: cannot log in to registry `{}`: secret `{}` has no value in this \
                 environment",
                login.host, login.password_secret
            ))
        })?;
        Ok(Some(DockerCredentials {
            username: Some(login.username.clone()),
            password: Some(password),
            serveraddress: Some(login.host.clone()),
            ..DockerCredentials::default()
        }))
    }
}

/// The digest the engine recorded for `repository` when it pulled `image`.
async fn pulled_digest(engine: &Engine, repository: &str, image: &str) -> Result<String, Error> {
    let inspect = engine
        .client()
        .await?
        .inspect_image(image)
        .await
        .map_err(|e| engine.error(&format!("inspect the pulled `{image}`"), e))?;
    inspect
        .repo_digests
        .unwrap_or_default()
        .iter()
        .find_map(|name| {
            let (named, digest) = name.split_once('@')?;
            (short_form(named) == short_form(repository)).then(|| digest.to_owned())
        })
        .ok_or_else(|| {
            Error::Failed(format!(
                "containers: the engine pulled `{image}` but reports no digest for `{repository}`"
            ))
        })
}
