//! WIT records ↔ Docker Engine API types. A container spec becomes a create body that sets
//! nothing beyond what the WIT can say: no privileges, capabilities, devices, mounts or host
//! namespaces ever.

use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, ContainerStateStatusEnum, HealthConfig,
    HealthStatusEnum, HostConfig, ImageInspect, ImageSummary, PortBinding as DockerPortBinding,
    PortMap, RestartPolicy as DockerRestartPolicy, RestartPolicyNameEnum,
};

use super::grant::{NameGrant, repository};
use crate::wit::containers::{
    ContainerInfo, ContainerSpec, ContainerStatus, HealthStatus, Healthcheck, ImageInfo,
    PortBinding, RestartPolicy,
};
use crate::wit::types::Error;

/// The label prefix the host reserves for its own labels.
pub const HOST_LABEL_PREFIX: &str = "sluice.";

/// The host address a port is published on when the spec leaves it empty.
pub const DEFAULT_HOST_IP: &str = "127.0.0.1";

/// Network modes that would share a namespace with the host or another container.
const FORBIDDEN_NETWORK_MODES: &[&str] = &["host", "container:"];

/// The create body for `spec`, carrying `host_labels` on top of the plugin's own labels.
pub fn create_body(
    spec: &ContainerSpec,
    host_labels: &[(String, String)],
) -> Result<ContainerCreateBody, Error> {
    let labels = with_host_labels(&spec.labels, host_labels)?;
    let port_bindings = port_bindings(&spec.ports)?;
    Ok(ContainerCreateBody {
        image: Some(spec.image.clone()),
        env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        cmd: spec.cmd.clone(),
        labels: Some(labels),
        exposed_ports: Some(port_bindings.keys().cloned().collect()),
        healthcheck: spec.healthcheck.as_ref().map(health_config),
        host_config: Some(HostConfig {
            port_bindings: Some(port_bindings),
            restart_policy: Some(restart_policy(spec.restart)),
            memory: limit("memory-bytes", spec.resources.memory_bytes)?,
            nano_cpus: limit("nano-cpus", spec.resources.nano_cpus)?,
            network_mode: network_mode(spec.network.as_deref())?,
            privileged: Some(false),
            publish_all_ports: Some(false),
            ..HostConfig::default()
        }),
        ..ContainerCreateBody::default()
    })
}

/// A plugin's `labels` with `host_labels` added; a plugin label in the host's namespace
/// (`sluice.`) is refused.
pub fn with_host_labels(
    labels: &[(String, String)],
    host_labels: &[(String, String)],
) -> Result<HashMap<String, String>, Error> {
    if let Some((key, _)) = labels
        .iter()
        .find(|(key, _)| key.starts_with(HOST_LABEL_PREFIX))
    {
        return Err(Error::InvalidConfig(format!(
            "containers: label `{key}` is reserved: labels starting with `{HOST_LABEL_PREFIX}` are set by the host"
        )));
    }
    Ok(labels.iter().chain(host_labels).cloned().collect())
}

fn port_bindings(ports: &[PortBinding]) -> Result<PortMap, Error> {
    let mut map = PortMap::new();
    for port in ports {
        let protocol = match port.protocol.as_str() {
            "" | "tcp" => "tcp",
            "udp" => "udp",
            other => {
                return Err(Error::InvalidConfig(format!(
                    "containers: port protocol `{other}` is not supported: expected tcp or udp"
                )));
            }
        };
        let host_ip = if port.host_ip.is_empty() {
            DEFAULT_HOST_IP
        } else {
            port.host_ip.as_str()
        };
        map.entry(format!("{}/{protocol}", port.container_port))
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(DockerPortBinding {
                host_ip: Some(host_ip.to_owned()),
                host_port: Some(port.host_port.to_string()),
            });
    }
    Ok(map)
}

fn health_config(check: &Healthcheck) -> HealthConfig {
    let nanos = |ms: u32| i64::from(ms) * 1_000_000;
    HealthConfig {
        test: Some(check.test.clone()),
        interval: Some(nanos(check.interval_ms)),
        timeout: Some(nanos(check.timeout_ms)),
        retries: Some(i64::from(check.retries)),
        start_period: Some(nanos(check.start_period_ms)),
        ..HealthConfig::default()
    }
}

