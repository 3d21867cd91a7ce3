//! Keycloak's own clients, installed by `scripts/ensure-keycloak-clients.sh` (run by
//! `scripts/ensure-deps.sh`), driving an emulator: `@keycloak/keycloak-admin-client` from npm in
//! `build/npm-keycloak`, python-keycloak from PyPI in the venv `build/py-keycloak`. Each runs a
//! script of `tests/vendor-clients/keycloak/` that reads steps as JSON on stdin and prints one
//! JSON result per step: `{"ok": ...}` or `{"failed": {"status", "message"}}`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::Keycloak;
use crate::support::components::repo_root;

/// The `@keycloak/keycloak-admin-client` version the tests run (the newest; it needs Node >= 18).
pub const ADMIN_CLIENT_VERSION: &str = "26.7.4";

/// The python-keycloak version the tests run (the newest).
pub const PYTHON_KEYCLOAK_VERSION: &str = "7.1.1";

const INSTALL: &str = "run `SLUICE_SERVICES=1 scripts/ensure-deps.sh` (make test does)";

fn script(name: &str) -> PathBuf {
    repo_root().join("tests/vendor-clients/keycloak").join(name)
}

/// The admin client's package directory; panics, saying how to install it, when it is missing
/// or another version.
fn admin_client_package() -> PathBuf {
    let dir = repo_root().join("build/npm-keycloak/node_modules/@keycloak/keycloak-admin-client");
    let installed = std::fs::read_to_string(dir.join("package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|json| json["version"].as_str().map(str::to_owned));
    assert_eq!(
        installed.as_deref(),
        Some(ADMIN_CLIENT_VERSION),
        "@keycloak/keycloak-admin-client {ADMIN_CLIENT_VERSION} is not installed in {}: {INSTALL}",
        dir.display()
    );
    dir
}

/// The venv's python, with python-keycloak of the right version; panics, saying how to install
/// it, when it is not.
fn python_keycloak() -> PathBuf {
    let venv = repo_root().join("build/py-keycloak");
    let python = venv.join("bin/python");
    let installed = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('python-keycloak'))",
        ])
        .output()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned());
    assert_eq!(
        installed.as_deref(),
        Some(PYTHON_KEYCLOAK_VERSION),
        "python-keycloak {PYTHON_KEYCLOAK_VERSION} is not installed in {}: {INSTALL}",
        venv.display()
    );
    python
}

/// Runs `command` with `steps` on stdin; the results, one per step. Panics with the client's
/// output when it fails.
fn run(mut command: Command, steps: &Value) -> Vec<Value> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {command:?}: {e}"));
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(steps.to_string().as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "{command:?} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("the client printed no JSON array ({e}):\n{stdout}\n{stderr}"))
}

/// How a client signs in to the master realm.
#[derive(Debug, Clone, Copy)]
pub enum SignIn {
    /// The client-credentials grant, as the emulator's master service client.
    ServiceClient,
    /// The password grant, as the emulator's admin user (client `admin-cli`).
    AdminUser,
}

/// The official admin client, signed in as `sign_in` says, runs `steps`.
pub fn admin_client_as(keycloak: &Keycloak, sign_in: SignIn, steps: &Value) -> Vec<Value> {
    let options = keycloak.options();
    let (grant, id, secret) = match sign_in {
        SignIn::ServiceClient => (
            "client_credentials",
            &options.service_client.0,
            &options.service_client.1,
        ),
        SignIn::AdminUser => ("password", &options.admin_user, &options.admin_password),
    };
    let mut command = Command::new("node");
    command
        .arg(script("admin-client.mjs"))
        .args([&keycloak.url(), grant, id, secret])
        .env("KEYCLOAK_ADMIN_CLIENT", admin_client_package());
    run(command, steps)
}

/// The official admin client, signed in as the emulator's master service client, runs `steps`.
pub fn admin_client(keycloak: &Keycloak, steps: &Value) -> Vec<Value> {
    admin_client_as(keycloak, SignIn::ServiceClient, steps)
}

/// python-keycloak, signed in as the emulator's master service client, runs `steps`.
pub fn python_client(keycloak: &Keycloak, steps: &Value) -> Vec<Value> {
    let (client, secret) = &keycloak.options().service_client;
    let mut command = Command::new(python_keycloak());
    command
        .arg(script("python_keycloak.py"))
        .args([&keycloak.url(), client, secret]);
    run(command, steps)
}
