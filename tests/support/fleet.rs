//! A fleet of three real Docker engines ([`Dockerd::fleet`]) deploying the test web image in
//! replace mode, one container unit across them, shared by the fleet tests and the containers
//! bench. Each engine publishes on its own loopback address (127.0.0.1, .2, .3); the third is
//! reached through a proxy in front of its socket that a test can cut, to make it go down.

use std::net::SocketAddr;

use super::docker::{free_ports, unique_name};
use super::dockerd::Dockerd;
use super::http::get;
use super::project::ENV;
use super::socket_proxy::SocketProxy;
use super::stack::ONE_AT_A_TIME;
use super::{EXIT_SUCCESS, Run, images, sluice};

/// The engines' names, in roll-out order, and the loopback address each publishes on.
pub const ENGINES: [(&str, [u8; 4]); 3] = [
    ("edge-1", [127, 0, 0, 1]),
    ("edge-2", [127, 0, 0, 2]),
    ("edge-3", [127, 0, 0, 3]),
];

/// A fleet of three engines deploying the test web image in replace mode.
pub struct Fleet {
    dir: tempfile::TempDir,
    name: String,
    port: u16,
    /// In front of the third engine's socket.
    pub proxy: SocketProxy,
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Fleet {
    /// A fleet for `what` rolling `max_unavailable` engines at a time.
    pub fn new(what: &str, max_unavailable: usize) -> Fleet {
        let turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let engines = Dockerd::fleet();
        let name = unique_name(what);
        let dir = tempfile::tempdir().unwrap();
        let proxy = SocketProxy::to(engines[2].socket.clone(), dir.path());
        let [port] = free_ports();
        let urls = [engines[0].url(), engines[1].url(), proxy.url()];
        let declared: String = ENGINES
            .iter()
            .zip(urls)
            .map(|((engine, [a, b, c, d]), url)| {
                format!("[docker.{engine}]\nurl = \"{url}\"\naddress = \"{a}.{b}.{c}.{d}\"\n")
            })
            .collect();
        let names = ENGINES.map(|(engine, _)| format!("\"{engine}\""));
        let names = names.join(", ");
        let plan = format!(
            r#"[project]
name = "fleet"
[environments.{ENV}]
{declared}
[plugins.container]
source = "builtin:container"
[plugins.container.grants]
containers = ["{name}-*"]
images = ["{repository}"]
docker = [{names}]
http = []
[units.web]
plugin = "container"
engines = [{names}]
max_unavailable = {max_unavailable}
config = {{ mode = "replace", name = "{name}-${{engine}}", image = "{repository}:${{version}}", port = {inner}, host_ports = [{port}], address = "${{engine.address}}", ready_timeout_secs = 15 }}
gates = [
  {{ http = "http://${{engine.address}}:{port}/cgi-bin/health", interval = "100ms", failure_threshold = 3, deadline = "10s" }},
  {{ http = "http://${{engine.address}}:{port}/", interval = "100ms", deadline = "10s" }},
]
"#,
            repository = images::REPOSITORY,
            inner = images::PORT,
        );
        std::fs::write(dir.path().join("sluice.toml"), plan).unwrap();
        Fleet {
            dir,
            name,
            port,
            proxy,
            _turn: turn,
        }
    }

    pub fn sluice(&self, args: &[&str]) -> Run {
        sluice(self.dir.path()).args(args).output().unwrap().into()
    }

    pub fn apply(&self, version: &str) -> Run {
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
    pub fn served(&self) -> Vec<String> {
        ENGINES
            .iter()
            .map(|(_, ip)| get(SocketAddr::from((*ip, self.port)), "/").1)
            .collect()
    }

    /// The live version `sluice status` records for each member, in roll-out order.
    pub fn recorded(&self) -> Vec<Option<String>> {
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

impl Drop for Fleet {
    fn drop(&mut self) {
        for engine in Dockerd::fleet() {
            engine.remove_containers(&self.name);
        }
    }
}
