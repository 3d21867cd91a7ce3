//! `sluice:deploy/services` (since 0.1.4): Docker Swarm services on a granted engine, by granted
//! name, running granted images. Every call checks the engine and the service name before the
//! engine is contacted; a lookup that resolves to another service (an id prefix that looks like
//! the name) counts as absent, and the host acts on the id it found. `create` and `update`
//! resolve the image on the engine (it must be there: only a plugin's `image-pull` pulls) and run it by id, so
//! Swarm never pulls either.

use std::collections::HashMap;

use bollard::models::{Service, ServiceSpec};
use bollard::query_parameters::{ListTasksOptions, UpdateServiceOptions};

use super::engine::{Engine, is_not_found};
use super::{ContainersCap, calls, service_convert};
use crate::wit::services::{ServiceInfo, ServiceSpec as Spec, TaskInfo};
use crate::wit::types::Error;

/// Swarm's `rollback` query value: back to the service's previous spec.
const ROLLBACK_TO_PREVIOUS: &str = "previous";

impl ContainersCap {
    /// The service `name`, or none when there is none.
    pub async fn service_inspect(
        &self,
        endpoint: &str,
        name: &str,
    ) -> Result<Option<ServiceInfo>, Error> {
        let engine = self.engine(endpoint)?;
        self.check_service(name)?;
        let found = find_service(engine, name).await?;
        Ok(found.map(service_convert::service_info))
    }

    /// Creates the service `spec` describes; returns its id.
    pub async fn service_create(&self, endpoint: &str, spec: Spec) -> Result<String, Error> {
        let engine = self.engine(endpoint)?;
        let swarm_spec = self.swarm_spec(engine, &spec).await?;
        let created = engine
            .client()
            .await?
            .create_service(swarm_spec, None)
            .await
            .map_err(|e| engine.error(&format!("create service `{}`", spec.name), e))?;
        Ok(created.id.unwrap_or_default())
    }

    /// Gives the service `spec.name` the spec `spec`; Swarm rolls it out.
    pub async fn service_update(&self, endpoint: &str, spec: Spec) -> Result<(), Error> {
        let engine = self.engine(endpoint)?;
        let swarm_spec = self.swarm_spec(engine, &spec).await?;
        update(engine, &spec.name, Some(swarm_spec), None).await
    }

    /// Swarm's rollback of the service `name` to its previous spec.
    pub async fn service_rollback(&self, endpoint: &str, name: &str) -> Result<(), Error> {
        let engine = self.engine(endpoint)?;
        self.check_service(name)?;
        update(engine, name, None, Some(ROLLBACK_TO_PREVIOUS)).await
    }

    /// Removes the service `name` and its tasks.
    pub async fn service_remove(&self, endpoint: &str, name: &str) -> Result<(), Error> {
        let engine = self.engine(endpoint)?;
        self.check_service(name)?;
        let service = require_service(engine, name).await?;
        engine
            .client()
            .await?
            .delete_service(service.id.as_deref().unwrap_or(name))
            .await
            .map_err(|e| engine.error(&format!("remove service `{name}`"), e))
    }

    /// The tasks of the service `name`.
    pub async fn service_tasks(&self, endpoint: &str, name: &str) -> Result<Vec<TaskInfo>, Error> {
        let engine = self.engine(endpoint)?;
        self.check_service(name)?;
        let service = require_service(engine, name).await?;
        let options = ListTasksOptions {
            filters: Some(HashMap::from([(
                "service".to_owned(),
                vec![service.id.unwrap_or_default()],
            )])),
        };
        let tasks = engine
            .client()
            .await?
            .list_tasks(Some(options))
            .await
            .map_err(|e| engine.error(&format!("list the tasks of `{name}`"), e))?;
        Ok(tasks.into_iter().map(service_convert::task_info).collect())
    }

    /// The Swarm spec of `spec` (noted in the call record): its name and image repository
    /// granted, its image on `engine` and run by id.
    async fn swarm_spec(&self, engine: &Engine, spec: &Spec) -> Result<ServiceSpec, Error> {
        // The bindings show the spec as `...` (it holds lists): the record names it here.
        calls::note(calls::Note::Reached(&format!(
            "{} {}",
            spec.name, spec.image
        )));
        self.check_service(&spec.name)?;
        if super::grant::is_image_id(&spec.image) {
            return Err(Error::InvalidConfig(format!(
                "services: a service's image is a name (`repository:tag`), not the id `{}`",
                spec.image
            )));
        }
        let image = self.require_image(engine, &spec.image).await?;
        let id = image.id.unwrap_or_default();
        service_convert::service_spec(spec, &id, &self.labels)
    }

    fn check_service(&self, name: &str) -> Result<(), Error> {
        if self.services.allows(name) {
            Ok(())
        } else {
            Err(self.denied("service", name, &self.services.describe()))
        }
    }
}

