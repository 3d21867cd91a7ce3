//! Encrypted transports. To a Docker engine: a real second `dockerd --tlsverify` on loopback
//! (`support::tls_docker`), reached with client certificates from the plan's `tls` table or the
//! Docker CLI's `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH` convention; a blue-green deploy works
//! through it, and certificates either side does not trust fail the run with the TLS reason,
//! before anything changes. Over SSH: a real `sshd` on loopback (`support::sshd`) forwarding to
//! the main engine's socket, reached with the plan's `identity` and `known_hosts`; a blue-green
//! deploy works through it, and a host key other than the known one, a key the server does not
//! accept, nothing listening, no engine socket there, and (through `DOCKER_HOST`) a host missing
//! from the user's known_hosts each fail the run saying so, before anything changes; a sluice
//! killed mid-call leaves no ssh behind. To PostgreSQL: a TLS-only cluster
//! (`support::tls_postgres`) holds the state and serves an app database with
//! `sslmode`/`sslrootcert` in the URL; a server certificate from another CA is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use sluice::caps::sql::{DatabaseTarget, SqlCap, SqlGrant};
use sluice::wit::sql::Value;

use crate::support::caddy::Caddy;
use crate::support::docker::{docker, free_ports, names_with_prefix, unique_name};
use crate::support::project::{ENV, Project, static_site_plan};
use crate::support::sshd::Sshd;
use crate::support::stack::ONE_AT_A_TIME;
use crate::support::tls_docker::TlsEngine;
use crate::support::tls_postgres::TlsPostgres;
use crate::support::{EXIT_FAILED, EXIT_SUCCESS, Run, images, sluice};

/// The engine a remote unit's containers run on, as the tests themselves reach it (directly, not
/// through the transport under test).
#[derive(Clone, Copy)]
enum Behind {
    /// The TLS engine, over its unix socket.
    Tls(&'static TlsEngine),
    /// The main engine, which the SSH server forwards to.
    Main,
}

impl Behind {
    fn docker(self) -> Command {
        match self {
            Behind::Tls(engine) => engine.docker(),
            Behind::Main => docker(),
        }
    }
}

/// An engine reached as root through the SSH server on 127.0.0.1:`port`.
struct SshEngine {
    port: u16,
    identity: PathBuf,
    known_hosts: PathBuf,
    /// The engine's socket on the SSH server's host.
    socket: PathBuf,
}

impl SshEngine {
    /// The main engine through `sshd`, with the key it accepts and its host key known.
    fn of(sshd: &Sshd) -> SshEngine {
        SshEngine {
            port: sshd.port,
            identity: sshd.identity(),
            known_hosts: sshd.known_hosts(),
            socket: Sshd::engine_socket(),
        }
    }
}

/// A blue-green unit behind a real Caddy whose containers run on an engine the plan reaches
/// through a transport under test.
struct Remote {
    caddy: Caddy,
    name: String,
    ports: [u16; 2],
    dir: tempfile::TempDir,
    behind: Behind,
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Drop for Remote {
    fn drop(&mut self) {
        let names = names_with_prefix(self.behind.docker(), &self.name);
        if !names.is_empty() {
            let _ = self
                .behind
                .docker()
                .args(["rm", "-f"])
                .args(&names)
                .output();
        }
    }
}

impl Remote {
    fn new(what: &str, behind: Behind) -> Remote {
        let turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Remote {
            behind,
            caddy: Caddy::start(),
            name: unique_name(what),
            ports: free_ports(),
            dir: tempfile::tempdir().unwrap(),
            _turn: turn,
        }
    }

    /// A remote whose plan reaches the TLS engine with certificates it accepts, v1 deployed.
    fn v1_over_tls(what: &str) -> Remote {
        let remote = Remote::new(what, Behind::Tls(TlsEngine::shared()));
        let tls = TlsEngine::shared();
        remote.plan(Some(&remote.tls_engine(&tls.client, &tls.client)));
        remote.deploy_ok("v1");
        remote
    }

    /// A remote whose plan reaches the main engine through the SSH server with the key it
    /// accepts and its host key known, v1 deployed.
    fn v1_over_ssh(what: &str) -> Remote {
        let remote = Remote::new(what, Behind::Main);
        let sshd = Sshd::shared();
        remote.plan(Some(&remote.ssh_engine(&SshEngine::of(sshd))));
        remote.deploy_ok("v1");
        remote
    }

