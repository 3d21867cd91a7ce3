//! `sluice:deploy/containers`: Docker Engine operations on the containers and images the plan
//! grants, performed by the host with bollard; and `sluice:deploy/services` (since 0.1.4): Docker
//! Swarm services the plan grants by name (`services`), on the same engines and images.
//!
//! Threat model: a hostile plugin could try to touch other teams' containers or images (stop
//! their database, remove their image, run their image with its baked-in credentials), reach one
//! through a near-miss name (`api2` when `api` is granted), a short id or id prefix that the
//! engine would resolve to another object, or a rename onto or away from a granted name; escape
//! the engine's isolation through a privileged container, host network or another container's
//! namespaces, bind mounts, devices or added capabilities; publish ports on every interface;
//! forge the host's `sluice.*` labels to pass as another unit's container; use an engine it was
//! not granted; or flood the host with logs. What stops it: every call names its engine, which
//! must be granted, and every container name and image repository is checked against the grant
//! (exact or `prefix-*`, see `grant`) before the engine is contacted; the engine's answer is
//! then checked to be the object named (a lookup that resolved to something else counts as
//! absent), and the host acts on the id it found. Images referenced by id must carry a granted
//! name. The create body is built by the host from the WIT spec alone, which cannot express
//! privileges, mounts, devices or capabilities; `host` and `container:` network modes are
//! denied; ports publish on 127.0.0.1 unless the spec names an address; `sluice.*` labels are
//! reserved for the host, which adds them to every container. `list` shows only granted names,
//! `logs` is capped at [`MAX_LOG_LINES`] lines and [`MAX_LOG_BYTES`] bytes, a stop timeout at
//! [`MAX_STOP_TIMEOUT_SECS`]. A plugin may have an engine pull only a granted repository, with
//! registry credentials it never sees (`pull`). An engine reached over SSH goes
//! through a tunnel the plugin never sees (`ssh`, with its own threat model).
//!
//! Services add their own threats: a hostile plugin could update, roll back or remove another
//! team's service, create one under a name it was not granted, run a service with mounts,
//! secrets, privileges, host networking or placement on chosen nodes, make Swarm pull an image
//! from a registry, or forge the `sluice.*` labels (the image label included) of a service. What
//! stops it: every service call checks the engine and the name against the `services` grant
//! (the same exact or `prefix-*` patterns) before the engine is contacted, and acts on the id of
//! the service found under exactly that name; the image's repository must be granted and the
//! image on the engine, and the service runs it by id (Swarm pulls nothing); the Swarm spec is
//! built by the host from the WIT record alone (`service_convert`), which has no field for
//! mounts, networks, secrets, configs, privileges, capabilities or placement, and a service
//! asks for at most `MAX_REPLICAS` tasks; `sluice.*` labels stay reserved. What Swarm cannot do is bind a published port to one address: a service's
//! ports are published on every interface of every node, which `plugins audit` warns of for any
//! `services` grant.

mod capability;
mod convert;
mod engine;
mod grant;
mod logs;
mod pull;
mod service_convert;
mod services;
mod ssh;
mod wit_host;
mod wit_services;

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{ContainerInspectResponse, ImageInspect};
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, ListImagesOptions, RemoveContainerOptions,
    RemoveImageOptions, RenameContainerOptions, StopContainerOptions, TagImageOptions,
};

pub use capability::Containers;
pub use convert::{DEFAULT_HOST_IP, HOST_LABEL_PREFIX};
pub use engine::{EngineAddress, LOCAL_SOCKET, default_url, granted_engines};
pub use grant::NameGrant;
pub use logs::{MAX_LOG_BYTES, MAX_LOG_LINES};
pub use pull::RegistryLogin;

use super::calls;
use crate::plan::model::Grants;
use crate::wit::containers::{ContainerInfo, ContainerSpec, ImageInfo};
use crate::wit::types::Error;
use engine::{Engine, is_not_found};
use grant::{is_image_id, listed_name, repository, short_form};

/// The longest stop timeout a plugin may ask for, in seconds.
pub const MAX_STOP_TIMEOUT_SECS: u32 = 60;

