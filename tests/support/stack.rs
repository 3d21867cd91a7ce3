//! A deployment of the test web image with the `container` strategy on the real engine, behind a
//! real Caddy (or, for the HAProxy router, a real HAProxy): shared by the container tests and
//! benchmarks.

use super::caddy::Caddy;
use super::docker::{ContainersGuard, containers_named, free_ports, unique_name};
use super::haproxy::{BACKEND, HaProxy};
use super::project::ENV;
use super::{EXIT_SUCCESS, Run, images, sluice};

/// Stacks exist one at a time (in the one test process): each drives a real engine, a real Caddy
/// and, for the zero-failed-requests proofs, a load on the same two cores.
pub static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A deployment of the test web image behind a real Caddy, with its own containers and plan.
pub struct Stack {
    pub caddy: Caddy,
    /// The HAProxy of a stack made by [`Stack::behind_haproxy`].
    pub haproxy: Option<HaProxy>,
    pub name: String,
    pub ports: [u16; 2],
    pub dir: tempfile::TempDir,
    _cleanup: ContainersGuard,
    /// Declared last so it is released last, after Caddy and the containers are gone.
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Stack {
    pub fn new(what: &str) -> Stack {
        let turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        images::ensure();
        let name = unique_name(what);
        Stack {
            _turn: turn,
            caddy: Caddy::start(),
            haproxy: None,
            _cleanup: ContainersGuard {
                prefix: name.clone(),
            },
            name,
            ports: free_ports(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A stack whose blue-green router is a real HAProxy (started here) rather than Caddy.
    pub fn behind_haproxy(what: &str) -> Stack {
        let mut stack = Stack::new(what);
        stack.haproxy = Some(HaProxy::start());
        stack
    }

    /// The name the container plugin gives the HAProxy server of `version` (`<name>-<version>`).
    pub fn haproxy_server(&self, version: &str) -> String {
        format!("{}-{version}", self.name)
    }

    /// `version` alone serves through HAProxy, from the one server left, and the HAProxy process
    /// is still the one that answered with `pid` (nothing reloaded it).
    pub fn assert_served_alone_through_haproxy(&self, version: &str, pid: u32) {
        let haproxy = self.haproxy();
        assert_eq!(haproxy.get("/"), (200, format!("{version}\n")));
        assert_eq!(
            haproxy.weights(),
            [(self.haproxy_server(version), 100)].into(),
            "the other server was removed"
        );
        assert_eq!(haproxy.answering_pid(), pid, "HAProxy was not reloaded");
    }

    /// The HAProxy of a stack made by [`Stack::behind_haproxy`].
    pub fn haproxy(&self) -> &HaProxy {
        self.haproxy
            .as_ref()
            .expect("a stack made by Stack::behind_haproxy")
    }

    /// Writes a plan for `mode` with the usual gates plus `extra_gate`, granting `containers`
    /// and `images` (defaults: the stack's own names and the test repository).
    pub fn plan(
        &self,
        mode: &str,
        extra_gate: &str,
        containers: Option<&str>,
        images: Option<&str>,
    ) {
        let [blue, _] = self.ports;
        let admin = self.caddy.admin_url();
        let listen = self.caddy.listen();
        let (router, live) = match mode {
            "replace" => (String::new(), format!("http://127.0.0.1:{blue}/")),
            _ => (
                format!(
                    r#", router = {{ caddy = "{admin}", route = "{}", listen = "{listen}" }}"#,
                    self.name
                ),
                format!("http://{listen}/"),
            ),
        };
        let gates = format!(
            r#"  {{ http = "${{staged.endpoint}}/cgi-bin/health", interval = "100ms", failure_threshold = 3, deadline = "10s" }},
  {{ http = "{live}", body = "${{version}}", interval = "100ms", deadline = "10s" }},
  {extra_gate}"#
        );
        self.write_plan(
            mode,
            &router,
            &format!(r#"http = ["{admin}"]"#),
            "",
            &gates,
            containers,
            images,
        );
    }

    /// Writes a plan for a blue-green unit behind the stack's HAProxy (backend [`BACKEND`]), with
    /// `unit` added to the unit's table (`shift = [10, 50]`) and `gates` as its gates, granting
    /// the plugin `haproxy` (default: the stack's runtime API and backend; `""`: no grant).
    pub fn plan_haproxy(&self, unit: &str, gates: &str, haproxy: Option<&str>) {
        let api = self.haproxy().api_address();
        let router = format!(r#", router = {{ haproxy = "{api}", backend = "{BACKEND}" }}"#);
        // The plugin imports `http` (for Caddy) whichever router a unit uses: `http = []`.
        let grant = match haproxy {
            None => format!("http = []\nhaproxy = [\"{api}/{BACKEND}\"]"),
            Some("") => "http = []".to_owned(),
            Some(grant) => format!("http = []\nhaproxy = [{grant:?}]"),
        };
        self.write_plan("blue-green", &router, &grant, unit, gates, None, None);
    }

    /// Writes the plan: one `container` unit in `mode` with `router` (the tail of its config
    /// table), `grant` beside the container and image grants, `unit` lines and `gates`.
    #[allow(clippy::too_many_arguments)]
    fn write_plan(
        &self,
        mode: &str,
        router: &str,
        grant: &str,
        unit: &str,
        gates: &str,
        containers: Option<&str>,
        images: Option<&str>,
    ) {
        let [blue, green] = self.ports;
        let name = &self.name;
        let plan = format!(
            r#"[project]
name = "containers"
[environments.{ENV}]
[plugins.container]
source = "builtin:container"
[plugins.container.grants]
containers = [{containers}]
images = ["{images}"]
{grant}
[units.web]
plugin = "container"
config = {{ mode = "{mode}", name = "{name}", image = "{repository}:${{version}}", port = {port}, host_ports = [{blue}, {green}], health_path = "/health", ready_timeout_secs = 15{router} }}
endpoints = ["http://127.0.0.1:{blue}", "http://127.0.0.1:{green}"]
{unit}
gates = [
{gates}
]
"#,
            containers = containers
                .map(|c| format!("{c:?}"))
                .unwrap_or_else(|| format!("{name:?}, \"{name}-*\"")),
            images = images.unwrap_or(images::REPOSITORY),
            repository = images::REPOSITORY,
            port = images::PORT,
        );
        std::fs::write(self.dir.path().join("sluice.toml"), plan).unwrap();
    }

    pub fn sluice(&self, args: &[&str]) -> Run {
        sluice(self.dir.path()).args(args).output().unwrap().into()
    }

    pub fn apply(&self, version: &str) -> Run {
        self.sluice(&["apply", "--env", ENV, "--version", version])
    }

    /// What users get through Caddy.
    pub fn served(&self) -> (u16, String) {
        self.caddy.get("/")
    }

    pub fn containers(&self) -> Vec<String> {
        containers_named(&self.name)
    }

    pub fn live_version(&self) -> Option<String> {
        self.status()["live"]["version"].as_str().map(str::to_owned)
    }

    /// The containers `sluice status` finds for the unit: `(name, version, status, live)`, sorted.
    pub fn status_containers(&self) -> Vec<(String, String, String, bool)> {
        let status = self.status();
        let mut found: Vec<_> = status["containers"]
            .as_array()
            .unwrap_or_else(|| panic!("status lists containers: {status}"))
            .iter()
            .map(|c| {
                let text = |key: &str| c[key].as_str().unwrap_or_default().to_owned();
                (
                    text("name"),
                    text("version"),
                    text("status"),
                    c["live"] == true,
                )
            })
            .collect();
        found.sort();
        found
    }

    /// The unit's line of `sluice status --output json`.
    fn status(&self) -> serde_json::Value {
        let run = self.sluice(&["status", "--env", ENV, "--output", "json"]);
        assert_eq!(run.code, EXIT_SUCCESS, "status: {}", run.all());
        serde_json::from_str(run.stdout.lines().next().unwrap_or_default())
            .unwrap_or_else(|e| panic!("status prints JSON ({e}): {}", run.stdout))
    }
}

pub fn deploy_ok(stack: &Stack, version: &str) {
    let run = stack.apply(version);
    assert_eq!(
        run.code,
        EXIT_SUCCESS,
        "apply {version}:\n{}\ncaddy:\n{}",
        run.all(),
        stack.caddy.log()
    );
}
