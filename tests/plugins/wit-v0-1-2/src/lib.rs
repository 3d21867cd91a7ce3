//! `wit-v0-1-2`: the contract fixture of WIT 0.1.2 (the `plugin` world). Built against the
//! frozen copy `wit/since_v0.1.2/`, it calls everything the 0.1.1 fixture calls (the same
//! [`fixture`] and [`added_in_0_1_1`] sources) and what 0.1.2 added to the world: every function
//! of `haproxy` in `stage`, on the backend its config names. `tests/all/wit_versions.rs` deploys
//! it. (0.1.2's other addition, the `gate-plugin` world, has its own fixture,
//! `wit-v0-1-2-gate`.)

wit_bindgen::generate!({
    path: "../../../wit/since_v0.1.2",
    world: "sluice:deploy/plugin",
    generate_all,
});

#[path = "../../wit-v0-1-1/src/added.rs"]
mod added_in_0_1_1;
#[path = "../../wit-v0-1-0/src/fixture.rs"]
mod fixture;

use serde::Deserialize;

use added_in_0_1_1::newer_plan;
use fixture::{Fixture, context, say};
use sluice::deploy::haproxy::{self, AdminState};
use sluice::deploy::types::Error;

/// What `haproxy` reaches: its config.
#[derive(Deserialize)]
pub struct NewerConfig {
    /// The HAProxy the test granted.
    pub haproxy: Backend,
}

/// A backend of an HAProxy, and a server already in it.
#[derive(Deserialize)]
pub struct Backend {
    /// The runtime API's `ADDRESS:PORT`.
    pub api: String,
    /// The backend's name.
    pub backend: String,
    /// A server of the backend, whose weight the fixture sets to [`WEIGHT`].
    pub server: String,
}

/// The server the fixture adds to the backend, and removes again.
const ADDED: &str = "wit-fixture-added";

/// The weight the fixture gives the backend's existing server.
const WEIGHT: u16 = 42;

/// What 0.1.1 added, then every `haproxy` function: adds [`ADDED`] beside the existing server,
/// sets the existing server's weight, puts [`ADDED`] in maintenance, lists the backend (logged),
/// and removes [`ADDED`].
fn newer_stage(config: &fixture::Config, newer: &NewerConfig, token: &str) -> Result<(), Error> {
    added_in_0_1_1::newer_stage(config, token)?;
    let Backend {
        api,
        backend,
        server,
    } = &newer.haproxy;
    let list = || haproxy::list_servers(api, backend).map_err(context("haproxy.list-servers"));
    let existing = list()?
        .into_iter()
        .find(|listed| listed.name == *server)
        .ok_or_else(|| Error::Failed(format!("haproxy.list-servers: no server {server}")))?;
    haproxy::add_server(api, backend, ADDED, &existing.address, existing.port, 1)
        .map_err(context("haproxy.add-server"))?;
    haproxy::set_weight(api, backend, server, WEIGHT).map_err(context("haproxy.set-weight"))?;
    haproxy::set_state(api, backend, ADDED, AdminState::Maint)
        .map_err(context("haproxy.set-state"))?;
    let servers: Vec<String> = list()?
        .iter()
        .map(|listed| {
            format!(
                "{} {}:{} weight {} {:?}",
                listed.name, listed.address, listed.port, listed.weight, listed.admin
            )
        })
        .collect();
    say(&format!("haproxy.list-servers: {}", servers.join(", ")));
    haproxy::remove_server(api, backend, ADDED).map_err(context("haproxy.remove-server"))?;
    say(&format!("haproxy.remove-server: {ADDED} removed"));
    Ok(())
}

export!(Fixture);
