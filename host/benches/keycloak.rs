//! `make bench` for the `keycloak-realm` strategy against the Keycloak emulator: a realm file with
//! 500 users and 50 clients imported first (the realm is created), re-run unchanged (one checksum
//! comparison), and with one client changed (only that client and what refers to it is sent).
//! Prints the wall time of each `sluice apply` and what reached Keycloak; asserts nothing.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::keycloak::project::{RealmProject, realm_file};
use support::keycloak::{Keycloak, Options};

const USERS: usize = 500;
const CLIENTS: usize = 50;

/// Runs `apply version` and reports its wall time and the Admin API requests and writes it made.
fn measured(keycloak: &Keycloak, project: &RealmProject, what: &str, version: &str) -> Duration {
    let (requests, writes) = {
        let store = keycloak.store();
        (store.requests, store.writes)
    };
    let started = Instant::now();
    let run = project.apply(version);
    let wall = started.elapsed();
    let store = keycloak.store();
    println!(
        "  {what:<22} {:>9.1} ms   {:>5} requests to Keycloak, {:>2} writes   (exit {})",
        wall.as_secs_f64() * 1000.0,
        store.requests - requests,
        store.writes - writes,
        run.code
    );
    wall
}

fn main() {
    let keycloak = Keycloak::start(Options::default());
    let project = RealmProject::new();
    project.plan_for(&keycloak, "");
    // The smoke client and `web` come on top of the generated clients.
    project.write_realm(&realm_file(CLIENTS - 2, USERS, "https://shop.example/*"));
    println!(
        "keycloak-realm: a realm file with {USERS} users and {CLIENTS} clients ({} KiB), sluice apply wall time",
        project.realm_bytes().len() / 1024
    );
    measured(&keycloak, &project, "first import", "v1");
    measured(&keycloak, &project, "unchanged re-run", "v2");
    project.write_realm(&realm_file(
        CLIENTS - 2,
        USERS,
        "https://new.shop.example/*",
    ));
    measured(&keycloak, &project, "one changed client", "v3");
}
