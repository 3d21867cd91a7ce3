//! One swarm manager, through the host's `services` capability: the calls the lifecycle needs,
//! with context in every error, and the bounded wait for an update or a rollback to converge.

use crate::config::Config;
use crate::converge::{Direction, Progress, progress};
use crate::state::Release;
use sluice_sdk::services::{self, ServiceInfo, ServiceSpec};
use sluice_sdk::{Error, containers};
use std::time::{Duration, Instant};

/// How often a converging service is inspected.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// A granted engine that is a swarm manager.
pub struct Swarm {
    engine: String,
}

impl Swarm {
    /// The engine the config names, or the first one granted.
    pub fn choose(config: &Config) -> Result<Swarm, Error> {
        let engine = sluice_sdk::choose_engine(config.engine.as_deref())?;
        Ok(Swarm { engine })
    }

    /// The service `name`, if there is one.
    pub fn inspect(&self, name: &str) -> Result<Option<ServiceInfo>, Error> {
        services::inspect(&self.engine, name).map_err(|e| e.context(format!("inspecting {name}")))
    }

    /// The release of `image`, which must be on the engine already.
    pub fn release(&self, image: &str) -> Result<Release, Error> {
        let found = containers::image_inspect(&self.engine, image)
            .map_err(|e| e.context(format!("inspecting the image {image}")))?;
        let info = found.ok_or_else(|| {
            Error::Failed(format!(
                "the image {image} is not on the engine `{}`: build or load it there first",
                self.engine
            ))
        })?;
        Ok(Release {
            image: image.to_owned(),
            image_id: info.id,
        })
    }

    /// Creates the service `spec` describes.
    pub fn create(&self, spec: &ServiceSpec) -> Result<(), Error> {
        services::create(&self.engine, spec)
            .map(drop)
            .map_err(|e| e.context(format!("creating the service {}", spec.name)))
    }

    /// Gives the service `spec.name` a new spec, which Swarm rolls out.
    pub fn update(&self, spec: &ServiceSpec) -> Result<(), Error> {
        services::update(&self.engine, spec)
            .map_err(|e| e.context(format!("updating the service {}", spec.name)))
    }

    /// Swarm's own rollback of the service `name` to its previous spec.
    pub fn rollback(&self, name: &str) -> Result<(), Error> {
        services::rollback(&self.engine, name)
            .map_err(|e| e.context(format!("rolling the service {name} back")))
    }

    /// Removes the service `name`.
    pub fn remove(&self, name: &str) -> Result<(), Error> {
        services::remove(&self.engine, name)
            .map_err(|e| e.context(format!("removing the service {name}")))
    }

    /// Waits until every task of the service runs `want` and no other runs, going `direction`;
    /// fails at once when Swarm pauses or (for an update) rolls back, and after the config's
    /// `converge_timeout_secs` saying what it was waiting for. Returns how long it took.
    pub fn converge(
        &self,
        config: &Config,
        want: &Release,
        direction: Direction,
    ) -> Result<Duration, Error> {
        let started = Instant::now();
        loop {
            let info = self
                .inspect(&config.name)?
                .ok_or_else(|| Error::Failed(format!("the service {} disappeared", config.name)))?;
            let tasks = services::tasks(&self.engine, &config.name)
                .map_err(|e| e.context(format!("listing the tasks of {}", config.name)))?;
            let waiting = match progress(&info, &tasks, want, config.replicas, direction) {
                Progress::Converged => return Ok(started.elapsed()),
                Progress::Failed(why) => {
                    return Err(Error::Failed(format!("{}: {why}", config.name)));
                }
                Progress::Waiting(what) => what,
            };
            if started.elapsed() >= config.converge_timeout() {
                return Err(Error::Failed(format!(
                    "{} did not converge within {} s: {waiting}",
                    config.name, config.converge_timeout_secs
                )));
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }
}
