//! What WIT 0.1.2 added to the `plugin` world, as the contract fixtures call it: every function
//! of `haproxy`, in `stage`, on the backend the config names. `wit-v0-1-2` calls it after what
//! 0.1.1 added; `wit-v0-1-4` includes this file too.

use serde::Deserialize;

use crate::fixture::{context, say};
use crate::sluice::deploy::haproxy::{self, AdminState};
use crate::sluice::deploy::types::Error;

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

/// Every `haproxy` function: adds [`ADDED`] beside the existing server, sets the existing
/// server's weight, puts [`ADDED`] in maintenance, lists the backend (logged), and removes
/// [`ADDED`].
pub fn newer_stage(haproxy_backend: &Backend) -> Result<(), Error> {
    let Backend {
        api,
        backend,
        server,
    } = haproxy_backend;
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
