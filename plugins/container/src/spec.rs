//! The container spec the plugin asks the engine to create.

use crate::config::{Config, Restart};
use crate::state::Color;
use sluice_sdk::containers::{ContainerSpec, PortBinding, Resources, RestartPolicy};

/// The label that records a container's blue-green color. The host adds the `sluice.*` labels
/// (unit, environment, version, deployment) and refuses plugin labels with that prefix, so the
/// plugin's own labels are under its name.
pub const COLOR_LABEL: &str = "container.color";

/// A container named `name` running `image` with the unit's env and restart policy, publishing
/// the config's `port` on `address:host_port`; the image's own healthcheck and command are kept.
pub fn container_spec(
    config: &Config,
    name: &str,
    image: &str,
    host_port: u16,
    color: Option<Color>,
) -> ContainerSpec {
    ContainerSpec {
        name: name.to_owned(),
        image: image.to_owned(),
        env: config
            .env
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect(),
        cmd: None,
        ports: vec![PortBinding {
            container_port: config.port,
            protocol: "tcp".into(),
            host_ip: config.address.to_string(),
            host_port,
        }],
        labels: color
            .map(|color| (COLOR_LABEL.to_owned(), color.as_str().to_owned()))
            .into_iter()
            .collect(),
        restart: restart_policy(config.restart),
        resources: Resources {
            memory_bytes: None,
            nano_cpus: None,
        },
        healthcheck: None,
        network: None,
    }
}

fn restart_policy(restart: Restart) -> RestartPolicy {
    match restart {
        Restart::No => RestartPolicy::No,
        Restart::Always => RestartPolicy::Always,
        Restart::UnlessStopped => RestartPolicy::UnlessStopped,
        Restart::OnFailure => RestartPolicy::OnFailure,
    }
}