/// The label naming the unit a container was created for.
pub const LABEL_UNIT: &str = "sluice.unit";
/// The label naming the environment a container was created for.
pub const LABEL_ENVIRONMENT: &str = "sluice.environment";
/// The label naming the version a container runs.
pub const LABEL_VERSION: &str = "sluice.version";
/// The label naming the deployment that created a container.
pub const LABEL_DEPLOYMENT: &str = "sluice.deployment";
/// The label a service carries naming the image reference its plugin gave (the service runs the
/// image by id).
pub const LABEL_IMAGE: &str = "sluice.image";

/// The labels the host adds to every container created while deploying `version` of `unit` to
/// `environment` in deployment `deployment_id`.
pub fn host_labels(
    unit: &str,
    environment: &str,
    version: &str,
    deployment_id: &str,
) -> Vec<(String, String)> {
    [
        (LABEL_UNIT, unit),
        (LABEL_ENVIRONMENT, environment),
        (LABEL_VERSION, version),
        (LABEL_DEPLOYMENT, deployment_id),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value.to_owned()))
    .collect()
}

/// The containers capability of one lifecycle call.
pub struct ContainersCap {
    plugin: String,
    containers: NameGrant,
    images: NameGrant,
    services: NameGrant,
    engines: Vec<Engine>,
    labels: Vec<(String, String)>,
    registries: Vec<RegistryLogin>,
}

impl ContainersCap {
    /// Containers for `plugin` as `grants` allow, on `engines` (the first is the default), adding
    /// `labels` (the host's `sluice.*` labels) to every container it creates and pulling with
    /// the `registries` logins.
    pub fn new(
        plugin: &str,
        grants: &Grants,
        engines: &[EngineAddress],
        labels: &[(String, String)],
        registries: &[RegistryLogin],
    ) -> Self {
        ContainersCap {
            plugin: plugin.to_owned(),
            containers: NameGrant::new(&grants.containers),
            images: NameGrant::new(&grants.images),
            services: NameGrant::new(&grants.services),
            engines: engines.iter().cloned().map(Engine::new).collect(),
            labels: labels.to_vec(),
            registries: registries.to_vec(),
        }
    }

    /// The granted engines' names; the first is the default.
    pub fn endpoints(&self) -> Vec<String> {
        self.engines
            .iter()
            .map(|engine| engine.name().to_owned())
            .collect()
    }

    /// The image `image`, or none when the engine does not have it under that name.
    pub async fn image_inspect(
        &self,
        endpoint: &str,
        image: &str,
    ) -> Result<Option<ImageInfo>, Error> {
        let engine = self.engine(endpoint)?;
        let found = self.find_image(engine, image).await?;
        Ok(found.map(|inspect| convert::image_info(inspect, &self.images)))
    }

    /// The images of `repository`, each showing only its granted names.
    pub async fn image_list(
        &self,
        endpoint: &str,
        repository: &str,
    ) -> Result<Vec<ImageInfo>, Error> {
        let engine = self.engine(endpoint)?;
        self.check_image_name(repository)?;
        let options = ListImagesOptions {
            filters: Some(HashMap::from([(
                "reference".to_owned(),
                vec![repository.to_owned()],
            )])),
            ..ListImagesOptions::default()
        };
        let summaries = engine
            .client()
            .await?
            .list_images(Some(options))
            .await
            .map_err(|e| engine.error(&format!("list images of `{repository}`"), e))?;
        Ok(summaries
            .into_iter()
            .map(|summary| convert::image_summary_info(summary, &self.images))
            .filter(|info| !info.tags.is_empty())
            .collect())
    }

    /// Adds the name `target` to the image `source`.
    pub async fn image_tag(&self, endpoint: &str, source: &str, target: &str) -> Result<(), Error> {
        let engine = self.engine(endpoint)?;
        self.check_image_name(target)?;
        if target.contains('@') || is_image_id(target) {
            return Err(Error::InvalidConfig(format!(
                "containers: cannot tag an image as `{target}`: expected `repository[:tag]`"
            )));
        }
        let image = self.require_image(engine, source).await?;
        let target_repository = repository(target);
        let tag = target[target_repository.len()..].trim_start_matches(':');
        let options = TagImageOptions {
            repo: Some(target_repository.to_owned()),
            tag: Some(if tag.is_empty() { "latest" } else { tag }.to_owned()),
        };
        engine
            .client()
            .await?
            .tag_image(image.id.as_deref().unwrap_or(source), Some(options))
            .await
            .map_err(|e| engine.error(&format!("tag `{source}` as `{target}`"), e))
    }

