//! Helpers shared by the integration tests (`tests/all`) and the benches: a project directory with
//! a plan and a site, a static file server for the gates to probe, running the real `sluice`
//! binary, and the test plugins.
//!
//! The tests share one process, so nothing here measures or names things per process where a
//! test needs them per test: a run's peak memory is that child's own ([`output_with_peak_memory`]).
#![allow(dead_code)] // each bench uses its own subset

pub mod c;
pub mod caddy;
pub mod canary;
pub mod certs;
pub mod chromium;
pub mod cloudflare;
pub mod components;
pub mod database;
pub mod dist;
pub mod docker;
pub mod dockerd;
pub mod figures;
pub mod fleet;
pub mod generated_site;
pub mod haproxy;
pub mod history;
pub mod hosts;
pub mod http;
pub mod images;
pub mod js;
pub mod keycloak;
pub mod kong;
pub mod load;
pub mod migrations;
pub mod moto;
pub mod otlp;
pub mod pages;
pub mod pinned;
pub mod plans;
pub mod project;
pub mod prometheus;
pub mod python;
pub mod registry;
pub mod release_api;
pub mod release_dir;
pub mod scripted;
pub mod socket_proxy;
pub mod sshd;
pub mod stack;
pub mod swarm;
pub mod tcp_proxy;
pub mod tls_docker;
pub mod tls_postgres;
pub mod webhook;

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
/// `sluice plugins test`: a contract rule is broken.
pub const EXIT_RULES_BROKEN: i32 = 6;
/// A unit stopped at a `pause` step.
pub const EXIT_PAUSED: i32 = 7;

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
        .env_remove("SLUICE_LOG")
        // A test that wants GitHub Actions output asks for it, even when CI itself runs there.
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        // Nor does a run send traces to a collector the developer's shell names.
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    cmd
}

/// The compiled test plugin `name` (a crate in tests/plugins/); panics on an unknown name.
pub fn test_plugin(name: &str) -> PathBuf {
    sluice_test_plugins::path(name).to_path_buf()
}

/// The fenced block of `language` that follows `caption` in the page `page` (a doc whose
/// commands or files a test runs as written).
pub fn doc_block<'a>(page: &'a str, caption: &str, language: &str) -> &'a str {
    let after = &page[page
        .find(caption)
        .unwrap_or_else(|| panic!("the page has no {caption:?}"))..];
    let fence = format!("```{language}\n");
    let start = after
        .find(&fence)
        .unwrap_or_else(|| panic!("no {language} block after {caption:?}"))
        + fence.len();
    let len = after[start..].find("```\n").expect("a closed block");
    &after[start..start + len]
}

/// sha256 of a file, hex (read in pieces: some are hundreds of MiB).
pub fn sha256_file(path: &Path) -> String {
    let mut hasher = Sha256::new();
    std::fs::File::open(path)
        .and_then(|mut file| std::io::copy(&mut file, &mut hasher))
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    hex::encode(hasher.finalize())
}

/// Where GNU time is (Debian's `time`, which `scripts/ensure-deps.sh` installs).
const GNU_TIME: &str = "/usr/bin/time";

/// Runs `cmd` to the end as [`Command::output`] does, and returns with its output the most memory
/// (peak resident set, KiB) that child used, as GNU time measures it. Not this process's own
/// `wait4` figure for a child: Linux starts a child's peak at what its parent held when it was
/// spawned, and the other tests running in this process may have grown that far past anything
/// measured here (a 1 GiB test process makes `true` report 1 GiB). GNU time is a small process
/// that starts the command itself, so the figure is the command's own.
pub fn output_with_peak_memory(cmd: &Command) -> (Output, i64) {
    let report = tempfile::NamedTempFile::new().unwrap();
    let mut timed = Command::new(GNU_TIME);
    timed
        .args(["--quiet", "--format=%M", "--output"])
        .arg(report.path())
        .arg("--")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    let output = timed
        .output()
        .unwrap_or_else(|e| panic!("{GNU_TIME}: {e} (scripts/ensure-deps.sh installs it)"));
    let told = std::fs::read_to_string(report.path()).unwrap();
    let peak = told
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .unwrap_or_else(|| panic!("{GNU_TIME} told no peak: {told:?}"));
    (output, peak)
}

/// A plugin log sink that drops everything (benchmarks call plugins in-process).
pub struct DiscardLogs;

impl sluice::caps::log::LogSink for DiscardLogs {
    fn message(&self, _unit: &str, _level: sluice::caps::log::Level, _text: &str) {}
    fn progress(&self, _unit: &str, _done: u64, _total: u64, _text: &str) {}
}
