//! A Docker Swarm service of the test web image deployed by `builtin:swarm-service` on the real
//! engine, turned into a single-node swarm on loopback (`docker swarm init --advertise-addr
//! 127.0.0.1`, once, left on; `scripts/ensure-deps.sh` does the same), and how the swarm
//! publishes ports on this machine: through the routing mesh when the kernel has IPVS, else only
//! on the task's node (`host` mode).

use std::fs::File;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::OnceLock;

use super::docker::{docker, free_ports, unique_name};
use super::http::get;
use super::project::ENV;
use super::stack::ONE_AT_A_TIME;
use super::{Run, images, sluice};

/// Makes the engine a swarm manager unless it already is one: a single-node swarm advertising
/// 127.0.0.1, left on for later runs. Safe to call from every test: the work happens once per
/// process, and concurrent test processes wait for each other.
pub fn ensure() {
    static READY: OnceLock<()> = OnceLock::new();
    READY.get_or_init(|| {
        let lock = File::create(std::env::temp_dir().join("sluice-test-swarm.lock")).unwrap();
        lock.lock().unwrap();
        if node_state() != "active" {
            let init = docker()
                .args(["swarm", "init", "--advertise-addr", "127.0.0.1"])
                .output()
                .unwrap();
            assert!(
                init.status.success(),
                "docker swarm init failed: {}",
                String::from_utf8_lossy(&init.stderr)
            );
        }
        assert_eq!(node_state(), "active", "the engine is a swarm manager");
    });
}

