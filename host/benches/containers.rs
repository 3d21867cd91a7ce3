//! `make bench` for the container strategy, on the real engine and a real Caddy: blue-green under
//! load (failed requests, latency before, during and after the switch, wall time), the same
//! update as a 10% -> 50% -> 100% canary through a real HAProxy (the same images and load;
//! latency at each step), the same update done the way VPS shell scripts do it, and replace
//! mode's downtime, and a unit rolled across a fleet of three real engines. Prints figures;
//! asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::docker::{ContainersGuard, docker, free_ports, unique_name};
use support::fleet::{ENGINES, Fleet};
use support::haproxy::weight_spans;
use support::images;
use support::load::{Load, LoadReport};
use support::stack::{Stack, deploy_ok};

const WORKERS: usize = 2;
const BUDGET: usize = 100_000;
const PAUSE: Duration = Duration::from_millis(1);

fn ms(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.2} ms", d.as_secs_f64() * 1000.0))
        .unwrap_or_else(|| "-".into())
}

/// Runs `update` under load against `addr`; the report, the switch window and the update's wall time.
fn under_load(
    addr: SocketAddr,
    update: impl FnOnce(),
) -> (LoadReport, std::ops::Range<Duration>, Duration) {
    let load = Load::start(addr, "/", WORKERS, BUDGET, PAUSE);
    load.wait_for(1_000);
    let from = load.elapsed();
    let started = Instant::now();
    update();
    let wall = started.elapsed();
    let to = load.elapsed();
    load.wait_for(load.sent() + 1_000);
    (load.finish(), from..to, wall)
}

/// The span between the first and the last failed request (zero when none failed).
fn outage(report: &LoadReport) -> Duration {
    let failed = report.failed();
    match (
        failed.iter().map(|s| s.at).min(),
        failed.iter().map(|s| s.at + s.latency).max(),
    ) {
        (Some(first), Some(last)) => last - first,
        _ => Duration::ZERO,
    }
}

fn blue_green() -> Duration {
    support::caddy::require_reloads_to_keep_queued_connections();
    let stack = Stack::new("bench-bg");
    stack.plan("blue-green", "", None, None);
    deploy_ok(&stack, "v1");
    let (report, window, wall) = under_load(stack.caddy.http, || deploy_ok(&stack, "v2"));
    println!(
        "blue-green v1 -> v2 through Caddy under load ({WORKERS} clients, new connection per request)"
    );
    println!(
        "  requests sent {}, failed {}",
        report.sent(),
        report.failed().len()
    );
    print_latency(&report, "the switch", window);
    println!("  sluice apply wall time {}", ms(Some(wall)));
    wall
}

/// p50 and p99 of the requests that started in `window`, after `label`.
fn print_percentiles(report: &LoadReport, label: &str, window: std::ops::Range<Duration>) {
    println!(
        "  {label}: p50 {} p99 {}",
        ms(report.percentile(50.0, window.clone())),
        ms(report.percentile(99.0, window)),
    );
}

/// Latency before, during and after `window` (the update), for `what`.
fn print_latency(report: &LoadReport, what: &str, window: std::ops::Range<Duration>) {
    print_percentiles(
        report,
        &format!("before {what}"),
        Duration::ZERO..window.start,
    );
    print_percentiles(report, &format!("during {what}"), window.clone());
    print_percentiles(report, &format!("after {what}"), window.end..Duration::MAX);
}

/// The same v1 -> v2 as [`blue_green`], as a canary through HAProxy: `shift = [10, 50]`, each
/// step held by a live gate of 20 successes 100 ms apart.
fn canary_through_haproxy() {
    let stack = Stack::behind_haproxy("bench-canary");
    let haproxy = stack.haproxy();
    let gates = format!(
        r#"  {{ http = "${{staged.endpoint}}/cgi-bin/health", interval = "100ms", failure_threshold = 3, deadline = "10s" }},
  {{ http = "http://{}/", phase = "live", interval = "100ms", success_threshold = 20, deadline = "30s" }},"#,
        haproxy.listen()
    );
    stack.plan_haproxy("shift = [10, 50]", &gates, None);
    deploy_ok(&stack, "v1");
    let load = Load::start(haproxy.http, "/", WORKERS, BUDGET, PAUSE);
    load.wait_for(1_000);
    let from = load.elapsed();
    let started = Instant::now();
    let ((), polls) = haproxy.recording_weights(|| load.elapsed(), || deploy_ok(&stack, "v2"));
    let wall = started.elapsed();
    let to = load.elapsed();
    load.wait_for(load.sent() + 1_000);
    let report = load.finish();
    println!(
        "canary v1 -> v2 (10% -> 50% -> 100%) through HAProxy's runtime API under the same load"
    );
    println!(
        "  requests sent {}, failed {}",
        report.sent(),
        report.failed().len()
    );
    print_latency(&report, "the rollout", from..to);
    let server = format!("{}-v2", stack.name);
    for (weight, span) in weight_spans(&polls, &server) {
        let share = report
            .samples
            .iter()
            .filter(|s| span.contains(&s.at))
            .fold((0, 0), |(all, new), s| {
                (all + 1, new + usize::from(s.body == "v2"))
            });
        print_percentiles(
            &report,
            &format!(
                "at weight {weight} ({:.1} s, v2 served {} of {} requests)",
                (span.end - span.start).as_secs_f64(),
                share.1,
                share.0
            ),
            span,
        );
    }
    println!("  sluice apply wall time {}", ms(Some(wall)));
}

