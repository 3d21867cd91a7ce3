//! HAProxy as the `container` strategy's router, driven through its runtime API by the
//! `haproxy` capability: weighted canaries and blue-green with zero failed requests and no
//! reload, and the capability's denials (through the `container` plugin, and through
//! `hostile-haproxy`, which passes names the container plugin never would).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::haproxy::{HaProxy, Polls};
use crate::support::http::StaticServer;
use crate::support::load::{Load, LoadReport};
use crate::support::project::{ENV, Project, test_plugin_plan};
use crate::support::stack::{Stack, deploy_ok};
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

#[test]
fn a_test_haproxy_routes_to_servers_added_through_its_runtime_api_and_exports_metrics() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "blue\n").unwrap();
    let server = StaticServer::start(site.path());
    let haproxy = HaProxy::start();
    let pid = haproxy.pid();
    assert_eq!(haproxy.get("/").0, 503, "no server yet");

    haproxy.add_server("blue", server.addr, 100);
    assert_eq!(haproxy.get("/index.html"), (200, "blue\n".into()));
    assert_eq!(haproxy.weights(), [("blue".to_owned(), 100)].into());

    let (status, metrics) = crate::support::http::get(haproxy.metrics, "/metrics");
    assert_eq!(status, 200);
    assert!(
        metrics.contains(
            r#"haproxy_server_http_responses_total{proxy="web",server="blue",code="2xx"}"#
        ),
        "per-server response counts are exported: {}",
        metrics
            .lines()
            .filter(|l| l.contains("server=\"blue\""))
            .take(5)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(haproxy.pid(), pid);
}

/// The staged gate of every plan here: the new container's health.
const STAGED_HEALTH: &str = r#"  { http = "${staged.endpoint}/cgi-bin/health", interval = "100ms", failure_threshold = 3, deadline = "10s" },"#;

/// A live gate on what users get through HAProxy, passing after `successes` answers 100 ms
/// apart: what holds each canary step long enough to measure.
fn live_gate(stack: &Stack, successes: u32) -> String {
    format!(
        r#"  {{ http = "http://{}/", phase = "live", interval = "100ms", success_threshold = {successes}, deadline = "30s" }},"#,
        stack.haproxy().listen()
    )
}

/// For each weight `server` had, the requests that started and ended while it had that weight
/// (two polls in a row the same around them), and the share of those answered by `version`.
fn shares_by_weight(
    report: &LoadReport,
    polls: &Polls,
    server: &str,
    version: &str,
) -> BTreeMap<u32, (usize, f64)> {
    let mut counts: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
    for pair in polls.windows(2) {
        let [(from, before), (to, after)] = pair else {
            continue;
        };
        let Some(&weight) = before.get(server) else {
            continue;
        };
        if before != after {
            continue;
        }
        for sample in report
            .samples
            .iter()
            .filter(|s| s.at >= *from && s.at + s.latency <= *to)
        {
            let entry = counts.entry(weight).or_default();
            entry.0 += 1;
            entry.1 += usize::from(sample.body == version);
        }
    }
    counts
        .into_iter()
        .map(|(weight, (all, new))| (weight, (all, new as f64 / all as f64)))
        .collect()
}

fn assert_no_failures(report: &LoadReport) {
    assert!(report.sent() >= 1_000, "sent {}", report.sent());
    assert_eq!(
        report.failed().len(),
        0,
        "failed requests: {:?}",
        &report.failed()[..report.failed().len().min(5)]
    );
}

#[test]
fn blue_green_through_haproxy_under_load_switches_with_zero_failed_requests_and_no_reload() {
    let stack = Stack::behind_haproxy("hap-bg");
    let haproxy = stack.haproxy();
    let pid = haproxy.answering_pid();
    assert_eq!(pid, haproxy.pid());
    let gates = format!(
        "{STAGED_HEALTH}\n  {{ http = \"http://{}/\", body = \"${{version}}\", interval = \"100ms\", deadline = \"10s\" }},",
        haproxy.listen()
    );
    stack.plan_haproxy("", &gates, None);
    deploy_ok(&stack, "v1");
    assert_eq!(
        haproxy.weights(),
        [(stack.haproxy_server("v1"), 100)].into()
    );

    let load = Load::start(haproxy.http, "/", 2, 20_000, Duration::from_millis(1));
    load.wait_for(500);
    deploy_ok(&stack, "v2");
    load.wait_for(load.sent() + 500);
    let report = load.finish();

    assert_no_failures(&report);
    assert_eq!(
        report.bodies().keys().cloned().collect::<Vec<_>>(),
        ["v1", "v2"]
    );
    stack.assert_served_alone_through_haproxy("v2", pid);
    assert_eq!(stack.containers().len(), 1, "{:?}", stack.containers());
}

