//! The WIT `haproxy` host interface, answered by [`HaproxyCap`].

use super::HaproxyCap;
use crate::wit::haproxy::{AdminState, Host, Server};
use crate::wit::types::Error;

impl Host for HaproxyCap {
    async fn list_servers(
        &mut self,
        api: String,
        backend: String,
    ) -> wasmtime::Result<Result<Vec<Server>, Error>> {
        Ok(HaproxyCap::list_servers(self, &api, &backend).await)
    }

    async fn add_server(
        &mut self,
        api: String,
        backend: String,
        name: String,
        address: String,
        port: u16,
        weight: u16,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(HaproxyCap::add_server(self, &api, &backend, &name, &address, port, weight).await)
    }

    async fn set_weight(
        &mut self,
        api: String,
        backend: String,
        name: String,
        weight: u16,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(HaproxyCap::set_weight(self, &api, &backend, &name, weight).await)
    }

    async fn set_state(
        &mut self,
        api: String,
        backend: String,
        name: String,
        state: AdminState,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(HaproxyCap::set_state(self, &api, &backend, &name, state).await)
    }

    async fn remove_server(
        &mut self,
        api: String,
        backend: String,
        name: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(HaproxyCap::remove_server(self, &api, &backend, &name).await)
    }
}