fn restart_policy(policy: RestartPolicy) -> DockerRestartPolicy {
    let name = match policy {
        RestartPolicy::No => RestartPolicyNameEnum::NO,
        RestartPolicy::Always => RestartPolicyNameEnum::ALWAYS,
        RestartPolicy::UnlessStopped => RestartPolicyNameEnum::UNLESS_STOPPED,
        RestartPolicy::OnFailure => RestartPolicyNameEnum::ON_FAILURE,
    };
    DockerRestartPolicy {
        name: Some(name),
        maximum_retry_count: None,
    }
}

fn limit(name: &str, value: Option<u64>) -> Result<Option<i64>, Error> {
    value
        .map(|v| {
            i64::try_from(v).map_err(|_| {
                Error::InvalidConfig(format!(
                    "containers: resource limit {name} = {v} is too large"
                ))
            })
        })
        .transpose()
}

fn network_mode(network: Option<&str>) -> Result<Option<String>, Error> {
    match network {
        Some(mode) if FORBIDDEN_NETWORK_MODES.iter().any(|f| mode.starts_with(f)) => {
            Err(Error::Denied(format!(
                "containers: network `{mode}` is not allowed: a container may not share the \
                 network of the host or of another container"
            )))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

/// What the engine's inspection says, as the WIT describes it.
pub fn container_info(inspect: ContainerInspectResponse) -> ContainerInfo {
    let state = inspect.state.unwrap_or_default();
    let config = inspect.config.unwrap_or_default();
    let published = inspect
        .network_settings
        .and_then(|settings| settings.ports)
        .filter(|ports| !ports.is_empty());
    let requested = inspect.host_config.and_then(|host| host.port_bindings);
    ContainerInfo {
        id: inspect.id.unwrap_or_default(),
        name: inspect
            .name
            .map(|name| name.trim_start_matches('/').to_owned())
            .unwrap_or_default(),
        image: config.image.unwrap_or_default(),
        image_id: inspect.image.unwrap_or_default(),
        status: container_status(state.status),
        health: health_status(state.health.and_then(|health| health.status)),
        exit_code: state.exit_code.unwrap_or_default(),
        restart_count: inspect
            .restart_count
            .and_then(|count| u32::try_from(count).ok())
            .unwrap_or_default(),
        labels: sorted(config.labels.unwrap_or_default()),
        ports: published.or(requested).map(wit_ports).unwrap_or_default(),
        started_at: state
            .started_at
            .filter(|at| !at.starts_with("0001-"))
            .unwrap_or_default(),
    }
}

fn container_status(status: Option<ContainerStateStatusEnum>) -> ContainerStatus {
    match status {
        Some(ContainerStateStatusEnum::RUNNING) => ContainerStatus::Running,
        Some(ContainerStateStatusEnum::PAUSED) => ContainerStatus::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => ContainerStatus::Restarting,
        Some(ContainerStateStatusEnum::REMOVING) => ContainerStatus::Removing,
        Some(ContainerStateStatusEnum::EXITED | ContainerStateStatusEnum::STOPPING) => {
            ContainerStatus::Exited
        }
        Some(ContainerStateStatusEnum::DEAD) => ContainerStatus::Dead,
        Some(ContainerStateStatusEnum::CREATED | ContainerStateStatusEnum::EMPTY) | None => {
            ContainerStatus::Created
        }
    }
}

fn health_status(status: Option<HealthStatusEnum>) -> HealthStatus {
    match status {
        Some(HealthStatusEnum::STARTING) => HealthStatus::Starting,
        Some(HealthStatusEnum::HEALTHY) => HealthStatus::Healthy,
        Some(HealthStatusEnum::UNHEALTHY) => HealthStatus::Unhealthy,
        Some(HealthStatusEnum::NONE | HealthStatusEnum::EMPTY) | None => HealthStatus::None,
    }
}

fn wit_ports(map: PortMap) -> Vec<PortBinding> {
    let mut ports: Vec<PortBinding> = map
        .into_iter()
        .flat_map(|(key, bindings)| {
            let (port, protocol) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
            let container_port = port.parse().unwrap_or_default();
            let protocol = protocol.to_owned();
            bindings
                .unwrap_or_default()
                .into_iter()
                .map(move |binding| PortBinding {
                    container_port,
                    protocol: protocol.clone(),
                    host_ip: binding.host_ip.unwrap_or_default(),
                    host_port: binding
                        .host_port
                        .and_then(|p| p.parse().ok())
                        .unwrap_or_default(),
                })
        })
        .collect();
    ports.sort_by(|a, b| {
        (a.container_port, &a.protocol, &a.host_ip).cmp(&(
            b.container_port,
            &b.protocol,
            &b.host_ip,
        ))
    });
    ports
}

/// An inspected image, showing only its names in `granted` repositories.
pub fn image_info(inspect: ImageInspect, granted: &NameGrant) -> ImageInfo {
    ImageInfo {
        id: inspect.id.unwrap_or_default(),
        tags: granted_tags(inspect.repo_tags.unwrap_or_default(), granted),
        created: inspect.created.unwrap_or_default(),
        size: inspect
            .size
            .and_then(|size| u64::try_from(size).ok())
            .unwrap_or_default(),
        labels: sorted(
            inspect
                .config
                .and_then(|config| config.labels)
                .unwrap_or_default(),
        ),
    }
}

/// A listed image, showing only its names in `granted` repositories.
pub fn image_summary_info(summary: ImageSummary, granted: &NameGrant) -> ImageInfo {
    let created = u64::try_from(summary.created)
        .map(|secs| {
            humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(secs)).to_string()
        })
        .unwrap_or_default();
    ImageInfo {
        id: summary.id,
        tags: granted_tags(summary.repo_tags, granted),
        created,
        size: u64::try_from(summary.size).unwrap_or_default(),
        labels: sorted(summary.labels),
    }
}

/// The names among `tags` whose repository is granted.
pub fn granted_tags(tags: Vec<String>, granted: &NameGrant) -> Vec<String> {
    tags.into_iter()
        .filter(|tag| granted.allows(repository(tag)))
        .collect()
}

/// The pairs of `map`, sorted by key.
pub fn sorted(map: HashMap<String, String>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = map.into_iter().collect();
    pairs.sort();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wit::containers::Resources;

    fn spec() -> ContainerSpec {
        ContainerSpec {
            name: "api-blue".into(),
            image: "api:1".into(),
            env: vec![("MODE".into(), "prod".into())],
            cmd: None,
            ports: vec![PortBinding {
                container_port: 8080,
                protocol: String::new(),
                host_ip: String::new(),
                host_port: 0,
            }],
            labels: vec![("team".into(), "shop".into())],
            restart: RestartPolicy::UnlessStopped,
            resources: Resources {
                memory_bytes: Some(64 << 20),
                nano_cpus: None,
            },
            healthcheck: None,
            network: None,
        }
    }

    #[test]
    fn a_create_body_publishes_on_loopback_by_default_and_grants_no_privilege() {
        let body = create_body(&spec(), &[("sluice.unit".into(), "api".into())]).unwrap();
        let host = body.host_config.unwrap();
        let bindings = host.port_bindings.unwrap()["8080/tcp"].clone().unwrap();
        assert_eq!(bindings[0].host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(host.privileged, Some(false));
        assert!(host.binds.is_none() && host.mounts.is_none() && host.devices.is_none());
        assert!(host.cap_add.is_none() && host.pid_mode.is_none() && host.network_mode.is_none());
        let labels = body.labels.unwrap();
        assert_eq!(labels["team"], "shop");
        assert_eq!(labels["sluice.unit"], "api");
        assert_eq!(body.env.unwrap(), vec!["MODE=prod"]);
    }

    #[test]
    fn a_plugin_label_in_the_host_namespace_is_refused() {
        let mut spec = spec();
        spec.labels
            .push(("sluice.unit".into(), "someone-else".into()));
        let err = create_body(&spec, &[]).unwrap_err();
        assert!(matches!(err, Error::InvalidConfig(m) if m.contains("`sluice.unit` is reserved")));
    }

    #[test]
    fn host_and_container_network_modes_are_denied() {
        for mode in ["host", "container:db"] {
            let mut spec = spec();
            spec.network = Some(mode.into());
            assert!(
                matches!(create_body(&spec, &[]), Err(Error::Denied(_))),
                "{mode}"
            );
        }
    }

    #[test]
    fn an_unknown_port_protocol_is_invalid() {
        let mut spec = spec();
        spec.ports[0].protocol = "sctp".into();
        assert!(matches!(
            create_body(&spec, &[]),
            Err(Error::InvalidConfig(_))
        ));
    }
}
