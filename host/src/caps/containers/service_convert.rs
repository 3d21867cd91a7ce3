//! WIT service records ↔ Docker Swarm API types. A service spec becomes a Swarm spec that sets
//! nothing beyond what the WIT can say: a replicated service of one container spec (image by id,
//! env, command, labels), its published ports, and its update and rollback configs; no mounts,
//! networks, secrets, configs, privileges, capabilities or placement ever.

use bollard::models::{
    EndpointPortConfig, EndpointPortConfigProtocolEnum, EndpointPortConfigPublishModeEnum,
    EndpointSpec, Service, ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicated,
    ServiceSpecRollbackConfig, ServiceSpecRollbackConfigFailureActionEnum,
    ServiceSpecRollbackConfigOrderEnum, ServiceSpecUpdateConfig,
    ServiceSpecUpdateConfigFailureActionEnum, ServiceSpecUpdateConfigOrderEnum,
    ServiceUpdateStatusStateEnum, Task, TaskSpec, TaskSpecContainerSpec, TaskState as DockerState,
};

use super::LABEL_IMAGE;
use super::convert::{sorted, with_host_labels};
use crate::wit::services::{
    FailureAction, Protocol, PublishMode, PublishedPort, Rollout, ServiceInfo, ServiceSpec as Spec,
    TaskInfo, TaskState, UpdateOrder, UpdateState, UpdateStatus,
};
use crate::wit::types::Error;

/// The most tasks a service may ask for: a plugin cannot make Swarm start more containers than
/// a deployment plausibly needs.
pub const MAX_REPLICAS: u32 = 256;

/// Milliseconds as the nanoseconds Swarm's durations are.
fn nanos(ms: u32) -> i64 {
    i64::from(ms) * 1_000_000
}

/// The Swarm spec of `spec`, running the image `image_id` and carrying `host_labels` (plus the
/// image reference the plugin gave, as `sluice.image`) on top of the plugin's labels.
pub fn service_spec(
    spec: &Spec,
    image_id: &str,
    host_labels: &[(String, String)],
) -> Result<ServiceSpec, Error> {
    if spec.replicas > MAX_REPLICAS {
        return Err(Error::InvalidConfig(format!(
            "services: {} replicas is more than the {MAX_REPLICAS} a service may have",
            spec.replicas
        )));
    }
    let mut host = host_labels.to_vec();
    host.push((LABEL_IMAGE.to_owned(), spec.image.clone()));
    let labels = with_host_labels(&spec.labels, &host)?;
    Ok(ServiceSpec {
        name: Some(spec.name.clone()),
        labels: Some(labels),
        task_template: Some(TaskSpec {
            container_spec: Some(TaskSpecContainerSpec {
                image: Some(image_id.to_owned()),
                env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
                command: spec.cmd.clone(),
                ..TaskSpecContainerSpec::default()
            }),
            ..TaskSpec::default()
        }),
        mode: Some(ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated {
                replicas: Some(i64::from(spec.replicas)),
            }),
            ..ServiceSpecMode::default()
        }),
        update_config: Some(update_config(&spec.update)),
        rollback_config: Some(rollback_config(&spec.rollback)?),
        endpoint_spec: Some(EndpointSpec {
            ports: Some(spec.ports.iter().map(port_config).collect()),
            ..EndpointSpec::default()
        }),
        ..ServiceSpec::default()
    })
}

fn update_config(rollout: &Rollout) -> ServiceSpecUpdateConfig {
    ServiceSpecUpdateConfig {
        parallelism: Some(i64::from(rollout.parallelism)),
        delay: Some(nanos(rollout.delay_ms)),
        monitor: Some(nanos(rollout.monitor_ms)),
        failure_action: Some(match rollout.failure_action {
            FailureAction::Pause => ServiceSpecUpdateConfigFailureActionEnum::PAUSE,
            FailureAction::Continue => ServiceSpecUpdateConfigFailureActionEnum::CONTINUE,
            FailureAction::Rollback => ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK,
        }),
        order: Some(match rollout.order {
            UpdateOrder::StopFirst => ServiceSpecUpdateConfigOrderEnum::STOP_FIRST,
            UpdateOrder::StartFirst => ServiceSpecUpdateConfigOrderEnum::START_FIRST,
        }),
        max_failure_ratio: None,
    }
}