#[test]
fn a_canary_through_haproxy_gives_the_new_version_its_weight_share_at_each_step_with_zero_failed_requests()
 {
    let stack = Stack::behind_haproxy("hap-canary");
    let haproxy = stack.haproxy();
    let pid = haproxy.answering_pid();
    let gates = format!("{STAGED_HEALTH}\n{}", live_gate(&stack, 30));
    stack.plan_haproxy("shift = [10, 50]", &gates, None);
    deploy_ok(&stack, "v1");

    let load = Load::start(haproxy.http, "/", 2, 60_000, Duration::from_millis(1));
    load.wait_for(300);
    let (run, polls) = haproxy.recording_weights(|| load.elapsed(), || stack.apply("v2"));
    load.wait_for(load.sent() + 300);
    let report = load.finish();

    assert_eq!(run.code, EXIT_SUCCESS, "{}\n{}", run.all(), haproxy.log());
    assert_no_failures(&report);
    let shares = shares_by_weight(&report, &polls, &stack.haproxy_server("v2"), "v2");
    for weight in [10, 50] {
        let (requests, share) = shares
            .get(&weight)
            .copied()
            .unwrap_or_else(|| panic!("no request measured at weight {weight}: {shares:?}"));
        assert!(requests >= 100, "{requests} requests at {weight}%");
        let expected = f64::from(weight) / 100.0;
        assert!(
            (share - expected).abs() <= 0.05,
            "v2 answered {:.1}% of {requests} requests at weight {weight}: {shares:?}",
            share * 100.0
        );
    }
    stack.assert_served_alone_through_haproxy("v2", pid);
}

#[test]
fn a_canary_whose_live_gate_fails_at_its_first_step_goes_back_to_weight_0_and_the_old_version_serves_everything()
 {
    let stack = Stack::behind_haproxy("hap-bad");
    let haproxy = stack.haproxy();
    let pid = haproxy.answering_pid();
    // The staged gate looks at `/` only (bad-health answers it); the live gate, run at every
    // step, at the new container's health, which bad-health fails.
    let gates = r#"  { http = "${staged.endpoint}/", interval = "100ms", deadline = "10s" },
  { http = "${staged.endpoint}/cgi-bin/health", phase = "live", interval = "100ms", success_threshold = 3, failure_threshold = 3, deadline = "10s" },"#;
    stack.plan_haproxy("shift = [10, 50]", gates, None);
    deploy_ok(&stack, "v1");

    let load = Load::start(haproxy.http, "/", 2, 60_000, Duration::from_millis(1));
    load.wait_for(300);
    let (run, polls) = haproxy.recording_weights(|| load.elapsed(), || stack.apply("bad-health"));
    let after = load.elapsed();
    load.wait_for(load.sent() + 500);
    let report = load.finish();

    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert!(run.all().contains("rolled back to v1"), "{}", run.all());
    let bad = stack.haproxy_server("bad-health");
    let weights_of_bad: Vec<u32> = polls
        .iter()
        .filter_map(|(_, w)| w.get(&bad).copied())
        .collect();
    assert!(
        weights_of_bad.contains(&10) && !weights_of_bad.contains(&50),
        "the canary reached 10% and no further: {weights_of_bad:?}"
    );
    assert_no_failures(&report);
    let afterwards: Vec<&str> = report
        .samples
        .iter()
        .filter(|s| s.at > after)
        .map(|s| s.body.as_str())
        .collect();
    assert!(
        afterwards.len() >= 100 && afterwards.iter().all(|&body| body == "v1"),
        "only v1 serves after the rollback: {:?}",
        report.bodies()
    );
    stack.assert_served_alone_through_haproxy("v1", pid);
}

