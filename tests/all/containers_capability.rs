//! The `containers` capability against a real Docker Engine (`DOCKER_HOST`), called directly
//! through the library: what a granted plugin can do, and what an ungranted call cannot touch.

use std::net::SocketAddr;
use std::time::Duration;

use crate::support::docker::{ContainersGuard, container, docker, free_ports, unique_name};
use crate::support::{http, images};
use sluice::caps::containers::{ContainersCap, EngineAddress, default_url, host_labels};
use sluice::plan::model::{EngineTransport, Grants};
use sluice::wit::containers::{
    ContainerSpec, ContainerStatus, PortBinding, Resources, RestartPolicy,
};
use sluice::wit::types::Error;

/// The base image the web images are built on: busybox with a shell.
const BUSYBOX: &str = "sluice-test-busybox:latest";
const BUSYBOX_REPOSITORY: &str = "sluice-test-busybox";

/// A capability for plugin `deployer` granted `containers` and `images` on the test engine.
fn cap(containers: &[&str], images: &[&str]) -> ContainersCap {
    images::ensure();
    let grants = Grants {
        containers: containers.iter().map(|s| s.to_string()).collect(),
        images: images.iter().map(|s| s.to_string()).collect(),
        ..Grants::default()
    };
    let engine = EngineAddress {
        name: "local".into(),
        url: default_url(),
        transport: EngineTransport::Plain,
    };
    ContainersCap::new(
        "deployer",
        &grants,
        &[engine],
        &host_labels("api", "staging", "1.2.3", "dep-1"),
        &[],
    )
}

/// A spec for `name` running `script` in the busybox image.
fn shell(name: &str, script: &str) -> ContainerSpec {
    ContainerSpec {
        name: name.to_owned(),
        image: BUSYBOX.to_owned(),
        env: vec![("GREETING".into(), "hello".into())],
        cmd: Some(vec!["sh".into(), "-c".into(), script.to_owned()]),
        ports: Vec::new(),
        labels: vec![("team".into(), name.to_owned())],
        restart: RestartPolicy::No,
        resources: Resources {
            memory_bytes: Some(64 * 1024 * 1024),
            nano_cpus: Some(500_000_000),
        },
        healthcheck: None,
        network: None,
    }
}

/// Prints a line, then idles until stopped.
const IDLE: &str =
    "echo \"$GREETING from the container\"; trap 'exit 0' TERM; while true; do sleep 1; done";

fn denied(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Denied(message)) => message,
        other => panic!("expected a denial, got {other:?}"),
    }
}

#[tokio::test]
async fn a_granted_container_can_be_created_started_inspected_logged_stopped_renamed_and_removed() {
    let name = unique_name("life");
    let _guard = ContainersGuard {
        prefix: name.clone(),
    };
    let cap = cap(&[&name, &format!("{name}-*")], &[BUSYBOX_REPOSITORY]);

    let id = cap.create("local", shell(&name, IDLE)).await.unwrap();
    assert_eq!(container(&name).unwrap().0, "created");
    cap.start("local", &name).await.unwrap();

    let info = cap.inspect("local", &name).await.unwrap().unwrap();
    assert_eq!(info.id, id);
    assert_eq!(info.name, name);
    assert_eq!(info.image, BUSYBOX);
    assert_eq!(info.status, ContainerStatus::Running);
    assert!(!info.started_at.is_empty());
    for label in [
        ("sluice.unit", "api"),
        ("sluice.environment", "staging"),
        ("sluice.version", "1.2.3"),
        ("sluice.deployment", "dep-1"),
        ("team", name.as_str()),
    ] {
        assert!(
            info.labels
                .iter()
                .any(|(k, v)| (k.as_str(), v.as_str()) == label),
            "missing label {label:?} in {:?}",
            info.labels
        );
    }

    let logs = eventually(|| cap.logs("local", &name, 10), |l| !l.is_empty()).await;
    assert_eq!(logs, "hello from the container\n");

    cap.stop("local", &name, 10).await.unwrap();
    let stopped = cap.inspect("local", &name).await.unwrap().unwrap();
    assert_eq!(stopped.status, ContainerStatus::Exited);
    assert_eq!(stopped.exit_code, 0);

    let old = format!("{name}-old");
    cap.rename("local", &name, &old).await.unwrap();
    assert!(cap.inspect("local", &name).await.unwrap().is_none());
    assert_eq!(cap.inspect("local", &old).await.unwrap().unwrap().id, id);

    cap.remove("local", &old, false).await.unwrap();
    assert!(cap.inspect("local", &old).await.unwrap().is_none());
    assert!(container(&old).is_none());
}