    /// Writes the plan: `engine` is the `[docker.remote]` table's body, or `None` for the
    /// default engine (`$DOCKER_HOST`).
    fn plan(&self, engine: Option<&str>) {
        let [blue, green] = self.ports;
        let (name, admin, listen) = (&self.name, self.caddy.admin_url(), self.caddy.listen());
        let (table, grant) = match engine {
            Some(body) => (format!("[docker.remote]\n{body}\n"), "remote"),
            None => (String::new(), "default"),
        };
        let plan = format!(
            r#"[project]
name = "transports"
[environments.{ENV}]
{table}
[plugins.container]
source = "builtin:container"
[plugins.container.grants]
containers = ["{name}", "{name}-*"]
images = ["{repository}"]
docker = ["{grant}"]
http = ["{admin}"]
[units.web]
plugin = "container"
loopback_gates = true
config = {{ mode = "blue-green", name = "{name}", image = "{repository}:${{version}}", port = {port}, host_ports = [{blue}, {green}], health_path = "/health", ready_timeout_secs = 15, router = {{ caddy = "{admin}", route = "{name}", listen = "{listen}" }} }}
gates = [
  {{ http = "${{staged.endpoint}}/cgi-bin/health", interval = "100ms", failure_threshold = 3, deadline = "10s" }},
  {{ http = "http://{listen}/", body = "${{version}}", interval = "100ms", deadline = "10s" }},
]
"#,
            repository = images::REPOSITORY,
            port = images::PORT,
        );
        std::fs::write(self.dir.path().join("sluice.toml"), plan).unwrap();
    }

    /// The `[docker.remote]` body of a TLS engine with the files of `certs` (a
    /// `DOCKER_CERT_PATH` layout), written relative to the plan.
    fn tls_engine(&self, ca: &Path, client: &Path) -> String {
        let local = self.dir.path().join("certs");
        std::fs::create_dir_all(&local).unwrap();
        for (from, to) in [
            (ca.join("ca.pem"), "ca.pem"),
            (client.join("cert.pem"), "cert.pem"),
            (client.join("key.pem"), "key.pem"),
        ] {
            std::fs::copy(from, local.join(to)).unwrap();
        }
        format!(
            r#"url = "{}"
tls = {{ ca = "certs/ca.pem", cert = "certs/cert.pem", key = "certs/key.pem" }}"#,
            TlsEngine::shared().url
        )
    }

    /// The `[docker.remote]` body of the engine `ssh` through the SSH server, its identity and
    /// known hosts copied beside the plan and named relative to it.
    fn ssh_engine(&self, ssh: &SshEngine) -> String {
        let local = self.dir.path().join("ssh");
        std::fs::create_dir_all(&local).unwrap();
        std::fs::copy(&ssh.identity, local.join("id_ed25519")).unwrap();
        std::fs::copy(&ssh.known_hosts, local.join("known_hosts")).unwrap();
        format!(
            r#"url = "ssh://root@127.0.0.1:{}"
identity = "ssh/id_ed25519"
known_hosts = "ssh/known_hosts"
socket = "{}""#,
            ssh.port,
            ssh.socket.display()
        )
    }

    fn apply(&self, version: &str) -> Run {
        sluice(self.dir.path())
            .args(["apply", "--env", ENV, "--version", version])
            .output()
            .unwrap()
            .into()
    }

    fn deploy_ok(&self, version: &str) {
        let run = self.apply(version);
        assert_eq!(
            run.code,
            EXIT_SUCCESS,
            "apply {version}:\n{}\ncaddy:\n{}",
            run.all(),
            self.caddy.log()
        );
    }

    /// The unit's containers on the engine behind the transport and the image each runs.
    fn containers(&self) -> Vec<(String, String)> {
        names_with_prefix(self.behind.docker(), &self.name)
            .into_iter()
            .map(|name| {
                let output = self
                    .behind
                    .docker()
                    .args([
                        "container",
                        "inspect",
                        "--format",
                        "{{.Config.Image}}",
                        &name,
                    ])
                    .output()
                    .unwrap();
                let image = String::from_utf8_lossy(&output.stdout).trim().to_owned();
                (name, image)
            })
            .collect()
    }