fn node_state() -> String {
    let output = docker()
        .args(["info", "--format", "{{.Swarm.LocalNodeState}}"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Why the routing mesh cannot work on this machine, if it cannot: Swarm's ingress balances with
/// IPVS, which this kernel must have (built in, loaded, or as a module dockerd can load).
pub fn routing_mesh_missing() -> Option<String> {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let module_dir = format!("/lib/modules/{}/kernel/net/netfilter/ipvs", release.trim());
    let has_ipvs = ["/proc/net/ip_vs", "/sys/module/ip_vs", &module_dir]
        .iter()
        .any(|path| Path::new(path).exists());
    (!has_ipvs).then(|| {
        format!(
            "this kernel ({}) has no IPVS (no /proc/net/ip_vs, /sys/module/ip_vs or {module_dir}), \
             which Swarm's routing mesh balances with",
            release.trim()
        )
    })
}

/// How a test's service publishes its port, and in which order Swarm updates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollout {
    /// `ingress` (the routing mesh) or `host`.
    pub publish_mode: &'static str,
    /// `start-first` or `stop-first`.
    pub order: &'static str,
    /// What a failed new task makes Swarm do: `pause` or `rollback`.
    pub failure_action: &'static str,
}

impl Rollout {
    /// The same rollout, Swarm rolling back on its own when a new task fails.
    pub fn rolling_back_on_failure(self) -> Rollout {
        Rollout {
            failure_action: "rollback",
            ..self
        }
    }
}

/// Through the routing mesh, the new task first: what the strategy is for.
pub const MESH_START_FIRST: Rollout = Rollout {
    publish_mode: "ingress",
    order: "start-first",
    failure_action: "pause",
};

/// On the task's node, the old task first: what works without IPVS (a second task cannot take a
/// host-mode port on a one-node swarm, so start-first would never place it).
pub const HOST_STOP_FIRST: Rollout = Rollout {
    publish_mode: "host",
    order: "stop-first",
    failure_action: "pause",
};

/// The routing mesh when this machine has it, else [`HOST_STOP_FIRST`], saying why.
pub fn best_rollout() -> Rollout {
    match routing_mesh_missing() {
        None => MESH_START_FIRST,
        Some(why) => {
            println!("publishing in host mode, stop-first: {why}");
            HOST_STOP_FIRST
        }
    }
}

/// A service of the test web image deployed by `builtin:swarm-service`, with its own plan; the
/// service is removed when it is dropped.
pub struct SwarmStack {
    /// The service's name (granted as `<name>` by the plan).
    pub name: String,
    /// The published port.
    pub port: u16,
    pub dir: tempfile::TempDir,
    _cleanup: ServiceGuard,
    /// Declared last so it is released last, after the service is gone.
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl SwarmStack {
    pub fn new(what: &str) -> SwarmStack {
        let turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        images::ensure();
        ensure();
        let [port] = free_ports();
        let name = unique_name(what);
        SwarmStack {
            _cleanup: ServiceGuard { name: name.clone() },
            name,
            port,
            dir: tempfile::tempdir().unwrap(),
            _turn: turn,
        }
    }

    /// Writes the plan: one `swarm-service` unit rolled out as `rollout` says, with gates on the
    /// published port (the health path, then the version at `/`), the plugin granted `services`
    /// (default: the stack's service) and the test image repository.
    pub fn plan(&self, rollout: Rollout, services: Option<&str>) {
        let Rollout {
            publish_mode,
            order,
            failure_action,
        } = rollout;
        let plan = format!(
            r#"[project]
name = "swarm"
[environments.{ENV}]
[plugins.swarm]
source = "builtin:swarm-service"
[plugins.swarm.grants]
services = [{services}]
images = ["{repository}"]
[units.web]
plugin = "swarm"
config = {{ name = "{name}", image = "{repository}:${{version}}", port = {target}, published_port = {port}, publish_mode = "{publish_mode}", health_path = "/cgi-bin/health", converge_timeout_secs = 40, update = {{ order = "{order}", parallelism = 1, delay_ms = 0, monitor_ms = 1000, failure_action = "{failure_action}" }} }}
loopback_gates = true
gates = [
  {{ http = "${{staged.endpoints.1}}", interval = "100ms", failure_threshold = 3, deadline = "10s" }},
  {{ http = "${{staged.endpoint}}/", body = "${{version}}", interval = "100ms", deadline = "10s" }},
]
[plugins.swarm.limits]
deadline = "90s"
"#,
            services = services
                .map(|s| format!("{s:?}"))
                .unwrap_or_else(|| format!("{:?}", self.name)),
            name = self.name,
            repository = images::REPOSITORY,
            target = images::PORT,
            port = self.port,
        );
        std::fs::write(self.dir.path().join("sluice.toml"), plan).unwrap();
    }

    pub fn sluice(&self, args: &[&str]) -> Run {
        sluice(self.dir.path()).args(args).output().unwrap().into()
    }

    pub fn apply(&self, version: &str) -> Run {
        self.sluice(&["apply", "--env", ENV, "--version", version])
    }

    /// The published port on loopback.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// What the published port serves at `/`.
    pub fn served(&self) -> (u16, String) {
        get(self.addr(), "/")
    }

    /// The service's spec as the engine has it: the image it runs (an id) and its
    /// `sluice.image` label; none when there is no such service.
    pub fn spec_image(&self) -> Option<(String, String)> {
        let output = docker()
            .args([
                "service",
                "inspect",
                "--format",
                r#"{{.Spec.TaskTemplate.ContainerSpec.Image}} {{index .Spec.Labels "sluice.image"}}"#,
                &self.name,
            ])
            .output()
            .unwrap();
        if !output.status.success() {
            return None;
        }
        let text = String::from_utf8_lossy(&output.stdout);
        let (id, label) = text.trim().split_once(' ')?;
        Some((id.to_owned(), label.to_owned()))
    }

    /// The state of the service's last update or rollback (`completed`, `rollback_completed`,
    /// ...), empty when it was never updated.
    pub fn update_state(&self) -> String {
        let output = docker()
            .args([
                "service",
                "inspect",
                "--format",
                "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}",
                &self.name,
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }
}

/// Removes, on drop, the service of its name (if there is one), however the test ends.
pub struct ServiceGuard {
    /// The service's name.
    pub name: String,
}

impl Drop for ServiceGuard {
    fn drop(&mut self) {
        // Swarm removes the tasks' containers a moment later; no later test uses their names.
        let _ = docker().args(["service", "rm", &self.name]).output();
    }
}

/// The id of the image `reference` on the engine.
pub fn image_id(reference: &str) -> String {
    let output = docker()
        .args(["image", "inspect", "--format", "{{.Id}}", reference])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}