#[tokio::test]
async fn a_published_port_defaults_to_loopback_and_serves_there() {
    let name = unique_name("port");
    let _guard = ContainersGuard {
        prefix: name.clone(),
    };
    let cap = cap(&[&name], &[images::REPOSITORY]);
    let [port] = free_ports();
    let spec = ContainerSpec {
        image: images::V1.to_owned(),
        cmd: None,
        ports: vec![PortBinding {
            container_port: images::PORT,
            protocol: "tcp".into(),
            host_ip: String::new(),
            host_port: port,
        }],
        ..shell(&name, "")
    };
    cap.create("local", spec).await.unwrap();
    cap.start("local", &name).await.unwrap();

    let info = cap.inspect("local", &name).await.unwrap().unwrap();
    let published: Vec<(u16, &str, &str, u16)> = info
        .ports
        .iter()
        .map(|p| {
            (
                p.container_port,
                p.protocol.as_str(),
                p.host_ip.as_str(),
                p.host_port,
            )
        })
        .collect();
    assert_eq!(published, vec![(images::PORT, "tcp", "127.0.0.1", port)]);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut answer = (0, String::new());
    for _ in 0..100 {
        answer = http::get(addr, "/");
        if answer.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(answer, (200, "v1\n".to_owned()));
    cap.remove("local", &name, true).await.unwrap();
}

#[tokio::test]
async fn near_miss_names_are_denied_and_nothing_is_touched() {
    let name = unique_name("near");
    let _guard = ContainersGuard {
        prefix: name.clone(),
    };
    let cap = cap(&[&name], &[BUSYBOX_REPOSITORY]);
    cap.create("local", shell(&name, IDLE)).await.unwrap();

    for near_miss in [
        format!("{name}2"),
        format!("x{name}"),
        format!("{name}-blue"),
    ] {
        let message = denied(cap.create("local", shell(&near_miss, IDLE)).await);
        assert_eq!(
            message,
            format!(
                "containers: container `{near_miss}` is not granted to plugin `deployer` (granted: {name})"
            )
        );
        denied(cap.inspect("local", &near_miss).await);
        assert!(container(&near_miss).is_none(), "{near_miss} was created");
    }
    denied(cap.rename("local", &name, &format!("{name}2")).await);
    denied(cap.remove("local", &format!("{name}2"), true).await);
    assert_eq!(container(&name).unwrap().0, "created");
}

#[tokio::test]
async fn an_image_outside_the_grant_is_denied_by_name_and_by_id() {
    let name = unique_name("img-deny");
    let _guard = ContainersGuard {
        prefix: name.clone(),
    };
    let cap = cap(&[&name], &[BUSYBOX_REPOSITORY]);

    let spec = ContainerSpec {
        image: images::V1.to_owned(),
        ..shell(&name, IDLE)
    };
    let message = denied(cap.create("local", spec).await);
    assert_eq!(
        message,
        format!(
            "containers: image repository `{}` is not granted to plugin `deployer` (granted: {BUSYBOX_REPOSITORY})",
            images::REPOSITORY
        )
    );
    assert!(container(&name).is_none());

    let v1_id = image_id(images::V1);
    let by_id = ContainerSpec {
        image: v1_id.clone(),
        ..shell(&name, IDLE)
    };
    denied(cap.create("local", by_id).await);
    denied(cap.image_inspect("local", &v1_id).await);
    assert!(container(&name).is_none());

    denied(
        cap.image_tag("local", BUSYBOX, &format!("{}:stolen", images::REPOSITORY))
            .await,
    );
    denied(cap.image_remove("local", images::V1).await);
    assert_eq!(image_id(images::V1), v1_id);
}

#[tokio::test]
async fn a_granted_image_can_be_tagged_listed_and_its_name_removed_leaving_the_image() {
    let repository = unique_name("repo");
    let cap = cap(&[], &[BUSYBOX_REPOSITORY, &repository]);
    let busybox_id = image_id(BUSYBOX);
    let kept = format!("{repository}:kept");

    cap.image_tag("local", BUSYBOX, &kept).await.unwrap();
    let info = cap.image_inspect("local", &kept).await.unwrap().unwrap();
    assert_eq!(info.id, busybox_id);
    assert!(info.tags.contains(&kept), "{:?}", info.tags);
    assert!(
        info.tags
            .iter()
            .all(|t| t.starts_with(BUSYBOX_REPOSITORY) || t.starts_with(&repository)),
        "only granted names are shown: {:?}",
        info.tags
    );

    let listed = cap.image_list("local", &repository).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, busybox_id);

    cap.image_remove("local", &kept).await.unwrap();
    assert!(cap.image_inspect("local", &kept).await.unwrap().is_none());
    assert_eq!(image_id(BUSYBOX), busybox_id);
}

