//! A container unit rolled across a fleet of Docker engines (`engines`, `max_unavailable`): one
//! engine at a time, each proven by its own gates; an engine that fails stops the roll-out, and
//! the engines already updated go back to what they ran. The fleet's two hosts are the local
//! engine reached two ways — its own socket (`default`, published on 127.0.0.1) and a proxy in
//! front of it that a test can cut (`west`, published on 127.0.0.2) — so one machine runs both.

use std::net::SocketAddr;

use crate::support::docker::{ContainersGuard, free_ports, unique_name};
use crate::support::http::get;
use crate::support::project::ENV;
use crate::support::socket_proxy::SocketProxy;
use crate::support::stack::ONE_AT_A_TIME;
use crate::support::{EXIT_FAILED, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run, images, sluice};

/// The engines, in roll-out order, and the loopback address each publishes on.
const ENGINES: [(&str, [u8; 4]); 2] = [("default", [127, 0, 0, 1]), ("west", [127, 0, 0, 2])];

/// A fleet of two engines deploying the test web image in replace mode.
struct Fleet {
    dir: tempfile::TempDir,
    port: u16,
    proxy: SocketProxy,
    _cleanup: ContainersGuard,
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Fleet {
    fn new(what: &str) -> Fleet {
        let turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        images::ensure();
        let name = unique_name(what);
        let dir = tempfile::tempdir().unwrap();
        let proxy = SocketProxy::start(dir.path());
        let [port] = free_ports();
        let plan = format!(
            r#"[project]
name = "fleet"
[environments.{ENV}]
[docker.west]
url = "{west}"
address = "127.0.0.2"
[plugins.container]
source = "builtin:container"
[plugins.container.grants]
containers = ["{name}-*"]
images = ["{repository}"]
docker = ["default", "west"]
http = []
[units.web]
plugin = "container"
engines = ["default", "west"]
max_unavailable = 1
config = {{ mode = "replace", name = "{name}-${{engine}}", image = "{repository}:${{version}}", port = {inner}, host_ports = [{port}], address = "${{engine.address}}", ready_timeout_secs = 15 }}
gates = [
  {{ http = "http://${{engine.address}}:{port}/cgi-bin/health", interval = "100ms", failure_threshold = 3, deadline = "10s" }},
  {{ http = "http://${{engine.address}}:{port}/", body = "${{version}}", interval = "100ms", deadline = "10s" }},
]
"#,
            west = proxy.url(),
            repository = images::REPOSITORY,
            inner = images::PORT,
        );
        std::fs::write(dir.path().join("sluice.toml"), plan).unwrap();
        Fleet {
            dir,
            port,
            proxy,
            _cleanup: ContainersGuard { prefix: name },
            _turn: turn,
        }
    }

    fn sluice(&self, args: &[&str]) -> Run {
        sluice(self.dir.path()).args(args).output().unwrap().into()
    }

    fn apply(&self, version: &str) -> Run {
        self.sluice(&[
            "apply",
            "--env",
            ENV,
            "--version",
            version,
            "--output",
            "json",
        ])
    }

    /// What each engine's container serves, in roll-out order.
    fn served(&self) -> Vec<String> {
        ENGINES
            .iter()
            .map(|(_, ip)| get(SocketAddr::from((*ip, self.port)), "/").1)
            .collect()
    }

    /// The live version `sluice status` records for each member, in roll-out order.
    fn recorded(&self) -> Vec<Option<String>> {
        let run = self.sluice(&["status", "--env", ENV, "--output", "json"]);
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
        ENGINES
            .iter()
            .map(|(engine, _)| {
                run.stdout.lines().find_map(|line| {
                    let v: serde_json::Value = serde_json::from_str(line).ok()?;
                    (v["unit"] == format!("web@{engine}"))
                        .then(|| v["live"]["version"].as_str().map(str::to_owned))?
                })
            })
            .collect()
    }
}

/// The `(event, unit)` of every unit event an apply printed, in order.
fn unit_events(run: &Run) -> Vec<(String, String)> {
    run.stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| {
            let event = v["event"].as_str()?;
            let unit = v["unit"].as_str()?;
            matches!(event, "unit-started" | "unit-finished")
                .then(|| (event.to_owned(), unit.to_owned()))
        })
        .collect()
}

fn deploy_ok(fleet: &Fleet, version: &str) -> Run {
    let run = fleet.apply(version);
    assert_eq!(run.code, EXIT_SUCCESS, "apply {version}: {}", run.all());
    run
}

#[test]
fn a_fleet_updates_one_engine_at_a_time_and_every_engine_serves_the_new_version() {
    let fleet = Fleet::new("fleet-ok");
    deploy_ok(&fleet, "v1");
    assert_eq!(fleet.served(), ["v1\n", "v1\n"]);

    let run = deploy_ok(&fleet, "v2");
    assert_eq!(fleet.served(), ["v2\n", "v2\n"]);
    assert_eq!(fleet.recorded(), [Some("v2".into()), Some("v2".into())]);
    let event = |event: &str, unit: &str| (event.to_owned(), unit.to_owned());
    assert_eq!(
        unit_events(&run),
        [
            event("unit-started", "web@default"),
            event("unit-finished", "web@default"),
            event("unit-started", "web@west"),
            event("unit-finished", "web@west"),
        ],
        "west starts only after default finished: {}",
        run.stdout
    );
}

#[test]
fn a_version_failing_its_gate_on_the_first_engine_stops_the_roll_out_there() {
    let fleet = Fleet::new("fleet-gate");
    deploy_ok(&fleet, "v1");

    let run = fleet.apply("bad-health");
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert!(run.all().contains("HTTP 500"), "{}", run.all());
    assert!(
        run.all()
            .contains("the roll-out stopped: web@default rolled-back"),
        "west is skipped, saying why: {}",
        run.all()
    );
    assert_eq!(fleet.served(), ["v1\n", "v1\n"]);
    assert_eq!(fleet.recorded(), [Some("v1".into()), Some("v1".into())]);
}

#[test]
fn when_a_later_engine_fails_the_engines_already_updated_go_back() {
    let fleet = Fleet::new("fleet-undo");
    deploy_ok(&fleet, "v1");

    fleet.proxy.cut();
    let run = fleet.apply("v2");
    assert_eq!(
        run.code,
        EXIT_FAILED,
        "west's state is unknown: {}",
        run.all()
    );
    assert!(
        run.all().contains("is not reachable"),
        "the lost engine is named: {}",
        run.all()
    );
    assert!(
        run.all().contains("rolled back to v1"),
        "default went back: {}",
        run.all()
    );
    assert_eq!(fleet.served(), ["v1\n", "v1\n"]);
    assert_eq!(fleet.recorded(), [Some("v1".into()), Some("v1".into())]);
}
