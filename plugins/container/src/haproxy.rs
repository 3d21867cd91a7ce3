//! The HAProxy backend whose servers are the unit's colors, driven through HAProxy's runtime
//! API (the `haproxy` capability, granted that backend only). Each color is a server of the
//! backend at its host port; `shift(p)` weights the new one `p` and the old one `100 - p`, so a
//! canary gets its share of the requests. Nothing reloads HAProxy.
//!
//! Servers are found by address (the color's `ADDRESS:PORT`), and named after the version they
//! run, so a metric query can select one version's traffic: [`server_name`].

use std::time::{Duration, Instant};

use crate::config::{HaproxyRouter, is_haproxy_char};
use crate::failure::within;
use sluice_sdk::Error;
use sluice_sdk::haproxy::{self, AdminState, Server};

/// The weight of a server taking all the traffic (`shift(100)`); a step's weight is its percent.
pub const FULL: u16 = 100;

/// How often a retiring server's sessions are looked at.
const POLL: Duration = Duration::from_millis(100);

/// The name of the server that runs `version` of the unit named `name`: `<name>-<version>`, each
/// character HAProxy does not allow in a name (anything but letters, digits, `.`, `-`, `_`, `:`)
/// replaced by `_`.
pub fn server_name(name: &str, version: &str) -> String {
    format!("{name}-{version}")
        .chars()
        .map(|c| if is_haproxy_char(c) { c } else { '_' })
        .collect()
}

/// One backend of one HAProxy.
pub struct Backend<'a> {
    router: &'a HaproxyRouter,
}

impl<'a> Backend<'a> {
    /// The backend `router` names.
    pub fn new(router: &'a HaproxyRouter) -> Self {
        Self { router }
    }

    /// `haproxy backend web at 127.0.0.1:9999`, for plans and logs.
    pub fn describe(&self) -> String {
        format!(
            "haproxy backend {} at {}",
            self.router.backend, self.router.haproxy
        )
    }

    /// The backend's servers.
    pub fn servers(&self) -> Result<Vec<Server>, Error> {
        haproxy::list_servers(&self.router.haproxy, &self.router.backend)
            .map_err(within(self.describe()))
    }

    /// The server at `dial` (`ADDRESS:PORT`), if there is one.
    pub fn server_at(&self, dial: &str) -> Result<Option<Server>, Error> {
        Ok(self
            .servers()?
            .into_iter()
            .find(|server| address(server) == dial))
    }

    /// Where the backend sends most of its traffic: the ready server with the largest weight
    /// (the first of equals), if any takes traffic.
    pub fn heaviest(&self) -> Result<Option<String>, Error> {
        let servers = self.servers()?;
        let mut ready = servers
            .iter()
            .filter(|server| server.admin == AdminState::Ready && server.weight > 0);
        let first = ready.next();
        Ok(ready
            .fold(first, |best, server| match best {
                Some(best) if best.weight >= server.weight => Some(best),
                _ => Some(server),
            })
            .map(address))
    }

    /// Adds a server for `version` at `dial` with `weight`, after removing any other server at
    /// that address (left over by an interrupted deployment). Its name is [`server_name`], with
    /// `-<suffix>` added when a server at another address already has that name (the same
    /// version deployed again).
    pub fn add(
        &self,
        name: &str,
        version: &str,
        suffix: &str,
        dial: &str,
        weight: u16,
    ) -> Result<String, Error> {
        let servers = self.servers()?;
        for leftover in servers.iter().filter(|server| address(server) == dial) {
            self.retire(leftover, Duration::ZERO)?;
            sluice_sdk::info!("removed server {}, left over at {dial}", leftover.name);
        }
        let mut server = server_name(name, version);
        if servers
            .iter()
            .any(|other| other.name == server && address(other) != dial)
        {
            server = format!("{server}-{suffix}");
        }
        let (ip, port) = split(dial)?;
        haproxy::add_server(
            &self.router.haproxy,
            &self.router.backend,
            &server,
            &ip,
            port,
            weight,
        )
        .map_err(within(self.describe()))?;
        Ok(server)
    }

    /// Sets the weight of `server`, making it ready when it was draining.
    pub fn set_weight(&self, server: &Server, weight: u16) -> Result<(), Error> {
        if server.weight != weight {
            haproxy::set_weight(
                &self.router.haproxy,
                &self.router.backend,
                &server.name,
                weight,
            )
            .map_err(within(self.describe()))?;
        }
        if weight > 0 && server.admin != AdminState::Ready {
            self.set_state(&server.name, AdminState::Ready)?;
        }
        Ok(())
    }

    /// Takes `server` out of the backend: no new traffic, drained, then, once its sessions reach
    /// 0 (waiting at most `drain`), in maintenance and removed.
    pub fn retire(&self, server: &Server, drain: Duration) -> Result<(), Error> {
        self.set_weight(server, 0)?;
        self.drain(server)?;
        let started = Instant::now();
        loop {
            let sessions = self
                .servers()?
                .into_iter()
                .find(|s| s.name == server.name)
                .map_or(0, |s| s.sessions);
            if sessions == 0 {
                break;
            }
            if started.elapsed() >= drain {
                sluice_sdk::warn!(
                    "server {} still serves {sessions} connections after {drain:?}",
                    server.name
                );
                break;
            }
            std::thread::sleep(POLL);
        }
        self.set_state(&server.name, AdminState::Maint)?;
        haproxy::remove_server(&self.router.haproxy, &self.router.backend, &server.name)
            .map_err(within(self.describe()))
    }

    /// Stops sending `server` new connections; those it has finish.
    pub fn drain(&self, server: &Server) -> Result<(), Error> {
        self.set_state(&server.name, AdminState::Drain)
    }

    fn set_state(&self, name: &str, state: AdminState) -> Result<(), Error> {
        haproxy::set_state(&self.router.haproxy, &self.router.backend, name, state)
            .map_err(within(self.describe()))
    }
}

/// `ADDRESS:PORT` of a server, as the config dials it (IPv6 in brackets).
fn address(server: &Server) -> String {
    match server.address.parse::<std::net::IpAddr>() {
        Ok(ip) => std::net::SocketAddr::new(ip, server.port).to_string(),
        Err(_) => format!("{}:{}", server.address, server.port),
    }
}

/// `ADDRESS:PORT` split into the address (without brackets) and the port.
fn split(dial: &str) -> Result<(String, u16), Error> {
    let at: std::net::SocketAddr = dial
        .parse()
        .map_err(|_| Error::Failed(format!("{dial} is not an IP address and port")))?;
    Ok((at.ip().to_string(), at.port()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_is_named_after_the_unit_and_version_with_other_characters_replaced() {
        assert_eq!(server_name("shop", "v2"), "shop-v2");
        assert_eq!(
            server_name("shop", "1.4.0+build 7/x"),
            "shop-1.4.0_build_7_x"
        );
    }
}
