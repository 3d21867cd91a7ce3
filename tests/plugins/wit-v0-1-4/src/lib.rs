//! `wit-v0-1-4`: the contract fixture of WIT 0.1.4 (the `plugin` world). Built against the
//! frozen copy `wit/since_v0.1.4/`, it calls everything the 0.1.2 fixture calls (the same
//! [`fixture`], [`added_in_0_1_1`] and [`added_in_0_1_2`] sources; 0.1.3 added nothing to this
//! world) and what 0.1.4 added: every function of `services` in `stage`, on a service of the
//! name its config gives (granted, absent before): inspect, create, tasks, update, rollback,
//! remove; and `containers.image-pull` of a repository it is not granted (denied). `tests/all/wit_versions.rs` deploys it on a swarm manager.

wit_bindgen::generate!({
    path: "../../../wit/since_v0.1.4",
    world: "sluice:deploy/plugin",
    generate_all,
});

#[path = "../../wit-v0-1-1/src/added.rs"]
mod added_in_0_1_1;
#[path = "../../wit-v0-1-2/src/added.rs"]
mod added_in_0_1_2;
#[path = "../../wit-v0-1-0/src/fixture.rs"]
mod fixture;

use serde::Deserialize;

use added_in_0_1_1::newer_plan;
use fixture::{Fixture, context, say};
use sluice::deploy::containers;
use sluice::deploy::services::{self, FailureAction, Rollout, ServiceSpec, UpdateOrder};
use sluice::deploy::types::Error;

/// An image on a registry the test grants nothing of: `image-pull` must be denied before the
/// engine is asked.
const UNGRANTED_IMAGE: &str = "registry.invalid/other/api:v1";

/// What `haproxy` and `services` reach: its config.
#[derive(Deserialize)]
pub struct NewerConfig {
    /// The HAProxy the test granted.
    pub haproxy: added_in_0_1_2::Backend,
    /// The service the fixture creates and removes again.
    pub service: Service,
}

/// A granted service name that does not exist yet, and a granted image on the engine.
#[derive(Deserialize)]
pub struct Service {
    /// The service's name.
    pub name: String,
    /// Its image, `repository:tag`.
    pub image: String,
}

/// What 0.1.1 and 0.1.2 added, then every `services` function: the service is absent, then
/// created, its tasks listed, updated with one more variable, rolled back by Swarm, and
/// removed; each step is logged.
fn newer_stage(config: &fixture::Config, newer: &NewerConfig, token: &str) -> Result<(), Error> {
    added_in_0_1_1::newer_stage(config, token)?;
    added_in_0_1_2::newer_stage(&newer.haproxy)?;
    let endpoints = containers::endpoints();
    let endpoint = endpoints
        .first()
        .ok_or_else(|| Error::Failed("containers.endpoints: none".to_owned()))?;
    let Service { name, image } = &newer.service;
    let found = services::inspect(endpoint, name).map_err(context("services.inspect"))?;
    say(&format!(
        "services.inspect {name}: {}",
        if found.is_some() { "found" } else { "absent" }
    ));
    let rollout = Rollout {
        parallelism: 1,
        delay_ms: 0,
        order: UpdateOrder::StopFirst,
        failure_action: FailureAction::Pause,
        monitor_ms: 0,
    };
    let mut spec = ServiceSpec {
        name: name.clone(),
        image: image.clone(),
        replicas: 1,
        env: Vec::new(),
        cmd: None,
        ports: Vec::new(),
        labels: vec![("wit.fixture".to_owned(), "0.1.4".to_owned())],
        update: rollout,
        rollback: rollout,
    };
    services::create(endpoint, &spec).map_err(context("services.create"))?;
    let created = services::inspect(endpoint, name)
        .map_err(context("services.inspect"))?
        .ok_or_else(|| Error::Failed(format!("services.create: no {name} after it")))?;
    say(&format!(
        "services.create {name}: runs {} ({} replica)",
        created.image, created.replicas
    ));
    let tasks = services::tasks(endpoint, name).map_err(context("services.tasks"))?;
    say(&format!(
        "services.tasks {name}: answered ({} now)",
        tasks.len()
    ));
    spec.env
        .push(("WIT_FIXTURE".to_owned(), "updated".to_owned()));
    services::update(endpoint, &spec).map_err(context("services.update"))?;
    say(&format!("services.update {name}: accepted"));
    services::rollback(endpoint, name).map_err(context("services.rollback"))?;
    let rolled = services::inspect(endpoint, name)
        .map_err(context("services.inspect"))?
        .and_then(|info| info.update_status)
        .map(|status| format!("{:?}", status.state))
        .unwrap_or_default();
    say(&format!("services.rollback {name}: {rolled}"));
    services::remove(endpoint, name).map_err(context("services.remove"))?;
    say(&format!("services.remove {name}: removed"));
    let pulled = match containers::image_pull(endpoint, UNGRANTED_IMAGE) {
        Err(Error::Denied(_)) => "denied".to_owned(),
        other => format!("{other:?}"),
    };
    say(&format!(
        "containers.image-pull {UNGRANTED_IMAGE}: {pulled}"
    ));
    Ok(())
}

export!(Fixture);
