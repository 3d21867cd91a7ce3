//! A real OpenSSH server (Debian's `openssh-server`) on a loopback port, started once per test
//! process with its own configuration, host key and authorized key in a directory of its own (not
//! the system's sshd): root logs in with the key the fixture made and nothing else (no password,
//! no PAM). Through it a client reaches the main engine's socket, as it would a VPS's. Stopped
//! when the test process exits.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::docker::free_ports;

/// The sshd child of this process and its directory, for the exit hook.
static RUNNING: Mutex<Option<(Child, PathBuf)>> = Mutex::new(None);

/// The SSH server of this test process and the files a client needs.
pub struct Sshd {
    /// The loopback port it listens on.
    pub port: u16,
    dir: PathBuf,
}

impl Sshd {
    /// The server, started on the first call.
    pub fn shared() -> &'static Sshd {
        static SSHD: OnceLock<Sshd> = OnceLock::new();
        SSHD.get_or_init(Sshd::start)
    }

    /// `ssh://root@127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("ssh://root@127.0.0.1:{}", self.port)
    }

    /// The private key the server accepts for root.
    pub fn identity(&self) -> PathBuf {
        self.dir.join("id_ed25519")
    }

    /// A private key the server does not accept.
    pub fn stranger(&self) -> PathBuf {
        self.dir.join("stranger_ed25519")
    }

    /// A known_hosts file holding the server's host key for `[127.0.0.1]:PORT`.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// A known_hosts file holding another key for `[127.0.0.1]:PORT`: what a client sees when a
    /// man in the middle answers.
    pub fn wrong_known_hosts(&self) -> PathBuf {
        self.dir.join("wrong_known_hosts")
    }

    /// The main engine's socket on this (the "remote") host: `$DOCKER_HOST`'s unix path, else
    /// `/var/run/docker.sock`.
    pub fn engine_socket() -> PathBuf {
        std::env::var("DOCKER_HOST")
            .ok()
            .and_then(|url| url.strip_prefix("unix://").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/var/run/docker.sock"))
    }

    fn start() -> Sshd {
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sshd-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for key in [
            "host_ed25519",
            "other_host_ed25519",
            "id_ed25519",
            "stranger_ed25519",
        ] {
            keygen(&dir.join(key));
        }
        std::fs::copy(dir.join("id_ed25519.pub"), dir.join("authorized_keys")).unwrap();
        let [port] = free_ports();
        for (file, key) in [
            ("known_hosts", "host_ed25519.pub"),
            ("wrong_known_hosts", "other_host_ed25519.pub"),
        ] {
            let public = std::fs::read_to_string(dir.join(key)).unwrap();
            let (kind, rest) = public.split_once(' ').unwrap();
            let blob = rest.split_whitespace().next().unwrap();
            std::fs::write(
                dir.join(file),
                format!("[127.0.0.1]:{port} {kind} {blob}\n"),
            )
            .unwrap();
        }
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n\
             AuthorizedKeysFile {authorized}\nPermitRootLogin prohibit-password\n\
             PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             UsePAM no\nAllowStreamLocalForwarding local\n\
             X11Forwarding no\nPidFile none\n",
            host_key = dir.join("host_ed25519").display(),
            authorized = dir.join("authorized_keys").display(),
        );
        std::fs::write(dir.join("sshd_config"), config).unwrap();
        // sshd refuses to start without its privilege separation directory.
        std::fs::create_dir_all("/run/sshd").unwrap();
        let log = std::fs::File::create(dir.join("sshd.log")).unwrap();
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(dir.join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start sshd (Debian: openssh-server): {e}"));
        *RUNNING.lock().unwrap() = Some((child, dir.clone()));
        // SAFETY: registers a plain extern "C" function with no arguments.
        unsafe { libc::atexit(stop_at_exit) };
        let sshd = Sshd { port, dir };
        sshd.wait_until_listening();
        sshd
    }

    fn wait_until_listening(&self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "sshd did not listen on 127.0.0.1:{}:\n{}",
            self.port,
            std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
        );
    }
}

/// Makes an ed25519 key pair without a passphrase at `path` (and `path.pub`).
fn keygen(path: &Path) {
    let output = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "sluice-test", "-f"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ssh-keygen: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

extern "C" fn stop_at_exit() {
    let Ok(mut running) = RUNNING.lock() else {
        return;
    };
    if let Some((mut child, dir)) = running.take() {
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(dir);
    }
}
