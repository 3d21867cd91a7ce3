//! `make bench` for what a team installs: the static binary `make dist` builds (its size, and
//! how long it takes to start: `--version`, and `validate` of the quickstart with its plugins
//! compiled or cached) and the image `make image` builds around it (its size). Asserts nothing;
//! says what to run when `dist/sluice` or the image is missing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::components::repo_root;
use support::dist::quickstart;
use support::docker::docker;
use support::figures::{median, ms};

/// Starts timed per figure.
const RUNS: usize = 20;
/// The image `make image` builds.
const IMAGE: &str = "sluice:dev";

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// The wall time of `binary args` in `dir` with the plugin cache `cache`.
fn timed(binary: &Path, args: &[&str], dir: &Path, cache: &Path) -> Duration {
    let started = Instant::now();
    let status = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .env("SLUICE_CACHE_DIR", cache)
        .output()
        .expect("run dist/sluice")
        .status;
    let took = started.elapsed();
    assert!(status.success(), "{} {args:?}", binary.display());
    took
}

fn main() {
    let binary = repo_root().join("dist/sluice");
    let Ok(meta) = std::fs::metadata(&binary) else {
        println!("dist/sluice is missing: `make bench` builds it (`make dist`)");
        return;
    };
    println!("static binary (x86_64-unknown-linux-musl, release, standard plugins embedded)");
    println!("  {:<44}{:>14}", "dist/sluice", mib(meta.len()));

    let project = quickstart();
    let cache = tempfile::tempdir().unwrap();
    let first = timed(&binary, &["validate"], project.path(), cache.path());
    let median_of = |args: &[&str]| {
        median(
            (0..RUNS)
                .map(|_| timed(&binary, args, project.path(), cache.path()))
                .collect(),
        )
    };
    println!(
        "  {:<44}{:>14}",
        format!("start: --version (median of {RUNS})"),
        ms(median_of(&["--version"]))
    );
    println!(
        "  {:<44}{:>14}",
        "start: validate, first (compiles 2 plugins)",
        ms(first)
    );
    println!(
        "  {:<44}{:>14}",
        format!("start: validate, cached (median of {RUNS})"),
        ms(median_of(&["validate"]))
    );

    let size = docker()
        .args(["image", "inspect", "--format", "{{.Size}}", IMAGE])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<u64>()
                .ok()
        });
    match size {
        Some(size) => println!(
            "  {:<44}{:>14}",
            format!("image {IMAGE} (FROM scratch)"),
            mib(size)
        ),
        None => println!("the image {IMAGE} is missing: `make bench` builds it (`make image`)"),
    }
}
