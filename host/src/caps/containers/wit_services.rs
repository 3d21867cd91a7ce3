//! The WIT `services` host interface (since 0.1.4), answered by [`ContainersCap`]'s `service_*`
//! methods.

use super::ContainersCap;
use crate::wit::services::{Host, ServiceInfo, ServiceSpec, TaskInfo};
use crate::wit::types::Error;

impl Host for ContainersCap {
    async fn inspect(
        &mut self,
        endpoint: String,
        name: String,
    ) -> wasmtime::Result<Result<Option<ServiceInfo>, Error>> {
        Ok(self.service_inspect(&endpoint, &name).await)
    }

    async fn create(
        &mut self,
        endpoint: String,
        spec: ServiceSpec,
    ) -> wasmtime::Result<Result<String, Error>> {
        Ok(self.service_create(&endpoint, spec).await)
    }

    async fn update(
        &mut self,
        endpoint: String,
        spec: ServiceSpec,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.service_update(&endpoint, spec).await)
    }

    async fn rollback(
        &mut self,
        endpoint: String,
        name: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.service_rollback(&endpoint, &name).await)
    }

    async fn remove(
        &mut self,
        endpoint: String,
        name: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(self.service_remove(&endpoint, &name).await)
    }

    async fn tasks(
        &mut self,
        endpoint: String,
        name: String,
    ) -> wasmtime::Result<Result<Vec<TaskInfo>, Error>> {
        Ok(self.service_tasks(&endpoint, &name).await)
    }
}