    /// Removes the image name `image` (and the image when it was its last name).
    pub async fn image_remove(&self, endpoint: &str, image: &str) -> Result<(), Error> {
        let engine = self.engine(endpoint)?;
        if is_image_id(image) {
            return Err(Error::InvalidConfig(format!(
                "containers: image-remove takes a name (`repository:tag`), not the id `{image}`"
            )));
        }
        self.require_image(engine, image).await?;
        let options = RemoveImageOptions {
            force: false,
            noprune: false,
            ..RemoveImageOptions::default()
        };
        engine
            .client()
            .await?
            .remove_image(&listed_name(image), Some(options), None)
            .await
            .map(drop)
            .map_err(|e| engine.error(&format!("remove image `{image}`"), e))
    }

    /// Creates a container from `spec` with the host's labels added; returns its id.
    pub async fn create(&self, endpoint: &str, spec: ContainerSpec) -> Result<String, Error> {
        // The bindings show the spec as `...` (it holds lists): the record names it here.
        calls::note(calls::Note::Reached(&format!(
            "{} {}",
            spec.name, spec.image
        )));
        let engine = self.engine(endpoint)?;
        self.check_container(&spec.name)?;
        let body = convert::create_body(&spec, &self.labels)?;
        self.require_image(engine, &spec.image).await?;
        let options = CreateContainerOptions {
            name: Some(spec.name.clone()),
            ..CreateContainerOptions::default()
        };
        let created = engine
            .client()
            .await?
            .create_container(Some(options), body)
            .await
            .map_err(|e| engine.error(&format!("create container `{}`", spec.name), e))?;
        Ok(created.id)
    }

    /// Starts the container `name`.
    pub async fn start(&self, endpoint: &str, name: &str) -> Result<(), Error> {
        let (engine, id) = self.require_container(endpoint, name).await?;
        engine
            .client()
            .await?
            .start_container(&id, None)
            .await
            .map_err(|e| engine.error(&format!("start `{name}`"), e))
    }

    /// Stops the container `name`, killing it after `timeout_secs` (at most
    /// [`MAX_STOP_TIMEOUT_SECS`]).
    pub async fn stop(&self, endpoint: &str, name: &str, timeout_secs: u32) -> Result<(), Error> {
        let (engine, id) = self.require_container(endpoint, name).await?;
        let timeout = timeout_secs.min(MAX_STOP_TIMEOUT_SECS);
        let options = StopContainerOptions {
            t: i32::try_from(timeout).ok(),
            signal: None,
        };
        engine
            .client()
            .await?
            .stop_container(&id, Some(options))
            .await
            .map_err(|e| engine.error(&format!("stop `{name}`"), e))
    }

    /// Renames the container `name` to `new_name`.
    pub async fn rename(&self, endpoint: &str, name: &str, new_name: &str) -> Result<(), Error> {
        self.check_container(new_name)?;
        let (engine, id) = self.require_container(endpoint, name).await?;
        let options = RenameContainerOptions {
            name: new_name.to_owned(),
        };
        engine
            .client()
            .await?
            .rename_container(&id, options)
            .await
            .map_err(|e| engine.error(&format!("rename `{name}` to `{new_name}`"), e))
    }

    /// Removes the container `name`; `force` kills it first if it runs.
    pub async fn remove(&self, endpoint: &str, name: &str, force: bool) -> Result<(), Error> {
        let (engine, id) = self.require_container(endpoint, name).await?;
        let options = RemoveContainerOptions {
            force,
            v: false,
            link: false,
        };
        engine
            .client()
            .await?
            .remove_container(&id, Some(options))
            .await
            .map_err(|e| engine.error(&format!("remove `{name}`"), e))
    }

