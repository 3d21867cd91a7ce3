//! `examples/canary` as its README runs it: a real HAProxy and a real Prometheus started with the
//! example's own `haproxy.cfg` and `prometheus.yml` (so on the example's ports), some users, and
//! the README's commands in order: v1, then v2 paused at 50% and resumed, then a version failing
//! one request in five caught at its first step while v2 keeps serving.

use std::net::SocketAddr;
use std::time::Duration;

use crate::support::components::repo_root;
use crate::support::docker::ContainersGuard;
use crate::support::haproxy::HaProxy;
use crate::support::images;
use crate::support::load::Load;
use crate::support::prometheus::Prometheus;
use crate::support::stack::ONE_AT_A_TIME;
use crate::support::{EXIT_PAUSED, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, sluice};

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

#[test]
fn the_canary_example_pauses_at_half_resumes_and_catches_a_flaky_version_at_its_first_step() {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    images::ensure();
    let _containers = ContainersGuard {
        prefix: "shop-web".into(),
    };
    let example = repo_root().join("examples/canary");
    let read = |file: &str| std::fs::read_to_string(example.join(file)).unwrap();
    let haproxy = HaProxy::with_config(
        &read("haproxy.cfg"),
        loopback(8090),
        loopback(9999),
        loopback(8404),
    );
    let _prometheus = Prometheus::with_config(&read("prometheus.yml"), loopback(9090));
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("sluice.toml"), read("sluice.toml")).unwrap();
    let run = |args: &[&str]| -> Run { sluice(project.path()).args(args).output().unwrap().into() };
    let load = Load::start(haproxy.http, "/", 2, 400_000, Duration::from_millis(20));

    let steps: [(&[&str], i32); 5] = [
        (&["validate"], EXIT_SUCCESS),
        (
            &["apply", "--env", "local", "--version", "v1"],
            EXIT_SUCCESS,
        ),
        (&["apply", "--env", "local", "--version", "v2"], EXIT_PAUSED),
        (&["status", "--env", "local"], EXIT_SUCCESS),
        (&["resume", "--env", "local", "--unit", "web"], EXIT_SUCCESS),
    ];
    let mut outputs = Vec::new();
    for (args, code) in steps {
        let done = run(args);
        assert_eq!(
            done.code,
            code,
            "sluice {}: {}\n{}",
            args.join(" "),
            done.all(),
            haproxy.log()
        );
        outputs.push(done);
    }
    assert!(
        outputs[3]
            .stdout
            .contains("paused: v2 at step 4 of 5 with 50% of traffic"),
        "{}",
        outputs[3].all()
    );
    assert_eq!(haproxy.get("/"), (200, "v2\n".into()));

    let flaky = run(&["apply", "--env", "local", "--version", "flaky"]);
    assert_eq!(flaky.code, EXIT_ROLLED_BACK, "{}", flaky.all());
    assert!(
        flaky.all().contains("at step 1 of 5 (weight 10%)"),
        "caught at its first step: {}",
        flaky.all()
    );
    assert_eq!(haproxy.get("/"), (200, "v2\n".into()));
    assert_eq!(
        haproxy.weights(),
        [("shop-web-v2".to_owned(), 100)].into(),
        "only v2's server is left"
    );
    load.finish();
}
