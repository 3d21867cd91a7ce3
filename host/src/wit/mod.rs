//! The contract, as Rust: bindings generated from `wit/` (package `sluice:deploy`).
//!
//! Each released version of the WIT gets its own module here, named after the version it
//! appeared in (`since_v0_1_0`). When the WIT grows, the new version is added beside the old
//! ones and the runtime picks the bindings matching what a plugin was built against, so old
//! plugins keep loading. 0.1.1 only added `http.send-all`, which wasmtime links for plugins built
//! against 0.1.0 as well (semver-compatible), so one module serves both.

/// Bindings for `sluice:deploy@0.1.1` (and 0.1.0, a compatible subset).
pub mod since_v0_1_0 {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "sluice:deploy/plugin",
        imports: { default: async | trappable },
        exports: { default: async },
    });
}

pub use since_v0_1_0::sluice::deploy::{containers, http, log, secrets, sql, types};
pub use since_v0_1_0::{Plugin, PluginPre};

/// The package version this host provides.
pub const VERSION: &str = "0.1.1";
/// The WIT package name.
pub const PACKAGE: &str = "sluice:deploy";
