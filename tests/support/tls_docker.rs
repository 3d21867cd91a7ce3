//! A second, real Docker engine that only speaks TLS with client certificates (`dockerd
//! --tlsverify` on a loopback port), started once per test process beside the main one: its own
//! data root, exec root, pid file, socket and bridge (`--iptables=false`, so the main engine's
//! rules stay untouched; published ports go through Docker's userland proxy). The certificates
//! come from a CA the fixture makes (rcgen). The test web images are copied into it from the
//! main engine. Stopped, and its bridge removed, when the test process exits.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::certs::Ca;
use super::docker::{docker, free_ports, names_with_prefix};
use super::images;

/// The TLS engine of this test process.
pub struct TlsEngine {
    /// `tcp://127.0.0.1:PORT`.
    pub url: String,
    /// A directory with `ca.pem`, `cert.pem` and `key.pem`: a client certificate the engine
    /// accepts (the `DOCKER_CERT_PATH` layout).
    pub client: PathBuf,
    /// The same layout, from another CA: neither side trusts the other.
    pub stranger: PathBuf,
    /// The engine's own unix socket (no TLS), for the tests' own assertions.
    pub socket: PathBuf,
    dir: PathBuf,
}

/// The dockerd child and its bridge, for the exit hook.
static RUNNING: Mutex<Option<(Child, String, PathBuf)>> = Mutex::new(None);

impl TlsEngine {
    /// The engine, started (and the test images loaded) on the first call.
    pub fn shared() -> &'static TlsEngine {
        static ENGINE: OnceLock<TlsEngine> = OnceLock::new();
        ENGINE.get_or_init(TlsEngine::start)
    }

    /// A `docker` command talking to this engine (over its unix socket).
    pub fn docker(&self) -> Command {
        let mut cmd = docker();
        cmd.arg("-H")
            .arg(format!("unix://{}", self.socket.display()));
        cmd
    }

    /// The names of this engine's containers whose name starts with `prefix`.
    pub fn containers_named(&self, prefix: &str) -> Vec<String> {
        names_with_prefix(self.docker(), prefix)
    }

    /// Removes this engine's containers whose name starts with `prefix`.
    pub fn remove_containers(&self, prefix: &str) {
        let names = self.containers_named(prefix);
        if !names.is_empty() {
            let _ = self.docker().args(["rm", "-f"]).args(&names).output();
        }
    }

    fn start() -> TlsEngine {
        images::ensure();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("tls-engine-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ca = Ca::new("sluice test engine CA");
        let server = ca.server(&["127.0.0.1", "localhost"]);
        std::fs::write(dir.join("server-ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.join("server-cert.pem"), &server.cert).unwrap();
        std::fs::write(dir.join("server-key.pem"), &server.key).unwrap();
        let client = dir.join("client");
        ca.write_client_dir(&client);
        let stranger = dir.join("stranger");
        Ca::new("another CA").write_client_dir(&stranger);

        let bridge = format!("sltls{}", std::process::id() % 1_000_000);
        let subnet = 20 + std::process::id() % 200;
        let _ = Command::new("ip").args(["link", "del", &bridge]).output();
        let address = format!("172.29.{subnet}.1/24");
        for args in [
            vec!["link", "add", &bridge, "type", "bridge"],
            vec!["addr", "add", &address, "dev", &bridge],
            vec!["link", "set", &bridge, "up"],
        ] {
            let output = Command::new("ip").args(&args).output().unwrap();
            assert!(
                output.status.success(),
                "ip {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let [port] = free_ports();
        let socket = dir.join("docker.sock");
        let log = std::fs::File::create(dir.join("dockerd.log")).unwrap();
        let mut dockerd = Command::new("dockerd");
        dockerd.arg("--tlsverify");
        for (option, file) in [
            ("--tlscacert", "server-ca.pem"),
            ("--tlscert", "server-cert.pem"),
            ("--tlskey", "server-key.pem"),
            ("--data-root", "data"),
            ("--exec-root", "exec"),
            ("--pidfile", "dockerd.pid"),
        ] {
            dockerd.arg(option).arg(dir.join(file));
        }
        let child = dockerd
            .arg(format!("--host=tcp://127.0.0.1:{port}"))
            .arg(format!("--host=unix://{}", socket.display()))
            .arg(format!("--bridge={bridge}"))
            .args(["--iptables=false", "--ip-masq=false"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start dockerd: {e}"));
        *RUNNING.lock().unwrap() = Some((child, bridge, dir.clone()));
        // SAFETY: registers a plain extern "C" function with no arguments.
        unsafe { libc::atexit(stop_at_exit) };
        let engine = TlsEngine {
            url: format!("tcp://127.0.0.1:{port}"),
            client,
            stranger,
            socket,
            dir,
        };
        engine.wait_until_ready();
        engine.load_images();
        engine
    }

    fn wait_until_ready(&self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if self.docker().arg("info").output().unwrap().status.success() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "the TLS dockerd did not start:\n{}",
            std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default()
        );
    }

    /// Copies the test web images from the main engine (`docker save | docker load`).
    fn load_images(&self) {
        let mut save = docker()
            .args(["save", images::V1, images::V2])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let load = self
            .docker()
            .arg("load")
            .stdin(save.stdout.take().unwrap())
            .output()
            .unwrap();
        assert!(save.wait().unwrap().success(), "docker save failed");
        assert!(
            load.status.success(),
            "docker load: {}",
            String::from_utf8_lossy(&load.stderr)
        );
    }
}

extern "C" fn stop_at_exit() {
    let Ok(mut running) = RUNNING.lock() else {
        return;
    };
    if let Some((mut child, bridge, dir)) = running.take() {
        // SAFETY: sends SIGTERM to our own child; dockerd stops its containers and exits.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let _ = child.wait();
        let _ = Command::new("ip").args(["link", "del", &bridge]).output();
        let _ = std::fs::remove_dir_all(dir);
    }
}