    /// The container `name`, or none when there is none.
    pub async fn inspect(
        &self,
        endpoint: &str,
        name: &str,
    ) -> Result<Option<ContainerInfo>, Error> {
        let engine = self.engine(endpoint)?;
        self.check_container(name)?;
        let found = find_container(engine, name).await?;
        Ok(found.map(convert::container_info))
    }

    /// The granted containers carrying all of `labels`.
    pub async fn list(
        &self,
        endpoint: &str,
        labels: &[(String, String)],
    ) -> Result<Vec<ContainerInfo>, Error> {
        let engine = self.engine(endpoint)?;
        let options = ListContainersOptions {
            all: true,
            filters: (!labels.is_empty()).then(|| {
                HashMap::from([(
                    "label".to_owned(),
                    labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
                )])
            }),
            ..ListContainersOptions::default()
        };
        let summaries = engine
            .client()
            .await?
            .list_containers(Some(options))
            .await
            .map_err(|e| engine.error("list containers", e))?;
        let granted_names = summaries.iter().filter_map(|summary| {
            summary
                .names
                .iter()
                .flatten()
                .map(|name| name.trim_start_matches('/'))
                .find(|name| !name.contains('/'))
                .filter(|name| self.containers.allows(name))
        });
        let mut found = Vec::new();
        for name in granted_names {
            if let Some(inspect) = find_container(engine, name).await? {
                found.push(convert::container_info(inspect));
            }
        }
        Ok(found)
    }

    /// The last `tail` lines (at most [`MAX_LOG_LINES`], [`MAX_LOG_BYTES`]) of the container's
    /// output.
    pub async fn logs(&self, endpoint: &str, name: &str, tail: u32) -> Result<String, Error> {
        let (engine, id) = self.require_container(endpoint, name).await?;
        logs::last_lines(engine.client().await?, &id, tail)
            .await
            .map_err(|e| engine.error(&format!("read the logs of `{name}`"), e))
    }

    fn engine(&self, endpoint: &str) -> Result<&Engine, Error> {
        self.engines
            .iter()
            .find(|engine| engine.name() == endpoint)
            .ok_or_else(|| {
                let granted = NameGrant::new(&self.endpoints());
                self.denied("engine", endpoint, &granted.describe())
            })
    }

    fn check_container(&self, name: &str) -> Result<(), Error> {
        if self.containers.allows(name) {
            Ok(())
        } else {
            Err(self.denied("container", name, &self.containers.describe()))
        }
    }

    fn check_image_name(&self, reference: &str) -> Result<(), Error> {
        let repository = repository(reference);
        if self.images.allows(repository) || self.images.allows(short_form(repository)) {
            Ok(())
        } else {
            Err(self.denied("image repository", repository, &self.images.describe()))
        }
    }

    fn denied(&self, kind: &str, name: &str, granted: &str) -> Error {
        Error::Denied(format!(
            "containers: {kind} `{name}` is not granted to plugin `{}` (granted: {granted})",
            self.plugin
        ))
    }

    /// The engine and id of the granted container `name`, which must exist.
    async fn require_container(
        &self,
        endpoint: &str,
        name: &str,
    ) -> Result<(&Engine, String), Error> {
        let engine = self.engine(endpoint)?;
        self.check_container(name)?;
        let inspect = find_container(engine, name).await?.ok_or_else(|| {
            Error::Failed(format!(
                "containers: no container `{name}` on engine `{endpoint}`"
            ))
        })?;
        Ok((engine, inspect.id.unwrap_or_default()))
    }

    /// The image `reference` names, if the engine has it; a name must be granted, an id must
    /// belong to an image with a granted name.
    async fn find_image(
        &self,
        engine: &Engine,
        reference: &str,
    ) -> Result<Option<ImageInspect>, Error> {
        if !is_image_id(reference) {
            self.check_image_name(reference)?;
        }
        let inspect = match engine.client().await?.inspect_image(reference).await {
            Ok(inspect) => inspect,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(engine.error(&format!("inspect image `{reference}`"), e)),
        };
        if is_image_id(reference) {
            let tags = inspect.repo_tags.clone().unwrap_or_default();
            return if convert::granted_tags(tags, &self.images).is_empty() {
                Err(self.denied("image", reference, &self.images.describe()))
            } else {
                Ok(Some(inspect))
            };
        }
        Ok(names_image(&inspect, reference).then_some(inspect))
    }