#[test]
fn an_haproxy_backend_or_runtime_api_outside_the_grant_is_denied_naming_the_grant_and_nothing_changes()
 {
    let stack = Stack::behind_haproxy("hap-deny");
    let haproxy = stack.haproxy();
    let api = haproxy.api_address();
    for (grant, granted) in [
        (format!("{api}/other"), format!("granted {api}/other")),
        (
            "127.0.0.1:1/web".to_owned(),
            "granted 127.0.0.1:1/web".to_owned(),
        ),
        (String::new(), "granted no backend".to_owned()),
    ] {
        stack.plan_haproxy("", STAGED_HEALTH, Some(&grant));
        let run = stack.apply("v1");
        assert_ne!(run.code, EXIT_SUCCESS, "{}", run.all());
        assert!(
            run.all()
                .contains(&format!("backend {api}/web is not granted"))
                && run.all().contains(&granted)
                && run.all().contains("grants.haproxy"),
            "{grant:?}: {}",
            run.all()
        );
        assert!(haproxy.weights().is_empty(), "{:?}", haproxy.weights());
        assert!(stack.containers().is_empty(), "{:?}", stack.containers());
    }
}

/// Deploys v2 with hostile-haproxy setting `backend/server` to `weight` through `haproxy` (v1 of
/// a static site live first), granted backend `web` of it; asserts v1 is live afterwards (the
/// test plugin stages no endpoint, so even a call the host lets through ends in a rollback).
fn hostile_set_weight(haproxy: &HaProxy, backend: &str, server: &str, weight: u32) -> Run {
    let project = Project::v1_live_then("hostile-haproxy", "", "");
    let api = haproxy.api_address();
    let config =
        format!("attack = \"set-weight\", args = [{api:?}, {backend:?}, {server:?}, \"{weight}\"]");
    let grants = format!("[plugins.bad.grants]\nhaproxy = [\"{api}/web\"]");
    project.write_plan(&test_plugin_plan("hostile-haproxy", &grants, &config));
    let run = project.sluice(&["apply", "--env", ENV, "--version", "v2"]);
    assert!(run.all().contains("rolled back to v1"), "{}", run.all());
    project.assert_v1_still_live();
    run
}

#[test]
fn a_server_or_backend_name_that_would_splice_a_runtime_api_command_is_refused_before_anything_is_sent()
 {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("index.html"), "a\n").unwrap();
    let server = StaticServer::start(site.path());
    let haproxy = HaProxy::start();
    haproxy.add_server("a", server.addr, 100);

    for (backend, name) in [
        ("web", "a\nset server web/a state maint"),
        ("web", "a weight 0"),
        ("web", "a;disable frontend sluice"),
        ("web/a weight 0\nshow info", "a"),
    ] {
        let run = hostile_set_weight(&haproxy, backend, name, 1);
        assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
        assert!(
            run.all().contains("is not an HAProxy name") && run.all().contains("nothing was sent"),
            "{name:?}: {}",
            run.all()
        );
        assert_eq!(haproxy.weights(), [("a".to_owned(), 100)].into());
        assert_eq!(haproxy.get("/index.html"), (200, "a\n".into()));
    }

    let granted = hostile_set_weight(&haproxy, "web", "a", 7);
    assert!(
        granted.all().contains(r#"set web/"a" to weight 7"#),
        "{}",
        granted.all()
    );
    assert_eq!(
        haproxy.weights(),
        [("a".to_owned(), 7)].into(),
        "the same call with plain names reaches HAProxy"
    );
}

#[test]
fn the_plugins_audit_shows_the_haproxy_backends_granted_and_flags_every_backend() {
    let project = Project::new();
    project.write_plan(&format!(
        r#"[project]
name = "audit"
[environments.{ENV}]
[plugins.container]
source = "builtin:container"
[plugins.container.grants]
containers = ["web-*"]
http = []
haproxy = ["127.0.0.1:9999/web", "127.0.0.1:9998/*"]
"#
    ));
    let run = project.sluice(&["plugins", "audit", "sluice.toml", "--output", "json"]);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let row: serde_json::Value = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .find(|row| row["capability"] == "haproxy")
        .unwrap_or_else(|| panic!("no haproxy row: {}", run.stdout));
    assert_eq!(row["imports"][0], "sluice:deploy/haproxy@0.1.4");
    assert_eq!(
        row["granted"],
        serde_json::json!(["backend 127.0.0.1:9999/web", "backend 127.0.0.1:9998/*"])
    );
    assert_eq!(
        row["warnings"],
        serde_json::json!(["every backend of the HAProxy at 127.0.0.1:9998 (`127.0.0.1:9998/*`)"])
    );
}
