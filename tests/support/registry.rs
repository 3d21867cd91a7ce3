//! A real image registry: Debian's `docker-registry` (the CNCF distribution registry), started
//! per test on a loopback port with its storage in a directory of its own, optionally behind
//! htpasswd basic authentication. The engine pushes to and pulls from it over plain HTTP (Docker
//! treats registries on 127.0.0.0/8 as insecure ones it may use without TLS). Stopped when
//! dropped.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::docker::{docker, free_ports};

/// The user name of a registry started with authentication.
pub const USER: &str = "ci";
/// That user's password.
pub const PASSWORD: &str = "registry-password-4f1c";

/// A running registry.
pub struct Registry {
    /// `127.0.0.1:PORT`, as image references name it.
    pub host: String,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Registry {
    /// A registry that anyone may push to and pull from.
    pub fn open() -> Registry {
        Registry::start(false)
    }

    /// A registry that lets only [`USER`] with [`PASSWORD`] push and pull.
    pub fn with_login() -> Registry {
        Registry::start(true)
    }

    fn start(login: bool) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let [port] = free_ports();
        let auth = if login {
            let htpasswd = dir.path().join("htpasswd");
            let made = Command::new("htpasswd")
                .args(["-Bbc"])
                .arg(&htpasswd)
                .args([USER, PASSWORD])
                .output()
                .unwrap_or_else(|e| panic!("cannot run htpasswd (Debian: apache2-utils): {e}"));
            assert!(made.status.success(), "htpasswd: {made:?}");
            format!(
                "auth:\n  htpasswd:\n    realm: sluice-test\n    path: {}\n",
                htpasswd.display()
            )
        } else {
            String::new()
        };
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  \
             delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{auth}",
            dir.path().join("data").display()
        );
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let mut registry = Registry {
            host: format!("127.0.0.1:{port}"),
            dir,
            child: None,
        };
        registry.run();
        registry
    }

    /// Starts the registry process (again, after [`Registry::stop`]) and waits until it listens.
    pub fn run(&mut self) {
        let log = std::fs::File::create(self.log()).unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(self.dir.path().join("config.yml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start docker-registry (Debian: docker-registry): {e}")
            });
        self.child = Some(child);
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if TcpStream::connect(&self.host).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "docker-registry did not listen on {}:\n{}",
            self.host,
            std::fs::read_to_string(self.log()).unwrap_or_default()
        );
    }

    /// Stops the registry: nothing listens on its port until [`Registry::run`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `HOST/repository`.
    pub fn repository(&self, repository: &str) -> String {
        format!("{}/{repository}", self.host)
    }

    /// Where the registry keeps the blob `digest` (`sha256:...`) on disk: a test that changes it
    /// plays a registry serving other bytes under the same digest.
    pub fn blob(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
        self.dir
            .path()
            .join("data/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// Pushes the local image `local` as `HOST/target` (logged in when the registry wants it,
    /// with a Docker CLI config of this registry's own) and returns its digest, `sha256:...`.
    pub fn push(&self, local: &str, target: &str) -> String {
        let remote = format!("{}/{target}", self.host);
        self.cli(&["tag", local, &remote]);
        if self.dir.path().join("htpasswd").exists() {
            self.cli(&[
                "login",
                "--username",
                USER,
                "--password",
                PASSWORD,
                &self.host,
            ]);
        }
        let pushed = self.cli(&["push", &remote]);
        self.cli(&["image", "rm", &remote]);
        pushed
            .split_whitespace()
            .find_map(|word| {
                word.strip_prefix("sha256:")
                    .map(|hex| format!("sha256:{hex}"))
            })
            .unwrap_or_else(|| panic!("docker push printed no digest: {pushed}"))
    }

    /// Runs the Docker CLI with this registry's own client config; panics unless it succeeds.
    fn cli(&self, args: &[&str]) -> String {
        let output = docker()
            .arg("--config")
            .arg(self.dir.path().join("docker-cli"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "docker {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("registry.log")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}
