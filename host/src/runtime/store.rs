//! A fresh `Store` per lifecycle call: capabilities, WASI context, memory cap, deadline, and caps
//! on the bytes passed to one host call and on the resources held open.

use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::engine::EPOCH_TICK;
use super::error::RuntimeError;
use super::limits::{Limiter, Refused};
use crate::caps::containers::ContainersCap;
use crate::caps::http::{HttpCap, MAX_HEADER_BYTES, MAX_REQUEST_BODY};
use crate::caps::log::LogCap;
use crate::caps::plan_notes::PlanNotesCap;
use crate::caps::secrets::SecretsCap;
use crate::caps::sql::SqlCap;
use crate::caps::{Capabilities, Provision, files};
use crate::plan::model::Limits;
use crate::wit;

/// The most bytes a plugin may pass to one host call (all its string and list arguments
/// together, counted before anything is copied: wasmtime's hostcall fuel). Room for the largest
/// HTTP request body with its headers; a larger argument traps the call.
pub const MAX_HOST_CALL_BYTES: usize = 80 * 1024 * 1024;
const _: () = assert!(MAX_HOST_CALL_BYTES > MAX_REQUEST_BODY + 2 * MAX_HEADER_BYTES);

/// The most host resources (open files and directories, streams, pollables) a plugin may hold
/// at once; opening one more traps the call. Each open file holds a host file descriptor.
pub const MAX_OPEN_RESOURCES: usize = 256;
/// The most component-model handles (to host resources or its own) a plugin may hold at once.
const MAX_COMPONENT_HANDLES: usize = 4 * MAX_OPEN_RESOURCES;

/// Everything a plugin's store holds.
pub struct StoreState {
    caps: Capabilities,
    wasi: WasiCtx,
    table: ResourceTable,
    limits: Limiter,
}

impl StoreState {
    /// Why the plugin said, in this call, that its planned deployment would be irreversible.
    pub(super) fn irreversible(&self) -> Vec<String> {
        self.caps.plan_notes.irreversible().to_vec()
    }

    /// The limit that refused to let the plugin grow in this store, if one did.
    pub(super) fn refused(&self) -> Option<Refused> {
        self.limits.refused()
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A linker providing WASI 0.2 and the sluice capabilities this host implements.
/// Which of them a plugin may really use was checked against its grants before linking.
pub(super) fn linker(engine: &Engine) -> wasmtime::Result<Linker<StoreState>> {
    let mut linker = Linker::<StoreState>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wit::log::add_to_linker::<_, HasSelf<LogCap>>(&mut linker, |s| &mut s.caps.log)?;
    wit::http::add_to_linker::<_, HasSelf<HttpCap>>(&mut linker, |s| &mut s.caps.http)?;
    wit::secrets::add_to_linker::<_, HasSelf<SecretsCap>>(&mut linker, |s| &mut s.caps.secrets)?;
    wit::containers::add_to_linker::<_, HasSelf<ContainersCap>>(&mut linker, |s| {
        &mut s.caps.containers
    })?;
    wit::sql::add_to_linker::<_, HasSelf<SqlCap>>(&mut linker, |s| &mut s.caps.sql)?;
    wit::plan_notes::add_to_linker::<_, HasSelf<PlanNotesCap>>(&mut linker, |s| {
        &mut s.caps.plan_notes
    })?;
    Ok(linker)
}

/// A store for one call of a plugin with `limits`, reaching what `provision` allows; the plugin's
/// stdout and stderr go to `output`.
pub(super) fn new_store(
    engine: &Engine,
    provision: &Provision,
    limits: &Limits,
    output: &MemoryOutputPipe,
) -> Result<Store<StoreState>, RuntimeError> {
    let state = StoreState {
        caps: provision.capabilities()?,
        wasi: files::wasi_ctx(&provision.grants.files, output)?,
        table: resource_table(),
        limits: Limiter::new(usize::try_from(limits.memory).unwrap_or(usize::MAX)),
    };
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limits);
    store.set_hostcall_fuel(MAX_HOST_CALL_BYTES);
    store.set_max_component_handles(MAX_COMPONENT_HANDLES);
    store.set_epoch_deadline(deadline_ticks(limits));
    store.epoch_deadline_trap();
    Ok(store)
}

fn resource_table() -> ResourceTable {
    let mut table = ResourceTable::new();
    table.set_max_capacity(MAX_OPEN_RESOURCES);
    table
}

fn deadline_ticks(limits: &Limits) -> u64 {
    let ticks = limits.deadline.as_millis() / EPOCH_TICK.as_millis();
    u64::try_from(ticks).unwrap_or(u64::MAX).max(1)
}
