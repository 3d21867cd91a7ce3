//! Extra real Docker engines beside the main one, started by the tests: each its own `dockerd`
//! with its own data root, exec root, pid file, unix socket and bridge (`--iptables=false`, so the
//! main engine's rules stay untouched; published ports go through Docker's userland proxy). The
//! test web images (`v1`, `v2`, `bad-health`) are copied into each from the main engine. All are stopped, and their bridges
//! removed, when the test process exits.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::docker::{docker, names_with_prefix};
use super::images;

/// A running extra engine.
pub struct Dockerd {
    /// Its unix socket.
    pub socket: PathBuf,
    /// Its directory: data, exec root, log, and whatever its starter put there.
    pub dir: PathBuf,
}

/// Every dockerd child of this process with its bridge and directory, for the exit hook.
static RUNNING: Mutex<Vec<(Child, String, PathBuf)>> = Mutex::new(Vec::new());

/// Engines started so far by this process (each gets its own bridge subnet).
static STARTED: AtomicU32 = AtomicU32::new(0);

impl Dockerd {
    /// A fresh, empty directory for the engine `name` of this process.
    pub fn dir_for(name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("dockerd-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Starts the engine `name` in `dir` (from [`Dockerd::dir_for`]) with `args` added to the
    /// command line, waits until it answers and loads the test web images into it.
    pub fn start(name: &str, dir: PathBuf, args: &[String]) -> Dockerd {
        images::ensure();
        let index = STARTED.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let bridge = format!("sl{name}{}", pid % 100_000);
        let subnet = (pid % 60) * 4 + index % 4;
        let _ = Command::new("ip").args(["link", "del", &bridge]).output();
        let address = format!("172.29.{subnet}.1/24");
        for ip in [
            vec!["link", "add", &bridge, "type", "bridge"],
            vec!["addr", "add", &address, "dev", &bridge],
            vec!["link", "set", &bridge, "up"],
        ] {
            let output = Command::new("ip").args(&ip).output().unwrap();
            assert!(
                output.status.success(),
                "ip {ip:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let socket = dir.join("docker.sock");
        let log = std::fs::File::create(dir.join("dockerd.log")).unwrap();
        let mut dockerd = Command::new("dockerd");
        for (option, file) in [
            ("--data-root", "data"),
            ("--exec-root", "exec"),
            ("--pidfile", "dockerd.pid"),
        ] {
            dockerd.arg(option).arg(dir.join(file));
        }
        let child = dockerd
            .arg(format!("--host=unix://{}", socket.display()))
            .arg(format!("--bridge={bridge}"))
            .args(["--iptables=false", "--ip-masq=false"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start dockerd: {e}"));
        let mut running = RUNNING.lock().unwrap();
        if running.is_empty() {
            // SAFETY: registers a plain extern "C" function with no arguments.
            unsafe { libc::atexit(stop_all_at_exit) };
        }
        running.push((child, bridge, dir.clone()));
        drop(running);
        let engine = Dockerd { socket, dir };
        engine.wait_until_ready();
        engine.load_images();
        engine
    }

    /// Three engines (`fleet1` to `fleet3`) shared by this process's fleet tests and bench,
    /// started on the first call.
    pub fn fleet() -> &'static [Dockerd; 3] {
        static FLEET: OnceLock<[Dockerd; 3]> = OnceLock::new();
        FLEET.get_or_init(|| {
            [1, 2, 3].map(|n| {
                let name = format!("fleet{n}");
                Dockerd::start(&name, Dockerd::dir_for(&name), &[])
            })
        })
    }

    /// `unix://SOCKET`.
    pub fn url(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// A `docker` command talking to this engine.
    pub fn docker(&self) -> Command {
        let mut cmd = docker();
        cmd.arg("-H").arg(self.url());
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

    fn wait_until_ready(&self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if self.docker().arg("info").output().unwrap().status.success() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "the dockerd in {} did not start:\n{}",
            self.dir.display(),
            std::fs::read_to_string(self.dir.join("dockerd.log")).unwrap_or_default()
        );
    }

    /// Copies the test web images from the main engine (`docker save | docker load`).
    fn load_images(&self) {
        let mut save = docker()
            .args(["save", images::V1, images::V2, images::BAD_HEALTH])
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

extern "C" fn stop_all_at_exit() {
    let Ok(mut running) = RUNNING.lock() else {
        return;
    };
    for (child, _, _) in running.iter() {
        // SAFETY: sends SIGTERM to our own child; dockerd stops its containers and exits.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    }
    for (mut child, bridge, dir) in running.drain(..) {
        let _ = child.wait();
        let _ = Command::new("ip").args(["link", "del", &bridge]).output();
        let _ = std::fs::remove_dir_all(dir);
    }
}
