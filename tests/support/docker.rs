//! The `docker` CLI for assertions about what really runs, and a guard that removes a test's
//! containers however the test ends. Talks to the engine `DOCKER_HOST` names.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Mutex, PoisonError};

/// A `docker` CLI command (legacy builder: the engine has no BuildKit frontend to pull).
pub fn docker() -> Command {
    let mut cmd = Command::new("docker");
    cmd.env("DOCKER_BUILDKIT", "0");
    cmd
}

/// What the engine says about the container `name`: its status (`running`, `exited`, ...) and
/// image reference, or none when there is no such container.
pub fn container(name: &str) -> Option<(String, String)> {
    let output = docker()
        .args([
            "container",
            "inspect",
            "--format",
            "{{.State.Status}} {{.Config.Image}}",
            name,
        ])
        .output()
        .unwrap();
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let (status, image) = text.trim().split_once(' ')?;
    Some((status.to_owned(), image.to_owned()))
}

/// The names of the containers (running or not) whose name starts with `prefix`, sorted.
pub fn containers_named(prefix: &str) -> Vec<String> {
    names_with_prefix(docker(), prefix)
}

/// The names of the containers whose name starts with `prefix` on the engine `docker` talks
/// to, sorted.
pub fn names_with_prefix(mut docker: Command, prefix: &str) -> Vec<String> {
    let output = docker
        .args(["ps", "-a", "--format", "{{.Names}}", "--filter"])
        .arg(format!("name=^{prefix}"))
        .output()
        .unwrap();
    let mut names: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

/// Removes, on drop, every container whose name starts with its prefix.
pub struct ContainersGuard {
    /// The prefix; give each test its own (e.g. [`unique_name`]).
    pub prefix: String,
}

impl Drop for ContainersGuard {
    fn drop(&mut self) {
        let names = containers_named(&self.prefix);
        if !names.is_empty() {
            let _ = docker().args(["rm", "-f"]).args(&names).output();
        }
    }
}

/// A container name no other test (or test process) uses: `sluice-t-<what>-<pid>`. Every test
/// shares the process, hence the pid: a `what` asked for twice panics rather than collide.
pub fn unique_name(what: &str) -> String {
    static TAKEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let fresh = TAKEN
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(what.to_owned());
    assert!(
        fresh,
        "unique_name({what:?}) was already given out in this process"
    );
    format!("sluice-t-{what}-{}", std::process::id())
}

/// `N` distinct loopback ports that were free a moment ago (for `host_ports`).
pub fn free_ports<const N: usize>() -> [u16; N] {
    let listeners = [(); N].map(|()| TcpListener::bind("127.0.0.1:0").unwrap());
    listeners.map(|listener| listener.local_addr().unwrap().port())
}
