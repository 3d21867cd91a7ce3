//! The `container` strategy on a real Docker Engine (`DOCKER_HOST`) with a real Caddy: replace,
//! blue-green under load with zero failed requests, automatic rollback of bad versions,
//! `sluice rollback`, grants, and an interrupted deploy cleaned up by the next one.

use std::time::Duration;

use crate::support;
use crate::support::docker::container;
use crate::support::http::get;
use crate::support::load::Load;
use crate::support::project::ENV;
use crate::support::socket_proxy::SocketProxy;
use crate::support::stack::{Stack, deploy_ok};
use crate::support::{EXIT_FAILED, EXIT_ROLLED_BACK, EXIT_SUCCESS, images, sluice};

#[test]
fn replace_from_v1_to_v2_serves_v2_and_history_status_and_docker_agree() {
    let stack = Stack::new("replace");
    stack.plan("replace", "", None, None);
    deploy_ok(&stack, "v1");
    let upgrade = stack.apply("v2");
    assert_eq!(upgrade.code, EXIT_SUCCESS, "{}", upgrade.all());
    assert!(
        upgrade
            .all()
            .contains("from stopping the old container to the new one running"),
        "downtime is reported: {}",
        upgrade.all()
    );

    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], stack.ports[0]));
    assert_eq!(get(addr, "/"), (200, "v2\n".into()));
    assert_eq!(stack.live_version().as_deref(), Some("v2"));
    assert_eq!(
        container(&stack.name),
        Some(("running".into(), images::V2.into()))
    );
    assert_eq!(
        stack.containers(),
        vec![stack.name.clone()],
        "the old container is gone"
    );
    assert_eq!(
        stack.status_containers(),
        [(stack.name.clone(), "v2".into(), "running".into(), true)],
        "status shows what docker runs"
    );
    let history = stack.sluice(&["history", "--output", "json"]);
    let newest: serde_json::Value =
        serde_json::from_str(history.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(
        (newest["version"].as_str(), newest["outcome"].as_str()),
        (Some("v2"), Some("succeeded"))
    );
}

#[test]
fn blue_green_under_load_switches_with_zero_failed_requests() {
    support::caddy::require_reloads_to_keep_queued_connections();
    let stack = Stack::new("load");
    stack.plan("blue-green", "", None, None);
    deploy_ok(&stack, "v1");

    let load = Load::start(stack.caddy.http, "/", 2, 20_000, Duration::from_millis(1));
    load.wait_for(500);
    deploy_ok(&stack, "v2");
    load.wait_for(load.sent() + 500);
    load.wait_for(2_000);
    let report = load.finish();

    assert!(report.sent() >= 2_000, "sent {}", report.sent());
    assert_eq!(
        report.failed().len(),
        0,
        "failed requests: {:?}",
        &report.failed()[..report.failed().len().min(5)]
    );
    let bodies = report.bodies();
    assert_eq!(
        bodies.keys().cloned().collect::<Vec<_>>(),
        vec!["v1".to_owned(), "v2".to_owned()],
        "{bodies:?}"
    );
    assert_eq!(stack.served(), (200, "v2\n".into()));
    assert_eq!(
        stack.containers().len(),
        1,
        "v1 was removed: {:?}",
        stack.containers()
    );
}

fn bad_version_rolls_back(what: &str, version: &str, reason: &str) {
    let stack = Stack::new(what);
    stack.plan("blue-green", "", None, None);
    deploy_ok(&stack, "v1");
    let before = stack.containers();

    let load = Load::start(stack.caddy.http, "/", 2, 20_000, Duration::from_millis(1));
    load.wait_for(200);
    let bad = stack.apply(version);
    load.wait_for(load.sent() + 200);
    let report = load.finish();

    assert_eq!(bad.code, EXIT_ROLLED_BACK, "{}", bad.all());
    assert!(
        bad.all().contains(reason),
        "the reason says why ({reason}): {}",
        bad.all()
    );
    assert!(bad.all().contains("rolled back to v1"), "{}", bad.all());
    assert_eq!(
        report.failed().len(),
        0,
        "failed requests: {:?}",
        &report.failed()[..report.failed().len().min(5)]
    );
    assert_eq!(
        report.bodies().keys().cloned().collect::<Vec<_>>(),
        vec!["v1".to_owned()]
    );
    assert_eq!(stack.served(), (200, "v1\n".into()));
    assert_eq!(stack.containers(), before, "the bad container is gone");
    assert_eq!(stack.live_version().as_deref(), Some("v1"));
}

#[test]
fn blue_green_to_a_version_whose_health_fails_rolls_back_and_v1_keeps_serving() {
    bad_version_rolls_back("badhealth", "bad-health", "HTTP 500");
}

#[test]
fn blue_green_to_a_version_that_exits_at_once_rolls_back_with_its_last_log_lines() {
    bad_version_rolls_back("crash", "crash", "crashing on purpose");
}