/// `docker stop` old, `docker run` new, `curl` health loop with `sleep 1`: what VPS pipelines do.
fn shell_script(sluice_wall: Duration) {
    images::ensure();
    let name = unique_name("bench-sh");
    let _cleanup = ContainersGuard {
        prefix: name.clone(),
    };
    let [port] = free_ports();
    let run = |suffix: &str, image: &str| {
        let status = docker()
            .args([
                "run",
                "-d",
                "--name",
                &format!("{name}-{suffix}"),
                "-p",
                &format!("127.0.0.1:{port}:{}", images::PORT),
                image,
            ])
            .output()
            .unwrap()
            .status;
        assert!(status.success());
    };
    run("old", images::V1);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while support::http::get(addr, "/health").0 != 200 {
        std::thread::sleep(Duration::from_millis(50));
    }
    let script = format!(
        "docker stop {name}-old >/dev/null && docker rm {name}-old >/dev/null && \
         docker run -d --name {name}-new -p 127.0.0.1:{port}:{} {} >/dev/null && \
         until curl -sf http://127.0.0.1:{port}/health >/dev/null; do sleep 1; done",
        images::PORT,
        images::V2
    );
    let (report, _, wall) = under_load(addr, || {
        assert!(
            std::process::Command::new("bash")
                .args(["-c", &script])
                .status()
                .unwrap()
                .success()
        );
    });
    println!(
        "the same update as a VPS shell script (docker stop; docker run; curl loop with sleep 1)"
    );
    println!(
        "  requests sent {}, failed {}, outage {}",
        report.sent(),
        report.failed().len(),
        ms(Some(outage(&report)))
    );
    println!("  script wall time {}", ms(Some(wall)));
    println!(
        "  sluice / script wall time ratio {:.2}",
        sluice_wall.as_secs_f64() / wall.as_secs_f64()
    );
}

fn replace_downtime() {
    let stack = Stack::new("bench-replace");
    stack.plan("replace", "", None, None);
    deploy_ok(&stack, "v1");
    let addr = SocketAddr::from(([127, 0, 0, 1], stack.ports[0]));
    let (report, _, wall) = under_load(addr, || deploy_ok(&stack, "v2"));
    println!("replace mode v1 -> v2 (requests straight to the published port)");
    println!(
        "  requests sent {}, failed {}, downtime (port answering nothing) {}, apply wall time {}",
        report.sent(),
        report.failed().len(),
        ms(Some(outage(&report))),
        ms(Some(wall))
    );
}

/// A unit rolled across three real engines (separate `dockerd`s), one at a time and all at once.
fn fleet_roll_out() {
    println!(
        "a fleet of 3 real Docker engines (separate dockerd processes), replace mode, v1 -> v2"
    );
    for max_unavailable in [1, 3] {
        let fleet = Fleet::new(&format!("bench-fleet-{max_unavailable}"), max_unavailable);
        let first = fleet.apply("v1");
        assert_eq!(first.code, support::EXIT_SUCCESS, "{}", first.all());
        let started = Instant::now();
        let run = fleet.apply("v2");
        let wall = started.elapsed();
        assert_eq!(run.code, support::EXIT_SUCCESS, "{}", run.all());
        println!(
            "  max_unavailable = {max_unavailable}: sluice apply wall time {:.2} ms ({:.2} ms per engine)",
            wall.as_secs_f64() * 1000.0,
            wall.as_secs_f64() * 1000.0 / ENGINES.len() as f64
        );
    }
}

fn main() {
    let sluice_wall = blue_green();
    canary_through_haproxy();
    shell_script(sluice_wall);
    replace_downtime();
    fleet_roll_out();
}
