//! A fresh `Store` per lifecycle call: capabilities, WASI context, memory cap, deadline, and caps
//! on the bytes passed to one host call and on the resources held open.

use wasmtime::component::Linker;
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtxView, WasiHttpView};

use super::engine::EPOCH_TICK;
use super::error::RuntimeError;
use super::limits::{Limiter, Refused};
use crate::caps::capability::CallSetup;
use crate::caps::http::{MAX_HEADER_BYTES, MAX_REQUEST_BODY};
use crate::caps::registry::{self, HasCapabilities};
use crate::caps::{Capabilities, Provision};
use crate::plan::model::Limits;

pub use crate::caps::files::MAX_OPEN_RESOURCES;

/// The most bytes a plugin may pass to one host call (all its string and list arguments
/// together, counted before anything is copied: wasmtime's hostcall fuel). Room for the largest
/// HTTP request body with its headers; a larger argument traps the call.
pub const MAX_HOST_CALL_BYTES: usize = 80 * 1024 * 1024;
const _: () = assert!(MAX_HOST_CALL_BYTES > MAX_REQUEST_BODY + 2 * MAX_HEADER_BYTES);

/// The most component-model handles (to host resources or its own) a plugin may hold at once.
const MAX_COMPONENT_HANDLES: usize = 4 * MAX_OPEN_RESOURCES;

/// Everything a plugin's store holds.
pub struct StoreState {
    caps: Capabilities,
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

impl HasCapabilities for StoreState {
    fn capabilities(&mut self) -> &mut Capabilities {
        &mut self.caps
    }
}

/// WASI sees the `files` capability's state (linked by it: see `caps::files`).
impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let wasi = &mut self.caps.files;
        WasiCtxView {
            ctx: &mut wasi.ctx,
            table: &mut wasi.table,
        }
    }
}

/// wasi:http sees the `http` capability's state, its resources in WASI's table (linked by it: see
/// `caps::http`).
impl WasiHttpView for StoreState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        let caps = &mut self.caps;
        caps.http.wasi_view(&mut caps.files.table)
    }
}

/// A linker providing every capability in the registry. Which of them a plugin may really use
/// was checked against its grants before linking.
pub(super) fn linker(engine: &Engine) -> wasmtime::Result<Linker<StoreState>> {
    let mut linker = Linker::<StoreState>::new(engine);
    registry::add_to_linker(&mut linker)?;
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
        caps: Capabilities::new(&CallSetup { provision, output })?,
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

fn deadline_ticks(limits: &Limits) -> u64 {
    let ticks = limits.deadline.as_millis() / EPOCH_TICK.as_millis();
    u64::try_from(ticks).unwrap_or(u64::MAX).max(1)
}