/// Writes the blue-green plan with the staged gate given 30 s and `start_period` (the plan's
/// default when `None`).
fn plan_with_staged_start_period(stack: &Stack, start_period: Option<&str>) {
    stack.plan("blue-green", "", None, None);
    let path = stack.dir.path().join("sluice.toml");
    let setting = start_period
        .map(|period| format!(", start_period = \"{period}\""))
        .unwrap_or_default();
    let plan = std::fs::read_to_string(&path).unwrap().replacen(
        r#"failure_threshold = 3, deadline = "10s" }"#,
        &format!(r#"failure_threshold = 3, deadline = "30s"{setting} }}"#),
        1,
    );
    std::fs::write(path, plan).unwrap();
}

#[test]
fn a_version_listening_only_after_8s_passes_its_staged_gate_in_the_default_start_period_but_not_with_none()
 {
    let stack = Stack::new("slowstart");
    stack.plan("blue-green", "", None, None);
    deploy_ok(&stack, "v1");

    plan_with_staged_start_period(&stack, Some("0s"));
    let impatient = stack.apply("slow-start");
    assert_eq!(impatient.code, EXIT_ROLLED_BACK, "{}", impatient.all());
    assert!(
        impatient.all().contains("3 consecutive failures"),
        "failures counted from the first probe: {}",
        impatient.all()
    );
    assert_eq!(stack.served(), (200, "v1\n".into()));

    plan_with_staged_start_period(&stack, None);
    let patient = stack.apply("slow-start");
    assert_eq!(patient.code, EXIT_SUCCESS, "{}", patient.all());
    assert_eq!(stack.served(), (200, "slow-start\n".into()));
}

#[test]
fn sluice_rollback_after_a_good_v2_brings_v1_back() {
    let stack = Stack::new("rollback");
    stack.plan("blue-green", "", None, None);
    deploy_ok(&stack, "v1");
    deploy_ok(&stack, "v2");
    assert_eq!(stack.served(), (200, "v2\n".into()));

    let back = stack.sluice(&["rollback", "--env", ENV, "--unit", "web"]);
    assert_eq!(back.code, EXIT_SUCCESS, "{}", back.all());
    assert_eq!(stack.served(), (200, "v1\n".into()));
    assert_eq!(stack.live_version().as_deref(), Some("v1"));
    assert_eq!(stack.containers().len(), 1, "{:?}", stack.containers());
}

#[test]
fn a_container_outside_the_grant_is_denied_and_nothing_is_touched() {
    let stack = Stack::new("grants");
    let other = format!("{}x-*", stack.name);
    stack.plan("blue-green", "", Some(&other), None);
    let run = stack.apply("v1");
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    assert!(run.all().contains("nothing was changed"), "{}", run.all());
    assert!(
        run.all().contains("is not granted to plugin `container`"),
        "{}",
        run.all()
    );
    assert!(
        stack.containers().is_empty(),
        "nothing was created: {:?}",
        stack.containers()
    );
}

#[test]
fn an_image_outside_the_grant_is_denied() {
    let stack = Stack::new("imagegrant");
    stack.plan("blue-green", "", None, Some("some-other-repo"));
    let run = stack.apply("v1");
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    assert!(
        run.all().contains(images::REPOSITORY) && run.all().contains("not granted"),
        "{}",
        run.all()
    );
    assert!(stack.containers().is_empty(), "{:?}", stack.containers());
}

#[test]
fn an_interrupted_blue_green_deploy_is_cleaned_up_by_the_next_apply() {
    let stack = Stack::new("interrupt");
    stack.plan("blue-green", "", None, None);
    deploy_ok(&stack, "v1");
    let live_before = stack.containers();

    stack.plan(
        "blue-green",
        r#"{ http = "${staged.endpoint}/health", initial_delay = "30s", deadline = "60s" },"#,
        None,
        None,
    );
    let mut child = sluice(stack.dir.path())
        .args(["apply", "--env", ENV, "--version", "v2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let staged = (0..300).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        stack.containers().len() == 2
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(staged, "the new color was never started");
    assert_eq!(stack.served(), (200, "v1\n".into()), "traffic stayed on v1");
    let found = stack.status_containers();
    let versions: Vec<(&str, bool)> = found.iter().map(|c| (c.1.as_str(), c.3)).collect();
    assert!(
        versions.contains(&("v1", true)) && versions.contains(&("v2", false)),
        "status shows the live v1 and the stale v2: {found:?}"
    );

    stack.plan("blue-green", "", None, None);
    deploy_ok(&stack, "v2");
    assert_eq!(stack.served(), (200, "v2\n".into()));
    let after = stack.containers();
    assert_eq!(
        after.len(),
        1,
        "the stale and the old container are gone: {after:?}"
    );
    assert_ne!(after, live_before);
}

#[test]
fn the_engine_becoming_unreachable_mid_deploy_leaves_traffic_on_a_healthy_version() {
    let stack = Stack::new("engine-lost");
    let proxy = SocketProxy::start(stack.dir.path());
    let plan_through_proxy = |extra_gate: &str| {
        stack.plan("blue-green", extra_gate, None, None);
        let path = stack.dir.path().join("sluice.toml");
        let plan = std::fs::read_to_string(&path).unwrap().replace(
            "[plugins.container.grants]\n",
            "[plugins.container.grants]\ndocker = [\"flaky\"]\n",
        ) + &format!("[docker.flaky]\nurl = \"{}\"\n", proxy.url());
        std::fs::write(path, plan).unwrap();
    };
    plan_through_proxy("");
    deploy_ok(&stack, "v1");

    plan_through_proxy(
        r#"{ http = "${staged.endpoint}/health", initial_delay = "3s", deadline = "20s" },"#,
    );
    let child = sluice(stack.dir.path())
        .args(["apply", "--env", ENV, "--version", "v2"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let staged = (0..300).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        stack.containers().len() == 2
    });
    proxy.cut();
    let run: support::Run = child.wait_with_output().unwrap().into();

    assert!(staged, "the new color was never started: {}", run.all());
    assert_ne!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert!(
        run.all().contains("is not reachable"),
        "the error names the lost engine: {}",
        run.all()
    );
    assert_eq!(
        stack.served(),
        (200, "v1\n".into()),
        "traffic stayed on the healthy version"
    );
    assert_eq!(stack.live_version().as_deref(), Some("v1"));
}