    /// Like `find_image`, but the image must exist (nothing is pulled).
    async fn require_image(&self, engine: &Engine, reference: &str) -> Result<ImageInspect, Error> {
        self.find_image(engine, reference).await?.ok_or_else(|| {
            Error::Failed(format!(
                "containers: no image `{reference}` on engine `{}` (pull it first)",
                engine.name()
            ))
        })
    }
}

/// Whether the inspected image carries the name `reference` itself, rather than having been
/// found through an id prefix that happens to look like the name.
fn names_image(inspect: &ImageInspect, reference: &str) -> bool {
    let wanted = listed_name(reference);
    let names = if reference.contains('@') {
        &inspect.repo_digests
    } else {
        &inspect.repo_tags
    };
    names
        .iter()
        .flatten()
        .any(|name| short_form(name) == wanted)
}

/// The container named exactly `name`, if any (an id or id prefix that happens to equal the name
/// does not count).
async fn find_container(
    engine: &Engine,
    name: &str,
) -> Result<Option<ContainerInspectResponse>, Error> {
    let client: &Docker = engine.client().await?;
    match client.inspect_container(name, None).await {
        Ok(inspect) => {
            let exact = inspect
                .name
                .as_deref()
                .is_some_and(|found| found.trim_start_matches('/') == name);
            Ok(exact.then_some(inspect))
        }
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(engine.error(&format!("inspect `{name}`"), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap() -> ContainersCap {
        let grants = Grants {
            containers: vec!["api".into(), "api-*".into()],
            images: vec!["shop/api".into()],
            ..Grants::default()
        };
        let engines = [EngineAddress {
            name: "local".into(),
            url: "unix:///nonexistent/docker.sock".into(),
            transport: crate::plan::model::EngineTransport::Plain,
        }];
        ContainersCap::new("deployer", &grants, &engines, &[], &[])
    }

    #[tokio::test]
    async fn a_near_miss_container_name_is_denied_before_the_engine_is_contacted() {
        for name in ["api2", "xapi", "api-"] {
            let err = cap().start("local", name).await.unwrap_err();
            let expected = format!(
                "containers: container `{name}` is not granted to plugin `deployer` (granted: api, api-*)"
            );
            assert!(
                matches!(&err, Error::Denied(m) if *m == expected),
                "{err:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_rename_onto_an_ungranted_name_is_denied() {
        let err = cap().rename("local", "api", "db").await.unwrap_err();
        assert!(matches!(err, Error::Denied(m) if m.contains("container `db`")));
    }

    #[tokio::test]
    async fn an_image_of_another_repository_is_denied_naming_the_repository() {
        let err = cap().image_inspect("local", "shop/db:1").await.unwrap_err();
        assert!(matches!(err, Error::Denied(m) if m.contains("image repository `shop/db`")));
        let err = cap()
            .image_tag("local", "shop/api:1", "shop/db:1")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Denied(m) if m.contains("image repository `shop/db`")));
    }

    #[tokio::test]
    async fn an_engine_not_granted_is_denied_and_a_granted_one_is_listed() {
        let cap = cap();
        assert_eq!(cap.endpoints(), vec!["local"]);
        let err = cap.inspect("prod", "api").await.unwrap_err();
        assert!(
            matches!(err, Error::Denied(m) if m.contains("engine `prod`") && m.contains("granted: local"))
        );
    }

    #[tokio::test]
    async fn a_missing_socket_makes_the_engine_unavailable_naming_it() {
        let err = cap().inspect("local", "api").await.unwrap_err();
        assert!(
            matches!(&err, Error::Unavailable(m) if m.starts_with("containers: engine `local` (unix:///nonexistent/docker.sock) is not reachable")),
            "{err:?}"
        );
    }
}
