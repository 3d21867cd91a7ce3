//! The unit's config: which service, which image, published how, rolled out how.

use serde::Deserialize;
use sluice_sdk::services::{
    FailureAction as WitFailureAction, Protocol, PublishMode as WitPublishMode, PublishedPort,
    Rollout, ServiceSpec, UpdateOrder,
};
use sluice_sdk::{Diagnostic, UnitConfig};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// The JSON Schema `info()` publishes; the host checks every unit's config against it.
pub const SCHEMA: &str = include_str!("config.schema.json");

/// Where the swarm publishes the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PublishMode {
    /// The routing mesh.
    #[default]
    Ingress,
    /// The node running each task.
    Host,
}

/// Which task goes first when Swarm replaces one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    /// The new task runs before the old one stops.
    #[default]
    StartFirst,
    /// The old task stops first.
    StopFirst,
}

impl Order {
    /// As the config spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Order::StartFirst => "start-first",
            Order::StopFirst => "stop-first",
        }
    }
}

/// What a failed new task makes Swarm do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureAction {
    /// Pause the update.
    #[default]
    Pause,
    /// Carry on.
    Continue,
    /// Roll back at once.
    Rollback,
}

/// Swarm's update config, as the unit's `update` table spells it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Update {
    /// Tasks replaced at once; 0 means all.
    pub parallelism: u32,
    /// Milliseconds between batches.
    pub delay_ms: u32,
    /// Which task goes first.
    pub order: Order,
    /// What a failed task causes.
    pub failure_action: FailureAction,
    /// Milliseconds Swarm watches each new task.
    pub monitor_ms: u32,
}

impl Default for Update {
    fn default() -> Self {
        Update {
            parallelism: 1,
            delay_ms: 0,
            order: Order::StartFirst,
            failure_action: FailureAction::Pause,
            monitor_ms: 5000,
        }
    }
}

/// A unit's config for `swarm-service`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The service name.
    pub name: String,
    /// The image to run.
    pub image: String,
    /// The port inside the tasks.
    pub port: u16,
    /// The port the swarm publishes.
    pub published_port: u16,
    /// Through the routing mesh or on the task's node.
    #[serde(default)]
    pub publish_mode: PublishMode,
    /// How many tasks run.
    #[serde(default = "default_replicas")]
    pub replicas: u32,
    /// Environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// How an update (and a rollback) rolls out.
    #[serde(default)]
    pub update: Update,
    /// The service's health path.
    #[serde(default = "default_health_path")]
    pub health_path: String,
    /// The node address the staged endpoints name.
    #[serde(default = "default_address")]
    pub address: IpAddr,
    /// Seconds an update or rollback gets to converge.
    #[serde(default = "default_converge_timeout")]
    pub converge_timeout_secs: u32,
    /// The engine's name; default the first granted.
    pub engine: Option<String>,
}

fn default_replicas() -> u32 {
    1
}

fn default_health_path() -> String {
    "/health".into()
}

fn default_address() -> IpAddr {
    IpAddr::V4(Ipv4Addr::LOCALHOST)
}

fn default_converge_timeout() -> u32 {
    45
}

impl UnitConfig for Config {
    fn problems(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        if self.replicas == 0 {
            problems.push(Diagnostic::new("replicas", "must be at least 1"));
        }
        if self.converge_timeout_secs == 0 {
            problems.push(Diagnostic::new(
                "converge_timeout_secs",
                "must be at least 1",
            ));
        }
        if !self.health_path.starts_with('/') {
            problems.push(Diagnostic::new("health_path", "must start with `/`"));
        }
        problems
    }
}

impl Config {
    /// How long an update or rollback may take to converge.
    pub fn converge_timeout(&self) -> Duration {
        Duration::from_secs(u64::from(self.converge_timeout_secs))
    }

    /// The origin of the published port on `address`.
    pub fn origin(&self) -> String {
        match self.address {
            IpAddr::V4(ip) => format!("http://{ip}:{}", self.published_port),
            IpAddr::V6(ip) => format!("http://[{ip}]:{}", self.published_port),
        }
    }

    /// The service spec running `image`.
    pub fn spec(&self, image: &str) -> ServiceSpec {
        ServiceSpec {
            name: self.name.clone(),
            image: image.to_owned(),
            replicas: self.replicas,
            env: self
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            cmd: None,
            ports: vec![PublishedPort {
                target_port: self.port,
                published_port: self.published_port,
                protocol: Protocol::Tcp,
                mode: match self.publish_mode {
                    PublishMode::Ingress => WitPublishMode::Ingress,
                    PublishMode::Host => WitPublishMode::Host,
                },
            }],
            labels: Vec::new(),
            update: self.rollout(self.update.failure_action),
            // A rollback that fails pauses: Swarm cannot roll a rollback back.
            rollback: self.rollout(match self.update.failure_action {
                FailureAction::Continue => FailureAction::Continue,
                FailureAction::Pause | FailureAction::Rollback => FailureAction::Pause,
            }),
        }
    }

    fn rollout(&self, failure_action: FailureAction) -> Rollout {
        Rollout {
            parallelism: self.update.parallelism,
            delay_ms: self.update.delay_ms,
            order: match self.update.order {
                Order::StartFirst => UpdateOrder::StartFirst,
                Order::StopFirst => UpdateOrder::StopFirst,
            },
            failure_action: match failure_action {
                FailureAction::Pause => WitFailureAction::Pause,
                FailureAction::Continue => WitFailureAction::Continue,
                FailureAction::Rollback => WitFailureAction::Rollback,
            },
            monitor_ms: self.update.monitor_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> Result<Config, sluice_sdk::Error> {
        Config::load(&format!(
            r#"{{"name": "web-api", "image": "web:v2", "port": 8080, "published_port": 18080{extra}}}"#
        ))
    }

    #[test]
    fn defaults_are_one_start_first_replica_through_the_routing_mesh() {
        let config = config("").unwrap();
        let spec = config.spec("web:v2");
        assert_eq!(spec.replicas, 1);
        assert_eq!(spec.ports[0].mode, WitPublishMode::Ingress);
        assert_eq!(spec.update.order, UpdateOrder::StartFirst);
        assert_eq!(config.origin(), "http://127.0.0.1:18080");
    }

    #[test]
    fn a_rollback_on_failure_pauses_when_the_rollback_itself_fails() {
        let config = config(r#", "update": {"failure_action": "rollback"}"#).unwrap();
        let spec = config.spec("web:v2");
        assert_eq!(spec.update.failure_action, WitFailureAction::Rollback);
        assert_eq!(spec.rollback.failure_action, WitFailureAction::Pause);
    }

    #[test]
    fn zero_replicas_is_a_problem_at_its_key() {
        let problems = Config::diagnose(
            r#"{"name": "w", "image": "w:1", "port": 1, "published_port": 2, "replicas": 0}"#,
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "replicas");
    }
}