fn rollback_config(rollout: &Rollout) -> Result<ServiceSpecRollbackConfig, Error> {
    let failure_action = match rollout.failure_action {
        FailureAction::Pause => ServiceSpecRollbackConfigFailureActionEnum::PAUSE,
        FailureAction::Continue => ServiceSpecRollbackConfigFailureActionEnum::CONTINUE,
        FailureAction::Rollback => {
            return Err(Error::InvalidConfig(
                "services: a rollback's failure action cannot be `rollback`: expected pause or \
                 continue"
                    .into(),
            ));
        }
    };
    Ok(ServiceSpecRollbackConfig {
        parallelism: Some(i64::from(rollout.parallelism)),
        delay: Some(nanos(rollout.delay_ms)),
        monitor: Some(nanos(rollout.monitor_ms)),
        failure_action: Some(failure_action),
        order: Some(match rollout.order {
            UpdateOrder::StopFirst => ServiceSpecRollbackConfigOrderEnum::STOP_FIRST,
            UpdateOrder::StartFirst => ServiceSpecRollbackConfigOrderEnum::START_FIRST,
        }),
        max_failure_ratio: None,
    })
}

fn port_config(port: &PublishedPort) -> EndpointPortConfig {
    EndpointPortConfig {
        protocol: Some(match port.protocol {
            Protocol::Tcp => EndpointPortConfigProtocolEnum::TCP,
            Protocol::Udp => EndpointPortConfigProtocolEnum::UDP,
        }),
        target_port: Some(i64::from(port.target_port)),
        published_port: Some(i64::from(port.published_port)),
        publish_mode: Some(match port.mode {
            PublishMode::Ingress => EndpointPortConfigPublishModeEnum::INGRESS,
            PublishMode::Host => EndpointPortConfigPublishModeEnum::HOST,
        }),
        name: None,
    }
}

/// What the engine says about a service, as the WIT describes it.
pub fn service_info(service: Service) -> ServiceInfo {
    let spec = service.spec.unwrap_or_default();
    let labels = spec.labels.unwrap_or_default();
    let replicas = spec
        .mode
        .and_then(|mode| mode.replicated)
        .and_then(|replicated| replicated.replicas)
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or_default();
    ServiceInfo {
        id: service.id.unwrap_or_default(),
        name: spec.name.unwrap_or_default(),
        image: labels.get(LABEL_IMAGE).cloned().unwrap_or_default(),
        image_id: spec
            .task_template
            .and_then(|template| template.container_spec)
            .and_then(|container| container.image)
            .unwrap_or_default(),
        replicas,
        ports: spec
            .endpoint_spec
            .and_then(|endpoint| endpoint.ports)
            .unwrap_or_default()
            .iter()
            .filter_map(published_port)
            .collect(),
        labels: sorted(labels),
        update_status: service.update_status.and_then(|status| {
            Some(UpdateStatus {
                state: update_state(status.state?)?,
                message: status.message.unwrap_or_default(),
            })
        }),
    }
}

fn published_port(port: &EndpointPortConfig) -> Option<PublishedPort> {
    Some(PublishedPort {
        target_port: u16::try_from(port.target_port?).ok()?,
        published_port: u16::try_from(port.published_port?).ok()?,
        protocol: match port.protocol? {
            EndpointPortConfigProtocolEnum::UDP => Protocol::Udp,
            _ => Protocol::Tcp,
        },
        mode: match port.publish_mode? {
            EndpointPortConfigPublishModeEnum::HOST => PublishMode::Host,
            _ => PublishMode::Ingress,
        },
    })
}

fn update_state(state: ServiceUpdateStatusStateEnum) -> Option<UpdateState> {
    Some(match state {
        ServiceUpdateStatusStateEnum::UPDATING => UpdateState::Updating,
        ServiceUpdateStatusStateEnum::PAUSED => UpdateState::Paused,
        ServiceUpdateStatusStateEnum::COMPLETED => UpdateState::Completed,
        ServiceUpdateStatusStateEnum::ROLLBACK_STARTED => UpdateState::RollbackStarted,
        ServiceUpdateStatusStateEnum::ROLLBACK_PAUSED => UpdateState::RollbackPaused,
        ServiceUpdateStatusStateEnum::ROLLBACK_COMPLETED => UpdateState::RollbackCompleted,
        ServiceUpdateStatusStateEnum::EMPTY => return None,
    })
}