#[tokio::test]
async fn list_shows_only_granted_containers_carrying_the_labels() {
    let name = unique_name("list");
    let other = unique_name("other-team");
    let _guards = [
        ContainersGuard {
            prefix: name.clone(),
        },
        ContainersGuard {
            prefix: other.clone(),
        },
    ];
    let cap = cap(&[&format!("{name}-*")], &[BUSYBOX_REPOSITORY]);
    let label = ("team".to_owned(), name.clone());
    for suffix in ["a", "b"] {
        let mut spec = shell(&format!("{name}-{suffix}"), IDLE);
        spec.labels = vec![label.clone()];
        cap.create("local", spec).await.unwrap();
    }
    let created = docker()
        .args(["create", "--name", &other, "--label"])
        .arg(format!("team={name}"))
        .args([BUSYBOX, "true"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");

    let mut names: Vec<String> = cap
        .list("local", &[label])
        .await
        .unwrap()
        .into_iter()
        .map(|info| info.name)
        .collect();
    names.sort();
    assert_eq!(names, vec![format!("{name}-a"), format!("{name}-b")]);

    let everything_granted = cap.list("local", &[]).await.unwrap();
    assert!(
        everything_granted
            .iter()
            .all(|info| info.name.starts_with(&name))
    );
    assert_eq!(everything_granted.len(), 2);

    let unit_only = cap
        .list("local", &[("sluice.unit".into(), "nobody".into())])
        .await
        .unwrap();
    assert!(unit_only.is_empty());
}

#[tokio::test]
async fn a_container_id_prefix_that_equals_a_granted_name_reaches_nothing() {
    let other = unique_name("victim");
    let _guard = ContainersGuard {
        prefix: other.clone(),
    };
    let created = docker()
        .args(["create", "--name", &other, BUSYBOX, "true"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    let short_id = String::from_utf8_lossy(&created.stdout)[..12].to_owned();
    let cap = cap(&[&short_id], &[BUSYBOX_REPOSITORY]);

    assert!(cap.inspect("local", &short_id).await.unwrap().is_none());
    let removed = cap.remove("local", &short_id, true).await;
    assert!(
        matches!(&removed, Err(Error::Failed(m)) if m.contains("no container")),
        "{removed:?}"
    );
    assert!(container(&other).is_some());
}

#[tokio::test]
async fn logs_are_capped_at_a_thousand_lines() {
    let name = unique_name("logs");
    let _guard = ContainersGuard {
        prefix: name.clone(),
    };
    let cap = cap(&[&name], &[BUSYBOX_REPOSITORY]);
    let script = format!("seq 1 1500 | sed 's/^/line /'; {IDLE}");
    cap.create("local", shell(&name, &script)).await.unwrap();
    cap.start("local", &name).await.unwrap();

    let logs = eventually(
        || cap.logs("local", &name, 5000),
        |l| l.contains("from the container"),
    )
    .await;
    let lines: Vec<&str> = logs.lines().collect();
    assert_eq!(lines.len(), 1000);
    assert_eq!(lines[0], "line 502");
    assert_eq!(lines[998], "line 1500");
    cap.remove("local", &name, true).await.unwrap();
}

#[tokio::test]
async fn an_unreachable_engine_is_unavailable_naming_the_engine_and_its_address() {
    let [port] = free_ports();
    for url in [
        "unix:///nonexistent/docker.sock".to_owned(),
        format!("tcp://127.0.0.1:{port}"),
    ] {
        let grants = Grants {
            containers: vec!["api".into()],
            ..Grants::default()
        };
        let engine = EngineAddress {
            name: "down".into(),
            url: url.clone(),
            transport: EngineTransport::Plain,
        };
        let cap = ContainersCap::new("deployer", &grants, &[engine], &[], &[]);
        let result = cap.inspect("down", "api").await;
        assert!(
            matches!(&result, Err(Error::Unavailable(m))
                if m.starts_with(&format!("containers: engine `down` ({url}) is not reachable: "))),
            "{result:?}"
        );
    }
}

/// The id of the local image `reference`.
fn image_id(reference: &str) -> String {
    let output = docker()
        .args(["image", "inspect", "--format", "{{.Id}}", reference])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Calls `read` until its value satisfies `done` (for at most 10 s), returning the last value.
async fn eventually<F, Fut>(read: F, done: impl Fn(&String) -> bool) -> String
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<String, Error>>,
{
    let mut value = String::new();
    for _ in 0..100 {
        value = read().await.unwrap();
        if done(&value) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    value
}
