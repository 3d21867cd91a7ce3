//! The real wrangler, installed from npm by `scripts/ensure-deps.sh` into `build/npm`, run
//! against an emulator.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::super::Run;
use super::{ACCOUNT, API_TOKEN, Emulator};

/// The wrangler version the tests and benchmarks run (the newest that runs on Node 20).
pub const VERSION: &str = "4.86.0";

/// `build/npm` in the workspace.
fn npm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .join("build/npm")
}

/// The wrangler executable; panics, saying how to install it, when it is missing or another
/// version.
pub fn executable() -> PathBuf {
    let dir = npm_dir();
    let manifest = dir.join("node_modules/wrangler/package.json");
    let installed = std::fs::read_to_string(&manifest)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|json| json["version"].as_str().map(str::to_owned));
    assert_eq!(
        installed.as_deref(),
        Some(VERSION),
        "wrangler {VERSION} is not installed in {}: run `SLUICE_SERVICES=1 scripts/ensure-deps.sh` (make test does)",
        dir.display()
    );
    dir.join("node_modules/.bin/wrangler")
}

/// wrangler, pointed at `emulator` with its token and account, run in `cwd` without a terminal
/// and without metrics.
fn wrangler(emulator: &Emulator, cwd: &Path) -> Command {
    let home = npm_dir().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut command = Command::new(executable());
    command
        .current_dir(cwd)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("CLOUDFLARE_API_BASE_URL", emulator.api_base())
        .env("CLOUDFLARE_API_TOKEN", API_TOKEN)
        .env("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
        .env("WRANGLER_SEND_METRICS", "false")
        .env_remove("CLOUDFLARE_API_KEY")
        .env_remove("CLOUDFLARE_EMAIL")
        .env_remove("CF_API_BASE_URL")
        .stdin(Stdio::null());
    command
}

/// Runs `wrangler pages deploy DIR --project-name PROJECT --branch BRANCH` against `emulator`,
/// from a scratch directory that is not a git checkout.
pub fn pages_deploy(emulator: &Emulator, dir: &Path, project: &str, branch: &str) -> Run {
    let cwd = tempfile::tempdir().unwrap();
    wrangler(emulator, cwd.path())
        .args(["pages", "deploy"])
        .arg(dir)
        .args(["--project-name", project, "--branch", branch])
        .output()
        .unwrap_or_else(|e| panic!("running wrangler: {e}"))
        .into()
}

/// Runs `wrangler deploy MAIN --name NAME --compatibility-date DATE --no-bundle` against
/// `emulator` in `dir` (where `MAIN` is, relative): the module uploaded as it is.
pub fn deploy(emulator: &Emulator, dir: &Path, main: &str, name: &str, date: &str) -> Run {
    wrangler(emulator, dir)
        .args([
            "deploy",
            main,
            "--name",
            name,
            "--compatibility-date",
            date,
            "--no-bundle",
        ])
        .output()
        .unwrap_or_else(|e| panic!("running wrangler: {e}"))
        .into()
}