/// What the engine says about a task, as the WIT describes it.
pub fn task_info(task: Task) -> TaskInfo {
    let status = task.status.unwrap_or_default();
    TaskInfo {
        id: task.id.unwrap_or_default(),
        slot: task
            .slot
            .and_then(|slot| u32::try_from(slot).ok())
            .unwrap_or_default(),
        image_id: task
            .spec
            .and_then(|spec| spec.container_spec)
            .and_then(|container| container.image)
            .unwrap_or_default(),
        state: task_state(status.state.unwrap_or(DockerState::NEW)),
        desired_running: task.desired_state == Some(DockerState::RUNNING),
        message: status.message.unwrap_or_default(),
        error: status.err.unwrap_or_default(),
    }
}

fn task_state(state: DockerState) -> TaskState {
    match state {
        DockerState::NEW => TaskState::New,
        DockerState::ALLOCATED => TaskState::Allocated,
        DockerState::PENDING => TaskState::Pending,
        DockerState::ASSIGNED => TaskState::Assigned,
        DockerState::ACCEPTED => TaskState::Accepted,
        DockerState::PREPARING => TaskState::Preparing,
        DockerState::READY => TaskState::Ready,
        DockerState::STARTING => TaskState::Starting,
        DockerState::RUNNING => TaskState::Running,
        DockerState::COMPLETE => TaskState::Complete,
        DockerState::SHUTDOWN => TaskState::Shutdown,
        DockerState::FAILED => TaskState::Failed,
        DockerState::REJECTED => TaskState::Rejected,
        DockerState::REMOVE => TaskState::Remove,
        DockerState::ORPHANED => TaskState::Orphaned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rollout(failure_action: FailureAction) -> Rollout {
        Rollout {
            parallelism: 1,
            delay_ms: 500,
            order: UpdateOrder::StartFirst,
            failure_action,
            monitor_ms: 2000,
        }
    }

    fn spec() -> Spec {
        Spec {
            name: "web-api".into(),
            image: "shop/api:2".into(),
            replicas: 2,
            env: vec![("MODE".into(), "prod".into())],
            cmd: None,
            ports: vec![PublishedPort {
                target_port: 8080,
                published_port: 18080,
                protocol: Protocol::Tcp,
                mode: PublishMode::Ingress,
            }],
            labels: vec![("team".into(), "shop".into())],
            update: rollout(FailureAction::Rollback),
            rollback: rollout(FailureAction::Pause),
        }
    }

    #[test]
    fn a_service_runs_its_image_by_id_with_the_host_labels_and_nothing_the_wit_cannot_say() {
        let host = [("sluice.unit".to_owned(), "api".to_owned())];
        let swarm = service_spec(&spec(), "sha256:abc", &host).unwrap();
        let container = swarm
            .task_template
            .as_ref()
            .and_then(|t| t.container_spec.clone())
            .unwrap();
        assert_eq!(container.image.as_deref(), Some("sha256:abc"));
        assert!(container.mounts.is_none() && container.privileges.is_none());
        assert!(swarm.networks.is_none());
        let labels = swarm.labels.unwrap();
        assert_eq!(labels["sluice.image"], "shop/api:2");
        assert_eq!(labels["sluice.unit"], "api");
        assert_eq!(labels["team"], "shop");
        let update = swarm.update_config.unwrap();
        assert_eq!(
            update.order,
            Some(ServiceSpecUpdateConfigOrderEnum::START_FIRST)
        );
        assert_eq!(update.delay, Some(500_000_000));
        assert_eq!(
            update.failure_action,
            Some(ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK)
        );
    }

    #[test]
    fn more_replicas_than_the_cap_are_refused() {
        let mut swarm = spec();
        swarm.replicas = MAX_REPLICAS + 1;
        assert!(matches!(
            service_spec(&swarm, "sha256:abc", &[]),
            Err(Error::InvalidConfig(m)) if m == "services: 257 replicas is more than the 256 a service may have"
        ));
    }

    #[test]
    fn a_plugin_label_in_the_host_namespace_and_a_rollback_that_rolls_back_are_refused() {
        let mut forged = spec();
        forged
            .labels
            .push(("sluice.image".into(), "other:1".into()));
        assert!(matches!(
            service_spec(&forged, "sha256:abc", &[]),
            Err(Error::InvalidConfig(m)) if m.contains("`sluice.image` is reserved")
        ));
        let mut looping = spec();
        looping.rollback = rollout(FailureAction::Rollback);
        assert!(matches!(
            service_spec(&looping, "sha256:abc", &[]),
            Err(Error::InvalidConfig(m)) if m.contains("cannot be `rollback`")
        ));
    }
}
