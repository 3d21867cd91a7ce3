//! `sluice:deploy/haproxy`: the servers of the HAProxy backends the plan grants
//! (`haproxy = ["ADDRESS:PORT/BACKEND"]`), driven by the host through HAProxy's runtime API in its
//! TCP form (`stats socket ipv4@ADDRESS:PORT level admin`): list a backend's servers, add one
//! (HAProxy 2.6 dynamic servers), set its weight or its state, remove it. Every change applies at
//! once and never reloads HAProxy.
//!
//! Threat model: a hostile plugin could try to reach another runtime API (any TCP service on
//! this machine or the network), another backend of a granted HAProxy, or splice a second
//! command into one it may send (a runtime API line is split on spaces and `;`, and ends at a
//! newline: `web/a weight 0; shutdown sessions server ...`, or a `disable frontend`). It could
//! also make the host wait forever on a silent peer, or hold a huge answer in memory. What stops
//! it: the plugin never writes a command. Each function takes typed arguments; the host parses
//! the API address as an IP address and port (no name lookup) and checks it and the backend
//! against the grant before connecting (`denied` names the grant otherwise); every backend and
//! server name must be an [`HaproxyName`] (letters, digits, `.`, `-`, `_`, `:`), a server address
//! an IP address and a weight 0..=256, so a composed command is exactly one command, checked
//! before anything is sent. The host sends only the commands of [`runtime_api::Command`]: no
//! `shutdown`, no frontend or global change, no reload. A connection gets [`TIMEOUT`] for its
//! whole exchange and an answer at most [`MAX_ANSWER_BYTES`]. Errors quote HAProxy's own answer.

mod capability;
mod runtime_api;
mod wit_host;

use std::net::SocketAddr;
use std::time::Duration;

pub use capability::Haproxy;

use crate::plan::model::{HaproxyGrant, HaproxyName};
use crate::wit::haproxy::{AdminState, Server};
use crate::wit::types::Error;
use runtime_api::{Command, RuntimeApi};

/// How long one exchange with a runtime API may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer the host reads from a runtime API.
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;
/// The largest weight HAProxy takes.
pub const MAX_WEIGHT: u16 = 256;

/// The haproxy capability of one lifecycle call: what the plan grants the plugin.
pub struct HaproxyCap {
    plugin: String,
    grants: Vec<HaproxyGrant>,
}

impl HaproxyCap {
    /// The haproxy capability of `plugin` with `grants`.
    pub fn new(plugin: &str, grants: &[HaproxyGrant]) -> Self {
        HaproxyCap {
            plugin: plugin.to_owned(),
            grants: grants.to_vec(),
        }
    }

    /// The servers of `backend` behind the runtime API at `api`.
    pub async fn list_servers(&self, api: &str, backend: &str) -> Result<Vec<Server>, Error> {
        let (api, backend) = self.granted(api, backend)?;
        api.servers(&backend).await
    }

    /// Adds server `name` at `address:port` with `weight` to `backend` and enables it.
    pub async fn add_server(
        &self,
        api: &str,
        backend: &str,
        name: &str,
        address: &str,
        port: u16,
        weight: u16,
    ) -> Result<(), Error> {
        let (api, backend) = self.granted(api, backend)?;
        let server = server_name(name)?;
        let address = address.parse().map_err(|_| {
            Error::Denied(format!(
                "haproxy: server address {address:?} is not an IP address; nothing was sent"
            ))
        })?;
        let weight = checked_weight(weight)?;
        let at = SocketAddr::new(address, port);
        api.run(Command::AddServer(&backend, &server, at, weight))
            .await?;
        api.run(Command::Enable(&backend, &server)).await
    }

    /// Sets the weight of server `name` of `backend`.
    pub async fn set_weight(
        &self,
        api: &str,
        backend: &str,
        name: &str,
        weight: u16,
    ) -> Result<(), Error> {
        let (api, backend) = self.granted(api, backend)?;
        let server = server_name(name)?;
        let weight = checked_weight(weight)?;
        api.run(Command::SetWeight(&backend, &server, weight)).await
    }

    /// Sets the administrative state of server `name` of `backend`.
    pub async fn set_state(
        &self,
        api: &str,
        backend: &str,
        name: &str,
        state: AdminState,
    ) -> Result<(), Error> {
        let (api, backend) = self.granted(api, backend)?;
        let server = server_name(name)?;
        api.run(Command::SetState(&backend, &server, state)).await
    }

    /// Removes server `name` from `backend` (HAProxy refuses unless it is in maintenance and
    /// serves nothing).
    pub async fn remove_server(&self, api: &str, backend: &str, name: &str) -> Result<(), Error> {
        let (api, backend) = self.granted(api, backend)?;
        let server = server_name(name)?;
        api.run(Command::Delete(&backend, &server)).await
    }

    /// The runtime API at `api` and the name `backend`, when a grant covers both.
    fn granted(&self, api: &str, backend: &str) -> Result<(RuntimeApi, HaproxyName), Error> {
        let denied = |why: String| {
            Error::Denied(format!(
                "haproxy: {why}; plugin `{}` is granted {} (grants.haproxy in the plan)",
                self.plugin,
                self.granted_list()
            ))
        };
        let address: SocketAddr = api.parse().map_err(|_| {
            denied(format!(
                "runtime API {api:?} is not an IP address and port; nothing was sent"
            ))
        })?;
        let backend = HaproxyName::new(backend)
            .map_err(|why| denied(format!("backend {why}; nothing was sent")))?;
        if !self
            .grants
            .iter()
            .any(|grant| grant.covers(address, &backend))
        {
            return Err(denied(format!(
                "backend {address}/{backend} is not granted"
            )));
        }
        Ok((RuntimeApi::new(address), backend))
    }

    fn granted_list(&self) -> String {
        if self.grants.is_empty() {
            return "no backend".to_owned();
        }
        self.grants
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `name` as a server name, or `denied` before anything is sent.
fn server_name(name: &str) -> Result<HaproxyName, Error> {
    HaproxyName::new(name)
        .map_err(|why| Error::Denied(format!("haproxy: server {why}; nothing was sent")))
}

/// `weight`, when HAProxy takes it.
fn checked_weight(weight: u16) -> Result<u16, Error> {
    if weight > MAX_WEIGHT {
        return Err(Error::Denied(format!(
            "haproxy: weight {weight} is above {MAX_WEIGHT}, the largest HAProxy takes; nothing was sent"
        )));
    }
    Ok(weight)
}

#[cfg(test)]
mod tests;
