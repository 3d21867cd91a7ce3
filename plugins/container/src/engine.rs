//! One Docker engine, through the host's `containers` capability: the calls the lifecycle
//! needs, with context in every error, and the bounded wait for a new container to be ready.

use crate::config::Config;
use crate::failure::within;
use sluice_sdk::Error;
use sluice_sdk::containers::{self, ContainerInfo, ContainerSpec, ContainerStatus, HealthStatus};
use std::time::{Duration, Instant};

/// How often a starting container is inspected.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// How long a container without a HEALTHCHECK must keep running, unrestarted, to count as
/// ready: long enough to catch a process that exits at once.
const STABLE_FOR: Duration = Duration::from_secs(1);

/// Log lines quoted when a container fails to start.
const LOG_LINES: u32 = 20;

/// A granted Docker engine.
pub struct Engine {
    name: String,
}

impl Engine {
    /// The engine the config names, or the first one granted.
    pub fn choose(config: &Config) -> Result<Engine, Error> {
        let name = sluice_sdk::choose_engine(config.engine.as_deref())?;
        Ok(Engine { name })
    }

    /// The container `name`, if there is one.
    pub fn inspect(&self, name: &str) -> Result<Option<ContainerInfo>, Error> {
        containers::inspect(&self.name, name).map_err(within(format!("inspecting {name}")))
    }

    /// The image a new version of `config` runs, and its id: pulled first when `config` pulls,
    /// and then named by the digest the registry served (what the unit's history records).
    pub fn stage_image(&self, config: &Config) -> Result<(String, String), Error> {
        let image = if config.pulls() {
            self.pull(&config.image)?
        } else {
            config.image.clone()
        };
        Ok((self.image_id(&image)?, image))
    }

    /// The id of `image`, an image deployed before: one pinned by digest that is gone from
    /// the engine is pulled again.
    pub fn restore_image(&self, image: &str) -> Result<String, Error> {
        let pinned = image.contains("@sha256:");
        if pinned && self.find_image(image)?.is_none() {
            self.pull(image)?;
        }
        self.image_id(image)
    }

    /// The id of `config`'s image as the engine has it now: none when it will be pulled and is
    /// not on the engine yet.
    pub fn planned_image_id(&self, config: &Config) -> Result<Option<String>, Error> {
        if config.pulls() {
            self.find_image(&config.image)
        } else {
            self.image_id(&config.image).map(Some)
        }
    }

    /// Has the engine pull `image`; returns it pinned by digest.
    fn pull(&self, image: &str) -> Result<String, Error> {
        sluice_sdk::info!("pulling {image} on `{}`", self.name);
        let pinned = containers::image_pull(&self.name, image)
            .map_err(within(format!("pulling {image}")))?;
        sluice_sdk::info!("pulled {pinned}");
        Ok(pinned)
    }

    /// The id of the image `image`, if the engine has it.
    fn find_image(&self, image: &str) -> Result<Option<String>, Error> {
        let found = containers::image_inspect(&self.name, image)
            .map_err(within(format!("inspecting the image {image}")))?;
        Ok(found.map(|info| info.id))
    }

    /// The id of the image `image`, which must be on the engine already.
    pub fn image_id(&self, image: &str) -> Result<String, Error> {
        self.find_image(image)?.ok_or_else(|| {
            Error::Failed(format!(
                "the image {image} is not on the engine `{}`: build or load it there first, or \
                 pull it from a registry (`pull = true`)",
                self.name
            ))
        })
    }

    /// Creates and starts a container.
    pub fn run(&self, spec: ContainerSpec) -> Result<(), Error> {
        let name = spec.name.clone();
        containers::create(&self.name, &spec).map_err(within(format!("creating {name}")))?;
        self.start(&name)
    }

    /// Starts a created or stopped container.
    pub fn start(&self, name: &str) -> Result<(), Error> {
        containers::start(&self.name, name).map_err(within(format!("starting {name}")))
    }

    /// Stops a container, killing it after `timeout_secs`.
    pub fn stop(&self, name: &str, timeout_secs: u32) -> Result<(), Error> {
        containers::stop(&self.name, name, timeout_secs).map_err(within(format!("stopping {name}")))
    }

    /// Renames a container.
    pub fn rename(&self, name: &str, new_name: &str) -> Result<(), Error> {
        containers::rename(&self.name, name, new_name)
            .map_err(within(format!("renaming {name} to {new_name}")))
    }

    /// Stops (gracefully, within `timeout_secs`) and removes the container `name` if there is
    /// one; says whether there was.
    pub fn retire(&self, name: &str, timeout_secs: u32) -> Result<bool, Error> {
        match self.inspect(name)? {
            None => Ok(false),
            Some(info) => {
                if info.status == ContainerStatus::Running {
                    self.stop(name, timeout_secs)?;
                }
                self.remove(name)?;
                Ok(true)
            }
        }
    }

    /// Removes the container `name` at once (killing it) if there is one; says whether there was.
    pub fn discard(&self, name: &str) -> Result<bool, Error> {
        if self.inspect(name)?.is_none() {
            return Ok(false);
        }
        self.remove(name)?;
        Ok(true)
    }

