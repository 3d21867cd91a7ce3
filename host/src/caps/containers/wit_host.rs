//! The WIT `containers` host interface, answered by [`ContainersCap`]'s methods.

use super::ContainersCap;
use crate::wit::containers::{ContainerInfo, ContainerSpec, Host, ImageInfo};
use crate::wit::types::Error;

impl Host for ContainersCap {
    async fn endpoints(&mut self) -> wasmtime::Result<Vec<String>> {
        Ok(ContainersCap::endpoints(self))
    }

    async fn image_inspect(
        &mut self,
        endpoint: String,
        image: String,
    ) -> wasmtime::Result<Result<Option<ImageInfo>, Error>> {
        Ok(ContainersCap::image_inspect(self, &endpoint, &image).await)
    }

    async fn image_list(
        &mut self,
        endpoint: String,
        repository: String,
    ) -> wasmtime::Result<Result<Vec<ImageInfo>, Error>> {
        Ok(ContainersCap::image_list(self, &endpoint, &repository).await)
    }

    async fn image_tag(
        &mut self,
        endpoint: String,
        source: String,
        target: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(ContainersCap::image_tag(self, &endpoint, &source, &target).await)
    }

    async fn image_pull(
        &mut self,
        endpoint: String,
        image: String,
    ) -> wasmtime::Result<Result<String, Error>> {
        Ok(ContainersCap::image_pull(self, &endpoint, &image).await)
    }

    async fn image_remove(
        &mut self,
        endpoint: String,
        image: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(ContainersCap::image_remove(self, &endpoint, &image).await)
    }

    async fn create(
        &mut self,
        endpoint: String,
        spec: ContainerSpec,
    ) -> wasmtime::Result<Result<String, Error>> {
        Ok(ContainersCap::create(self, &endpoint, spec).await)
    }

    async fn start(
        &mut self,
        endpoint: String,
        name: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(ContainersCap::start(self, &endpoint, &name).await)
    }

    async fn stop(
        &mut self,
        endpoint: String,
        name: String,
        timeout_secs: u32,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(ContainersCap::stop(self, &endpoint, &name, timeout_secs).await)
    }

    async fn rename(
        &mut self,
        endpoint: String,
        name: String,
        new_name: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(ContainersCap::rename(self, &endpoint, &name, &new_name).await)
    }

    async fn remove(
        &mut self,
        endpoint: String,
        name: String,
        force: bool,
    ) -> wasmtime::Result<Result<(), Error>> {
        Ok(ContainersCap::remove(self, &endpoint, &name, force).await)
    }

    async fn inspect(
        &mut self,
        endpoint: String,
        name: String,
    ) -> wasmtime::Result<Result<Option<ContainerInfo>, Error>> {
        Ok(ContainersCap::inspect(self, &endpoint, &name).await)
    }

    async fn list(
        &mut self,
        endpoint: String,
        labels: Vec<(String, String)>,
    ) -> wasmtime::Result<Result<Vec<ContainerInfo>, Error>> {
        Ok(ContainersCap::list(self, &endpoint, &labels).await)
    }

    async fn logs(
        &mut self,
        endpoint: String,
        name: String,
        tail: u32,
    ) -> wasmtime::Result<Result<String, Error>> {
        Ok(ContainersCap::logs(self, &endpoint, &name, tail).await)
    }
}