    /// Applies v2 with the engine table `engine`, expects a failure whose output says each of
    /// `reasons`, and checks v1 still serves from the same containers.
    fn refused(&self, engine: &str, reasons: &[&str]) {
        let before = self.containers();
        self.plan(Some(engine));
        let run = self.apply("v2");
        assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
        for reason in reasons {
            assert!(run.all().contains(reason), "says {reason:?}: {}", run.all());
        }
        assert_eq!(self.caddy.get("/"), (200, "v1\n".into()), "v1 still serves");
        assert_eq!(
            self.containers(),
            before,
            "the engine's containers are unchanged"
        );
    }
}

#[test]
fn a_blue_green_deploy_works_through_a_docker_engine_that_requires_tls_client_certificates() {
    let remote = Remote::v1_over_tls("tls-ok");
    remote.deploy_ok("v2");
    assert_eq!(remote.caddy.get("/"), (200, "v2\n".into()));
    let running = remote.containers();
    assert_eq!(
        running
            .iter()
            .map(|(_, image)| image.as_str())
            .collect::<Vec<_>>(),
        [images::V2],
        "the TLS engine runs v2 alone: {running:?}"
    );
}

#[test]
fn the_default_engine_follows_docker_tls_verify_and_docker_cert_path() {
    let tls = TlsEngine::shared();
    let remote = Remote::new("tls-env", Behind::Tls(tls));
    remote.plan(None);
    let run: Run = sluice(remote.dir.path())
        .args(["apply", "--env", ENV, "--version", "v1"])
        .env("DOCKER_HOST", &tls.url)
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &tls.client)
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert_eq!(remote.caddy.get("/"), (200, "v1\n".into()));
    assert_eq!(remote.containers().len(), 1, "{:?}", remote.containers());
}

#[test]
fn a_client_certificate_from_another_ca_is_refused_by_the_engine_and_nothing_changes() {
    let remote = Remote::v1_over_tls("tls-client");
    let tls = TlsEngine::shared();
    let stranger = remote.tls_engine(&tls.client, &tls.stranger);
    remote.refused(
        &stranger,
        &[
            "engine `remote`",
            "is not reachable",
            // The engine's alert, or (when it races the first request) the closed connection.
            "accept the client certificate",
        ],
    );
}

#[test]
fn an_engine_certificate_the_plan_ca_did_not_sign_is_refused_and_nothing_changes() {
    let remote = Remote::v1_over_tls("tls-server");
    let tls = TlsEngine::shared();
    let untrusted = remote.tls_engine(&tls.stranger, &tls.client);
    remote.refused(
        &untrusted,
        &[
            "engine `remote`",
            "is not reachable",
            "invalid peer certificate",
            "the engine's certificate is not signed by the CA",
        ],
    );
}

#[test]
fn a_blue_green_deploy_works_through_a_docker_engine_reached_over_ssh() {
    let remote = Remote::v1_over_ssh("ssh-ok");
    remote.deploy_ok("v2");
    assert_eq!(remote.caddy.get("/"), (200, "v2\n".into()));
    let running = remote.containers();
    assert_eq!(
        running
            .iter()
            .map(|(_, image)| image.as_str())
            .collect::<Vec<_>>(),
        [images::V2],
        "the engine behind the SSH server runs v2 alone: {running:?}"
    );
}

#[test]
fn a_host_key_other_than_the_known_one_is_refused_saying_so_and_nothing_changes() {
    let remote = Remote::v1_over_ssh("ssh-host-key");
    let sshd = Sshd::shared();
    let intercepted = remote.ssh_engine(&SshEngine {
        known_hosts: sshd.wrong_known_hosts(),
        ..SshEngine::of(sshd)
    });
    let host = format!("127.0.0.1:{}", sshd.port);
    remote.refused(
        &intercepted,
        &[
            "engine `remote`",
            "is not reachable",
            &format!("the SSH host key of {host} does not match the key"),
            "ssh/known_hosts holds for it",
            &format!("ssh-keygen -R '[127.0.0.1]:{}'", sshd.port),
        ],
    );
}

#[test]
fn a_key_the_ssh_server_does_not_accept_is_refused_and_nothing_changes() {
    let remote = Remote::v1_over_ssh("ssh-key");
    let sshd = Sshd::shared();
    let stranger = remote.ssh_engine(&SshEngine {
        identity: sshd.stranger(),
        ..SshEngine::of(sshd)
    });
    remote.refused(
        &stranger,
        &[
            "engine `remote`",
            "is not reachable",
            &format!("the SSH server 127.0.0.1:{} refused the key", sshd.port),
            "ssh/id_ed25519 for user root",
            "Permission denied (publickey)",
        ],
    );
}

#[test]
fn an_ssh_engine_with_nothing_listening_is_refused_naming_the_engine_and_nothing_changes() {
    let remote = Remote::v1_over_ssh("ssh-down");
    let sshd = Sshd::shared();
    let [closed] = free_ports();
    let down = remote.ssh_engine(&SshEngine {
        port: closed,
        ..SshEngine::of(sshd)
    });
    remote.refused(
        &down,
        &[
            "engine `remote` (ssh://root@127.0.0.1:",
            &format!("cannot reach the SSH server 127.0.0.1:{closed}"),
            "Connection refused",
        ],
    );
}

#[test]
fn an_engine_socket_missing_on_the_ssh_host_is_named_and_nothing_changes() {
    let remote = Remote::v1_over_ssh("ssh-socket");
    let sshd = Sshd::shared();
    let elsewhere = SshEngine {
        socket: PathBuf::from("/nonexistent/docker.sock"),
        ..SshEngine::of(sshd)
    };
    remote.refused(
        &remote.ssh_engine(&elsewhere),
        &[
            "engine `remote`",
            "is not reachable",
            "the SSH server could not open the engine socket /nonexistent/docker.sock on the \
             remote host",
        ],
    );
}

#[test]
fn the_default_engine_follows_an_ssh_docker_host_and_checks_its_host_key() {
    // The user's own known_hosts does not hold this server's fresh key (or holds another key
    // for its port): ssh's defaults check it as the plan's `known_hosts` would.
    let remote = Remote::new("ssh-env", Behind::Main);
    let sshd = Sshd::shared();
    remote.plan(None);
    let run: Run = sluice(remote.dir.path())
        .args(["apply", "--env", ENV, "--version", "v1"])
        .env("DOCKER_HOST", sshd.url())
        .output()
        .unwrap()
        .into();
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    for reason in [
        format!("engine `default` ({})", sshd.url()),
        format!("the SSH host key of 127.0.0.1:{}", sshd.port),
        "and sluice checks host keys".to_owned(),
    ] {
        assert!(
            run.all().contains(&reason),
            "says {reason:?}: {}",
            run.all()
        );
    }
    assert_eq!(remote.containers(), [], "nothing was created");
}

#[test]
fn a_sluice_killed_while_it_talks_to_an_ssh_engine_leaves_no_ssh_behind() {
    let remote = Remote::v1_over_ssh("ssh-killed");
    // A version that never gets healthy: `stage` holds its engine connection while it waits.
    let mut apply = sluice(remote.dir.path())
        .args(["apply", "--env", ENV, "--version", "bad-health"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let ssh = loop {
        if let Some(ssh) = children_named(apply.id(), "ssh").pop() {
            break ssh;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "sluice started no ssh"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    apply.kill().unwrap();
    apply.wait().unwrap();
    let killed = Instant::now();
    while is_running(ssh) {
        assert!(
            killed.elapsed() < Duration::from_secs(5),
            "ssh {ssh} outlived the sluice that started it"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The processes named `name` whose parent is `parent` (from /proc).
fn children_named(parent: u32, name: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| stat(*pid).is_some_and(|(comm, _, ppid)| comm == name && ppid == parent))
        .collect()
}

/// Whether `pid` exists and is not a zombie.
fn is_running(pid: u32) -> bool {
    stat(pid).is_some_and(|(_, state, _)| state != 'Z')
}

/// A process's name, state and parent, from `/proc/PID/stat`.
fn stat(pid: u32) -> Option<(String, char, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, tail) = text.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_owned();
    let mut fields = tail.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((comm, state, ppid))
}

/// The environment variable the state plans read the state URL from (through a secret).
const STATE_URL: &str = "SLUICE_TEST_TLS_STATE_URL";

/// A static-site project whose `[state]` is the TLS-only cluster; the CA file `ca` is copied
/// beside the plan as `ca.pem`, which `state_url` names relative to the plan.
fn tls_state_project(ca: &Path) -> Project {
    let project = Project::new();
    std::fs::copy(ca, project.path().join("ca.pem")).unwrap();
    let plan = static_site_plan("").replacen(
        "[environments.test]",
        &format!(
            "[state]\nurl = \"${{secret.state_url}}\"\n[secrets.state_url]\nenv = \"{STATE_URL}\"\n\n[environments.test]"
        ),
        1,
    );
    project.write_plan(&plan);
    project
}

/// Runs sluice in `project` with the state URL `state_url`.
fn with_state(project: &Project, state_url: &str, args: &[&str]) -> Run {
    sluice(project.path())
        .env(STATE_URL, state_url)
        .args(args)
        .output()
        .unwrap()
        .into()
}

#[test]
fn the_state_lives_in_postgresql_reached_over_tls_with_verify_full() {
    let cluster = TlsPostgres::shared();
    let project = tls_state_project(&cluster.ca);
    let url = format!("{}?sslmode=verify-full&sslrootcert=ca.pem", cluster.url);
    for version in ["v1", "v2"] {
        project.write_site(version);
        let run = with_state(
            &project,
            &url,
            &["apply", "--env", ENV, "--version", version],
        );
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    }
    let history = with_state(&project, &url, &["history", "--output", "json"]);
    assert_eq!(history.code, EXIT_SUCCESS, "{}", history.all());
    let versions: Vec<String> = history
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["version"].to_string())
        .collect();
    assert_eq!(versions, ["\"v2\"", "\"v1\""], "{}", history.stdout);
    assert!(
        !project.path().join(".sluice/state.db").exists(),
        "nothing went to the default SQLite state"
    );

    let plain = with_state(&project, &cluster.url, &["history"]);
    assert_ne!(plain.code, EXIT_SUCCESS, "{}", plain.all());
    assert!(
        plain.all().contains("no encryption"),
        "the cluster refuses plain connections, so the runs above used TLS: {}",
        plain.all()
    );
}

#[test]
fn a_state_server_whose_certificate_another_ca_signed_is_refused_saying_why() {
    let cluster = TlsPostgres::shared();
    let project = tls_state_project(&cluster.stranger_ca);
    project.write_site("v1");
    let url = format!("{}?sslmode=verify-full&sslrootcert=ca.pem", cluster.url);
    let run = with_state(&project, &url, &["apply", "--env", ENV, "--version", "v1"]);
    assert_ne!(run.code, EXIT_SUCCESS, "{}", run.all());
    for reason in [
        "cannot connect",
        "invalid peer certificate",
        "UnknownIssuer",
    ] {
        assert!(run.all().contains(reason), "says {reason:?}: {}", run.all());
    }
    assert!(!run.all().contains("sluice-tls-password"), "{}", run.all());
    let refused = with_state(
        &project,
        &format!("{}?sslmode=require", cluster.url),
        &["history"],
    );
    assert_ne!(refused.code, EXIT_SUCCESS, "{}", refused.all());
    assert!(
        refused
            .all()
            .contains("sslmode=require needs sslrootcert=PATH"),
        "{}",
        refused.all()
    );
}

/// The `sql` capability of plugin `migrate` granted the TLS cluster's database as `main`, at
/// `query` (the URL's TLS parameters), with `ca` copied to `dir/ca.pem`.
fn tls_database(dir: &Path, ca: &Path, query: &str) -> SqlCap {
    std::fs::copy(ca, dir.join("ca.pem")).unwrap();
    let url = format!("{}?{query}", TlsPostgres::shared().url);
    SqlCap::new(
        "migrate",
        SqlGrant {
            databases: BTreeMap::from([("main".to_owned(), DatabaseTarget::parse(&url, dir))]),
            read_only: false,
            snapshots: None,
        },
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_database_reached_over_tls_runs_queries_in_an_encrypted_session() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = TlsPostgres::shared();
    for mode in ["require", "verify-ca", "verify-full"] {
        let mut cap = tls_database(
            dir.path(),
            &cluster.ca,
            &format!("sslmode={mode}&sslrootcert=ca.pem"),
        );
        let mut db = cap.open("main").await.unwrap();
        let rows = db
            .query(
                "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()".into(),
                Vec::new(),
            )
            .await
            .unwrap();
        assert!(
            matches!(&rows.rows[..], [row] if matches!(&row[0], Value::Text(t) if t == "true")),
            "{mode}: {:?}",
            rows.rows
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_database_whose_server_another_ca_signed_is_refused_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = TlsPostgres::shared();
    let mut cap = tls_database(
        dir.path(),
        &cluster.stranger_ca,
        "sslmode=verify-full&sslrootcert=ca.pem",
    );
    let error = format!("{:?}", cap.open("main").await.err().unwrap());
    assert!(
        error.contains("invalid peer certificate") && error.contains("UnknownIssuer"),
        "{error}"
    );
}