/// Sends `spec` as the new spec of the service `name`, or Swarm's rollback when `rollback` says
/// so, at the version the engine shows. Swarm's own orchestrator writes the service too (its
/// update status, as a rollout moves on), which makes a write at the version just read "out of
/// sequence": the write is retried at the new version, up to [`UPDATE_ATTEMPTS`] times.
async fn update(
    engine: &Engine,
    name: &str,
    spec: Option<ServiceSpec>,
    rollback: Option<&str>,
) -> Result<(), Error> {
    let action = if rollback.is_some() {
        format!("roll back service `{name}`")
    } else {
        format!("update service `{name}`")
    };
    let mut attempt = 1;
    loop {
        let service = require_service(engine, name).await?;
        let version = service
            .version
            .as_ref()
            .and_then(|version| version.index)
            .and_then(|index| i32::try_from(index).ok())
            .ok_or_else(|| Error::Failed(format!("services: `{name}` has no version to update")))?;
        let options = UpdateServiceOptions {
            version,
            rollback: rollback.map(str::to_owned),
            ..UpdateServiceOptions::default()
        };
        // Swarm ignores the body of a rollback; it must still be a spec.
        let body = spec
            .clone()
            .or_else(|| service.spec.clone())
            .unwrap_or_default();
        let id = service.id.as_deref().unwrap_or(name);
        match engine
            .client()
            .await?
            .update_service(id, body, options, None)
            .await
        {
            Ok(_) => return Ok(()),
            Err(e) if attempt < UPDATE_ATTEMPTS && is_out_of_sequence(&e) => attempt += 1,
            Err(e) => return Err(engine.error(&action, e)),
        }
    }
}

/// How often a write to a service is tried when Swarm wrote it in between.
const UPDATE_ATTEMPTS: u32 = 5;

/// Whether `error` is Swarm refusing a write made at a version it has since moved past.
fn is_out_of_sequence(error: &bollard::errors::Error) -> bool {
    matches!(
        error,
        bollard::errors::Error::DockerResponseServerError { message, .. }
            if message.contains("out of sequence")
    )
}

/// The service named exactly `name`, if any (an id or id prefix that happens to equal the name
/// does not count).
async fn find_service(engine: &Engine, name: &str) -> Result<Option<Service>, Error> {
    match engine.client().await?.inspect_service(name, None).await {
        Ok(service) => {
            let exact = service
                .spec
                .as_ref()
                .and_then(|spec| spec.name.as_deref())
                .is_some_and(|found| found == name);
            Ok(exact.then_some(service))
        }
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(engine.error(&format!("inspect service `{name}`"), e)),
    }
}

/// Like `find_service`, but the service must exist.
async fn require_service(engine: &Engine, name: &str) -> Result<Service, Error> {
    find_service(engine, name).await?.ok_or_else(|| {
        Error::Failed(format!(
            "services: no service `{name}` on engine `{}`",
            engine.name()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::super::EngineAddress;
    use super::*;
    use crate::plan::model::{EngineTransport, Grants};
    use crate::wit::services::{FailureAction, Rollout, UpdateOrder};

    fn cap() -> ContainersCap {
        let grants = Grants {
            services: vec!["web-*".into()],
            images: vec!["shop/api".into()],
            ..Grants::default()
        };
        let engines = [EngineAddress {
            name: "local".into(),
            url: "unix:///nonexistent/docker.sock".into(),
            transport: EngineTransport::Plain,
        }];
        ContainersCap::new("deployer", &grants, &engines, &[], &[])
    }

    fn spec(name: &str, image: &str) -> Spec {
        let rollout = Rollout {
            parallelism: 1,
            delay_ms: 0,
            order: UpdateOrder::StartFirst,
            failure_action: FailureAction::Pause,
            monitor_ms: 0,
        };
        Spec {
            name: name.into(),
            image: image.into(),
            replicas: 1,
            env: Vec::new(),
            cmd: None,
            ports: Vec::new(),
            labels: Vec::new(),
            update: rollout,
            rollback: rollout,
        }
    }

    #[tokio::test]
    async fn a_service_outside_the_grant_is_denied_before_the_engine_is_contacted() {
        let cap = cap();
        let expected =
            "containers: service `db` is not granted to plugin `deployer` (granted: web-*)";
        let denials = [
            cap.service_create("local", spec("db", "shop/api:1")).await,
            cap.service_update("local", spec("db", "shop/api:1"))
                .await
                .map(|()| String::new()),
            cap.service_rollback("local", "db")
                .await
                .map(|()| String::new()),
            cap.service_remove("local", "db")
                .await
                .map(|()| String::new()),
        ];
        for denial in denials {
            assert!(
                matches!(&denial, Err(Error::Denied(m)) if m == expected),
                "{denial:?}"
            );
        }
        for near_miss in ["web", "web-", "xweb-a"] {
            let err = cap.service_inspect("local", near_miss).await.unwrap_err();
            assert!(matches!(err, Error::Denied(_)), "{near_miss}: {err:?}");
        }
    }

    #[tokio::test]
    async fn a_service_of_an_ungranted_image_is_denied_naming_the_repository() {
        let err = cap()
            .service_create("local", spec("web-a", "shop/db:1"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Denied(m) if m.contains("image repository `shop/db`")));
    }
}
