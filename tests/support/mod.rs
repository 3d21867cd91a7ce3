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
pub mod figures;
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
pub mod otlp;
pub mod pages;
pub mod plans;
pub mod project;
pub mod prometheus;
pub mod python;
pub mod release_api;
pub mod release_dir;
pub mod scripted;
pub mod socket_proxy;
pub mod stack;
pub mod tcp_proxy;
pub mod tls_docker;
pub mod tls_postgres;
pub mod webhook;

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};

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

/// sha256 of a file, hex.
pub fn sha256_file(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    hex::encode(Sha256::digest(bytes))
}

/// Runs `cmd` to the end as [`Command::output`] does, and returns with its output the most memory
/// (peak resident set, KiB) that child used: its own figure from `wait4`, which other tests'
/// children, running alongside in this process, do not touch (`RUSAGE_CHILDREN` would count them).
pub fn output_with_peak_memory(cmd: &mut Command) -> (Output, i64) {
    #[expect(
        clippy::zombie_processes,
        reason = "reaped by wait4 below, which std's Child cannot see"
    )]
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).map(|_| bytes)
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    loop {
        // SAFETY: wait4 reaps our own child `pid` and fills the status and rusage it is pointed
        // at; `child` is never waited for again (dropping a Child does not wait).
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, usage.as_mut_ptr()) };
        if reaped == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        assert_eq!(
            error.kind(),
            std::io::ErrorKind::Interrupted,
            "wait4: {error}"
        );
    }
    // SAFETY: wait4 succeeded, so it filled the rusage (zeroed is a valid rusage anyway).
    let peak = unsafe { usage.assume_init() }.ru_maxrss;
    let output = Output {
        status: ExitStatus::from_raw(status),
        stdout: stdout.join().unwrap().unwrap(),
        stderr: stderr.join().unwrap().unwrap(),
    };
    (output, peak)
}

/// A plugin log sink that drops everything (benchmarks call plugins in-process).
pub struct DiscardLogs;

impl sluice::caps::log::LogSink for DiscardLogs {
    fn message(&self, _unit: &str, _level: sluice::caps::log::Level, _text: &str) {}
    fn progress(&self, _unit: &str, _done: u64, _total: u64, _text: &str) {}
}