    /// Removes an image name; an image still in use is left in place with a warning.
    pub fn remove_image(&self, image: &str) -> Result<(), Error> {
        match containers::image_remove(&self.name, image) {
            Err(Error::Failed(why)) => {
                sluice_sdk::warn!("kept the image {image}: {why}");
                Ok(())
            }
            other => other.map_err(within(format!("removing the image {image}"))),
        }
    }

    /// Waits up to `timeout` until the container `name` runs and, when its image has a
    /// HEALTHCHECK, is healthy (without one: has kept running for a second). Exiting, restarting
    /// or turning unhealthy fails at once, with the container's last log lines in the error. Returns the time from the start of the wait
    /// until it was first seen running.
    pub fn wait_ready(&self, name: &str, timeout: Duration) -> Result<Duration, Error> {
        let started = Instant::now();
        let mut running_after = None;
        loop {
            let info = self.inspect(name)?.ok_or_else(|| {
                Error::Failed(format!("{name} disappeared while it was starting"))
            })?;
            if let Some(problem) = failure_of(&info) {
                return Err(Error::Failed(format!(
                    "{name} {problem}; its last log lines:\n{}",
                    self.last_logs(name)
                )));
            }
            if info.status == ContainerStatus::Running {
                let running_after = *running_after.get_or_insert(started.elapsed());
                let ready = match info.health {
                    HealthStatus::Healthy => true,
                    HealthStatus::None => started.elapsed() >= running_after + STABLE_FOR,
                    HealthStatus::Starting | HealthStatus::Unhealthy => false,
                };
                if ready {
                    return Ok(running_after);
                }
            }
            if started.elapsed() >= timeout {
                return Err(Error::Failed(format!(
                    "{name} was not ready within {} s (status {}, health {}); its last log lines:\n{}",
                    timeout.as_secs(),
                    status_word(info.status),
                    health_word(info.health),
                    self.last_logs(name)
                )));
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    fn remove(&self, name: &str) -> Result<(), Error> {
        containers::remove(&self.name, name, true).map_err(within(format!("removing {name}")))
    }

    fn last_logs(&self, name: &str) -> String {
        match containers::logs(&self.name, name, LOG_LINES) {
            Ok(logs) if logs.trim().is_empty() => "(no output)".into(),
            Ok(logs) => logs.trim_end().to_owned(),
            Err(e) => format!("(logs unavailable: {e})"),
        }
    }
}

/// Why a starting container will never be ready, if it will not.
fn failure_of(info: &ContainerInfo) -> Option<String> {
    match info.status {
        ContainerStatus::Exited | ContainerStatus::Dead => {
            return Some(format!("exited with code {}", info.exit_code));
        }
        ContainerStatus::Restarting => {
            return Some(format!(
                "is crash-looping (restarting; exit code {})",
                info.exit_code
            ));
        }
        _ => {}
    }
    if info.restart_count > 0 {
        return Some(format!(
            "is crash-looping (restarted {} times; exit code {})",
            info.restart_count, info.exit_code
        ));
    }
    (info.health == HealthStatus::Unhealthy)
        .then(|| "is unhealthy by its image's own HEALTHCHECK".to_owned())
}

fn status_word(status: ContainerStatus) -> &'static str {
    match status {
        ContainerStatus::Created => "created",
        ContainerStatus::Running => "running",
        ContainerStatus::Paused => "paused",
        ContainerStatus::Restarting => "restarting",
        ContainerStatus::Removing => "removing",
        ContainerStatus::Exited => "exited",
        ContainerStatus::Dead => "dead",
    }
}

fn health_word(health: HealthStatus) -> &'static str {
    match health {
        HealthStatus::None => "no healthcheck",
        HealthStatus::Starting => "starting",
        HealthStatus::Healthy => "healthy",
        HealthStatus::Unhealthy => "unhealthy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(status: ContainerStatus, health: HealthStatus, restart_count: u32) -> ContainerInfo {
        ContainerInfo {
            id: "id".into(),
            name: "api-green".into(),
            image: "api:v2".into(),
            image_id: "sha256:2".into(),
            status,
            health,
            exit_code: 3,
            restart_count,
            labels: Vec::new(),
            ports: Vec::new(),
            started_at: String::new(),
        }
    }

    #[test]
    fn a_running_or_starting_container_is_no_failure_yet() {
        assert_eq!(
            failure_of(&info(ContainerStatus::Running, HealthStatus::Starting, 0)),
            None
        );
        assert_eq!(
            failure_of(&info(ContainerStatus::Created, HealthStatus::None, 0)),
            None
        );
    }

    #[test]
    fn an_exited_container_fails_with_its_exit_code() {
        let problem = failure_of(&info(ContainerStatus::Exited, HealthStatus::None, 0));
        assert_eq!(problem.as_deref(), Some("exited with code 3"));
    }

    #[test]
    fn a_restarted_container_is_a_crash_loop_even_while_it_runs() {
        let problem = failure_of(&info(ContainerStatus::Running, HealthStatus::None, 2)).unwrap();
        assert!(
            problem.contains("crash-looping (restarted 2 times"),
            "{problem}"
        );
    }

    #[test]
    fn an_unhealthy_container_fails_by_its_own_healthcheck() {
        let problem = failure_of(&info(ContainerStatus::Running, HealthStatus::Unhealthy, 0));
        assert!(problem.unwrap().contains("HEALTHCHECK"));
    }
}
