//! Helpers shared by the integration tests: a project directory with a plan and a site, a static
//! file server for the gates to probe, running the real `sluice` binary, and the test plugins.
#![allow(dead_code)] // each test file uses its own subset

pub mod caddy;
pub mod cloudflare;
pub mod database;
pub mod docker;
pub mod figures;
pub mod hosts;
pub mod http;
pub mod images;
pub mod js;
pub mod keycloak;
pub mod kong;
pub mod load;
pub mod migrations;
pub mod pages;
pub mod plans;
pub mod project;
pub mod scripted;
pub mod socket_proxy;
pub mod stack;
pub mod tcp_proxy;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

/// Exit codes, as documented in the README.
pub const EXIT_SUCCESS: i32 = 0;
/// Failed and not rolled back.
pub const EXIT_FAILED: i32 = 1;
/// Invalid input.
pub const EXIT_INVALID: i32 = 2;
/// Failed and rolled back.
pub const EXIT_ROLLED_BACK: i32 = 3;
/// Lock held.
pub const EXIT_LOCKED: i32 = 4;

/// What a `sluice` run printed and returned.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Both streams, for assertions about messages wherever they were printed.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// A `sluice` command running in `dir`, with the shared compiled-component cache.
pub fn sluice(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sluice"));
    cmd.current_dir(dir)
        .env(
            "SLUICE_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("component-cache"),
        )
        .env("SLUICE_ACTOR", "test")
        .env_remove("SLUICE_PLAN")
        .env_remove("SLUICE_LOG");
    cmd
}

/// The compiled test plugin `name` (a crate in tests/plugins/).
pub fn test_plugin(name: &str) -> PathBuf {
    Path::new(env!("SLUICE_GUEST_DIR")).join(format!("{}.wasm", name.replace('-', "_")))
}

/// sha256 of a file, hex.
pub fn sha256_file(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    hex::encode(Sha256::digest(bytes))
}

/// The most memory (peak resident set, KiB) any finished child process of this test binary used.
pub fn peak_child_memory_kib() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the rusage it is pointed at; zeroed is a valid rusage anyway.
    unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init().ru_maxrss
    }
}

/// A plugin log sink that drops everything (benchmarks call plugins in-process).
pub struct DiscardLogs;

impl sluice::caps::log::LogSink for DiscardLogs {
    fn message(&self, _unit: &str, _level: sluice::caps::log::Level, _text: &str) {}
    fn progress(&self, _unit: &str, _done: u64, _total: u64, _text: &str) {}
}
